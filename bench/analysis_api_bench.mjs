#!/usr/bin/env node
// The trace analysis endpoints end to end (docs/api.md, "Trace analysis"): a fresh
// `weft serve` (port 0, temporary data dir) is sent TRACES traces of one entry point
// (`bench-shop` "GET /checkout": 3–12 spans each over four services, one version slow in
// 1 % of traces, one host failing in 2 %, an N+1 loop in 3 %) and one trace of BIG spans,
// the head is flushed into blocks, then each endpoint is timed over REPS runs (request to
// last byte, one at a time):
//   critical_path_big      GET /api/v1/traces/{big}/critical-path
//   aggregate_cp           GET /api/v1/analysis/critical-path (limit 10000)
//   cohorts_slow           GET /api/v1/analysis/cohorts?select=slow (default limit 5000/side)
//   cohorts_error          GET /api/v1/analysis/cohorts?select=error
// Prints min/median/max ms per endpoint, and what ranked first (a planted cause must).
//
// Usage: node bench/analysis_api_bench.mjs [--traces 100000] [--big 100000] [--reps 5]
//          [--ports-file F]
//   WEFT_BIN=path/to/weft overrides the binary (default build/src/cmd/weft).
//   --ports-file: use a running `weft serve --ports-file F` instead (e.g. under perf).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { httpGet, httpPost, postJson, startServer } from '../tests/integration/lib/server.mjs';
import { spanId as newSpanId, traceId as newTraceId } from '../tests/integration/lib/otlp.mjs';
import { resourceSpansOf } from '../tests/integration/lib/traces.mjs';

const args = Object.create(null);
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
if ('help' in args) {
  process.stdout.write(readFileSync(new URL(import.meta.url)).toString().split('\n').slice(1, 20)
    .map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
  process.exit(0);
}
const TRACES = Number(args.traces || 100000);
const BIG = Number(args.big || 100000);
const REPS = Number(args.reps || 5);
const MS = 1000000n;

let seed = 12345;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x80000000;
};

const res = (service, extra = {}) => ({ 'service.name': service, ...extra });
const request = (batch) => ({ resourceSpans: resourceSpansOf(batch, 'weft-analysis-bench') });

function shopTrace(i, t0) {
  const id = newTraceId();
  const root = newSpanId();
  const slowVersion = i % 100 === 7;
  const badHost = i % 50 === 11;
  const loop = i % 33 === 5;
  const ms = (x) => t0 + BigInt(Math.round(x * 1e6));
  const spans = [];
  let at = 2;
  const pay = slowVersion ? 200 + rnd() * 100 : 10 + rnd() * 20;
  spans.push({ id: newSpanId(), parent: root, res: res('payments', { 'service.version': slowVersion ? '3.1.0' : '3.0.9', 'host.name': `pay-${i % 3}` }),
    name: 'charge', start: ms(at), end: ms(at + pay) });
  at += pay + 1;
  spans.push({ id: newSpanId(), parent: root, res: res('auth', { 'host.name': badHost ? 'auth-7' : `auth-${i % 6}` }),
    name: 'authorize', start: ms(at), end: ms(at + 3), error: badHost });
  at += 4;
  const queries = loop ? 15 : 1 + Math.floor(rnd() * 3);
  for (let q = 0; q < queries; q++) {
    spans.push({ id: newSpanId(), parent: root, res: res('db'), name: 'SELECT', start: ms(at), end: ms(at + 2) });
    at += 2.2;
  }
  for (let c = Math.floor(rnd() * 6); c > 0; c--)
    spans.push({ id: newSpanId(), parent: root, res: res('cache'), name: 'GET', start: ms(1), end: ms(1.5) });
  spans.unshift({ id: root, res: res('bench-shop', { 'host.name': `shop-${i % 4}` }), name: 'GET /checkout',
    start: ms(0), end: ms(at + 2), attributes: { 'customer.tier': ['gold', 'silver', 'bronze'][i % 3], 'request.id': `r${i}` }, error: badHost });
  return { id, spans };
}

