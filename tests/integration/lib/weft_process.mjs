// Start and stop a real `weft <command>` process that reports its listeners through
// --ports-file (every listener on 127.0.0.1, port 0, unless a test says otherwise). Only
// processes started here are signalled (by PID); every child still running is SIGKILLed when
// the test process exits, so a failing test never leaks one.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '..', '..', '..');
export const WEFT_BIN = process.env.WEFT_BIN || path.join(REPO_ROOT, 'build', 'src', 'cmd', 'weft');

const PORTS_TIMEOUT_MS = Number(process.env.WEFT_IT_START_TIMEOUT_MS || 20000);
const STOP_GRACE_MS = 10000;

const live = new Set();
process.on('exit', () => {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

export function makeTempDir(prefix = 'weft-it-') {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function removeDir(dir) {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** Throws a clear error when the binary is missing (e.g. not built yet). */
export function assertBinary() {
  if (!existsSync(WEFT_BIN)) {
    throw new Error(`weft binary not found at ${WEFT_BIN} (set WEFT_BIN or build target weft)`);
  }
}

// The Jaeger receivers' flags at port 0 (their defaults are fixed ports).
export const JAEGER_PORT_0 = ['--jaeger-http-addr', '127.0.0.1:0', '--jaeger-compact-addr', '127.0.0.1:0',
  '--jaeger-binary-addr', '127.0.0.1:0'];

const tail = (s, n = 4000) => (s.length > n ? '…' + s.slice(s.length - n) : s);

/**
 * Runs `weft <args…> --ports-file F` and waits until F names every key of `required`.
 * Returns {pid, args, ports, output(), exited, exitInfo, stop(), signalAndWait(sig), kill9(),
 * onStop(fn)}: stop() is SIGTERM (SIGKILL after 10 s) and then runs the onStop hooks.
 */
export async function startWeft(args, required, { env } = {}) {
  assertBinary();
  const runDir = makeTempDir('weft-it-run-');
  const portsFile = path.join(runDir, 'ports.json');
  const fullArgs = [...args, '--ports-file', portsFile];
  const child = spawn(WEFT_BIN, fullArgs, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...(env || {}) },
  });
  live.add(child);
  let out = '';
  const append = (d) => { out += d.toString(); if (out.length > 200000) out = out.slice(-100000); };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  let exitInfo = null;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => { exitInfo = { code, signal }; live.delete(child); resolve(exitInfo); });
    child.on('error', (error) => { exitInfo = { code: null, signal: null, error }; live.delete(child); resolve(exitInfo); });
  });
  const stopHooks = [];
  const signalAndWait = async (sig, timeoutMs = STOP_GRACE_MS) => {
    if (!exitInfo) child.kill(sig);
    const t = sleep(timeoutMs, undefined, { ref: false }).then(() => 'timeout');
    if ((await Promise.race([exited, t])) === 'timeout') {
      child.kill('SIGKILL');
      await exited;
      exitInfo.forcedKill = true;
    }
    removeDir(runDir);
    return exitInfo;
  };
  const proc = {
    pid: child.pid,
    args: fullArgs,
    ports: null,
    output: () => out,
    exited,
    get exitInfo() { return exitInfo; },
    onStop(fn) { stopHooks.push(fn); },
    /** SIGTERM, wait up to 10 s, then SIGKILL; then the onStop hooks. Returns {code, signal}. */
    async stop() {
      const info = await signalAndWait('SIGTERM');
      for (const fn of stopHooks.splice(0)) fn();
      return info;
    },
    /** Send a signal to this process (only ours, by PID) and wait for its exit. */
    signalAndWait,
    /** kill -9; nothing else is cleaned up (crash tests restart on the same data). */
    async kill9() {
      if (!exitInfo) child.kill('SIGKILL');
      await exited;
      removeDir(runDir);
      return exitInfo;
    },
  };
  const deadline = Date.now() + PORTS_TIMEOUT_MS;
  for (;;) {
    if (exitInfo) {
      removeDir(runDir);
      throw new Error(`weft ${args[0]} exited before writing ports file: ` +
        `${JSON.stringify(exitInfo)}\nargs: ${fullArgs.join(' ')}\noutput:\n${tail(out)}`);
    }
    if (existsSync(portsFile)) {
      try {
        const ports = JSON.parse(readFileSync(portsFile, 'utf8'));
        if (required.every((k) => ports[k])) { proc.ports = ports; break; }
      } catch { /* partially written; retry */ }
    }
    if (Date.now() > deadline) {
      await proc.stop();
      throw new Error(`weft ${args[0]} wrote no ports file within ${PORTS_TIMEOUT_MS} ms\n` +
        `output:\n${tail(out)}`);
    }
    await sleep(50);
  }
  return proc;
}

/**
 * `weft agent` on port 0 everywhere, forwarding to `forward` (URLs).
 * opts.dataDir (required: the caller owns it, restarts reuse it), opts.args: extra flags.
 */
export async function startAgent({ dataDir, forward, args = [], env }) {
  const agent = await startWeft([
    'agent', '--data-dir', dataDir,
    '--otlp-grpc-addr', '127.0.0.1:0', '--otlp-http-addr', '127.0.0.1:0',
    '--zipkin-addr', '127.0.0.1:0', '--admin-addr', '127.0.0.1:0', ...JAEGER_PORT_0,
    ...forward.flatMap((u) => ['--forward', u]),
    ...args,
  ], ['otlp_http', 'otlp_grpc', 'zipkin', 'admin'], { env });
  agent.otlpHttp = `http://${agent.ports.otlp_http}`;
  agent.zipkin = `http://${agent.ports.zipkin}`;
  agent.admin = `http://${agent.ports.admin}`;
  return agent;
}
