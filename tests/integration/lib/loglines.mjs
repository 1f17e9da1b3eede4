// Trace log lines (../shared/LOGFORMAT.md) for tests, and checks of the traces weft builds
// from them: a trace's spans keyed by kind + RpcId, their parents, events and markers.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { httpGet, waitFor } from './server.mjs';

export const T0 = 1750000000; // whole-second timestamps: the RpcId orders the calls

export function line(type, trace, rpc, service, ts, extra = {}) {
  const o = { x_name: type, x_trace_id: trace, x_rpc_id: rpc, x_timestamp: ts };
  if (service) o.x_department = service;
  return JSON.stringify({ ...o, ...extra });
}
export const hexId = () => randomBytes(16).toString('hex');
export const attr = (span, key) => {
  const a = (span.attributes || []).find((x) => x.key === key);
  if (!a) return undefined;
  const v = a.value;
  return v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue;
};

export async function getTrace(server, id) {
  const r = await httpGet(`${server.query}/api/v1/traces/${id}`);
  if (r.status === 404) return null;
  assert.equal(r.status, 200, r.text);
  return r.json;
}

// The trace as {byKey: "server 0.1" -> span, parentKey(span), spans}. Keys are kind + RpcId
// (placeholders too: "(missing request 0.1)" is "server 0.1").
export function index(trace) {
  const byId = new Map(trace.spans.map((s) => [s.spanId, s]));
  const byKey = new Map();
  for (const s of trace.spans) {
    const key = `${s.kind} ${s.rpcId}`;
    assert.ok(!byKey.has(key), `two spans ${key} in trace ${trace.traceId}`);
    byKey.set(key, s);
  }
  const parentKey = (s) => {
    if (!s.parentSpanId) return null;
    const p = byId.get(s.parentSpanId);
    assert.ok(p, `parent ${s.parentSpanId} of ${s.name} not in the trace`);
    return `${p.kind} ${p.rpcId}`;
  };
  return { byKey, parentKey, spans: trace.spans };
}

// Waits until the trace holds `spans` spans and `events` events in all; returns it.
export async function waitTrace(server, id, spans, events, timeoutMs = 20000) {
  let last;
  const ok = await waitFor(async () => {
    last = await getTrace(server, id);
    if (!last) return false;
    const ev = last.spans.reduce((n, s) => n + s.events.length, 0);
    return last.spans.length >= spans && ev >= events;
  }, { timeoutMs, intervalMs: 200 });
  assert.ok(ok, `trace ${id}: wanted ${spans} spans and ${events} events, got ` +
    JSON.stringify(last && last.spans.map((s) => [s.kind, s.rpcId, s.name, s.events.length])));
  return last;
}

export function expectTree(trace, want) {
  const { byKey, parentKey, spans } = index(trace);
  assert.equal(spans.length, Object.keys(want).length,
    `spans of ${trace.traceId}: ${[...byKey.keys()].join(', ')}`);
  for (const [key, w] of Object.entries(want)) {
    const s = byKey.get(key);
    assert.ok(s, `${key} missing from ${trace.traceId}: have ${[...byKey.keys()].join(', ')}`);
    assert.equal(parentKey(s), w.parent, `parent of ${key}`);
    if (w.service !== undefined) assert.equal(s.service, w.service, `service of ${key}`);
    if (w.name !== undefined) assert.equal(s.name, w.name, `name of ${key}`);
    assert.equal(s.events.length, w.events || 0, `events of ${key}`);
    assert.equal(attr(s, 'weft.placeholder') === true, !!w.placeholder, `placeholder ${key}`);
    assert.equal(attr(s, 'weft.rpcid.missing'), w.missing, `weft.rpcid.missing of ${key}`);
    if (w.error) assert.equal(s.status.code, 'error', `status of ${key}`);
  }
  return byKey;
}

