// Start and stop a real `weft serve` process for integration tests.
//
// Every server binds 127.0.0.1 on port 0 and reports its ports through --ports-file.
// Only processes started here are ever signalled (by PID); temp dirs made here are
// removed on stop unless the caller owns the data dir (crash tests restart on it).
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

// PIDs of live children we started; killed on exit so a failing test never leaks a server.
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

function tail(buf, n = 4000) {
  return buf.length > n ? '…' + buf.slice(buf.length - n) : buf;
}

/**
 * Start `weft serve`.
 * opts.dataDir: reuse this data dir (caller owns it; not removed on stop).
 * opts.args: extra CLI args (e.g. ['--max-body-bytes', '4096']).
 * Returns a Server with ports, base URLs, stop(), kill9(), output().
 */
export async function startServer(opts = {}) {
  assertBinary();
  const ownsDataDir = !opts.dataDir;
  const dataDir = opts.dataDir || makeTempDir('weft-it-data-');
  const runDir = makeTempDir('weft-it-run-');
  const portsFile = path.join(runDir, 'ports.json');
  // Every listener on port 0 (parallel tests must not collide on the fixed default ports),
  // unless opts.args sets it (e.g. '--jaeger-compact-addr', 'off').
  const extra = opts.args || [];
  const listeners = [];
  for (const flag of ['--otlp-grpc-addr', '--otlp-http-addr', '--zipkin-addr', '--query-addr',
    '--jaeger-http-addr', '--jaeger-compact-addr', '--jaeger-binary-addr']) {
    if (!extra.includes(flag)) listeners.push(flag, '127.0.0.1:0');
  }
  const args = [
    'serve',
    '--data-dir', dataDir,
    ...listeners,
    '--ports-file', portsFile,
    '--no-demo',
    ...extra,
  ];
  const child = spawn(WEFT_BIN, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...(opts.env || {}) },
  });
  live.add(child);
  let out = '';
  const append = (d) => { out += d.toString(); if (out.length > 200000) out = out.slice(-100000); };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  let exitInfo = null;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      live.delete(child);
      resolve(exitInfo);
    });
    child.on('error', (err) => {
      exitInfo = { code: null, signal: null, error: err };
      live.delete(child);
      resolve(exitInfo);
    });
  });

  const server = {
    pid: child.pid,
    dataDir,
    args,
    ports: null,
    output: () => out,
    exited,
    get exitInfo() { return exitInfo; },
    /** SIGTERM, wait up to 10 s, then SIGKILL. Returns {code, signal}. */
    async stop() {
      if (!exitInfo) {
        child.kill('SIGTERM');
        const t = sleep(STOP_GRACE_MS, undefined, { ref: false }).then(() => 'timeout');
        if ((await Promise.race([exited, t])) === 'timeout') {
          child.kill('SIGKILL');
          await exited;
          exitInfo.forcedKill = true;
        }
      }
      removeDir(runDir);
      if (ownsDataDir) removeDir(dataDir);
      return exitInfo;
    },
    /** Send a signal to this server (only ours, by PID) and wait for its exit. */
    async signalAndWait(sig, timeoutMs = STOP_GRACE_MS) {
      if (!exitInfo) child.kill(sig);
      const t = sleep(timeoutMs, undefined, { ref: false }).then(() => 'timeout');
      if ((await Promise.race([exited, t])) === 'timeout') {
        child.kill('SIGKILL');
        await exited;
        exitInfo.forcedKill = true;
      }
      removeDir(runDir);
      return exitInfo;
    },
    /** kill -9 without cleanup of the data dir. */
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
      if (ownsDataDir) removeDir(dataDir);
      throw new Error(`weft serve exited before writing ports file: ${JSON.stringify(exitInfo)}\n` +
        `args: ${args.join(' ')}\noutput:\n${tail(out)}`);
    }
    if (existsSync(portsFile)) {
      try {
        const ports = JSON.parse(readFileSync(portsFile, 'utf8'));
        if (ports.otlp_grpc && ports.otlp_http && ports.zipkin && ports.query) {
          server.ports = ports;
          break;
        }
      } catch { /* partially written; retry */ }
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`weft serve did not write ${portsFile} within ${PORTS_TIMEOUT_MS} ms\n` +
        `output:\n${tail(out)}`);
    }
    await sleep(50);
  }
  for (const [k, v] of Object.entries(server.ports)) {
    if (!/^127\.0\.0\.1:\d+$/.test(v)) {
      await server.stop();
      throw new Error(`ports file entry ${k}=${v} is not 127.0.0.1:PORT`);
    }
  }
  server.otlpHttp = `http://${server.ports.otlp_http}`;
  server.otlpGrpc = `http://${server.ports.otlp_grpc}`;
  server.grpcAddr = server.ports.otlp_grpc;
  server.zipkin = `http://${server.ports.zipkin}`;
  server.query = `http://${server.ports.query}`;
  // Jaeger receivers (absent from the ports file when turned off): HTTP base URL, and the
  // UDP ports as "127.0.0.1:PORT".
  if (server.ports.jaeger_http) server.jaegerHttp = `http://${server.ports.jaeger_http}`;
  server.jaegerCompact = server.ports.jaeger_compact;
  server.jaegerBinary = server.ports.jaeger_binary;
  return server;
}

// ---------- HTTP helpers (global fetch, every call bounded) ----------

const HTTP_TIMEOUT_MS = 15000;

/** GET; returns {status, headers, text, json (or undefined)}. */
export async function httpGet(url, { timeoutMs = HTTP_TIMEOUT_MS, headers } = {}) {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  return readResponse(res);
}

/** POST raw body; returns {status, headers, text, bytes, json}. */
export async function httpPost(url, body, headers = {}, { timeoutMs = HTTP_TIMEOUT_MS } = {}) {
  const res = await fetch(url, {
    method: 'POST', body, headers, signal: AbortSignal.timeout(timeoutMs),
  });
  return readResponse(res);
}

async function readResponse(res) {
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString('utf8');
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, bytes, text, json };
}

/** GET expecting 200 + JSON; throws with the body otherwise. */
export async function getJson(url, opts) {
  const r = await httpGet(url, opts);
  if (r.status !== 200 || r.json === undefined) {
    throw new Error(`GET ${url} -> ${r.status}: ${r.text.slice(0, 500)}`);
  }
  return r.json;
}

export function postJson(url, obj, headers = {}) {
  return httpPost(url, JSON.stringify(obj), { 'content-type': 'application/json', ...headers });
}

/** Poll fn until it returns a truthy value or the timeout passes; returns last value. */
export async function waitFor(fn, { timeoutMs = 10000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try { last = await fn(); } catch (e) { last = undefined; }
    if (last) return last;
    if (Date.now() > deadline) return last;
    await sleep(intervalMs);
  }
}

// ---------- /metrics ----------

/** Parse Prometheus text into [{name, labels:{}, value}]. */
export function parseMetrics(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/);
    if (!m) continue;
    const labels = {};
    if (m[2]) {
      for (const lm of m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[lm[1]] = lm[2];
    }
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum of a metric's samples whose labels include `match`. */
export function sumMetric(samples, name, match = {}) {
  let s = 0;
  for (const x of samples) {
    if (x.name !== name) continue;
    if (Object.entries(match).every(([k, v]) => x.labels[k] === v)) s += x.value;
  }
  return s;
}
