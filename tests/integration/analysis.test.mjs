// Trace analysis through the real server's API (docs/api.md, "Trace analysis"):
//  * golden traces with known answers: the critical path of sequential calls, a parallel
//    fan-out and a fire-and-forget child; a server span whose clock is ~1 s ahead, corrected
//    in the native, Jaeger and Zipkin APIs and raw with ?adjust=false; RpcId gaps of a
//    log-built trace; two traces compared;
//  * generated sets where a planted cause must rank first: one version slow (cohorts and the
//    aggregate critical path), one host failing (cohorts, select=error), an N+1 query loop
//    (cohorts' repeatedCall, the aggregate critical path);
//  * bad parameters answer 400/404 with a message.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { httpGet, makeTempDir, postJson, removeDir, startServer, waitFor } from './lib/server.mjs';
import { spanId as newSpanId, traceId as newTraceId } from './lib/otlp.mjs';
import { msToNs, prng, resourceSpansOf, shapeTrace } from './lib/traces.mjs';
import { T0 as LOG_T0, hexId, line, waitTrace } from './lib/loglines.mjs';

const MS = 1000000n;
let server, logDir;
const NOW = BigInt(Date.now()) * MS;

// Sends traces ({id, spans}: lib/traces.mjs), `per` to a request.
async function sendMany(traces, per = 40) {
  for (let i = 0; i < traces.length; i += per) {
    const body = { resourceSpans: resourceSpansOf(traces.slice(i, i + per), 'weft-it-analysis') };
    const r = await postJson(`${server.otlpHttp}/v1/traces`, body);
    assert.equal(r.status, 200, `export: ${r.status} ${r.text}`);
  }
}

async function get(pathAndQuery, want = 200) {
  const r = await httpGet(`${server.query}${pathAndQuery}`, { timeoutMs: 30000 });
  assert.equal(r.status, want, `${pathAndQuery}: ${r.status} ${r.text}`);
  return r.json;
}

async function waitCount(service, n) {
  let got = 0;
  const ok = await waitFor(async () => {
    const r = await httpGet(`${server.query}/api/v1/search?service=${service}&limit=10000&lookback=2h`);
    got = r.json?.traces?.length ?? 0;
    return got === n;
  }, { timeoutMs: 20000, intervalMs: 200 });
  assert.ok(ok, `search for ${service}: ${got} traces, want ${n}`);
}

const ms = msToNs;
const hostA = { 'service.name': 'golden', 'host.name': 'host-a' };
const hostB = { 'service.name': 'golden-backend', 'host.name': 'host-b' };

// Golden traces: name -> {id, spans}; times relative to G0.
const G0 = NOW - 20n * 60n * 1000n * MS;
const golden = {};
function goldenTrace(name, shape) {
  golden[name] = shapeTrace(G0, shape);
}

