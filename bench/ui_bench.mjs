#!/usr/bin/env node
// Web UI benchmark: time from navigation to an interactive trace waterfall for traces of
// 1,000, 10,000 and 100,000 spans, and frame times while scrolling the largest one, in
// headless Chromium (Debian's /usr/bin/chromium driven by playwright-core from web/).
//
// 1. Starts `build/src/cmd/weft serve` (every port 0, a temporary data dir, --ports-file),
//    serving the UI from web/dist on its query port. A weft that does not serve the UI yet
//    gets a tiny static server in front (web/dist + /api proxied to weft).
// 2. Generates one trace per size (fan-out ~10, depth 4–7, 15 services, realistic names,
//    4–8 attributes per span, ~0.5 % errors, ~2 % of spans with events), deterministic from
//    --seed, and POSTs it as OTLP/JSON to /v1/traces in batches of ≤ 5,000 spans.
// 3. For each size, --runs times (after --warmup unmeasured runs): a fresh browser context,
//    navigate to /trace/{id}, wait for the page's ready mark (router.ts markReady:
//    documentElement.dataset.weftReady === "trace"), and read
//    performance.getEntriesByName("weft-ready:trace")[0].startTime — milliseconds since
//    navigation start: "time to interactive". Other weft-* marks the page sets are
//    reported too (median), as a breakdown.
// 4. For the largest size: scrolls the waterfall ([data-testid="waterfall"], or its first
//    scrollable descendant) by --scroll-step px every animation frame for --scroll-seconds,
//    then jumps to a random position every frame for half as long (every row new), and
//    records the time between animation frames: p50/p95/p99/max, frames over 16.7 ms, and
//    missed vsyncs (a 50 ms gap is 2 missed 16.7 ms frames).
// 5. Prints a Markdown section (machine, Chromium version, command line, tables) on stdout;
//    progress goes to stderr. Exits 1 when anything fails; the server it started is
//    stopped by PID in every case.
//
// Usage: node bench/ui_bench.mjs [--runs 5] [--warmup 1] [--sizes 1000,10000,100000]
//          [--scroll-seconds 5] [--scroll-step 120] [--seed 1] [--weft PATH]
//          [--chromium PATH] [--viewport 1600x1000] [--keep] [--static-ui]
// --static-ui serves web/dist from this script even when weft serves it (the fallback).
// (bench/ui_bench.sh checks the builds exist and runs this.)
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '..');
const require = createRequire(new URL('../web/package.json', import.meta.url));

// ---------- options ----------

