// (c) Bad input: every malformed, oversize or mistyped request gets the documented error
// (status code and a message saying what is wrong), invalid spans are rejected one by one,
// and afterwards the server is still healthy, still ingests, and /metrics counts rejections.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import grpc from '@grpc/grpc-js';
import {
  startServer, httpGet, httpPost, postJson, waitFor, parseMetrics, sumMetric,
} from './lib/server.mjs';
import { otlpRequest, traceId as newTraceId, spanId as newSpanId, nowNs } from './lib/otlp.mjs';

const MAX_BODY = 4096;
const SERVICE = 'bad-input-svc';

let server;
before(async () => { server = await startServer({ args: ['--max-body-bytes', String(MAX_BODY)] }); });
after(async () => {
  if (server) {
    const info = await server.stop();
    assert.equal(info.code, 0, `exit code on SIGTERM: ${JSON.stringify(info)}`);
  }
});

const tracesUrl = () => `${server.otlpHttp}/v1/traces`;

function validRequest(n = 2) {
  const tid = newTraceId();
  const t0 = nowNs() - 5000000000n;
  const spans = Array.from({ length: n }, (_, i) => ({
    traceId: tid, spanId: newSpanId(), name: `op-${i}`, start: t0, end: t0 + 1000000n,
  }));
  return { tid, spans, body: otlpRequest(SERVICE, spans) };
}

/** Minimal protobuf decoder for google.rpc.Status {int32 code = 1; string message = 2}. */
function decodeRpcStatus(buf) {
  let i = 0;
  const out = { code: 0, message: '' };
  const varint = () => {
    let v = 0; let shift = 0;
    for (;;) {
      if (i >= buf.length) throw new Error('truncated varint');
      const b = buf[i++];
      v += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return v;
      shift += 7;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8); const wt = key & 7;
    if (wt === 0) { const v = varint(); if (field === 1) out.code = v; } else if (wt === 2) {
      const len = varint();
      if (i + len > buf.length) throw new Error('truncated field');
      if (field === 2) out.message = buf.subarray(i, i + len).toString('utf8');
      i += len;
    } else if (wt === 1) i += 8; else if (wt === 5) i += 4; else throw new Error(`bad wire type ${wt}`);
  }
  return out;
}

/** Assert a 400 answer to a JSON request: {"code":3,"message":"..."}. */
function assertJson400(r, what) {
  assert.equal(r.status, 400, `${what}: status ${r.status} body ${r.text.slice(0, 300)}`);
  assert.ok(r.json, `${what}: error body should be JSON, got ${r.text.slice(0, 300)}`);
  assert.equal(r.json.code, 3, `${what}: code should be 3 (INVALID_ARGUMENT): ${r.text}`);
  assert.ok(typeof r.json.message === 'string' && r.json.message.length > 0, `${what}: message missing: ${r.text}`);
}

/** Raw unary gRPC call with identity (de)serializers: sends bytes as-is. */
function grpcRaw(addr, bytes) {
  const client = new grpc.Client(addr, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      (b) => b, (b) => b, bytes, new grpc.Metadata(), { deadline: Date.now() + 10000 },
      (err, res) => { client.close(); resolve({ err, res }); },
    );
  });
}