// One trace of `n` spans: a fan-out tree (10 children each), four services.
function bigTrace(n, t0) {
  const id = newTraceId();
  const spans = [];
  const ids = [];
  for (let i = 0; i < n; i++) {
    const parent = i === 0 ? null : Math.floor((i - 1) / 10);
    ids.push(newSpanId());
    const depth = Math.floor(Math.log10(i * 9 + 1));
    const start = t0 + BigInt(i % 1000) * 1000n + BigInt(depth) * MS;
    spans.push({ id: ids[i], parent: parent === null ? undefined : ids[parent], res: res(`big-${i % 4}`),
      name: `op-${i % 25}`, start, end: start + BigInt(1 + (i * 7919) % 5000) * 1000n + BigInt(6 - depth) * 10n * MS });
  }
  return { id, spans };
}

async function send(server, traces, per) {
  for (let i = 0; i < traces.length; i += per) {
    const r = await postJson(`${server.otlpHttp}/v1/traces`, request(traces.slice(i, i + per)));
    assert.equal(r.status, 200, r.text);
  }
}

async function timed(server, url) {
  const ms = [];
  let last;
  for (let i = 0; i < REPS; i++) {
    const t = process.hrtime.bigint();
    last = await httpGet(`${server.query}${url}`, { timeoutMs: 120000 });
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    assert.equal(last.status, 200, `${url}: ${last.text?.slice(0, 300)}`);
  }
  ms.sort((a, b) => a - b);
  return { min: ms[0], median: ms[Math.floor(ms.length / 2)], max: ms[ms.length - 1], json: last.json };
}

async function connect() {
  if (!args['ports-file']) return startServer();
  const ports = JSON.parse(readFileSync(args['ports-file'], 'utf8'));
  return { otlpHttp: `http://${ports.otlp_http}`, query: `http://${ports.query}`, stop: async () => {} };
}
const server = await connect();
try {
  const t0 = BigInt(Date.now()) * MS - 50n * 60n * 1000n * MS;
  const started = Date.now();
  for (let i = 0; i < TRACES; i += 2000) {
    const batch = [];
    for (let j = i; j < Math.min(TRACES, i + 2000); j++) batch.push(shopTrace(j, t0 + BigInt(j) * 20n * MS));
    await send(server, batch, 200);
  }
  const big = bigTrace(BIG, t0);
  for (let i = 0; i < big.spans.length; i += 5000)
    await send(server, [{ id: big.id, spans: big.spans.slice(i, i + 5000) }], 1);
  const sent = (Date.now() - started) / 1000;
  const flush = await httpPost(`${server.query}/api/v1/admin/flush`, '', {}, { timeoutMs: 600000 });
  assert.equal(flush.status, 200, flush.text);
  process.stderr.write(`sent ${TRACES} traces + one of ${BIG} spans in ${sent.toFixed(1)} s; flushed: ${flush.text}\n`);

  const q = 'service=bench-shop&operation=GET%20/checkout&lookback=2h';
  const results = {
    critical_path_big: await timed(server, `/api/v1/traces/${big.id}/critical-path`),
    aggregate_cp: await timed(server, `/api/v1/analysis/critical-path?${q}&limit=10000`),
    cohorts_slow: await timed(server, `/api/v1/analysis/cohorts?${q}&select=slow`),
    cohorts_error: await timed(server, `/api/v1/analysis/cohorts?${q}&select=error`),
  };
  const cp = results.critical_path_big.json;
  const agg = results.aggregate_cp.json;
  const top = (c) => c.features[0] && `${c.features[0].kind} ${c.features[0].name}=${c.features[0].value}`;
  console.log(`| endpoint | min ms | median ms | max ms | notes |`);
  console.log(`|---|---|---|---|---|`);
  const row = (name, r, note) => console.log(`| ${name} | ${r.min.toFixed(1)} | ${r.median.toFixed(1)} | ${r.max.toFixed(1)} | ${note} |`);
  row('trace critical path', results.critical_path_big, `${BIG} spans, ${cp.segments.length} segments`);
  row('aggregate critical path', results.aggregate_cp,
    `${agg.analyzedTraces} of ${agg.matchedTraces} traces; slowest1 leader ${agg.bands[3]?.shares[0]?.service}/${agg.bands[3]?.shares[0]?.operation}`);
  for (const k of ['cohorts_slow', 'cohorts_error']) {
    const c = results[k].json;
    row(k.replace('_', ' select='), results[k],
      `${c.matchedTraces} matched, ${c.selectedAnalyzed}+${c.baselineAnalyzed} read; first: ${top(c)}`);
  }
} finally {
  await server.stop();
}