const opts = {
  runs: 5,
  warmup: 1,
  sizes: [1000, 10000, 100000],
  scrollSeconds: 5,
  scrollStep: 120,
  seed: 1,
  weft: process.env.WEFT || path.join(ROOT, 'build', 'src', 'cmd', 'weft'),
  chromium: process.env.WEFT_CHROMIUM || '/usr/bin/chromium',
  viewport: { width: 1600, height: 1000 },
  keep: false,
  staticUi: false,
};
function usage(code) {
  const text = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
  process.stderr.write(text.slice(1, text.findIndex((l) => l.startsWith('import '))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
  process.exit(code);
}
{
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    const v = () => {
      if (i + 1 >= a.length) usage(2);
      return a[++i];
    };
    switch (a[i]) {
      case '--runs': opts.runs = Number(v()); break;
      case '--warmup': opts.warmup = Number(v()); break;
      case '--sizes': opts.sizes = v().split(',').map((x) => Number(x.replace(/[_k]/g, (c) => (c === 'k' ? '000' : '')))); break;
      case '--scroll-seconds': opts.scrollSeconds = Number(v()); break;
      case '--scroll-step': opts.scrollStep = Number(v()); break;
      case '--seed': opts.seed = Number(v()); break;
      case '--weft': opts.weft = v(); break;
      case '--chromium': opts.chromium = v(); break;
      case '--viewport': { const [w, h] = v().split('x').map(Number); opts.viewport = { width: w, height: h }; break; }
      case '--keep': opts.keep = true; break;
      case '--static-ui': opts.staticUi = true; break;
      case '-h': case '--help': usage(0); break;
      default: process.stderr.write(`unknown argument: ${a[i]}\n`); usage(2);
    }
  }
  const bad = [opts.runs, opts.warmup, opts.scrollSeconds, opts.scrollStep, opts.seed, ...opts.sizes].some((x) => !Number.isFinite(x) || x < 0) ||
    opts.runs < 1 || opts.sizes.some((n) => n < 1 || !Number.isInteger(n));
  if (bad) { process.stderr.write('bad option value\n'); usage(2); }
}

const log = (...m) => process.stderr.write(`[ui_bench] ${m.join(' ')}\n`);

// ---------- cleanup: only what we started, by PID ----------

let weft = null; // { child, exited, dataDir }
let fallback = null; // http.Server
let browser = null;
let workDir = null;

let interrupted = false;
let stopping = null;
// Idempotent: a signal and main's own finally may both ask.
function stopAll() {
  stopping ??= doStop();
  return stopping;
}
async function doStop() {
  if (browser) { try { await browser.close(); } catch { /* gone */ } browser = null; }
  if (fallback) { fallback.closeAllConnections?.(); fallback.close(); fallback = null; }
  if (weft && weft.child.exitCode === null && weft.child.signalCode === null) {
    weft.child.kill('SIGTERM');
    const t = sleep(10000, 'timeout', { ref: false });
    if ((await Promise.race([weft.exited, t])) === 'timeout') { weft.child.kill('SIGKILL'); await weft.exited; }
  }
  weft = null;
  if (workDir && !opts.keep) rmSync(workDir, { recursive: true, force: true });
  else if (workDir) log(`kept ${workDir}`);
  workDir = null;
}
process.on('exit', () => { if (weft) try { weft.child.kill('SIGKILL'); } catch { /* gone */ } });
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${sig}: stopping`);
    stopAll().finally(() => process.exit(130));
  });
}
const checkInterrupted = () => { if (interrupted) throw new Error('interrupted'); };

// ---------- weft serve ----------

async function startWeft() {
  if (!existsSync(opts.weft)) throw new Error(`weft binary not found at ${opts.weft} (build it, or --weft PATH)`);
  workDir = mkdtempSync(path.join(os.tmpdir(), 'weft-ui-bench-'));
  const dataDir = path.join(workDir, 'data');
  const portsFile = path.join(workDir, 'ports.json');
  const dist = path.join(ROOT, 'web', 'dist');
  const help = execFileSync(opts.weft, ['serve', '--help'], { encoding: 'utf8' });
  const args = ['serve', '--data-dir', dataDir,
    '--otlp-grpc-addr', '127.0.0.1:0', '--otlp-http-addr', '127.0.0.1:0',
    '--zipkin-addr', '127.0.0.1:0', '--query-addr', '127.0.0.1:0',
    '--ports-file', portsFile, '--no-demo'];
  if (help.includes('--ui-dir')) args.push('--ui-dir', dist);
  if (help.includes('--jaeger-http-addr'))
    args.push('--jaeger-http-addr', 'off', '--jaeger-compact-addr', 'off', '--jaeger-binary-addr', 'off');
  const child = spawn(opts.weft, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d) => { out += d; if (out.length > 100000) out = out.slice(-50000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  child.on('error', (e) => keep(String(e)));
  weft = { child, exited, dataDir, args, output: () => out };
  log(`weft serve started, pid ${child.pid}`);
  const deadline = Date.now() + 30000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`weft serve exited early:\n${out.slice(-4000)}`);
    if (existsSync(portsFile)) {
      try {
        const p = JSON.parse(readFileSync(portsFile, 'utf8'));
        if (p.query && p.otlp_http) { weft.ports = p; break; }
      } catch { /* partly written */ }
    }
    if (Date.now() > deadline) throw new Error(`weft serve wrote no ${portsFile} within 30 s:\n${out.slice(-4000)}`);
    await sleep(50);
  }
  const query = `http://${weft.ports.query}`;
  for (;;) {
    try { if ((await fetch(`${query}/readyz`)).status === 200) break; } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error('weft serve not ready within 30 s');
    await sleep(100);
  }
  return { query, otlpHttp: `http://${weft.ports.otlp_http}` };
}