before(async () => {
  logDir = makeTempDir('weft-it-analysis-logs-');
  server = await startServer({ args: ['--tail', path.join(logDir, '*.log'), '--tail-from', 'beginning', '--tail-window', '1s'] });

  goldenTrace('sequential', [
    { key: 'root', res: hostA, name: 'seq', kind: 2, from: 0, to: 100 },
    { key: 'a', parent: 'root', res: hostA, name: 'a-call', from: 10, to: 40 },
    { key: 'b', parent: 'root', res: hostA, name: 'b-call', from: 50, to: 90 },
  ]);
  goldenTrace('fanout', [
    { key: 'root', res: hostA, name: 'fan', kind: 2, from: 0, to: 100 },
    { key: 'c1', parent: 'root', res: hostA, name: 'part-1', from: 10, to: 50 },
    { key: 'c2', parent: 'root', res: hostA, name: 'part-2', from: 10, to: 80 },
    { key: 'c3', parent: 'root', res: hostA, name: 'part-3', from: 10, to: 60 },
  ]);
  goldenTrace('async', [
    { key: 'root', res: hostA, name: 'async', kind: 2, from: 0, to: 50 },
    { key: 'fire', parent: 'root', res: hostA, name: 'fire-and-forget', kind: 4, from: 10, to: 200 },
  ]);
  // host-b's clock is 990 ms ahead: its server span (80 ms) sticks out of the 100 ms client call.
  goldenTrace('skewed', [
    { key: 'root', res: hostA, name: 'skew-root', kind: 2, from: 0, to: 120 },
    { key: 'client', parent: 'root', res: hostA, name: 'call-backend', kind: 3, from: 10, to: 110 },
    { key: 'server', parent: 'client', res: hostB, name: 'handle', kind: 2, from: 1010, to: 1090 },
    { key: 'inner', parent: 'server', res: hostB, name: 'work', from: 1030, to: 1040 },
  ]);
  goldenTrace('compareA', [
    { key: 'root', res: hostA, name: 'cmp', kind: 2, from: 0, to: 100 },
    { key: 'api', parent: 'root', res: hostB, name: 'api', kind: 2, from: 10, to: 40 },
    { key: 'db', parent: 'api', res: hostB, name: 'db', from: 15, to: 35 },
  ]);
  goldenTrace('compareB', [
    { key: 'root', res: hostA, name: 'cmp', kind: 2, from: 0, to: 130 },
    { key: 'api', parent: 'root', res: hostB, name: 'api', kind: 2, from: 10, to: 60 },
    { key: 'db', parent: 'api', res: hostB, name: 'db', from: 15, to: 35 },
    { key: 'cache', parent: 'api', res: hostB, name: 'cache', from: 40, to: 55 },
  ]);
  await sendMany(Object.values(golden), 1);
  await waitCount('golden', Object.keys(golden).length);
});

after(async () => {
  if (server) {
    const info = await server.stop();
    assert.equal(info.code, 0, `exit code on SIGTERM: ${JSON.stringify(info)}`);
  }
  if (logDir) removeDir(logDir);
});

const rel = (ns) => Number((BigInt(ns) - G0) / MS);
const segs = (cp) => cp.segments.map((s) => [s.operation, rel(s.startTimeUnixNano), rel(s.endTimeUnixNano)]);

describe('critical path of one trace', () => {
  test('sequential calls: the path runs through each call and the gaps between', async () => {
    const cp = await get(`/api/v1/traces/${golden.sequential.id}/critical-path`);
    assert.equal(cp.rootSpanId, golden.sequential.ids.root);
    assert.equal(cp.durationNanos, String(100n * MS));
    assert.deepEqual(segs(cp), [['seq', 0, 10], ['a-call', 10, 40], ['seq', 40, 50], ['b-call', 50, 90], ['seq', 90, 100]]);
    assert.deepEqual(cp.selfTimes.map((t) => [t.operation, Number(BigInt(t.nanos) / MS), t.segments]),
      [['b-call', 40, 1], ['a-call', 30, 1], ['seq', 30, 3]]);
    assert.ok(Math.abs(cp.selfTimes[0].share - 0.4) < 1e-9);
  });

  test('a parallel fan-out: only the last child to finish is on the path', async () => {
    const cp = await get(`/api/v1/traces/${golden.fanout.id}/critical-path`);
    assert.deepEqual(segs(cp), [['fan', 0, 10], ['part-2', 10, 80], ['fan', 80, 100]]);
  });

  test('a fire-and-forget child counts only until its parent ends', async () => {
    const cp = await get(`/api/v1/traces/${golden.async.id}/critical-path`);
    assert.deepEqual(segs(cp), [['async', 0, 10], ['fire-and-forget', 10, 50]]);
  });

  test('the segments tile the root exactly', async () => {
    for (const name of Object.keys(golden)) {
      const cp = await get(`/api/v1/traces/${golden[name].id}/critical-path`);
      let at = BigInt(cp.startTimeUnixNano);
      for (const s of cp.segments) {
        assert.equal(BigInt(s.startTimeUnixNano), at, `${name}: gap before ${s.operation}`);
        at = BigInt(s.endTimeUnixNano);
      }
      assert.equal(at, BigInt(cp.endTimeUnixNano), `${name}: path ends at the root's end`);
    }
  });
});

