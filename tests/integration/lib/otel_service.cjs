// A Node.js HTTP service instrumented with the OpenTelemetry JS SDK the way a real
// application is: NodeTracerProvider + HttpInstrumentation (which makes the SERVER span of
// every incoming request and the CLIENT span of every outgoing one, extracting and injecting
// headers with the registered propagator) + an OTLP/HTTP protobuf exporter. Used by
// sdk_interop.test.mjs to check that traces stay whole across the weft C++ SDK and OTel JS.
//
// CommonJS on purpose: HttpInstrumentation patches `http` through require hooks, so it must
// be registered before `http` is required (ESM imports would need a loader flag).
//
// Configuration (environment):
//   SVC_NAME        service.name
//   SVC_OTLP        weft serve's OTLP/HTTP base URL (http://127.0.0.1:PORT)
//   SVC_PROPAGATOR  w3c | b3 | b3multi | jaeger
//   SVC_SAMPLER     always_on (parent-based, the default) | ratio:R (TraceIdRatioBased for
//                   every span, ignoring the parent) | parentbased_ratio:R
//   SVC_DOWNSTREAM  optional URL called (GET) while serving each request
// Prints "LISTENING <port>" once bound. Each request is answered with JSON describing the
// SERVER span: {service, trace_id, span_id, parent_span_id, sampled, baggage, downstream}.
'use strict';

const api = require('@opentelemetry/api');
const { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } = require('@opentelemetry/core');
const { B3InjectEncoding, B3Propagator } = require('@opentelemetry/propagator-b3');
const { JaegerPropagator } = require('@opentelemetry/propagator-jaeger');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const {
  AlwaysOnSampler, NodeTracerProvider, ParentBasedSampler, SimpleSpanProcessor, TraceIdRatioBasedSampler,
} = require('@opentelemetry/sdk-trace-node');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');

const env = process.env;
const service = env.SVC_NAME || 'otel-js-service';

function makePropagator(name) {
  switch (name || 'w3c') {
    case 'w3c': return new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    });
    case 'b3': return new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER });
    case 'b3multi': return new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER });
    case 'jaeger': return new JaegerPropagator();
    default: throw new Error(`unknown SVC_PROPAGATOR ${name}`);
  }
}

function makeSampler(spec) {
  if (!spec || spec === 'always_on') return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  let m = /^ratio:([0-9.]+)$/.exec(spec);
  if (m) return new TraceIdRatioBasedSampler(Number(m[1]));
  m = /^parentbased_ratio:([0-9.]+)$/.exec(spec);
  if (m) return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(Number(m[1])) });
  throw new Error(`unknown SVC_SAMPLER ${spec}`);
}

if (!env.SVC_OTLP) throw new Error('SVC_OTLP is required');
const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ 'service.name': service }),
  sampler: makeSampler(env.SVC_SAMPLER),
  // Simple: every span is exported when it ends, so the tests need no flush handshake.
  spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${env.SVC_OTLP}/v1/traces` }))],
});
provider.register({ propagator: makePropagator(env.SVC_PROPAGATOR) });
registerInstrumentations({
  tracerProvider: provider,
  instrumentations: [new HttpInstrumentation({
    // The exporter's own requests to weft serve must not become spans.
    ignoreOutgoingRequestHook: (opts) => String(opts.path || '').startsWith('/v1/traces'),
  })],
});

const http = require('http'); // after registerInstrumentations: patched

function get(url) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 10000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', (e) => resolve({ status: -1, body: String(e) }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: -1, body: String(e) }));
  });
}

const server = http.createServer(async (req, res) => {
  const span = api.trace.getActiveSpan(); // the SERVER span HttpInstrumentation started
  const sc = span ? span.spanContext() : api.INVALID_SPAN_CONTEXT;
  let downstream = null;
  let status = 200;
  if (env.SVC_DOWNSTREAM) {
    const r = await get(env.SVC_DOWNSTREAM); // context.active() is still the SERVER span's
    try { downstream = JSON.parse(r.body); } catch { downstream = r.body; }
    if (r.status !== 200) status = 502;
  }
  const baggage = {};
  const bag = api.propagation.getBaggage(api.context.active());
  if (bag) for (const [k, v] of bag.getAllEntries()) baggage[k] = v.value;
  const parent = span && span.parentSpanContext;
  const body = JSON.stringify({
    service,
    trace_id: sc.traceId,
    span_id: sc.spanId,
    parent_span_id: parent ? parent.spanId : '',
    sampled: (sc.traceFlags & api.TraceFlags.SAMPLED) === api.TraceFlags.SAMPLED,
    baggage,
    downstream,
  });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`);
});

async function stop() {
  server.close();
  try { await provider.shutdown(); } finally { process.exit(0); }
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
