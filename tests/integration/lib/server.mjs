// Start and stop a real `weft serve` process for integration tests, and HTTP helpers.
//
// Every server binds 127.0.0.1 on port 0 and reports its ports through --ports-file
// (lib/weft_process.mjs starts the process). Only processes started here are ever signalled
// (by PID); temp dirs made here are removed on stop unless the caller owns the data dir
// (crash tests restart on it).
import { setTimeout as sleep } from 'node:timers/promises';
import { makeTempDir, removeDir, startWeft } from './weft_process.mjs';

export { REPO_ROOT, WEFT_BIN, assertBinary, makeTempDir, removeDir } from './weft_process.mjs';

/**
 * Start `weft serve`.
 * opts.dataDir: reuse this data dir (caller owns it; not removed on stop).
 * opts.args: extra CLI args (e.g. ['--max-body-bytes', '4096']); a listener flag given here
 *   replaces its port-0 default (e.g. '--otlp-http-addr', '127.0.0.1:4318').
 * Returns a Server with ports, base URLs, stop(), kill9(), signalAndWait(), output().
 */
export async function startServer(opts = {}) {
  const ownsDataDir = !opts.dataDir;
  const dataDir = opts.dataDir || makeTempDir('weft-it-data-');
  // Every listener on port 0 (parallel tests must not collide on the fixed default ports),
  // unless opts.args sets it (e.g. '--jaeger-compact-addr', 'off').
  const extra = opts.args || [];
  const listeners = [];
  for (const flag of ['--otlp-grpc-addr', '--otlp-http-addr', '--zipkin-addr', '--query-addr',
    '--jaeger-http-addr', '--jaeger-compact-addr', '--jaeger-binary-addr']) {
    if (!extra.includes(flag)) listeners.push(flag, '127.0.0.1:0');
  }
  let server;
  try {
    server = await startWeft(['serve', '--data-dir', dataDir, ...listeners, '--no-demo', ...extra],
      ['otlp_grpc', 'otlp_http', 'zipkin', 'query'], { env: opts.env });
  } catch (e) {
    if (ownsDataDir) removeDir(dataDir);
    throw e;
  }
  server.dataDir = dataDir;
  if (ownsDataDir) server.onStop(() => removeDir(dataDir));
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
  // The Jaeger receivers (absent from the ports file when turned off).
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
