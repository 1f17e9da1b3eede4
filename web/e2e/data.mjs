// Traces the UI tests send: the reference workload through `weft loadgen`, plus hand-built
// traces whose every text field is hostile (XSS payloads) and a pair of traces joined by
// a span link.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { httpPost, WEFT_BIN } from '../../tests/integration/lib/server.mjs';
import { attrs, nowNs, spanId, traceId } from '../../tests/integration/lib/otlp.mjs';

const run = promisify(execFile);

export async function loadgen(server, spans = 3000) {
  await run(WEFT_BIN, ['loadgen', '--endpoint', server.ports.otlp_http, '--spans', String(spans),
    '--window', '300', '--quiet'], { timeout: 120000 });
}

async function post(server, body) {
  const res = await httpPost(`${server.otlpHttp}/v1/traces`, JSON.stringify(body),
    { 'content-type': 'application/json' });
  if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${res.text}`);
}

function span(s) {
  return {
    traceId: s.traceId, spanId: s.spanId, ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
    name: s.name, kind: s.kind ?? 2,
    startTimeUnixNano: s.start.toString(), endTimeUnixNano: s.end.toString(),
    attributes: attrs(s.attributes || {}), events: s.events || [], links: s.links || [],
    ...(s.status ? { status: s.status } : {}),
  };
}

function request(service, spans, resourceAttrs = {}) {
  return { resourceSpans: [{ resource: { attributes: attrs({ 'service.name': service, ...resourceAttrs }) },
    scopeSpans: [{ scope: { name: 'weft-ui-test', version: '1' }, spans: spans.map(span) }] }] };
}

// Every payload sets window.__xss (or opens a dialog) if it ever runs.
export const XSS = {
  script: '<script>window.__xss="script"</script>',
  img: '<img src=x onerror="window.__xss=\'img\'">',
  js: 'javascript:window.__xss="href"',
  svg: '<svg onload="window.__xss=\'svg\'"></svg>',
  alert: '"><script>alert(1)</script>',
};

// A two-trace story: `checkout` (frontend → cart → payments, one error; frontend calls
// payments through a CLIENT span, cart calls its database, which sends no spans) whose
// payments span links to a span of the `settlement` trace. Returns their IDs.
export async function sendLinkedTraces(server) {
  const t0 = nowNs() - 60_000_000_000n;
  const ms = 1_000_000n;
  const checkout = traceId();
  const settlement = traceId();
  const [root, cart, call, pay, db] = [spanId(), spanId(), spanId(), spanId(), spanId()];
  const settleRoot = spanId();
  await post(server, request('settlement', [
    { traceId: settlement, spanId: settleRoot, name: 'settle batch', kind: 5, start: t0 + 500n * ms, end: t0 + 700n * ms },
  ]));
  await post(server, request('frontend', [
    { traceId: checkout, spanId: root, name: 'GET /checkout', kind: 2, start: t0, end: t0 + 300n * ms,
      attributes: { 'http.method': 'GET', 'http.route': '/checkout', 'ui.test': 'linked' } },
    { traceId: checkout, spanId: call, parentSpanId: root, name: 'POST /charge', kind: 3, start: t0 + 95n * ms, end: t0 + 295n * ms,
      attributes: { 'http.method': 'POST', 'server.address': 'payments' } },
  ]));
  await post(server, request('cart', [
    { traceId: checkout, spanId: cart, parentSpanId: root, name: 'load cart', kind: 1, start: t0 + 10n * ms, end: t0 + 80n * ms },
    { traceId: checkout, spanId: db, parentSpanId: cart, name: 'SELECT cart', kind: 3, start: t0 + 20n * ms, end: t0 + 60n * ms,
      attributes: { 'db.system': 'postgresql', 'peer.service': 'cartdb' } },
  ]));
  await post(server, request('payments', [
    { traceId: checkout, spanId: pay, parentSpanId: call, name: 'charge card', kind: 2, start: t0 + 100n * ms, end: t0 + 290n * ms,
      status: { code: 2, message: 'card declined' },
      events: [{ timeUnixNano: (t0 + 150n * ms).toString(), name: 'retry', attributes: attrs({ attempt: 2 }) }],
      links: [{ traceId: settlement, spanId: settleRoot, attributes: attrs({ reason: 'settles this charge' }) }] },
  ]));
  return { checkout, settlement, spans: { root, cart, call, pay, db, settleRoot } };
}

// A trace whose every text is hostile. Returns its ID.
export async function sendHostileTrace(server) {
  const t0 = nowNs() - 30_000_000_000n;
  const ms = 1_000_000n;
  const id = traceId();
  const root = spanId();
  const child = spanId();
  await post(server, request(XSS.svg, [
    { traceId: id, spanId: root, name: XSS.script, kind: 2, start: t0, end: t0 + 50n * ms,
      attributes: { [XSS.img]: XSS.alert, 'http.url': XSS.js, 'ui.test': 'hostile' },
      events: [{ timeUnixNano: (t0 + 5n * ms).toString(), name: XSS.img, attributes: attrs({ [XSS.script]: XSS.js }) }],
      links: [{ traceId: id, spanId: child, traceState: XSS.script, attributes: attrs({ href: XSS.js }) }],
      status: { code: 2, message: XSS.img } },
    { traceId: id, spanId: child, parentSpanId: root, name: XSS.js, kind: 3, start: t0 + 10n * ms, end: t0 + 40n * ms,
      attributes: { 'peer.service': XSS.script } },
  ], { 'host.name': XSS.img, [XSS.alert]: XSS.script }));
  return id;
}
