// The weft C++ SDK and the OpenTelemetry JS SDK in one system (issue 3, scope item 6).
//
// Three real processes call each other over HTTP, each exporting to one real `weft serve`:
// the SDK's probe program (sdk/tests/programs/sdk_probe.cc; $WEFT_SDK_PROBE) and a Node
// service instrumented with OTel JS (NodeTracerProvider + HttpInstrumentation + the
// propagator under test + OTLP/HTTP; lib/otel_service.cjs). For W3C trace context, B3 single
// header, B3 multi-header and Jaeger headers, in both orders (C++ → Node → C++ and
// Node → C++ → Node), every process is configured with that format only, and the trace must
// arrive in weft serve as ONE trace of five spans with the right parent of each, and the
// baggage must reach the last service (W3C baggage, Jaeger uberctx-*). Sampling: the C++
// TraceIdRatioSampler and OTel JS's TraceIdRatioBasedSampler must decide alike for the same
// trace ids, both when asked directly and when each side decides on its own inside one trace.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { SamplingDecision, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';

import { getJson, httpGet, startServer, waitFor } from './lib/server.mjs';
import { probeSkipReason, startNodeService, startProbe } from './lib/sdk_procs.mjs';

const SKIP = probeSkipReason();

const FORMATS = [
  {
    id: 'w3c', probe: 'tracecontext,baggage', node: 'w3c',
    send: { baggage: 'user=alice,tier=gold' }, baggage: { user: 'alice', tier: 'gold' },
  },
  { id: 'b3-single', probe: 'b3', node: 'b3', headerOut: 'b3' },
  { id: 'b3-multi', probe: 'b3multi', node: 'b3multi', headerOut: 'x-b3-traceid' },
  {
    id: 'jaeger', probe: 'jaeger', node: 'jaeger',
    send: { 'uberctx-user': 'alice' }, baggage: { user: 'alice' },
  },
];

/** GET the trace from weft serve once it holds `want` spans (native API). */
async function fetchTrace(server, traceId, want) {
  let last;
  const got = await waitFor(async () => {
    const r = await httpGet(`${server.query}/api/v1/traces/${traceId}`);
    if (r.status !== 200) { last = `${r.status} ${r.text.slice(0, 200)}`; return undefined; }
    last = r.json;
    return r.json.spans.length >= want ? r.json : undefined;
  }, { timeoutMs: 20000, intervalMs: 150 });
  assert.ok(got, `trace ${traceId}: wanted ${want} spans, last answer: ${JSON.stringify(last).slice(0, 3000)}`);
  return got;
}

/**
 * Check that `trace` is exactly the chain `steps`: [{service, kind, spanId?}], each the
 * child of the one before, the first a root. Returns the spans in chain order.
 */
function assertChain(trace, traceId, steps) {
  const desc = JSON.stringify(trace.spans.map((s) => [s.service, s.kind, s.spanId, s.parentSpanId, s.name]));
  assert.equal(trace.traceId, traceId);
  assert.equal(trace.spans.length, steps.length, `span count; spans: ${desc}`);
  const roots = trace.spans.filter((s) => s.parentSpanId === '');
  assert.equal(roots.length, 1, `exactly one root; spans: ${desc}`);
  const out = [];
  let parent = '';
  for (const [i, step] of steps.entries()) {
    const children = trace.spans.filter((s) => s.parentSpanId === parent);
    assert.equal(children.length, 1, `step ${i} (${step.service} ${step.kind}): one child of '${parent}'; spans: ${desc}`);
    const s = children[0];
    assert.equal(s.traceId, traceId);
    assert.equal(s.service, step.service, `step ${i} service; spans: ${desc}`);
    assert.equal(s.kind, step.kind, `step ${i} kind; spans: ${desc}`);
    if (step.spanId) assert.equal(s.spanId, step.spanId, `step ${i} span id; spans: ${desc}`);
    assert.equal(s.flags & 0xff & 1, 1, `step ${i} sampled flag`);
    out.push(s);
    parent = s.spanId;
  }
  return out;
}

