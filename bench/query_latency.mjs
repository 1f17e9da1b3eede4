#!/usr/bin/env node
// Query latency client for bench/store_bench.sh and bench/clickhouse_compare.sh: one HTTP
// request at a time over a keep-alive connection, timed from request to last byte with
// process.hrtime; reports p50 / p99 / min / max in microseconds per query kind.
//
// The same query kinds, with the same seeded random parameters, run against weft (native
// API) or against ClickHouse (HTTP interface, the schema of bench/clickhouse_compare.sh), so
// the two systems answer the same questions:
//   by_id              trace by ID, no time range (ClickHouse: index table, then spans table)
//   svc_op_dur_attr    service + operation + minDuration 5ms + region=<r>, last 15 minutes, limit 20
//   attr_common        region=<r> only, last hour, limit 20
//   attr_rare          user.id=<u> only, last hour, limit 20
//   impossible         http.method=<no such value>, last hour, limit 20
//
// Usage: node bench/query_latency.mjs --system weft|clickhouse --url http://127.0.0.1:PORT
//          --end-ns N [--ids-file F] [--by-id 1000] [--iters 200] [--warmup 20] [--seed 1]
//          [--window-s 3600] [--database weft] [--only kind,kind] [--out results.json]
// --end-ns: the end of the data's time window (Unix ns); "last 15 minutes" is
// [end - 15 min, end]. --ids-file: trace IDs (32 hex digits, one a line); without it (weft
// only) IDs are collected from searches over random 1-minute windows, untimed.
// Prints one JSON object on stdout: {kind: {n, p50_us, p99_us, min_us, max_us, mean_us,
// results_mean, errors}}, and a table on stderr. --out also writes the JSON, plus the
// result trace IDs of every search (to compare the systems' answers).
import http from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';