describe('clock skew', () => {
  const SKEW = -990n * MS;
  const skewOf = (span) => span.attributes.find((a) => a.key === 'weft.skew.adjust_ns')?.value?.intValue;

  test('the native API centres the server span in its client call; its host follows', async () => {
    const t = await get(`/api/v1/traces/${golden.skewed.id}`);
    const byName = Object.fromEntries(t.spans.map((s) => [s.name, s]));
    assert.equal(rel(byName.handle.startTimeUnixNano), 20);
    assert.equal(rel(byName.handle.endTimeUnixNano), 100);
    assert.equal(rel(byName.work.startTimeUnixNano), 40);
    assert.equal(skewOf(byName.handle), String(SKEW));
    assert.equal(skewOf(byName.work), String(SKEW));
    assert.equal(skewOf(byName['call-backend']), undefined, 'spans that did not move carry no mark');
    assert.deepEqual(t.spans.map((s) => s.name), ['skew-root', 'call-backend', 'handle', 'work'], 'sorted by adjusted start');
  });

  test('?adjust=false returns the times as stored', async () => {
    const t = await get(`/api/v1/traces/${golden.skewed.id}?adjust=false`);
    const handle = t.spans.find((s) => s.name === 'handle');
    assert.equal(rel(handle.startTimeUnixNano), 1010);
    assert.equal(skewOf(handle), undefined);
    const raw = await get(`/api/v1/traces/${golden.skewed.id}/critical-path?adjust=false`);
    assert.ok(!raw.segments.some((s) => s.operation === 'handle'), 'raw: the server span lies outside its caller');
    const adjusted = await get(`/api/v1/traces/${golden.skewed.id}/critical-path`);
    assert.deepEqual(segs(adjusted), [['skew-root', 0, 10], ['call-backend', 10, 20], ['handle', 20, 40],
      ['work', 40, 50], ['handle', 50, 100], ['call-backend', 100, 110], ['skew-root', 110, 120]]);
    await get(`/api/v1/traces/${golden.skewed.id}?adjust=maybe`, 400);
  });

  test('the Jaeger and Zipkin APIs return adjusted times, as their UIs expect', async () => {
    const us = (relMs) => Number((G0 + ms(relMs)) / 1000n);
    const j = await get(`/api/traces/${golden.skewed.id}`);
    const handle = j.data[0].spans.find((s) => s.operationName === 'handle');
    assert.equal(handle.startTime, us(20));
    const z = await httpGet(`${server.zipkin}/api/v2/trace/${golden.skewed.id}`);
    assert.equal(z.status, 200, z.text);
    assert.equal(z.json.find((s) => s.name === 'handle').timestamp, us(20));
    const v3 = await get(`/api/v3/traces/${golden.skewed.id}`);
    const spans = v3.result.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
    assert.equal(rel(spans.find((s) => s.name === 'handle').startTimeUnixNano), 20);
  });
});

describe('log-built traces', () => {
  test('RpcId gaps are listed per parent', async () => {
    const id = hexId();
    appendFileSync(path.join(logDir, 'shop.log'), [
      line('request.info', id, '0.1', 'logshop', LOG_T0, { x_module: 'GET /gap', x_duration: 1 }),
      line('mysql.request', id, '0.2', 'logshop', LOG_T0),
      line('http.post', id, '0.4', 'logshop', LOG_T0, { x_action: 'http://backend/x' }),
      line('request.info', id, '0.4.1', 'logbackend', LOG_T0, { x_module: 'POST /x' }),
      line('redis.request', id, '0.4.3', 'logbackend', LOG_T0),
    ].join('\n') + '\n');
    await waitTrace(server, id, 5, 0);
    const gaps = await get(`/api/v1/traces/${id}/rpcid-gaps`);
    assert.equal(gaps.logBuilt, true);
    assert.equal(gaps.missingCount, 2);
    assert.deepEqual(gaps.parents.map((p) => [p.rpcId, p.present, p.missing]),
      [['0', [1, 2, 4], [3]], ['0.4', [1, 3], [2]]]);
    const otlp = await get(`/api/v1/traces/${golden.sequential.id}/rpcid-gaps`);
    assert.deepEqual([otlp.logBuilt, otlp.parents, otlp.missingCount], [false, [], 0]);
  });
});