/** The same chain through weft's Jaeger API: one trace, CHILD_OF references, all services. */
async function assertJaegerView(server, traceId, chain) {
  const j = await getJson(`${server.query}/api/traces/${traceId}`);
  assert.equal(j.data.length, 1, 'one Jaeger trace');
  const t = j.data[0];
  assert.equal(t.spans.length, chain.length);
  const byId = new Map(t.spans.map((s) => [s.spanID, s]));
  for (const [i, s] of chain.entries()) {
    const js = byId.get(s.spanId);
    assert.ok(js, `span ${s.spanId} in the Jaeger view`);
    assert.equal(t.processes[js.processID].serviceName, s.service);
    const refs = (js.references || []).filter((r) => r.refType === 'CHILD_OF');
    if (i === 0) assert.equal(refs.length, 0, 'root has no CHILD_OF');
    else assert.deepEqual(refs.map((r) => [r.traceID, r.spanID]), [[traceId, chain[i - 1].spanId]]);
  }
}

const hex32 = /^[0-9a-f]{32}$/;

describe('C++ SDK <-> OpenTelemetry JS: one trace across processes', { skip: SKIP || false }, () => {
  let server;
  let procs = [];
  const stopAll = async () => {
    const ps = procs;
    procs = [];
    await Promise.all(ps.map((p) => p.stop()));
  };
  before(async () => { server = await startServer(); });
  after(async () => {
    await stopAll();
    if (server) {
      const e = await server.stop();
      assert.equal(e.code, 0, `weft serve exit ${JSON.stringify(e)}\n${server.output().slice(-3000)}`);
    }
  });

  for (const f of FORMATS) {
    test(`${f.id}: C++ probe -> Node (OTel JS) -> C++ probe`, { timeout: 60000 }, async () => {
      try {
        const tag = `${f.id}-cnc`;
        const b = await startProbe(['--endpoint', server.otlpHttp, '--service', `cpp-b-${tag}`, '--propagators', f.probe]);
        procs.push(b);
        const n = await startNodeService({
          SVC_NAME: `node-${tag}`, SVC_OTLP: server.otlpHttp, SVC_PROPAGATOR: f.node, SVC_DOWNSTREAM: `${b.url}/inventory`,
        });
        procs.push(n);
        const a = await startProbe(['--endpoint', server.otlpHttp, '--service', `cpp-a-${tag}`, '--propagators', f.probe,
          '--downstream', `${n.url}/orders`]);
        procs.push(a);

        const r = await getJson(`${a.url}/checkout`, { headers: f.send || {} });
        const rn = r.downstream;
        assert.equal(typeof rn, 'object', `node answered: ${JSON.stringify(r)}`);
        const rb = rn.downstream;
        assert.equal(typeof rb, 'object', `probe b answered: ${JSON.stringify(rn)}`);
        assert.match(r.trace_id, hex32);
        assert.equal(rn.trace_id, r.trace_id, 'node continued the C++ trace');
        assert.equal(rb.trace_id, r.trace_id, 'probe b continued the trace through node');
        assert.equal(rn.parent_span_id, r.client_span_id, 'node SERVER span is the child of the C++ CLIENT span');
        assert.deepEqual([r.sampled, rn.sampled, rb.sampled], [true, true, true]);
        if (f.baggage) {
          assert.deepEqual(rn.baggage, f.baggage, 'baggage reached node');
          assert.deepEqual(rb.baggage, f.baggage, 'baggage reached probe b through node');
        }

        const trace = await fetchTrace(server, r.trace_id, 5);
        const chain = assertChain(trace, r.trace_id, [
          { service: `cpp-a-${tag}`, kind: 'server', spanId: r.span_id },
          { service: `cpp-a-${tag}`, kind: 'client', spanId: r.client_span_id },
          { service: `node-${tag}`, kind: 'server', spanId: rn.span_id },
          { service: `node-${tag}`, kind: 'client' },
          { service: `cpp-b-${tag}`, kind: 'server', spanId: rb.span_id },
        ]);
        assert.equal(rb.parent_span_id, chain[3].spanId, 'probe b extracted node\'s CLIENT span as its parent');
        await assertJaegerView(server, r.trace_id, chain);
      } finally {
        await stopAll();
      }
    });

    test(`${f.id}: Node (OTel JS) -> C++ probe -> Node (OTel JS)`, { timeout: 60000 }, async () => {
      try {
        const tag = `${f.id}-ncn`;
        const n2 = await startNodeService({ SVC_NAME: `node-b-${tag}`, SVC_OTLP: server.otlpHttp, SVC_PROPAGATOR: f.node });
        procs.push(n2);
        const p = await startProbe(['--endpoint', server.otlpHttp, '--service', `cpp-${tag}`, '--propagators', f.probe,
          '--downstream', `${n2.url}/inventory`]);
        procs.push(p);
        const n1 = await startNodeService({
          SVC_NAME: `node-a-${tag}`, SVC_OTLP: server.otlpHttp, SVC_PROPAGATOR: f.node, SVC_DOWNSTREAM: `${p.url}/orders`,
        });
        procs.push(n1);

        const r = await getJson(`${n1.url}/checkout`, { headers: f.send || {} });
        const rp = r.downstream;
        assert.equal(typeof rp, 'object', `probe answered: ${JSON.stringify(r)}`);
        const rn2 = rp.downstream;
        assert.equal(typeof rn2, 'object', `node b answered: ${JSON.stringify(rp)}`);
        assert.match(r.trace_id, hex32);
        assert.equal(rp.trace_id, r.trace_id, 'the C++ probe continued the OTel JS trace');
        assert.equal(rn2.trace_id, r.trace_id, 'node b continued the trace through C++');
        assert.equal(rn2.parent_span_id, rp.client_span_id, 'node b SERVER span is the child of the C++ CLIENT span');
        assert.deepEqual([r.sampled, rp.sampled, rn2.sampled], [true, true, true]);
        if (f.baggage) {
          assert.deepEqual(rp.baggage, f.baggage, 'baggage reached the C++ probe');
          assert.deepEqual(rn2.baggage, f.baggage, 'baggage reached node b through C++');
        }

        const trace = await fetchTrace(server, r.trace_id, 5);
        const chain = assertChain(trace, r.trace_id, [
          { service: `node-a-${tag}`, kind: 'server', spanId: r.span_id },
          { service: `node-a-${tag}`, kind: 'client' },
          { service: `cpp-${tag}`, kind: 'server', spanId: rp.span_id },
          { service: `cpp-${tag}`, kind: 'client', spanId: rp.client_span_id },
          { service: `node-b-${tag}`, kind: 'server', spanId: rn2.span_id },
        ]);
        assert.equal(rp.parent_span_id, chain[1].spanId, 'the probe extracted node a\'s CLIENT span as its parent');
        await assertJaegerView(server, r.trace_id, chain);
      } finally {
        await stopAll();
      }
    });
  }
});