const args = Object.create(null);
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
  const k = a.slice(2);
  const v = process.argv[i + 1] && !process.argv[i + 1].startsWith('--') ? process.argv[++i] : 'true';
  args[k] = v;
}
if (args.help) {
  process.stdout.write(readFileSync(new URL(import.meta.url)).toString().split('\n').slice(1, 24).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
  process.exit(0);
}
const SYSTEM = args.system || 'weft';
const URL_ = new URL(args.url || 'http://127.0.0.1:16686');
const END_NS = BigInt(args['end-ns'] || String(BigInt(Date.now()) * 1000000n));
const WINDOW_S = Number(args['window-s'] || 3600);
const BY_ID = Number(args['by-id'] || 1000);
const ITERS = Number(args.iters || 200);
const WARMUP = Number(args.warmup || 20);
const SEED = Number(args.seed || 1);
const DB = args.database || 'weft';
const ONLY = args.only ? new Set(args.only.split(',')) : null;
const MIN = 60n * 1000000000n;
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-1', 'ap-northeast-1'];

// xorshift32: the same parameters for both systems.
let rngState = (SEED * 2654435761) >>> 0 || 1;
function rand() {
  rngState ^= rngState << 13; rngState >>>= 0;
  rngState ^= rngState >>> 17;
  rngState ^= rngState << 5; rngState >>>= 0;
  return rngState / 4294967296;
}
const pick = (arr) => arr[Math.floor(rand() * arr.length)];

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function request(method, pathAndQuery, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: URL_.hostname, port: URL_.port, method, path: pathAndQuery, agent,
      headers: body ? { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) } : {},
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(120000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

// ---------- weft ----------
const weft = {
  async catalog() {
    const svcs = JSON.parse((await request('GET', '/api/v1/services')).body).services.filter((s) => /^svc-\d+$/.test(s)).sort();
    const ops = {};
    for (const s of svcs) {
      const r = JSON.parse((await request('GET', `/api/v1/services/${encodeURIComponent(s)}/operations`)).body);
      ops[s] = [...new Set((r.operations || []).map((o) => o.name))].sort();
    }
    return { svcs, ops };
  },
  async byId(id) {
    const r = await request('GET', `/api/v1/traces/${id}`);
    if (r.status !== 200) throw new Error(`trace ${id}: HTTP ${r.status} ${r.body.slice(0, 200)}`);
    return { n: 1, spans: JSON.parse(r.body).spans.length };
  },
  async search(q) {
    const p = new URLSearchParams();
    if (q.service) p.set('service', q.service);
    if (q.operation) p.set('operation', q.operation);
    if (q.minDurationMs) p.set('minDuration', `${q.minDurationMs}ms`);
    for (const [k, v] of q.tags) p.append('tag', `${k}=${v}`);
    p.set('start', String(q.start)); p.set('end', String(q.end)); p.set('limit', String(q.limit));
    const r = await request('GET', `/api/v1/search?${p}`);
    if (r.status !== 200) throw new Error(`search ${p}: HTTP ${r.status} ${r.body.slice(0, 200)}`);
    return { ids: JSON.parse(r.body).traces.map((t) => t.traceId.padStart(32, '0')) };
  },
  async collectIds(n) {
    const ids = new Set();
    const startNs = END_NS - BigInt(WINDOW_S) * 1000000000n;
    for (let i = 0; i < n * 2 && ids.size < n; i++) {
      const a = startNs + BigInt(Math.floor(rand() * (WINDOW_S - 60))) * 1000000000n;
      const r = await weft.search({ tags: [], start: a, end: a + MIN, limit: 20 });
      for (const id of r.ids.slice(0, 3)) ids.add(id);
    }
    return [...ids];
  },
};

// ---------- ClickHouse (schema: bench/clickhouse_compare.sh) ----------
const sqlStr = (s) => `'${String(s).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
async function ch(sql) {
  const r = await request('POST', `/?database=${DB}`, sql);
  if (r.status !== 200) throw new Error(`ClickHouse ${r.status}: ${r.body.slice(0, 300)}\n${sql}`);
  return r.body;
}
const rows = (tsv) => tsv.split('\n').filter((l) => l.length).map((l) => l.split('\t'));
const dayOf = (ns) => new Date(Number(ns / 1000000n)).toISOString().slice(0, 10);
const idParts = (id) => [BigInt(`0x${id.slice(0, 16)}`).toString(), BigInt(`0x${id.slice(16)}`).toString()];
// The longest a trace lasts past its start (workload: well under a minute): spans of a trace
// that starts in the window may start up to this much after its end.
const TRACE_SLACK_NS = 2n * MIN;
const clickhouse = {
  async catalog() {
    const r = rows(await ch('SELECT service, name FROM spans GROUP BY service, name ORDER BY service, name FORMAT TSV'));
    const ops = {};
    for (const [s, n] of r) { if (!/^svc-\d+$/.test(s)) continue; (ops[s] ||= []).push(n); }
    const svcs = Object.keys(ops).sort();
    for (const s of svcs) ops[s].sort();
    return { svcs, ops };
  },
  async byId(id) {
    const [hi, lo] = idParts(id);
    const idx = rows(await ch(`SELECT min(start_ns), max(end_ns), min(day), max(day) FROM trace_index WHERE trace_hi = ${hi} AND trace_lo = ${lo} FORMAT TSV`));
    if (!idx.length || idx[0][0] === '0') throw new Error(`trace ${id} not in trace_index`);
    const [a, b, d1, d2] = idx[0];
    const body = await ch(`SELECT span_id, parent_span_id, service, name, kind, start_ns, end_ns, status_code, status_message, ` +
      `attr_keys, attr_values, res_keys, res_values, events, links FROM spans WHERE day BETWEEN '${d1}' AND '${d2}' ` +
      `AND start_ns BETWEEN ${a} AND ${b} AND trace_hi = ${hi} AND trace_lo = ${lo} FORMAT JSONEachRow`);
    const n = body.split('\n').filter((l) => l).length;
    if (n === 0) throw new Error(`trace ${id}: no spans`);
    return { n: 2, spans: n };
  },
  async search(q) {
    const a = q.start;
    const b = q.end;
    // Every span of a trace starting in [a, b] starts in [a, b + slack]; spans from slack
    // before a are read too so that a trace which began before a is seen to (ts < a).
    const days = `day BETWEEN '${dayOf(a - TRACE_SLACK_NS)}' AND '${dayOf(b + TRACE_SLACK_NS)}'`;
    const range = `${days} AND start_ns BETWEEN ${a - TRACE_SLACK_NS} AND ${b + TRACE_SLACK_NS}`;
    const tagCond = ([k, v]) => `(has(attr_keys, ${sqlStr(k)}) AND arrayExists((x, y) -> x = ${sqlStr(k)} AND y = ${sqlStr(v)}, attr_keys, attr_values)) ` +
      `OR arrayExists((x, y) -> x = ${sqlStr(k)} AND y = ${sqlStr(v)}, res_keys, res_values)`;
    // Candidate traces: the anchor span (service + operation) through the primary key, or
    // the first tag when there is no anchor.
    let candidates;
    if (q.service) {
      candidates = `SELECT trace_hi, trace_lo FROM spans WHERE service = ${sqlStr(q.service)} AND ${range}` +
        (q.operation ? ` AND name = ${sqlStr(q.operation)}` : '');
    } else {
      candidates = `SELECT trace_hi, trace_lo FROM spans WHERE ${range} AND (${tagCond(q.tags[0])})`;
    }
    const having = [`ts BETWEEN ${a} AND ${b}`];
    if (q.minDurationMs) having.push(`dur >= ${BigInt(q.minDurationMs) * 1000000n}`);
    for (const t of q.tags) having.push(`countIf(${tagCond(t)}) > 0`);
    if (q.service) having.push(`countIf(service = ${sqlStr(q.service)}${q.operation ? ` AND name = ${sqlStr(q.operation)}` : ''}) > 0`);
    // The two halves as numbers, made hex here: ClickHouse 18.16's hex() of a UInt64 drops
    // leading zero bytes, and it has no leftPad.
    const sql = `SELECT trace_hi, trace_lo, min(start_ns) AS ts, max(end_ns) - min(start_ns) AS dur, count() AS spans ` +
      `FROM spans WHERE ${range} AND (trace_hi, trace_lo) IN (${candidates}) GROUP BY trace_hi, trace_lo ` +
      `HAVING ${having.join(' AND ')} ORDER BY ts DESC, trace_hi, trace_lo LIMIT ${q.limit} FORMAT TSV`;
    const half = (x) => BigInt(x).toString(16).padStart(16, '0');
    return { ids: rows(await ch(sql)).map((r) => half(r[0]) + half(r[1])) };
  },
};

const sys = SYSTEM === 'clickhouse' ? clickhouse : weft;

function stats(us, results, errors) {
  const s = [...us].sort((x, y) => x - y);
  const q = (p) => (s.length ? s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] : NaN);
  const r3 = (x) => Math.round(x * 10) / 10;
  return {
    n: s.length, p50_us: r3(q(0.5)), p99_us: r3(q(0.99)), min_us: r3(s[0] ?? NaN), max_us: r3(s[s.length - 1] ?? NaN),
    mean_us: r3(s.reduce((x, y) => x + y, 0) / (s.length || 1)),
    results_mean: r3(results.reduce((x, y) => x + y, 0) / (results.length || 1)), errors,
  };
}

async function timeKind(name, count, makeQuery, run) {
  const us = [];
  const results = [];
  const answers = [];
  let errors = 0;
  let firstError;
  for (let i = 0; i < WARMUP + count; i++) {
    const q = makeQuery(i);
    const t0 = process.hrtime.bigint();
    let r;
    try { r = await run(q); } catch (e) {
      errors++; firstError ??= e.message;
      if (i >= WARMUP) answers.push(null);
      continue;
    }
    const dt = Number(process.hrtime.bigint() - t0) / 1000;
    if (i < WARMUP) continue;
    us.push(dt);
    results.push(r.ids ? r.ids.length : r.spans);
    if (r.ids) answers.push(r.ids);
  }
  const st = stats(us, results, errors);
  if (firstError) st.first_error = firstError.slice(0, 300);
  return { st, answers };
}

async function main() {
  const out = {};
  const answers = {};
  const cat = await sys.catalog();
  if (!cat.svcs.length) throw new Error('no svc-NN service in the store');
  let ids;
  if (args['ids-file']) ids = readFileSync(args['ids-file'], 'utf8').split('\n').map((l) => l.trim().toLowerCase()).filter((l) => /^[0-9a-f]{32}$/.test(l));
  else if (SYSTEM === 'weft') ids = await weft.collectIds(BY_ID);
  else throw new Error('--ids-file is needed for ClickHouse');
  if (!ids.length) throw new Error('no trace IDs');
  const last = (min) => ({ start: END_NS - BigInt(min) * MIN, end: END_NS });
  const kinds = [
    ['by_id', BY_ID, (i) => ids[Math.floor(rand() * ids.length)], (id) => sys.byId(id)],
    ['svc_op_dur_attr', ITERS, () => {
      const service = pick(cat.svcs);
      return { service, operation: pick(cat.ops[service]), minDurationMs: 5, tags: [['region', pick(REGIONS)]], ...last(15), limit: 20 };
    }, (q) => sys.search(q)],
    ['attr_common', ITERS, () => ({ tags: [['region', pick(REGIONS)]], ...last(60), limit: 20 }), (q) => sys.search(q)],
    ['attr_rare', ITERS, () => ({ tags: [['user.id', `user-${String(Math.floor(rand() * 100000)).padStart(5, '0')}`]], ...last(60), limit: 20 }), (q) => sys.search(q)],
    ['impossible', ITERS, (i) => ({ tags: [['http.method', `NO-SUCH-METHOD-${i}`]], ...last(60), limit: 20 }), (q) => sys.search(q)],
  ];
  for (const [name, count, make, run] of kinds) {
    if (ONLY && !ONLY.has(name)) continue;
    const { st, answers: a } = await timeKind(name, count, make, run);
    out[name] = st;
    if (a.length) answers[name] = a;
    process.stderr.write(`${SYSTEM} ${name.padEnd(16)} n=${st.n} p50 ${st.p50_us} us  p99 ${st.p99_us} us  min ${st.min_us}  max ${st.max_us}  ` +
      `results/query ${st.results_mean}${st.errors ? `  ERRORS ${st.errors}: ${st.first_error}` : ''}\n`);
  }
  process.stdout.write(JSON.stringify(out) + '\n');
  if (args.out) writeFileSync(args.out, JSON.stringify({ stats: out, answers, ids: ids.length }));
  agent.destroy();
}
main().catch((e) => { process.stderr.write(`query_latency: ${e.stack || e}\n`); process.exit(1); });