describe('compare', () => {
  test('two traces aligned by service, operation and path', async () => {
    const c = await get(`/api/v1/compare?a=${golden.compareA.id}&b=${golden.compareB.id}`);
    assert.equal(c.a.traceId, golden.compareA.id);
    assert.equal(c.b.spanCount, 4);
    assert.equal(c.b.durationNanos, String(130n * MS));
    assert.deepEqual(c.nodes.map((n) => [n.parent, n.depth, n.service, n.operation, n.side, n.deltaNanos]), [
      [-1, 0, 'golden', 'cmp', 'both', String(30n * MS)],
      [0, 1, 'golden-backend', 'api', 'both', String(20n * MS)],
      [1, 2, 'golden-backend', 'db', 'both', '0'],
      [1, 2, 'golden-backend', 'cache', 'onlyB', String(15n * MS)],
    ]);
    assert.deepEqual([c.onlyA, c.onlyB], [0, 1]);
    const cache = c.nodes[3];
    assert.deepEqual([cache.aCount, cache.bCount, cache.aDurationNanos], [0, 1, '0']);
  });
});

describe('planted causes', () => {
  const N = 300;
  const sets = {};
  before(async () => {
    const rnd = prng(20261205);
    const start = (i) => NOW - 30n * 60n * 1000n * MS + BigInt(i) * 2000n * MS;
    const mk = (i, spans) => ({ id: newTraceId(), spans: spans.map((s) => ({ ...s, start: start(i) + ms(s.from), end: start(i) + ms(s.to) })) });
    const tier = () => ['gold', 'silver', 'bronze'][Math.floor(rnd() * 3)];

    // shop-a: version 2.4.1 of the payments service is slow (one trace in ten runs it).
    sets.version = [];
    for (let i = 0; i < N; i++) {
      const slow = i % 10 === 3;
      const d = slow ? 300 + rnd() * 100 : 20 + rnd() * 30;
      const root = newSpanId(), pay = newSpanId();
      sets.version.push(mk(i, [
        { id: root, res: { 'service.name': 'shop-a', 'host.name': 'fa' }, name: 'GET /checkout', kind: 2, from: 0, to: d + 20,
          attributes: { 'customer.tier': tier(), 'request.id': `req-${i}-${Math.floor(rnd() * 1e9)}` } },
        { id: pay, parent: root, res: { 'service.name': 'payments', 'host.name': 'pa', 'service.version': slow ? '2.4.1' : '2.4.0' },
          name: 'charge', kind: 2, from: 10, to: 10 + d },
      ]));
    }
    // shop-b: host h7 of the auth service fails every call.
    sets.host = [];
    for (let i = 0; i < N; i++) {
      const h = 1 + Math.floor(rnd() * 8);
      const root = newSpanId();
      sets.host.push(mk(i, [
        { id: root, res: { 'service.name': 'shop-b' }, name: 'GET /pay', kind: 2, from: 0, to: 40, attributes: { 'customer.tier': tier() } },
        { id: newSpanId(), parent: root, res: { 'service.name': 'auth', 'host.name': `h${h}` }, name: 'authorize', kind: 2,
          from: 5, to: 30, error: h === 7 },
      ]));
    }
    // shop-c: one request in twelve runs an N+1 loop of 12 queries; every request also
    // makes 0..7 parallel cache calls (so span counts overlap).
    sets.loop = [];
    for (let i = 0; i < N; i++) {
      const loop = i % 12 === 5;
      const root = newSpanId();
      const spans = [];
      let at = 5;
      const queries = loop ? 12 : 1 + Math.floor(rnd() * 2);
      for (let q = 0; q < queries; q++) {
        const d = 4 + rnd() * 2;
        spans.push({ id: newSpanId(), parent: root, res: { 'service.name': 'db' }, name: 'SELECT', kind: 2, from: at, to: at + d });
        at += d + 0.5;
      }
      const caches = Math.floor(rnd() * 8);
      for (let c = 0; c < caches; c++)
        spans.push({ id: newSpanId(), parent: root, res: { 'service.name': 'cache' }, name: 'GET', kind: 2, from: 1, to: 3 });
      spans.unshift({ id: root, res: { 'service.name': 'shop-c' }, name: 'GET /list', kind: 2, from: 0, to: at + 5 + rnd() * 10 });
      sets.loop.push(mk(i, spans));
    }
    await sendMany([...sets.version, ...sets.host, ...sets.loop]);
    for (const s of ['shop-a', 'shop-b', 'shop-c']) await waitCount(s, N);
  });

  test('one version slow: ranks first among what slow traces share', async () => {
    const c = await get('/api/v1/analysis/cohorts?service=shop-a&operation=GET%20/checkout&select=slow');
    assert.equal(c.matchedTraces, N);
    assert.ok(c.selectedTraces >= 15 && c.selectedTraces <= 17, `selected ${c.selectedTraces}`);
    assert.equal(c.baselineSampled, false);
    const top = c.features[0];
    assert.deepEqual([top.kind, top.name, top.value], ['attribute', 'service.version', '2.4.1'], JSON.stringify(c.features.slice(0, 3)));
    assert.equal(top.selectedRatio, 1);
    assert.ok(top.lift > 5 && top.zScore > 5 && top.pValue < 1e-6, JSON.stringify(top));
    const slowIds = new Set(sets.version.filter((_, i) => i % 10 === 3).map((t) => t.id));
    for (const id of top.exampleTraceIds) assert.ok(slowIds.has(id), `example ${id} is a slow-version trace`);
    assert.ok(!c.features.some((f) => f.name === 'request.id'), 'an ID-like attribute is not a feature');
  });

  test('one version slow: its service leads the slow bands of the aggregate critical path', async () => {
    const a = await get('/api/v1/analysis/critical-path?service=shop-a&operation=GET%20/checkout');
    assert.equal(a.matchedTraces, N);
    assert.equal(a.analyzedTraces, N);
    assert.deepEqual(a.bands.map((b) => b.band), ['all', 'median', 'slowest5', 'slowest1']);
    const slow = a.bands[2];
    assert.equal(slow.traces, 15);
    assert.deepEqual([slow.shares[0].service, slow.shares[0].operation], ['payments', 'charge']);
    assert.ok(slow.shares[0].share > 0.9, JSON.stringify(slow.shares[0]));
    assert.ok(slow.shares[0].medianShare < slow.shares[0].share);
    assert.ok(slow.exampleTraceIds.length > 0 && slow.exampleTraceIds.length <= 5);
    // Shares of a band add up to one.
    const sum = slow.shares.reduce((n, s) => n + s.share, 0);
    assert.ok(Math.abs(sum - 1) < 1e-6, `shares sum to ${sum}`);
  });

  test('one host failing: ranks first among what failed traces share', async () => {
    const c = await get('/api/v1/analysis/cohorts?service=shop-b&select=error');
    const failing = sets.host.filter((t) => t.spans.some((s) => s.error)).length;
    assert.equal(c.selectedTraces, failing);
    assert.equal(c.baselineTraces, N - failing);
    const top = c.features[0];
    assert.deepEqual([top.kind, top.name, top.value], ['attribute', 'host.name', 'h7'], JSON.stringify(c.features.slice(0, 3)));
    assert.deepEqual([top.selectedRatio, top.baselineRatio, top.lift], [1, 0, null]);
  });

  test('an N+1 loop: the repeated call ranks first, and leads the slowest traces\' critical path', async () => {
    const c = await get('/api/v1/analysis/cohorts?service=shop-c&select=slow');
    const top = c.features[0];
    assert.deepEqual([top.kind, top.name, top.value], ['structure', 'repeatedCall', 'db: SELECT ×10-19'], JSON.stringify(c.features.slice(0, 3)));
    const a = await get('/api/v1/analysis/critical-path?service=shop-c');
    const slow = a.bands.find((b) => b.band === 'slowest5');
    assert.deepEqual([slow.shares[0].service, slow.shares[0].operation], ['db', 'SELECT']);
    const median = a.bands.find((b) => b.band === 'median');
    const dbMedian = median.shares.find((s) => s.service === 'db').share;
    assert.ok(slow.shares[0].share > dbMedian + 0.2, `db share ${slow.shares[0].share} vs median ${dbMedian}`);
  });

  test('minDuration selects, limit samples, and the answer says so', async () => {
    const c = await get('/api/v1/analysis/cohorts?service=shop-a&minDuration=200ms&limit=10');
    assert.equal(c.select, 'minDuration');
    assert.equal(c.selectedTraces, N / 10);
    assert.equal(c.selectedAnalyzed, 10);
    assert.equal(c.selectedSampled, true);
    assert.equal(c.baselineSampled, true);
    assert.equal(c.features[0].value, '2.4.1');
    const a = await get('/api/v1/analysis/critical-path?service=shop-a&limit=50');
    assert.equal(a.analyzedTraces, 50);
    assert.equal(a.sampled, true);
  });
});

