// Jaeger Thrift ingest end to end: the real npm `jaeger-client` (3.19.0) sends spans over
// UDP (its UDPSender: Agent.emitBatch in the binary protocol, jaeger-agent's port 6832) and
// over HTTP (its HTTPSender: a binary Batch to POST /api/traces, jaeger-collector's 14268);
// the compact protocol (6831), which jaeger-client for Node does not speak, is sent as a
// datagram built here by a small compact encoder. Every trace is read back through weft's
// Jaeger API (/api/traces/{id}) and native API (/api/v1/traces/{id}). Malformed datagrams
// and bodies are refused (counted, 400) and the server keeps storing the next good ones.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { createRequire } from 'node:module';

import {
  getJson, httpGet, httpPost, parseMetrics, startServer, sumMetric, waitFor,
} from './lib/server.mjs';

const require = createRequire(import.meta.url);
const jaeger = require('jaeger-client');
const UDPSender = require('jaeger-client/dist/src/reporters/udp_sender.js').default;
const HTTPSender = require('jaeger-client/dist/src/reporters/http_sender.js').default;

const hostPort = (addr) => {
  const i = addr.lastIndexOf(':');
  return { host: addr.slice(0, i), port: Number(addr.slice(i + 1)) };
};

/** A jaeger-client Tracer on `sender`, recording the client's own error logs. */
function makeTracer(service, sender, opts = {}) {
  const errors = [];
  const logger = { info() {}, error: (m) => errors.push(String(m)) };
  const reporter = new jaeger.RemoteReporter(sender, { logger });
  const tracer = new jaeger.Tracer(service, reporter, new jaeger.ConstSampler(true), {
    logger, tags: { deployment: 'it', 'build.number': 42 }, ...opts,
  });
  return { tracer, errors, close: () => new Promise((r) => tracer.close(r)) };
}

/** A two-span trace: SERVER root with typed tags and a log, CLIENT child with error. */
function recordTrace(tracer, prefix) {
  const root = tracer.startSpan(`${prefix} GET /checkout`, {
    tags: { 'span.kind': 'server', 'http.method': 'GET', ratio: 0.5, cached: false },
  });
  root.log({ event: 'cache.miss', key: 'k1' });
  const child = tracer.startSpan(`${prefix} SELECT`, {
    childOf: root.context(), tags: { 'span.kind': 'client', 'db.system': 'mysql', error: true },
  });
  child.log({ message: 'boom' });
  child.finish();
  root.finish();
  return { root, child };
}

async function jaegerTrace(server, id, spans) {
  const ok = await waitFor(async () => {
    const r = await httpGet(`${server.query}/api/traces/${id}`);
    return r.status === 200 && r.json?.data?.[0]?.spans?.length === spans ? r.json.data[0] : null;
  }, { timeoutMs: 10000 });
  assert.ok(ok, `trace ${id} with ${spans} spans not readable through /api/traces/{id}`);
  return ok;
}

const tag = (tags, key) => tags.find((t) => t.key === key);