// ---------------------------------------------------------------------------------------

/** OTel JS's root decision for a trace id. */
function jsDecides(ratio, traceId) {
  const s = new TraceIdRatioBasedSampler(ratio);
  return s.shouldSample(ROOT_CONTEXT, traceId, 'decide', SpanKind.SERVER, {}, []).decision ===
    SamplingDecision.RECORD_AND_SAMPLED;
}

/** Trace ids: random ones plus some at OTel JS's decision boundary for `ratio`. */
function traceIds(ratio, n) {
  const ids = [];
  const bound = Math.floor(ratio * 0xffffffff);
  const word = (x) => (x >>> 0).toString(16).padStart(8, '0');
  for (const x of [bound - 1, bound, bound + 1, 1, 0xffffffff]) {
    ids.push(word(x) + '00000000'.repeat(3));
    ids.push('00000000'.repeat(3) + word(x));
    ids.push(word(x ^ 0x12345678) + word(0x12345678) + '0000000000000000');
  }
  while (ids.length < n) {
    const id = randomBytes(16).toString('hex');
    if (!/^0+$/.test(id)) ids.push(id);
  }
  return ids;
}

describe('C++ SDK <-> OpenTelemetry JS: sampling decisions agree', { skip: SKIP || false }, () => {
  let server;
  let procs = [];
  const stopAll = async () => {
    const ps = procs;
    procs = [];
    await Promise.all(ps.map((p) => p.stop()));
  };
  before(async () => { server = await startServer(); });
  after(async () => {
    await stopAll();
    if (server) await server.stop();
  });

  for (const ratio of [0.5, 0.25]) {
    test(`TraceIdRatioSampler(${ratio}) decides like TraceIdRatioBasedSampler(${ratio}) for 200 trace ids`, { timeout: 60000 }, async () => {
      try {
        const p = await startProbe(['--endpoint', 'none']);
        procs.push(p);
        const ids = traceIds(ratio, 200);
        const disagree = [];
        let sampled = 0;
        for (const id of ids) {
          const r = await getJson(`${p.url}/decide?trace_id=${id}&ratio=${ratio}`);
          const js = jsDecides(ratio, id);
          if (r.sampled !== js) disagree.push(`${id}: C++ ${r.sampled} (${r.sampler}), OTel JS ${js}`);
          if (js) sampled++;
        }
        assert.deepEqual(disagree, [], `${disagree.length} of ${ids.length} decisions differ`);
        assert.ok(sampled > 0 && sampled < ids.length, `both decisions occur (${sampled} sampled)`);
      } finally {
        await stopAll();
      }
    });
  }

  // Each side decides on its own (a plain ratio sampler ignores the parent's flag), inside one
  // trace: the caller's root decision and the callee's must be the same for every trace.
  const ROUNDS = 50;
  for (const order of ['node-root', 'cpp-root']) {
    test(`${order}: both services sample the same ${ROUNDS} traces at ratio 0.5`, { timeout: 90000 }, async () => {
      try {
        let front;
        if (order === 'node-root') {
          const p = await startProbe(['--endpoint', server.otlpHttp, '--service', 'cpp-ratio-callee', '--sampler', 'ratio:0.5']);
          procs.push(p);
          front = await startNodeService({
            SVC_NAME: 'node-ratio-root', SVC_OTLP: server.otlpHttp, SVC_PROPAGATOR: 'w3c', SVC_SAMPLER: 'ratio:0.5',
            SVC_DOWNSTREAM: `${p.url}/work`,
          });
        } else {
          const n = await startNodeService({
            SVC_NAME: 'node-ratio-callee', SVC_OTLP: server.otlpHttp, SVC_PROPAGATOR: 'w3c', SVC_SAMPLER: 'ratio:0.5',
          });
          procs.push(n);
          front = await startProbe(['--endpoint', server.otlpHttp, '--service', 'cpp-ratio-root', '--sampler', 'ratio:0.5',
            '--downstream', `${n.url}/work`]);
        }
        procs.push(front);
        const rows = [];
        for (let i = 0; i < ROUNDS; i++) {
          const r = await getJson(`${front.url}/root`);
          assert.equal(r.downstream.trace_id, r.trace_id);
          rows.push({ id: r.trace_id, caller: r.sampled, callee: r.downstream.sampled });
        }
        const disagree = rows.filter((x) => x.caller !== x.callee);
        assert.deepEqual(disagree, [], `decisions differ for ${disagree.length} of ${ROUNDS} traces`);
        const nSampled = rows.filter((x) => x.caller).length;
        assert.ok(nSampled > 0 && nSampled < ROUNDS, `both decisions occur (${nSampled} of ${ROUNDS} sampled)`);
        for (const x of rows) assert.equal(x.caller, jsDecides(0.5, x.id), `OTel JS's rule for ${x.id}`);

        // weft serve holds the sampled traces whole (caller SERVER + CLIENT, callee SERVER) and
        // nothing of the others.
        for (const x of rows.filter((y) => y.caller)) {
          const t = await fetchTrace(server, x.id, 3);
          assert.equal(t.spans.length, 3, `trace ${x.id}`);
        }
        await stopAll(); // SIGTERM: both sides flush what they hold before the check below
        for (const x of rows.filter((y) => !y.caller)) {
          const r = await httpGet(`${server.query}/api/v1/traces/${x.id}`);
          assert.equal(r.status, 404, `unsampled trace ${x.id} must not be stored: ${r.text.slice(0, 300)}`);
        }
      } finally {
        await stopAll();
      }
    });
  }
});