// The UI's base URL: weft's query port when it serves web/dist, else a small server here.
async function uiBase(query) {
  if (!opts.staticUi) try {
    const res = await fetch(`${query}/trace/0123`);
    const text = await res.text();
    if (res.status === 200 && text.includes('id="app"')) return { base: query, servedBy: 'weft serve (query port)' };
  } catch { /* fall back */ }
  log(`${opts.staticUi ? '--static-ui' : 'weft does not serve the UI'}: serving web/dist from this script, /api proxied to weft`);
  const dist = path.join(ROOT, 'web', 'dist');
  const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.map': 'application/json', '.json': 'application/json' };
  const q = new URL(query);
  fallback = http.createServer((req, res) => {
    if (req.url.startsWith('/api/')) {
      const up = http.request({ host: q.hostname, port: q.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
      });
      up.on('error', () => { res.writeHead(502); res.end(); });
      req.pipe(up);
      return;
    }
    const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = path.join(dist, path.normalize(rel));
    if (!file.startsWith(dist) || !existsSync(file) || !statSync(file).isFile()) file = path.join(dist, 'index.html');
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise((r) => fallback.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${fallback.address().port}`, servedBy: `a static server in ui_bench.mjs (${opts.staticUi ? '--static-ui' : 'weft did not serve web/dist'})` };
}

// ---------- trace generation ----------

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

const SERVICES = [
  { name: 'frontend', lang: 'nodejs', kind: 'http' },
  { name: 'api-gateway', lang: 'go', kind: 'http' },
  { name: 'auth', lang: 'go', kind: 'grpc' },
  { name: 'cart', lang: 'dotnet', kind: 'grpc' },
  { name: 'checkout', lang: 'go', kind: 'grpc' },
  { name: 'payments', lang: 'java', kind: 'grpc' },
  { name: 'inventory', lang: 'java', kind: 'grpc' },
  { name: 'catalog', lang: 'python', kind: 'grpc' },
  { name: 'search', lang: 'rust', kind: 'http' },
  { name: 'recommendations', lang: 'python', kind: 'grpc' },
  { name: 'shipping', lang: 'rust', kind: 'grpc' },
  { name: 'currency', lang: 'cpp', kind: 'grpc' },
  { name: 'email', lang: 'ruby', kind: 'http' },
  { name: 'postgres-orders', lang: 'db', kind: 'db' },
  { name: 'redis-sessions', lang: 'db', kind: 'cache' },
];
const ROUTES = ['/api/cart/{id}', '/api/checkout', '/api/products/{id}', '/api/search', '/api/users/{id}/orders', '/api/recommendations', '/api/shipping/quote'];
const METHODS = ['Get', 'List', 'Create', 'Update', 'Check', 'Quote', 'Reserve', 'Convert'];
const TABLES = ['orders', 'order_items', 'customers', 'products', 'stock'];

const hex = (r, bytes) => {
  let s = '';
  for (let i = 0; i < bytes; i++) s += Math.floor(r() * 256).toString(16).padStart(2, '0');
  return s;
};
const kv = (key, value) => ({
  key,
  value: typeof value === 'number' ? (Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value })
    : typeof value === 'boolean' ? { boolValue: value } : { stringValue: String(value) },
});

// One trace of `n` spans, breadth-first: each span gets 5–15 children (databases and caches
// none) until n spans exist — 4 levels at 1k, 5 at 10k, 7 at 100k.
function makeTrace(n, seed) {
  const r = rng(seed * 7919 + n);
  const pickOf = (a) => a[Math.floor(r() * a.length)];
  const traceId = hex(r, 16);
  const startNs = BigInt(Date.now() - 60_000) * 1_000_000n;
  const usedIds = new Set();
  const newId = () => { let id; do id = hex(r, 8); while (usedIds.has(id) || id === '0000000000000000'); usedIds.add(id); return id; };
  const spans = [];
  const mk = (parent, depth, svcIdx, start, dur) => {
    const svc = SERVICES[svcIdx];
    const attrs = [];
    let name;
    let kind;
    if (svc.kind === 'db') {
      kind = 3;
      const t = pickOf(TABLES);
      name = `SELECT ${t}`;
      attrs.push(kv('db.system', 'postgresql'), kv('db.name', 'shop'), kv('db.statement', `SELECT * FROM ${t} WHERE id = $1 LIMIT 50`), kv('db.rows_affected', Math.floor(r() * 50)), kv('net.peer.name', 'pg-0.shop.svc'));
    } else if (svc.kind === 'cache') {
      kind = 3;
      name = pickOf(['GET', 'SET', 'MGET', 'EXPIRE']);
      attrs.push(kv('db.system', 'redis'), kv('db.statement', `${name} session:${Math.floor(r() * 1e6)}`), kv('net.peer.name', 'redis-0.cache.svc'), kv('net.peer.port', 6379));
    } else if (svc.kind === 'http') {
      kind = depth === 0 ? 2 : pickOf([2, 2, 3, 1]);
      const m = pickOf(['GET', 'GET', 'GET', 'POST', 'PUT']);
      const route = pickOf(ROUTES);
      name = `${m} ${route}`;
      attrs.push(kv('http.method', m), kv('http.route', route), kv('http.status_code', 200), kv('http.user_agent', 'Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0'), kv('net.host.name', `${svc.name}.shop.svc`));
      if (r() < 0.5) attrs.push(kv('http.response_content_length', Math.floor(r() * 20000)));
    } else {
      kind = pickOf([2, 2, 3, 1]);
      const cls = svc.name[0].toUpperCase() + svc.name.slice(1).replace(/-(\w)/g, (_, c) => c.toUpperCase());
      const method = pickOf(METHODS) + cls.replace(/s$/, '');
      name = kind === 1 ? `${svc.name}.${method.toLowerCase()}` : `hipstershop.${cls}Service/${method}`;
      attrs.push(kv('rpc.system', 'grpc'), kv('rpc.service', `hipstershop.${cls}Service`), kv('rpc.method', method), kv('rpc.grpc.status_code', 0));
    }
    const extra = 4 + Math.floor(r() * 5) - attrs.length; // 4–8 attributes in all
    for (let k = 0; k < extra; k++) attrs.push([kv('thread.id', Math.floor(r() * 64)), kv('app.tenant', `tenant-${Math.floor(r() * 40)}`), kv('app.cache_hit', r() < 0.7), kv('app.items', Math.floor(r() * 12))][k % 4]);
    const error = r() < 0.005;
    const events = [];
    if (error) events.push({ timeUnixNano: String(start + BigInt(Math.floor(dur * 0.8))), name: 'exception', attributes: [kv('exception.type', 'io.grpc.StatusRuntimeException'), kv('exception.message', 'DEADLINE_EXCEEDED: deadline exceeded after 2.5s'), kv('exception.escaped', false)] });
    else if (r() < 0.02) events.push({ timeUnixNano: String(start + BigInt(Math.floor(dur * 0.3))), name: pickOf(['cache miss', 'retry', 'acquired lock', 'message sent']), attributes: [kv('attempt', 1 + Math.floor(r() * 3))] });
    const s = {
      svc: svcIdx,
      span: {
        traceId, spanId: newId(), ...(parent ? { parentSpanId: parent.span.spanId } : {}),
        name, kind,
        startTimeUnixNano: String(start), endTimeUnixNano: String(start + BigInt(Math.max(1000, Math.floor(dur)))),
        attributes: attrs, events,
        ...(error ? { status: { code: 2, message: 'DEADLINE_EXCEEDED' } } : {}),
      },
      depth, start, dur, room: 0,
    };
    spans.push(s);
    return s;
  };
  const rootDur = 2e9 + r() * 2e9;
  const queue = [mk(null, 0, 0, startNs, rootDur)];
  for (let qi = 0; qi < queue.length && spans.length < n; qi++) {
    const p = queue[qi];
    const want = 5 + Math.floor(r() * 11);
    const slot = p.dur / want;
    for (let k = 0; k < want && spans.length < n; k++) {
      // A client call's child runs in the callee; a db/cache has no children.
      const svc = SERVICES[p.svc].kind === 'db' || SERVICES[p.svc].kind === 'cache' ? p.svc
        : r() < 0.35 ? p.svc : 1 + Math.floor(r() * (SERVICES.length - 1));
      const off = BigInt(Math.floor(slot * k + slot * 0.05 * r()));
      const c = mk(p, p.depth + 1, svc, p.start + off, slot * (0.6 + 0.35 * r()));
      if (SERVICES[svc].kind !== 'db' && SERVICES[svc].kind !== 'cache') queue.push(c);
    }
  }
  // Only if every leaf were a database (it cannot be): keep the size exact anyway.
  while (spans.length < n) { const p = spans[spans.length - 1]; mk(p, p.depth + 1, p.svc, p.start, p.dur * 0.9); }
  const maxDepth = spans.reduce((m, s) => Math.max(m, s.depth), 0) + 1;
  return { traceId, spans, maxDepth };
}

// OTLP/JSON ExportTraceServiceRequests of ≤ batch spans, one resource per service.
function* requests(trace, batch = 5000) {
  for (let i = 0; i < trace.spans.length; i += batch) {
    const bySvc = new Map();
    for (const s of trace.spans.slice(i, i + batch)) {
      if (!bySvc.has(s.svc)) bySvc.set(s.svc, []);
      bySvc.get(s.svc).push(s.span);
    }
    yield {
      resourceSpans: [...bySvc].map(([svc, spans]) => ({
        resource: { attributes: [kv('service.name', SERVICES[svc].name), kv('service.version', `1.${svc}.0`), kv('host.name', `${SERVICES[svc].name}-7d9f${svc}`), kv('telemetry.sdk.language', SERVICES[svc].lang)] },
        scopeSpans: [{ scope: { name: 'weft-ui-bench', version: '1' }, spans }],
      })),
    };
  }
}

async function ingest(otlpHttp, query, trace) {
  for (const req of requests(trace)) {
    const body = JSON.stringify(req);
    if (body.length > 16 * 1024 * 1024) throw new Error(`request body of ${body.length} bytes is over 16 MiB`);
    const res = await fetch(`${otlpHttp}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(120000) });
    const text = await res.text();
    if (res.status !== 200 || text.includes('partialSuccess') && /rejectedSpans"\s*:\s*"?[1-9]/.test(text)) throw new Error(`ingest answered ${res.status}: ${text.slice(0, 500)}`);
  }
  // The trace as the API returns it: every span there, and the JSON's size.
  const n = trace.spans.length;
  const deadline = Date.now() + 60000;
  for (;;) {
    const res = await fetch(`${query}/api/v1/traces/${trace.traceId}?limit=1`);
    const t = res.status === 200 ? await res.json() : null;
    if (t && t.spanCount === n) break;
    if (Date.now() > deadline) throw new Error(`trace ${trace.traceId}: the API has ${t ? t.spanCount : 'no'} spans, ${n} sent`);
    await sleep(200);
  }
  // Fetched twice from here (the second is reported): how long the API itself takes.
  let bytes = 0;
  let apiMs = 0;
  for (let i = 0; i < 2; i++) {
    const t0 = performance.now();
    const full = await fetch(`${query}/api/v1/traces/${trace.traceId}`, { signal: AbortSignal.timeout(120000) });
    bytes = (await full.arrayBuffer()).byteLength;
    apiMs = performance.now() - t0;
  }
  return { bytes, apiMs };
}

