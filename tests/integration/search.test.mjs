// Trace-level search semantics through the Jaeger (/api/traces) and native (/api/v1/search)
// APIs: conditions may hold on different spans of one trace; minDuration is the trace's
// duration; results are newest first; limit returns the top N; an unknown service answers
// empty, fast.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, getJson, httpGet, postJson, waitFor } from './lib/server.mjs';
import { otlpRequest, traceId as newTraceId, spanId as newSpanId } from './lib/otlp.mjs';
import { padTrace } from './lib/compare.mjs';

const SVC = 'search-svc';
const OTHER = 'search-other';
const MS = 1000000n;

let server;
const T0 = (BigInt(Date.now()) - 600000n) * MS; // 10 minutes ago, ns
const traces = {}; // name -> {tid, start(ns), durNs}

function defineTraces() {
  const at = (s) => T0 + BigInt(s) * 1000n * MS;
  const mk = (name, startSec, spans, service = SVC) => {
    const tid = newTraceId();
    const start = at(startSec);
    const root = newSpanId();
    const built = spans.map((s, i) => ({
      traceId: tid,
      spanId: i === 0 ? root : newSpanId(),
      parentSpanId: i === 0 ? undefined : root,
      name: s.name,
      kind: i === 0 ? 2 : 1,
      start: start + BigInt(s.from) * MS,
      end: start + BigInt(s.to) * MS,
      attributes: s.attrs || {},
      status: s.error ? { code: 2, message: 'boom' } : undefined,
    }));
    const durNs = BigInt(Math.max(...spans.map((s) => s.to)) - Math.min(...spans.map((s) => s.from))) * MS;
    traces[name] = { tid, start, durNs, service, spans: built };
  };
  // A: the two tags hold on different spans.
  mk('A', 10, [{ name: 'checkout', from: 0, to: 100, attrs: { 'http.method': 'GET' } },
    { name: 'db', from: 10, to: 60, attrs: { 'db.system': 'postgres' } }]);
  mk('B', 20, [{ name: 'checkout', from: 0, to: 20, attrs: { 'http.method': 'GET' } }]);
  mk('C', 30, [{ name: 'checkout', from: 0, to: 500, attrs: { 'db.system': 'postgres' }, error: true }]);
  // D: no span lasts 300 ms, but the trace lasts 400 ms.
  mk('D', 40, [{ name: 'checkout', from: 0, to: 100, attrs: { 'http.method': 'POST' } },
    { name: 'async-consume', from: 300, to: 400 }]);
  for (let i = 1; i <= 6; i++) mk(`E${i}`, 50 + i * 10, [{ name: 'list', from: 0, to: 5 + i }]);
  // Another service holding both tags, newest of all: must never match service=SVC.
  mk('X', 200, [{ name: 'checkout', from: 0, to: 900, attrs: { 'http.method': 'GET', 'db.system': 'postgres' } }], OTHER);
}

const ALL_SVC = () => Object.keys(traces).filter((k) => traces[k].service === SVC);
const newestFirst = (names) => [...names].sort((a, b) => (traces[b].start > traces[a].start ? 1 : -1));
const names = (tids) => tids.map((id) => Object.keys(traces).find((k) => traces[k].tid === padTrace(id)) ?? `?${id}`);

before(async () => {
  server = await startServer();
  defineTraces();
  // Send one request per trace, in an order unrelated to start time.
  const order = ['E3', 'A', 'E6', 'C', 'E1', 'X', 'D', 'E5', 'B', 'E2', 'E4'];
  for (const k of order) {
    const r = await postJson(`${server.otlpHttp}/v1/traces`, otlpRequest(traces[k].service, traces[k].spans));
    assert.equal(r.status, 200, `export ${k}: ${r.status} ${r.text}`);
  }
  const ready = await waitFor(async () => {
    const r = await httpGet(`${server.query}/api/v1/search?service=${SVC}&limit=100`);
    return r.status === 200 && r.json?.traces?.length === ALL_SVC().length;
  }, { timeoutMs: 10000 });
  assert.ok(ready, 'native search did not list all traces of the service within 10 s');
});
after(async () => {
  if (server) {
    const info = await server.stop();
    assert.equal(info.code, 0, `exit code on SIGTERM: ${JSON.stringify(info)}`);
  }
});

const startUs = () => String((T0 - 60000n * MS) / 1000n);
const endUs = () => String(BigInt(Date.now()) * 1000n + 60000000n);

async function native(params) {
  const body = await getJson(`${server.query}/api/v1/search?${params}`);
  assert.ok(Array.isArray(body.traces), `native search body: ${JSON.stringify(body).slice(0, 300)}`);
  return body.traces;
}
async function jaeger(params) {
  const body = await getJson(`${server.query}/api/traces?start=${startUs()}&end=${endUs()}&${params}`);
  assert.ok(Array.isArray(body.data), `Jaeger search body: ${JSON.stringify(body).slice(0, 300)}`);
  return body.data;
}
const jaegerIds = (data) => data.map((t) => t.traceID);