/** The checks shared by the UDP and HTTP senders. */
async function checkRecordedTrace(server, { root, child }, service) {
  const id = root.context().toTraceId();
  const t = await jaegerTrace(server, id, 2);
  const byName = Object.fromEntries(t.spans.map((s) => [s.operationName.split(' ').slice(1).join(' '), s]));
  const r = byName['GET /checkout'];
  const c = byName.SELECT;
  assert.equal(r.spanID, root.context().toSpanId().padStart(16, '0'));
  assert.equal(c.spanID, child.context().toSpanId().padStart(16, '0'));
  assert.deepEqual(r.references, []);
  assert.deepEqual(c.references, [{ refType: 'CHILD_OF', traceID: t.traceID, spanID: r.spanID }]);
  assert.equal(r.flags, 1);
  // Tags keep their types (jaeger-client for Node sends every number as a double).
  assert.deepEqual(tag(r.tags, 'span.kind'), { key: 'span.kind', type: 'string', value: 'server' });
  assert.deepEqual(tag(r.tags, 'http.method'), { key: 'http.method', type: 'string', value: 'GET' });
  assert.deepEqual(tag(r.tags, 'ratio'), { key: 'ratio', type: 'float64', value: 0.5 });
  assert.deepEqual(tag(r.tags, 'cached'), { key: 'cached', type: 'bool', value: false });
  assert.deepEqual(tag(c.tags, 'span.kind'), { key: 'span.kind', type: 'string', value: 'client' });
  assert.deepEqual(tag(c.tags, 'error'), { key: 'error', type: 'bool', value: true });
  assert.deepEqual(r.logs.map((l) => l.fields), [[
    { key: 'event', type: 'string', value: 'cache.miss' },
    { key: 'key', type: 'string', value: 'k1' },
  ]]);
  assert.deepEqual(tag(c.logs[0].fields, 'message'), { key: 'message', type: 'string', value: 'boom' });
  const p = t.processes[r.processID];
  assert.equal(p.serviceName, service);
  assert.deepEqual(tag(p.tags, 'deployment'), { key: 'deployment', type: 'string', value: 'it' });
  assert.deepEqual(tag(p.tags, 'build.number'), { key: 'build.number', type: 'float64', value: 42 });
  assert.equal(tag(p.tags, 'jaeger.version')?.value, 'Node-3.19.0');

  // Native API: kind and status are the model's, not tags any more.
  const n = await getJson(`${server.query}/api/v1/traces/${id}`);
  const nr = n.spans.find((s) => s.spanId === r.spanID);
  const nc = n.spans.find((s) => s.spanId === c.spanID);
  assert.equal(nr.kind, 'server');
  assert.equal(nc.kind, 'client');
  assert.equal(nc.parentSpanId, nr.spanId);
  assert.equal(nr.parentSpanId, '');
  assert.equal(nc.status.code, 'error');
  assert.equal(nr.service, service);
  assert.equal(nc.service, service);
  assert.ok(!nr.attributes.some((a) => a.key === 'span.kind'));
  assert.ok(!nc.attributes.some((a) => a.key === 'error'));
  assert.equal(nr.events[0].name, 'cache.miss');
  assert.equal(BigInt(nr.endTimeUnixNano) - BigInt(nr.startTimeUnixNano),
    BigInt(r.duration) * 1000n);
  assert.equal(nr.startTimeUnixNano, String(BigInt(r.startTime) * 1000n));
  return { t, n };
}

// ---------- a tiny Thrift compact-protocol encoder (jaeger.thrift / agent.thrift) ----------