describe('bad input', { timeout: 120000, concurrency: 1 }, () => {
  test('body over --max-body-bytes -> 413', async () => {
    const { body } = validRequest(1);
    body.resourceSpans[0].resource.attributes.push({ key: 'pad', value: { stringValue: 'x'.repeat(MAX_BODY * 3) } });
    const r = await postJson(tracesUrl(), body);
    assert.equal(r.status, 413, `status ${r.status}: ${r.text.slice(0, 300)}`);
    const z = await httpPost(`${server.zipkin}/api/v2/spans`, JSON.stringify([{ traceId: newTraceId(), id: newSpanId(), name: 'x'.repeat(MAX_BODY * 3) }]),
      { 'content-type': 'application/json' });
    assert.equal(z.status, 413, `zipkin oversize: status ${z.status}`);
  });

  test('gzip body that inflates beyond the limit is refused (413 or 400), not stored', async () => {
    const json = JSON.stringify(validRequest(1).body) + ' '.repeat(MAX_BODY * 100);
    const gz = gzipSync(json);
    assert.ok(gz.length < MAX_BODY);
    const r = await httpPost(tracesUrl(), gz, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    assert.ok([400, 413].includes(r.status), `status ${r.status}: ${r.text.slice(0, 300)}`);
  });

  test('malformed protobuf -> 400 with google.rpc.Status message', async () => {
    // field 1 (resource_spans), length 100, but only 3 bytes follow
    const bytes = Buffer.from([0x0a, 0x64, 0x01, 0x02, 0x03]);
    const r = await httpPost(tracesUrl(), bytes, { 'content-type': 'application/x-protobuf' });
    assert.equal(r.status, 400, `status ${r.status}: ${r.text.slice(0, 300)}`);
    const st = decodeRpcStatus(r.bytes);
    assert.ok(st.message.length > 0, `google.rpc.Status should carry a message; body=${r.bytes.toString('hex').slice(0, 200)}`);
    assert.equal(st.code, 3, 'google.rpc.Status code should be INVALID_ARGUMENT (3)');
  });

  test('invalid JSON -> 400 {"code":3,"message"}', async () => {
    const r = await httpPost(tracesUrl(), '{"resourceSpans": [', { 'content-type': 'application/json' });
    assertJson400(r, 'truncated JSON');
  });

  test('JSON of the wrong shape -> 400', async () => {
    const r = await httpPost(tracesUrl(), '{"resourceSpans": "nope"}', { 'content-type': 'application/json' });
    assertJson400(r, 'resourceSpans as string');
  });

  test('one span with a 10-hex-char traceId among valid ones -> 200 partialSuccess, valid spans kept', async () => {
    const { tid, spans, body } = validRequest(3);
    body.resourceSpans[0].scopeSpans[0].spans[1].traceId = 'abcdef0123';
    const r = await postJson(tracesUrl(), body);
    assert.equal(r.status, 200, `status ${r.status}: ${r.text}`);
    const ps = r.json?.partialSuccess;
    assert.ok(ps, `partialSuccess missing: ${r.text}`);
    assert.equal(String(ps.rejectedSpans), '1', `rejectedSpans: ${r.text}`);
    assert.ok(typeof ps.errorMessage === 'string' && /trace_?id/i.test(ps.errorMessage),
      `errorMessage should name the trace id problem: ${r.text}`);
    const tr = await waitFor(async () => {
      const g = await httpGet(`${server.query}/api/v1/traces/${tid}`);
      return g.status === 200 && g.json?.spans?.length >= 2 ? g.json : null;
    }, { timeoutMs: 5000 });
    assert.ok(tr, `valid spans of trace ${tid} not readable`);
    const ids = tr.spans.map((s) => s.spanId).sort();
    assert.deepEqual(ids, [spans[0].spanId, spans[2].spanId].sort());
  });

  test('wrong content type -> 415', async () => {
    const r = await httpPost(tracesUrl(), JSON.stringify(validRequest(1).body), { 'content-type': 'text/plain' });
    assert.equal(r.status, 415, `status ${r.status}: ${r.text.slice(0, 300)}`);
  });

  test('Content-Encoding gzip with non-gzip bytes -> 400', async () => {
    const r = await httpPost(tracesUrl(), Buffer.from('this is not gzip at all'),
      { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    assert.equal(r.status, 400, `status ${r.status}: ${r.text.slice(0, 300)}`);
    assert.ok(r.text.length > 0, 'error body should say what is wrong');
  });

  test('Zipkin malformed -> 400', async () => {
    for (const bad of ['[{"traceId":', '{"not":"an array"}', '[{"traceId":"xyz","id":"1","name":"a"}]']) {
      const r = await httpPost(`${server.zipkin}/api/v2/spans`, bad, { 'content-type': 'application/json' });
      assert.equal(r.status, 400, `zipkin body ${bad}: status ${r.status} ${r.text.slice(0, 200)}`);
      assert.ok(r.text.length > 0, `zipkin body ${bad}: error body should say what is wrong`);
    }
  });

  test('gRPC: empty request OK, garbage bytes -> INVALID_ARGUMENT', async () => {
    const ok = await grpcRaw(server.grpcAddr, Buffer.alloc(0));
    assert.equal(ok.err, null, `empty ExportTraceServiceRequest should succeed: ${ok.err?.message}`);
    const bad = await grpcRaw(server.grpcAddr, Buffer.from([0x0a, 0x64, 0x01, 0x02, 0x03]));
    assert.ok(bad.err, 'garbage should fail');
    assert.equal(bad.err.code, grpc.status.INVALID_ARGUMENT, `gRPC status: ${bad.err.code} ${bad.err.details}`);
    assert.ok(bad.err.details && bad.err.details.length > 0, 'gRPC error should carry a message');
  });

  test('unknown query route -> 404; unknown trace -> 404 JSON error; bad id -> 400; wrong method -> 405', async () => {
    const r = await httpGet(`${server.query}/api/definitely-not-a-route`);
    assert.equal(r.status, 404, `status ${r.status}`);
    const t = await httpGet(`${server.query}/api/v1/traces/${newTraceId()}`);
    assert.equal(t.status, 404, `unknown trace: ${t.status} ${t.text}`);
    assert.equal(t.json?.error?.code, 404, `native 404 body: ${t.text}`);
    assert.ok(t.json?.error?.message, `native 404 message: ${t.text}`);
    const j = await httpGet(`${server.query}/api/traces/${newTraceId()}`);
    assert.equal(j.status, 404, `Jaeger unknown trace: ${j.status}`);
    const bad = await httpGet(`${server.query}/api/v1/traces/not-hex`);
    assert.equal(bad.status, 400, `malformed trace id: ${bad.status}`);
    const z = await httpGet(`${server.zipkin}/api/v2/trace/${newTraceId()}`);
    assert.equal(z.status, 404, `Zipkin unknown trace: ${z.status}`);
    const m = await httpPost(`${server.query}/api/v1/search`, '{}', { 'content-type': 'application/json' });
    assert.equal(m.status, 405, `POST on a query route: ${m.status}`);
  });

  test('bad query parameter (minDuration=abc) -> 400', async () => {
    const j = await httpGet(`${server.query}/api/traces?service=${SERVICE}&minDuration=abc`);
    assert.equal(j.status, 400, `Jaeger search: ${j.status} ${j.text.slice(0, 200)}`);
    assert.match(String(j.json?.errors?.[0]?.msg), /minDuration/, `Jaeger error envelope should name the parameter: ${j.text}`);
    const n = await httpGet(`${server.query}/api/v1/search?service=${SERVICE}&minDuration=abc`);
    assert.equal(n.status, 400, `native search: ${n.status} ${n.text.slice(0, 200)}`);
    assert.match(String(n.json?.error?.message), /minDuration/, `native error should name the parameter: ${n.text}`);
    const bare = await httpGet(`${server.query}/api/v1/search?service=${SERVICE}&minDuration=300`);
    assert.equal(bare.status, 400, `a bare number has no unit: ${bare.status}`);
    const l = await httpGet(`${server.query}/api/v1/search?service=${SERVICE}&limit=abc`);
    assert.equal(l.status, 400, `native search limit=abc: ${l.status}`);
  });

  test('afterwards: healthy, still ingesting, and /metrics counts the rejections', async () => {
    const h = await httpGet(`${server.query}/healthz`);
    assert.equal(h.status, 200);
    assert.equal(h.text.trim(), 'ok');
    const { tid, body } = validRequest(2);
    const r = await postJson(tracesUrl(), body);
    assert.equal(r.status, 200, `valid export: ${r.status} ${r.text}`);
    assert.ok(!r.json?.partialSuccess || String(r.json.partialSuccess.rejectedSpans ?? '0') === '0', r.text);
    const z = await httpPost(`${server.zipkin}/api/v2/spans`, JSON.stringify([{
      traceId: newTraceId(), id: newSpanId(), name: 'zipkin-ok', timestamp: Date.now() * 1000, duration: 10,
      localEndpoint: { serviceName: SERVICE },
    }]), { 'content-type': 'application/json' });
    assert.equal(z.status, 202, `valid zipkin: ${z.status} ${z.text}`);
    const got = await waitFor(async () => (await httpGet(`${server.query}/api/v1/traces/${tid}`)).json?.spans?.length === 2,
      { timeoutMs: 5000 });
    assert.ok(got, 'valid trace after bad input is readable');

    const m = await httpGet(`${server.query}/metrics`);
    assert.equal(m.status, 200);
    const samples = parseMetrics(m.text);
    assert.ok(sumMetric(samples, 'weft_spans_rejected_total') >= 1,
      `weft_spans_rejected_total should count the rejected span:\n${m.text.split('\n').filter((l) => l.includes('rejected')).join('\n')}`);
    assert.ok(sumMetric(samples, 'weft_spans_received_total') >= 5, 'weft_spans_received_total');
    assert.ok(sumMetric(samples, 'weft_spans_accepted_total') >= 5, 'weft_spans_accepted_total');
    const protocols = new Set(samples.filter((s) => s.name === 'weft_spans_accepted_total').map((s) => s.labels.protocol));
    assert.ok(protocols.size >= 2, `accepted spans should be labelled by protocol: ${[...protocols]}`);
  });
});
