// Processes for the C++ SDK's end-to-end tests (sdk_*.test.mjs): the SDK's probe program
// (sdk/tests/programs/sdk_probe.cc, path in $WEFT_SDK_PROBE) and a Node.js service
// instrumented with the OpenTelemetry JS SDK (lib/otel_service.cjs).
//
// Only processes started here are ever signalled (by PID); any still running when node
// exits are SIGKILLed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const PROBE_BIN = process.env.WEFT_SDK_PROBE || '';
export const OTEL_SERVICE = path.join(here, 'otel_service.cjs');

/** Why the SDK tests cannot run here, or '' when they can (pass to test's `skip`). */
export function probeSkipReason() {
  if (!PROBE_BIN) {
    return 'WEFT_SDK_PROBE is not set: build target weft_sdk_probe (sdk/tests/programs) and ' +
      'set WEFT_SDK_PROBE to its path (ctest does this when the SDK is part of the build)';
  }
  if (!existsSync(PROBE_BIN)) return `WEFT_SDK_PROBE=${PROBE_BIN} does not exist (build weft_sdk_probe)`;
  return '';
}

const live = new Set();
process.on('exit', () => {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* gone */ }
  }
});

function tail(s, n = 3000) { return s.length > n ? '…' + s.slice(-n) : s; }

/**
 * Spawn a process whose stdout is read line by line. Returns a handle with
 * waitLine(regex) -> match, lines(), output(), exited (promise of {code, signal}),
 * signal(sig), stop() (SIGTERM, then SIGKILL after 10 s).
 */
export function spawnProc(cmd, args, { env = {}, name = path.basename(cmd) } = {}) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  live.add(child);
  let out = '';
  let err = '';
  const lines = [];
  const waiters = [];
  let partial = '';
  child.stdout.on('data', (d) => {
    out += d;
    partial += d;
    let nl;
    while ((nl = partial.indexOf('\n')) >= 0) {
      lines.push(partial.slice(0, nl));
      partial = partial.slice(nl + 1);
    }
    for (const w of [...waiters]) w.check();
  });
  child.stderr.on('data', (d) => { err += d; if (err.length > 100000) err = err.slice(-50000); });
  let exitInfo = null;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      live.delete(child);
      for (const w of [...waiters]) w.check();
      resolve(exitInfo);
    });
    child.on('error', (e) => {
      exitInfo = { code: null, signal: null, error: e };
      live.delete(child);
      for (const w of [...waiters]) w.check();
      resolve(exitInfo);
    });
  });
  const describe = () => `${name} ${args.join(' ')}\nstdout:\n${tail(out)}\nstderr:\n${tail(err)}`;
  const proc = {
    child,
    pid: child.pid,
    exited,
    get exitInfo() { return exitInfo; },
    lines: () => lines,
    output: () => out,
    stderr: () => err,
    describe,
    /** Resolves with the first stdout line matching `re` (its match array). */
    waitLine(re, timeoutMs = 20000) {
      return new Promise((resolve, reject) => {
        const w = {
          check() {
            for (const l of lines) {
              const m = re.exec(l);
              if (m) { done(); resolve(m); return; }
            }
            if (exitInfo) { done(); reject(new Error(`exited (${JSON.stringify(exitInfo)}) before printing ${re}\n${describe()}`)); }
          },
        };
        const timer = setTimeout(() => { done(); reject(new Error(`no ${re} within ${timeoutMs} ms\n${describe()}`)); }, timeoutMs);
        const done = () => { clearTimeout(timer); const i = waiters.indexOf(w); if (i >= 0) waiters.splice(i, 1); };
        waiters.push(w);
        w.check();
      });
    },
    signal(sig) { if (!exitInfo) child.kill(sig); },
    /** Waits for exit up to timeoutMs, then SIGKILLs; returns {code, signal, forcedKill}. */
    async waitExit(timeoutMs = 10000) {
      // An unref'd timer: a pending timeout must not keep node alive after the tests end.
      let timer;
      const t = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); timer.unref(); });
      const winner = await Promise.race([exited, t]);
      clearTimeout(timer);
      if (winner === 'timeout') {
        child.kill('SIGKILL');
        await exited;
        return { ...exitInfo, forcedKill: true };
      }
      return exitInfo;
    },
    async stop() {
      if (!exitInfo) child.kill('SIGTERM');
      return proc.waitExit();
    },
  };
  return proc;
}

/** Start the probe in service mode; resolves once it prints LISTENING <port>. */
export async function startProbe(args) {
  const p = spawnProc(PROBE_BIN, ['--listen', '127.0.0.1:0', ...args], { name: 'weft_sdk_probe' });
  const m = await p.waitLine(/^LISTENING (\d+)$/);
  p.port = Number(m[1]);
  p.url = `http://127.0.0.1:${p.port}`;
  return p;
}

/** Start the probe in emit mode (no waiting). */
export function runProbe(args) {
  return spawnProc(PROBE_BIN, args, { name: 'weft_sdk_probe' });
}

/** Start lib/otel_service.cjs; resolves once it is listening. env: SVC_* (see that file). */
export async function startNodeService(env) {
  const p = spawnProc(process.execPath, [OTEL_SERVICE], { env, name: `otel_service(${env.SVC_NAME})` });
  const m = await p.waitLine(/^LISTENING (\d+)$/);
  p.port = Number(m[1]);
  p.url = `http://127.0.0.1:${p.port}`;
  return p;
}

/** A 127.0.0.1 port nothing listens on (bound, then closed). */
export async function deadPort() {
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** Parse "KEY {json}" stdout lines of the probe. */
export function jsonLine(proc, key) {
  const l = proc.lines().find((x) => x.startsWith(`${key} `));
  if (!l) throw new Error(`no ${key} line\n${proc.describe()}`);
  return JSON.parse(l.slice(key.length + 1));
}