// ---------- measurements ----------

const quantile = (xs, q) => {
  if (!xs.length) return NaN;
  const a = [...xs].sort((x, y) => x - y);
  return a[Math.min(a.length - 1, Math.max(0, Math.ceil(q * a.length) - 1))];
};
const median = (xs) => {
  if (!xs.length) return NaN;
  const a = [...xs].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
};

async function openTrace(base, traceId, timeout) {
  const context = await browser.newContext({ viewport: opts.viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`${base}/trace/${traceId}`, { waitUntil: 'commit', timeout });
  await page.waitForFunction(() => document.documentElement.dataset.weftReady !== undefined, null, { timeout, polling: 'raf' });
  const ready = await page.evaluate(() => document.documentElement.dataset.weftReady);
  if (ready !== 'trace') throw new Error(`the page became "${ready}", not "trace"${errors.length ? `: ${errors.join('; ')}` : ''}`);
  const marks = await page.evaluate(() => {
    const out = {};
    for (const e of performance.getEntriesByType('mark')) if (e.name.startsWith('weft-')) out[e.name] = e.startTime;
    const nav = performance.getEntriesByType('navigation')[0];
    if (nav) out['(html loaded)'] = nav.responseEnd;
    // Where the time went before the page's own marks: its script, its API requests.
    let js = 0;
    let apiStart = Infinity;
    let apiEnd = 0;
    for (const e of performance.getEntriesByType('resource')) {
      if (/\/assets\/.*\.js$/.test(e.name)) js = Math.max(js, e.responseEnd);
      if (e.name.includes('/api/v1/traces/')) { apiStart = Math.min(apiStart, e.startTime); apiEnd = Math.max(apiEnd, e.responseEnd); }
    }
    if (js) out['(js loaded)'] = js;
    if (apiEnd) { out['(first trace request)'] = apiStart; out['(last trace response)'] = apiEnd; }
    return out;
  });
  const tti = marks['weft-ready:trace'];
  if (!Number.isFinite(tti)) throw new Error('no performance mark "weft-ready:trace"');
  return { context, page, tti, marks, errors };
}

// Frame deltas while scrolling the waterfall, measured in the page.
async function scrollFrames(page) {
  return page.evaluate(async ({ seconds, step }) => {
    const root = document.querySelector('[data-testid="waterfall"]');
    if (!root) return { error: 'no [data-testid="waterfall"] on the page' };
    const scrollable = (el) => el.scrollHeight > el.clientHeight + 1 && /(auto|scroll)/.test(getComputedStyle(el).overflowY);
    let el = scrollable(root) ? root : null;
    if (!el) {
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT);
      for (let n = walker.nextNode(); n && !el; n = walker.nextNode()) if (scrollable(n)) el = n;
    }
    // A page that scrolls as a whole (the waterfall sized to its content).
    if (!el && document.scrollingElement.scrollHeight > innerHeight + 1) el = document.scrollingElement;
    if (!el) return { error: 'the waterfall has no scrollable element' };
    const desc = el === document.scrollingElement ? 'the document' : `${el.tagName.toLowerCase()}${el.dataset.testid ? `[data-testid=${el.dataset.testid}]` : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''}`;
    const max = () => el.scrollHeight - el.clientHeight;
    const run = (ms, next) => new Promise((resolve) => {
      const deltas = [];
      let last = null;
      let end = null;
      let moved = 0;
      const frame = (ts) => {
        if (last !== null) deltas.push(ts - last);
        last = ts;
        if (end === null) end = ts + ms;
        const before = el.scrollTop;
        el.scrollTop = next(before);
        moved += Math.abs(el.scrollTop - before);
        if (ts < end) requestAnimationFrame(frame);
        else resolve({ deltas, moved });
      };
      requestAnimationFrame(frame);
    });
    // Settle one frame, then scroll down (and back up at the bottom) by `step` per frame.
    await new Promise((r) => requestAnimationFrame(() => r()));
    let dir = 1;
    const smooth = await run(seconds * 1000, (top) => {
      if (top + step * dir > max()) dir = -1;
      else if (top + step * dir < 0) dir = 1;
      return top + step * dir;
    });
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const jumps = await run(seconds * 500, () => Math.floor(rand() * max()));
    return { element: desc, scrollHeight: el.scrollHeight, clientHeight: el.clientHeight, smooth, jumps };
  }, { seconds: opts.scrollSeconds, step: opts.scrollStep });
}