describe('bad requests', () => {
  test('answer 400 or 404 with a message', async () => {
    const cases = [
      ['/api/v1/analysis/critical-path', 400, /service/],
      ['/api/v1/analysis/cohorts?service=shop-a', 400, /select/],
      ['/api/v1/analysis/cohorts?service=shop-a&select=slow&minDuration=1s', 400, /select/],
      ['/api/v1/analysis/cohorts?service=shop-a&select=fast', 400, /slow or error/],
      ['/api/v1/analysis/cohorts?service=shop-a&minDuration=soon', 400, /minDuration/],
      ['/api/v1/analysis/critical-path?service=shop-a&limit=0', 400, /limit/],
      ['/api/v1/compare?a=' + golden.compareA.id, 400, /b: required/],
      ['/api/v1/compare?a=xyz&b=' + golden.compareA.id, 400, /a:/],
      [`/api/v1/compare?a=${golden.compareA.id}&b=${'0'.repeat(31)}1`, 404, /not found/],
      [`/api/v1/traces/${'0'.repeat(31)}1/critical-path`, 404, /not found/],
      ['/api/v1/traces/nothex/rpcid-gaps', 400, /traceId/],
    ];
    for (const [url, code, msg] of cases) {
      const r = await httpGet(`${server.query}${url}`);
      assert.equal(r.status, code, `${url}: ${r.status} ${r.text}`);
      assert.match(r.json.error.message, msg, url);
    }
    const post = await postJson(`${server.query}/api/v1/compare?a=1&b=2`, {});
    assert.equal(post.status, 405);
    // Concurrent analyses: each answered in full, or refused with 429 beyond two at once.
    const burst = await Promise.all(Array.from({ length: 6 }, () =>
      httpGet(`${server.query}/api/v1/analysis/cohorts?service=shop-a&select=slow`, { timeoutMs: 30000 })));
    for (const r of burst) {
      assert.ok(r.status === 200 || r.status === 429, `${r.status} ${r.text}`);
      if (r.status === 429) assert.match(r.json.error.message, /too many analyses running/);
      else assert.equal(r.json.features[0].value, '2.4.1');
    }
    assert.ok(burst.filter((r) => r.status === 200).length >= 2);
    const empty = await get('/api/v1/analysis/critical-path?service=nobody');
    assert.deepEqual([empty.matchedTraces, empty.bands], [0, []]);
  });
});
