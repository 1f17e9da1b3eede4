// Traces the analysis UI tests send (OTLP/HTTP JSON): a trace whose server span runs on a
// host with a clock ~1 s ahead, and a set of traces of one entry point (shop: GET /cart)
// where the slow ones wait on a database call and the failed ones on one auth region.
import { postJson } from '../../tests/integration/lib/server.mjs';
import { traceId as newTraceId } from '../../tests/integration/lib/otlp.mjs';
import { prng, resourceSpansOf, shapeTrace } from '../../tests/integration/lib/traces.mjs';

const MS = 1_000_000n;

// spans: {key, parent?, res: {service.name, host.name…}, name, kind?, from, to (ms after t0),
// attributes?, error?} → the resourceSpans of one trace, and the span IDs by key.
function build(traceId, t0, shape) {
  const t = shapeTrace(t0, shape, traceId);
  return { resourceSpans: resourceSpansOf([t], 'weft-ui-analysis'), ids: t.ids };
}

async function post(server, resourceSpans) {
  const r = await postJson(`${server.otlpHttp}/v1/traces`, { resourceSpans });
  if (r.status !== 200) throw new Error(`ingest answered ${r.status}: ${r.text}`);
}

// frontend (host web-1) calls backend (host api-1, its clock 990 ms ahead): backend's server
// span sticks out of the client call that waited for it. `audit` runs beside the call and
// ends early: it is not on the critical path.
export async function sendSkewedTrace(server) {
  const id = newTraceId();
  const t0 = BigInt(Date.now()) * MS - 120_000n * MS;
  const web = { 'service.name': 'frontend', 'host.name': 'web-1' };
  const api = { 'service.name': 'backend', 'host.name': 'api-1' };
  const { resourceSpans, ids } = build(id, t0, [
    { key: 'root', res: web, name: 'GET /skew', kind: 2, from: 0, to: 120, attributes: { 'ui.test': 'skew' } },
    { key: 'audit', parent: 'root', res: web, name: 'audit log', from: 12, to: 30 },
    { key: 'client', parent: 'root', res: web, name: 'call backend', kind: 3, from: 10, to: 110 },
    { key: 'server', parent: 'client', res: api, name: 'handle', kind: 2, from: 1010, to: 1090 },
    { key: 'work', parent: 'server', res: api, name: 'work', from: 1030, to: 1040 },
  ]);
  await post(server, resourceSpans);
  return { id, spans: ids };
}

// `count` traces of shop: GET /cart in the last hour: auth, then inventory, which reads
// cartdb. A tenth of them are slow because cartdb's SELECT items takes 300–500 ms (their
// db span says db.shard=7); a few fail in auth (auth.region=eu). `compareA` and
// `compareB` are two fast ones, B with an extra cache call.
export async function sendCartTraces(server, count = 200) {
  const rnd = prng(42);
  const now = BigInt(Date.now()) * MS;
  const shop = { 'service.name': 'shop', 'host.name': 'shop-1' };
  const auth = { 'service.name': 'auth', 'host.name': 'shop-1' };
  const inv = { 'service.name': 'inventory', 'host.name': 'shop-1' };
  const db = { 'service.name': 'cartdb', 'host.name': 'shop-1' };
  const cache = { 'service.name': 'cache', 'host.name': 'shop-1' };
  const all = [];
  const slow = [];
  const failed = [];
  let compareA, compareB;
  let batch = [];
  for (let i = 0; i < count; i++) {
    const id = newTraceId();
    const t0 = now - BigInt(Math.floor(60_000 + rnd() * 40 * 60_000)) * MS;
    const isSlow = i % 10 === 3;
    const isFailed = i % 25 === 7;
    const withCache = i === 1;
    const authEnd = 2 + 6 + rnd() * 4;
    const dbDur = isSlow ? 300 + rnd() * 200 : 3 + rnd() * 4;
    const invFrom = authEnd + 1;
    const dbFrom = invFrom + 2;
    const dbEnd = dbFrom + dbDur;
    const invEnd = dbEnd + 2 + rnd() * 2;
    let end = invEnd + 3;
    const shape = [
      { key: 'root', res: shop, name: 'GET /cart', kind: 2, from: 0, to: 0, attributes: { 'http.route': '/cart' } },
      { key: 'auth', parent: 'root', res: auth, name: 'check token', kind: 2, from: 2, to: authEnd,
        attributes: isFailed ? { 'auth.region': 'eu' } : { 'auth.region': 'us' }, error: isFailed },
      { key: 'inv', parent: 'root', res: inv, name: 'load cart', kind: 2, from: invFrom, to: invEnd },
      { key: 'db', parent: 'inv', res: db, name: 'SELECT items', kind: 3, from: dbFrom, to: dbEnd,
        attributes: { 'db.system': 'postgresql', 'db.shard': isSlow ? '7' : String(1 + (i % 4)) } },
    ];
    if (withCache) {
      shape.push({ key: 'cache', parent: 'root', res: cache, name: 'GET cart', kind: 3, from: end, to: end + 4 });
      end += 5;
    }
    shape[0].to = end;
    const { resourceSpans } = build(id, t0, shape);
    batch.push(...resourceSpans);
    all.push(id);
    if (isSlow) slow.push(id);
    if (isFailed) failed.push(id);
    if (i === 0) compareA = id;
    if (withCache) compareB = id;
    if (batch.length >= 120) {
      await post(server, batch);
      batch = [];
    }
  }
  if (batch.length) await post(server, batch);
  return { all, slow, failed, compareA, compareB };
}