function frameStats(deltas) {
  const VSYNC = 1000 / 60;
  return {
    frames: deltas.length,
    p50: quantile(deltas, 0.5),
    p95: quantile(deltas, 0.95),
    p99: quantile(deltas, 0.99),
    max: Math.max(...deltas),
    // rAF timestamps jitter by a few tenths of a ms around 16.67: a frame counts as long
    // past 16.7 ms + 1 ms, and as dropped frames the vsyncs it missed.
    over: deltas.filter((d) => d > 17.7).length,
    missed: deltas.reduce((m, d) => m + Math.max(0, Math.round(d / VSYNC) - 1), 0),
  };
}

// ---------- report ----------

function machine() {
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown CPU';
  const memGiB = (os.totalmem() / 2 ** 30).toFixed(1);
  return `${os.cpus().length} cores, ${cpu}, ${memGiB} GiB RAM, ${os.type()} ${os.release()}`;
}
const fmtInt = (n) => n.toLocaleString('en-US');
const ms = (x) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : '–');
const label = (n) => (n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n));

const loadavg = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');

async function main() {
  const t0 = Date.now();
  const loadBefore = loadavg();
  const { chromium } = require('playwright-core');
  if (!existsSync(opts.chromium)) throw new Error(`Chromium not found at ${opts.chromium} (apt-get install chromium, or --chromium PATH)`);
  if (!existsSync(path.join(ROOT, 'web', 'dist', 'index.html'))) throw new Error('web/dist/index.html is missing: cd web && npm run build');

  const { query, otlpHttp } = await startWeft();
  const { base, servedBy } = await uiBase(query);
  log(`UI at ${base} (${servedBy})`);

  const traces = [];
  for (const n of opts.sizes) {
    const g = Date.now();
    const trace = makeTrace(n, opts.seed);
    const services = new Set(trace.spans.map((s) => s.svc)).size;
    const errors = trace.spans.filter((s) => s.span.status).length;
    const { bytes, apiMs } = await ingest(otlpHttp, query, trace);
    traces.push({ n, traceId: trace.traceId, depth: trace.maxDepth, services, errors, bytes, apiMs });
    log(`trace ${label(n)}: ${trace.traceId}, depth ${trace.maxDepth}, ${services} services, ${errors} errors, native JSON ${(bytes / 1e6).toFixed(1)} MB, one GET ${apiMs.toFixed(0)} ms (${Date.now() - g} ms)`);
    trace.spans.length = 0;
  }

  checkInterrupted();
  browser = await chromium.launch({
    executablePath: opts.chromium,
    headless: true,
    handleSIGINT: false, // this script closes it (and weft) itself
    handleSIGTERM: false,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const version = browser.version();

  const failures = [];
  const results = [];
  for (const t of traces) {
    const timeout = 60000 + t.n;
    const ttis = [];
    const markRuns = [];
    for (let i = 0; i < opts.warmup + opts.runs; i++) {
      checkInterrupted();
      const measured = i >= opts.warmup;
      try {
        const o = await openTrace(base, t.traceId, timeout);
        await o.context.close();
        if (measured) { ttis.push(o.tti); markRuns.push(o.marks); }
        log(`${label(t.n)} ${measured ? `run ${i - opts.warmup + 1}/${opts.runs}` : 'warm-up'}: ${o.tti.toFixed(0)} ms${o.errors.length ? ` (console errors: ${o.errors.join('; ').slice(0, 300)})` : ''}`);
      } catch (e) {
        failures.push(`${label(t.n)} run ${i + 1}: ${e.message}`);
        log(`${label(t.n)} run ${i + 1} FAILED: ${e.message}`);
        break;
      }
    }
    const markNames = [...new Set(markRuns.flatMap((m) => Object.keys(m)))].filter((k) => k !== 'weft-ready:trace');
    const breakdown = Object.fromEntries(markNames.map((k) => [k, median(markRuns.map((m) => m[k]).filter(Number.isFinite))]));
    results.push({ ...t, ttis, breakdown });
  }

  checkInterrupted();
  let scroll = null;
  const big = traces.reduce((a, b) => (b.n > a.n ? b : a), traces[0]);
  try {
    const o = await openTrace(base, big.traceId, 60000 + big.n);
    const r = await scrollFrames(o.page);
    await o.context.close();
    if (r.error) throw new Error(r.error);
    if (r.smooth.moved === 0) throw new Error(`scrolling ${r.element} did not move it`);
    scroll = { ...r, smoothStats: frameStats(r.smooth.deltas), jumpStats: frameStats(r.jumps.deltas) };
    log(`scrolling ${label(big.n)} (${r.element}, ${fmtInt(r.scrollHeight)} px): p95 ${ms(scroll.smoothStats.p95)} ms, jumps p95 ${ms(scroll.jumpStats.p95)} ms`);
  } catch (e) {
    failures.push(`scrolling the ${label(big.n)} trace: ${e.message}`);
    log(`scrolling FAILED: ${e.message}`);
  }

  checkInterrupted();
  // ----- Markdown -----
  const cmd = ['bench/ui_bench.sh', ...process.argv.slice(2)].join(' ');
  const L = [];
  L.push(`Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine()}; ${version.startsWith('HeadlessChrome') ? '' : 'Chromium '}${version} headless (${opts.viewport.width}×${opts.viewport.height}, software rendering: --disable-gpu), node ${process.version}.`);
  L.push(`Load average (1/5/15 min): ${loadBefore} before, ${loadavg()} after (over ~0.5, other work shared the ${os.cpus().length} cores).`);
  L.push(`Command: \`${cmd}\` (UI served by ${servedBy}; ${opts.runs} measured runs per size after ${opts.warmup} warm-up, each a fresh browser context).`);
  L.push('');
  L.push('| trace | spans | depth | errors | native JSON (one GET from node) | time to interactive min / **median** / max | median page marks (ms since navigation start) |');
  L.push('|---|---|---|---|---|---|---|');
  for (const r of results) {
    const marks = Object.entries(r.breakdown).sort((a, b) => a[1] - b[1]).map(([k, v]) => `${k.replace(/^weft-/, '')} ${ms(v)}`).join(', ');
    const tti = r.ttis.length ? `${ms(Math.min(...r.ttis))} / **${ms(median(r.ttis))}** / ${ms(Math.max(...r.ttis))} ms` : 'failed';
    L.push(`| ${label(r.n)} | ${fmtInt(r.n)} | ${r.depth} | ${r.errors} | ${(r.bytes / 1e6).toFixed(1)} MB (${ms(r.apiMs)} ms) | ${tti} | ${marks || '–'} |`);
  }
  L.push('');
  if (scroll) {
    const s = scroll.smoothStats;
    const j = scroll.jumpStats;
    L.push(`Scrolling the ${label(big.n)} trace (${scroll.element}, ${fmtInt(scroll.scrollHeight)} px tall, ${fmtInt(scroll.clientHeight)} px visible): time between animation frames.`);
    L.push('');
    L.push('| scrolling | frames | p50 | **p95** | p99 | max | frames > 16.7 ms (+1 ms jitter) | dropped frames (missed vsyncs) |');
    L.push('|---|---|---|---|---|---|---|---|');
    L.push(`| ${opts.scrollStep} px per frame for ${opts.scrollSeconds} s | ${s.frames} | ${ms(s.p50)} ms | **${ms(s.p95)} ms** | ${ms(s.p99)} ms | ${ms(s.max)} ms | ${s.over} (${(100 * s.over / Math.max(1, s.frames)).toFixed(1)} %) | ${s.missed} |`);
    L.push(`| a random position every frame for ${opts.scrollSeconds / 2} s | ${j.frames} | ${ms(j.p50)} ms | **${ms(j.p95)} ms** | ${ms(j.p99)} ms | ${ms(j.max)} ms | ${j.over} (${(100 * j.over / Math.max(1, j.frames)).toFixed(1)} %) | ${j.missed} |`);
  } else {
    L.push(`Scrolling the ${label(big.n)} trace: not measured (${failures.filter((f) => f.startsWith('scrolling')).join('; ')}).`);
  }
  if (failures.length) {
    L.push('');
    L.push('**Failures:**');
    for (const f of failures) L.push(`* ${f}`);
  }
  process.stdout.write(L.join('\n') + '\n');
  log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return failures.length ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (e) {
  if (interrupted) {
    log('interrupted');
    code = 130;
  } else {
    log(`FAILED: ${process.env.UI_BENCH_DEBUG ? e.stack : e.message ?? e}`);
    if (weft) log(`weft serve output (tail):\n${weft.output().slice(-3000)}`);
    code = 1;
  }
} finally {
  await stopAll();
}
process.exit(code);