describe('trace-level search', { timeout: 120000, concurrency: 1 }, () => {
  test('native: two tags holding on different spans of one trace match it', async () => {
    const res = await native(`service=${SVC}&tag=${encodeURIComponent('http.method=GET')}&tag=${encodeURIComponent('db.system=postgres')}`);
    assert.deepEqual(names(res.map((t) => t.traceId)), ['A']);
    const a = res[0];
    assert.equal(a.rootService, SVC);
    assert.equal(a.rootName, 'checkout');
    assert.equal(Number(a.spanCount), 2);
    assert.equal(String(a.durationNanos), traces.A.durNs.toString());
    assert.equal(String(a.startTimeUnixNano), traces.A.start.toString());
    assert.equal(Number(a.errorCount), 0);
    assert.deepEqual(a.services.map((s) => [s.name, Number(s.spanCount)]), [[SVC, 2]]);
  });

  test('Jaeger: tags={...} with two tags on different spans matches the trace', async () => {
    const tags = encodeURIComponent(JSON.stringify({ 'http.method': 'GET', 'db.system': 'postgres' }));
    const res = await jaeger(`service=${SVC}&tags=${tags}`);
    assert.deepEqual(names(jaegerIds(res)), ['A']);
    assert.equal(res[0].spans.length, 2, 'Jaeger search returns whole traces');
  });

  test('single tag matches every trace holding it, newest first', async () => {
    const res = await native(`service=${SVC}&tag=${encodeURIComponent('http.method=GET')}`);
    assert.deepEqual(names(res.map((t) => t.traceId)), ['B', 'A']);
    const j = await jaeger(`service=${SVC}&tags=${encodeURIComponent(JSON.stringify({ 'http.method': 'GET' }))}`);
    assert.deepEqual(names(jaegerIds(j)), ['B', 'A']);
  });

  test('minDuration applies to the trace duration', async () => {
    const want = ['D', 'C']; // D lasts 400 ms though no span of it lasts 300 ms
    const res = await native(`service=${SVC}&minDuration=300ms`);
    assert.deepEqual(names(res.map((t) => t.traceId)), want);
    const j = await jaeger(`service=${SVC}&minDuration=300ms`);
    assert.deepEqual(names(jaegerIds(j)), want);
    const c = res.find((t) => names([t.traceId])[0] === 'C');
    assert.equal(Number(c.errorCount), 1, 'errorCount of C');
  });

  test('operation matches a non-root span and returns the whole trace', async () => {
    const res = await native(`service=${SVC}&operation=async-consume`);
    assert.deepEqual(names(res.map((t) => t.traceId)), ['D']);
    assert.equal(res[0].rootName, 'checkout');
    const j = await jaeger(`service=${SVC}&operation=async-consume`);
    assert.deepEqual(names(jaegerIds(j)), ['D']);
    assert.equal(j[0].spans.length, 2);
  });

  test('no limit: all traces of the service, newest first', async () => {
    const want = newestFirst(ALL_SVC());
    const res = await native(`service=${SVC}&limit=100`);
    assert.deepEqual(names(res.map((t) => t.traceId)), want);
    const j = await jaeger(`service=${SVC}&limit=100`);
    assert.deepEqual(names(jaegerIds(j)), want);
  });

  test('limit returns the top N (newest), not the first N found', async () => {
    const want = newestFirst(ALL_SVC()).slice(0, 3);
    assert.deepEqual(want, ['E6', 'E5', 'E4']);
    const res = await native(`service=${SVC}&limit=3`);
    assert.deepEqual(names(res.map((t) => t.traceId)), want);
    const j = await jaeger(`service=${SVC}&limit=3`);
    assert.deepEqual(names(jaegerIds(j)), want);
  });

  test('order=longest sorts by trace duration, longest first', async () => {
    const res = await native(`service=${SVC}&order=longest&limit=2`);
    assert.deepEqual(names(res.map((t) => t.traceId)), ['C', 'D']);
  });

  test('unknown service answers empty, quickly', async () => {
    let t = Date.now();
    const res = await native('service=no-such-service-anywhere');
    assert.deepEqual(res, []);
    assert.ok(Date.now() - t < 1000, `native took ${Date.now() - t} ms`);
    t = Date.now();
    const r = await httpGet(`${server.query}/api/traces?service=no-such-service-anywhere&start=${startUs()}&end=${endUs()}`);
    assert.ok(Date.now() - t < 1000, `Jaeger took ${Date.now() - t} ms`);
    assert.equal(r.status, 200, `Jaeger unknown service: ${r.status} ${r.text.slice(0, 200)}`);
    assert.ok(r.json && (r.json.data === null || (Array.isArray(r.json.data) && r.json.data.length === 0)), r.text.slice(0, 200));
  });

  test('service listings include both services', async () => {
    const js = await getJson(`${server.query}/api/services`);
    assert.ok(js.data.includes(SVC) && js.data.includes(OTHER), JSON.stringify(js));
    const ops = await getJson(`${server.query}/api/services/${SVC}/operations`);
    const opNames = (ops.data || []).map((o) => (typeof o === 'string' ? o : o.name)).sort();
    assert.deepEqual([...new Set(opNames)], ['async-consume', 'checkout', 'db', 'list']);
  });
});