class Compact {
  constructor() { this.bytes = []; this.last = [0]; }
  byte(b) { this.bytes.push(b & 0xff); }
  varint(v) { // v: BigInt >= 0
    let x = BigInt(v);
    while (x >= 0x80n) { this.byte(Number(x & 0x7fn) | 0x80); x >>= 7n; }
    this.byte(Number(x));
  }
  zigzag(v) { const x = BigInt.asIntN(64, BigInt(v)); return BigInt.asUintN(64, (x << 1n) ^ (x >> 63n)); }
  field(type, id) {
    const delta = id - this.last[this.last.length - 1];
    if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
    else { this.byte(type); this.varint(this.zigzag(id)); }
    this.last[this.last.length - 1] = id;
  }
  structBegin() { this.last.push(0); }
  structEnd() { this.byte(0); this.last.pop(); }
  i32(id, v) { this.field(5, id); this.varint(this.zigzag(v)); }
  i64(id, v) { this.field(6, id); this.varint(this.zigzag(v)); }
  double(id, v) { this.field(7, id); const b = Buffer.alloc(8); b.writeDoubleLE(v); for (const x of b) this.byte(x); }
  bool(id, v) { this.field(v ? 1 : 2, id); }
  binary(id, v) { this.field(8, id); const b = Buffer.from(v); this.varint(b.length); for (const x of b) this.byte(x); }
  list(id, items, writeItem) {
    this.field(9, id);
    if (items.length < 15) this.byte((items.length << 4) | 12);
    else { this.byte(0xf0 | 12); this.varint(items.length); }
    for (const it of items) { this.structBegin(); writeItem(it); this.structEnd(); }
  }
  tags(id, tags) {
    this.list(id, tags, (t) => {
      this.binary(1, t.key);
      this.i32(2, t.type);
      if (t.type === 0) this.binary(3, t.value);
      if (t.type === 1) this.double(4, t.value);
      if (t.type === 2) this.bool(5, t.value);
      if (t.type === 3) this.i64(6, t.value);
      if (t.type === 4) this.binary(7, t.value);
    });
  }
  /** Agent.emitBatch(batch) as a oneway message. */
  static emitBatch(batch) {
    const w = new Compact();
    w.byte(0x82); w.byte((4 << 5) | 1); w.varint(1n);
    const name = Buffer.from('emitBatch'); w.varint(name.length); for (const x of name) w.byte(x);
    w.structBegin(); // args
    w.field(12, 1); w.structBegin(); // Batch
    w.field(12, 1); w.structBegin(); // Process
    w.binary(1, batch.process.serviceName);
    w.tags(2, batch.process.tags);
    w.structEnd();
    w.list(2, batch.spans, (s) => {
      w.i64(1, s.traceIdLow); w.i64(2, s.traceIdHigh); w.i64(3, s.spanId); w.i64(4, s.parentSpanId);
      w.binary(5, s.operationName);
      if (s.references) {
        w.list(6, s.references, (r) => {
          w.i32(1, r.refType); w.i64(2, r.traceIdLow); w.i64(3, r.traceIdHigh); w.i64(4, r.spanId);
        });
      }
      w.i32(7, s.flags); w.i64(8, s.startTime); w.i64(9, s.duration);
      if (s.tags) w.tags(10, s.tags);
      if (s.logs) w.list(11, s.logs, (l) => { w.i64(1, l.timestamp); w.tags(2, l.fields); });
    });
    w.i64(3, 7n); // seqNo
    w.structEnd(); // Batch
    w.structEnd(); // args
    return Buffer.from(w.bytes);
  }
}

function sendUdp(addr, buf) {
  const { host, port } = hostPort(addr);
  const sock = dgram.createSocket('udp4');
  return new Promise((resolve, reject) => {
    sock.send(buf, port, host, (err) => { sock.close(); if (err) reject(err); else resolve(); });
  });
}

const hex = (big, n = 16) => BigInt.asUintN(64, big).toString(16).padStart(n, '0');

function randomId() {
  return BigInt.asIntN(64, (BigInt(Math.floor(Math.random() * 2 ** 52)) << 12n) | 0xabcn);
}

// ---------- tests ----------

describe('Jaeger Thrift ingest', { timeout: 120000 }, () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => {
    if (!server) return;
    const exit = await server.stop();
    assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null },
      `weft serve did not exit 0 on SIGTERM\n${server.output().slice(-3000)}`);
  });

  test('ports file names the three Jaeger listeners', () => {
    for (const k of ['jaeger_http', 'jaeger_compact', 'jaeger_binary']) {
      assert.match(server.ports[k], /^127\.0\.0\.1:\d+$/, k);
    }
  });

  test('jaeger-client UDPSender (binary protocol, the 6832 port)', async () => {
    const { host, port } = hostPort(server.jaegerBinary);
    const { tracer, errors, close } = makeTracer('jaeger-udp-svc', new UDPSender({ host, port }));
    const spans = recordTrace(tracer, 'udp');
    await close();
    assert.deepEqual(errors, []);
    await checkRecordedTrace(server, spans, 'jaeger-udp-svc');
  });

  test('jaeger-client HTTPSender (POST /api/traces, 128-bit trace ids) answered 202', async () => {
    const sender = new HTTPSender({ endpoint: `${server.jaegerHttp}/api/traces` });
    const { tracer, errors, close } = makeTracer('jaeger-http-svc', sender, { traceId128bit: true });
    const spans = recordTrace(tracer, 'http');
    await close();
    assert.deepEqual(errors, []); // the sender logs any answer >= 400
    const id = spans.root.context().toTraceId();
    assert.equal(id.length, 32, `expected a 128-bit trace id, got ${id}`);
    const { n } = await checkRecordedTrace(server, spans, 'jaeger-http-svc');
    assert.equal(n.traceId, id);
    const m = parseMetrics((await httpGet(`${server.query}/metrics`)).text);
    assert.ok(sumMetric(m, 'weft_http_requests_total', { server: 'jaeger_http', code: '202' }) >= 1,
      'the HTTP receiver did not answer 202');
  });

  test('compact protocol datagram (the 6831 port): ids, references, every tag type', async () => {
    const high = randomId();
    const low = randomId();
    const t0 = BigInt(Date.now() - 5000) * 1000n;
    const batch = {
      process: { serviceName: 'compact-svc', tags: [{ key: 'host.arch', type: 0, value: 'amd64' }] },
      spans: [
        {
          traceIdLow: low, traceIdHigh: high, spanId: 0x100n, parentSpanId: 0n, operationName: 'produce',
          flags: 1, startTime: t0, duration: 1500n,
          tags: [
            { key: 'span.kind', type: 0, value: 'producer' },
            { key: 'str', type: 0, value: 'héllo' },
            { key: 'dbl', type: 1, value: -2.25 },
            { key: 'yes', type: 2, value: true },
            { key: 'no', type: 2, value: false },
            { key: 'big', type: 3, value: 9007199254740993n },
            { key: 'bin', type: 4, value: Buffer.from([0, 1, 2, 255]) },
            { key: 'otel.status_code', type: 0, value: 'OK' },
          ],
          logs: [{ timestamp: t0 + 10n, fields: [{ key: 'event', type: 0, value: 'sent' }, { key: 'n', type: 3, value: 3n }] }],
        },
        {
          // parentSpanId 0: the CHILD_OF reference is the parent; FOLLOWS_FROM is a link.
          traceIdLow: low, traceIdHigh: high, spanId: 0x200n, parentSpanId: 0n, operationName: 'consume',
          flags: 1, startTime: t0 + 100n, duration: 200n,
          references: [
            { refType: 1, traceIdLow: 0x77n, traceIdHigh: 0n, spanId: 0x99n },
            { refType: 0, traceIdLow: low, traceIdHigh: high, spanId: 0x100n },
          ],
          tags: [{ key: 'span.kind', type: 0, value: 'consumer' }],
        },
      ],
    };
    await sendUdp(server.jaegerCompact, Compact.emitBatch(batch));
    const id = hex(high) + hex(low);
    const t = await jaegerTrace(server, id, 2);
    assert.equal(t.traceID, id);
    const prod = t.spans.find((s) => s.operationName === 'produce');
    const cons = t.spans.find((s) => s.operationName === 'consume');
    assert.equal(prod.spanID, '0000000000000100');
    assert.equal(prod.duration, 1500);
    assert.equal(prod.startTime, Number(t0));
    assert.deepEqual(tag(prod.tags, 'str'), { key: 'str', type: 'string', value: 'héllo' });
    assert.deepEqual(tag(prod.tags, 'dbl'), { key: 'dbl', type: 'float64', value: -2.25 });
    assert.deepEqual(tag(prod.tags, 'yes'), { key: 'yes', type: 'bool', value: true });
    assert.deepEqual(tag(prod.tags, 'no'), { key: 'no', type: 'bool', value: false });
    assert.deepEqual(tag(prod.tags, 'bin'), { key: 'bin', type: 'binary', value: 'AAEC/w==' });
    assert.equal(tag(prod.tags, 'span.kind').value, 'producer');
    assert.deepEqual(prod.logs, [{ timestamp: Number(t0 + 10n), fields: [
      { key: 'event', type: 'string', value: 'sent' }, { key: 'n', type: 'int64', value: 3 }] }]);
    assert.equal(t.processes[prod.processID].serviceName, 'compact-svc');
    assert.deepEqual(cons.references, [
      { refType: 'CHILD_OF', traceID: id, spanID: '0000000000000100' },
      { refType: 'FOLLOWS_FROM', traceID: '0000000000000077', spanID: '0000000000000099' },
    ]);

    const n = await getJson(`${server.query}/api/v1/traces/${id}`);
    const np = n.spans.find((s) => s.name === 'produce');
    const nc = n.spans.find((s) => s.name === 'consume');
    assert.equal(np.kind, 'producer');
    assert.equal(np.status.code, 'ok');
    // An int64 beyond 2^53 arrives exact (the native API writes int64 as a string).
    assert.equal(String(np.attributes.find((a) => a.key === 'big').value.intValue), '9007199254740993');
    assert.equal(nc.kind, 'consumer');
    assert.equal(nc.parentSpanId, '0000000000000100');
    assert.deepEqual(nc.links.map((l) => [l.traceId, l.spanId, l.attributes]), [[
      '00000000000000000000000000000077', '0000000000000099',
      [{ key: 'opentracing.ref_type', value: { stringValue: 'follows_from' } }]]]);
    assert.equal(n.resources[0].attributes.find((a) => a.key === 'host.arch').value.stringValue, 'amd64');
  });

  test('malformed datagrams and bodies are refused; the server goes on', async () => {
    await sendUdp(server.jaegerCompact, Buffer.from('this is not thrift'));
    await sendUdp(server.jaegerBinary, Buffer.from([0x80, 0x01, 0x00, 0x04, 0xff, 0xff]));
    // A compact datagram on the binary port: the wrong protocol is malformed too.
    await sendUdp(server.jaegerBinary, Compact.emitBatch({ process: { serviceName: 'x', tags: [] }, spans: [] }));

    let r = await httpPost(`${server.jaegerHttp}/api/traces`, Buffer.from([0x0c, 0x00, 0x01, 0x0b]),
      { 'content-type': 'application/x-thrift' });
    assert.equal(r.status, 400);
    assert.match(r.text, /^cannot read the Jaeger Thrift batch: Batch/);
    r = await httpPost(`${server.jaegerHttp}/api/traces`, '[]', { 'content-type': 'application/json' });
    assert.equal(r.status, 415);
    r = await httpGet(`${server.jaegerHttp}/api/traces`);
    assert.equal(r.status, 405);
    r = await httpPost(`${server.jaegerHttp}/api/v2/spans`, 'x', { 'content-type': 'application/x-thrift' });
    assert.equal(r.status, 404);

    const rejected = await waitFor(async () => {
      const m = parseMetrics((await httpGet(`${server.query}/metrics`)).text);
      const compact = sumMetric(m, 'weft_udp_datagrams_rejected_total', { server: 'jaeger_compact', reason: 'malformed' });
      const binary = sumMetric(m, 'weft_udp_datagrams_rejected_total', { server: 'jaeger_binary', reason: 'malformed' });
      return compact >= 1 && binary >= 2 ? m : null;
    });
    assert.ok(rejected, 'malformed datagrams were not counted');
    assert.ok(sumMetric(rejected, 'weft_requests_malformed_total', { protocol: 'jaeger' }) >= 4);
    assert.match(server.output(), /jaeger_compact: dropped a datagram from 127\.0\.0\.1:\d+ that cannot be read/);

    // The next good datagram and body are stored.
    const high = 0n;
    const low = randomId();
    await sendUdp(server.jaegerCompact, Compact.emitBatch({
      process: { serviceName: 'after-garbage', tags: [] },
      spans: [{ traceIdLow: low, traceIdHigh: high, spanId: 5n, parentSpanId: 0n, operationName: 'ok',
        flags: 1, startTime: BigInt(Date.now()) * 1000n, duration: 1n }],
    }));
    await jaegerTrace(server, hex(low), 1);
    const sender = new HTTPSender({ endpoint: `${server.jaegerHttp}/api/traces` });
    const { tracer, errors, close } = makeTracer('after-garbage-http', sender);
    const s = tracer.startSpan('fine');
    s.finish();
    await close();
    assert.deepEqual(errors, []);
    await jaegerTrace(server, s.context().toTraceId(), 1);
    const h = await httpGet(`${server.query}/healthz`);
    assert.equal(h.status, 200);
  });
});
