// Expected-value builders: turn what the OpenTelemetry JS SDK recorded (ReadableSpan)
// into what weft's native, Jaeger and Zipkin APIs should answer.
import assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';

export const hrToNs = (hr) => BigInt(Math.trunc(hr[0])) * 1000000000n + BigInt(Math.trunc(hr[1]));
export const nsToUsFloor = (ns) => Number(ns / 1000n);
export const padTrace = (id) => String(id).toLowerCase().padStart(32, '0');
export const padSpan = (id) => String(id).toLowerCase().padStart(16, '0');

export const KIND_NAME = {
  [SpanKind.INTERNAL]: 'internal', [SpanKind.SERVER]: 'server', [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer', [SpanKind.CONSUMER]: 'consumer',
};
export const STATUS_NAME = {
  [SpanStatusCode.UNSET]: 'unset', [SpanStatusCode.OK]: 'ok', [SpanStatusCode.ERROR]: 'error',
};

// ---------- native (/api/v1) ----------

/** JS attribute value -> native AnyValue, the way the OTLP exporters encode it. */
export function nativeValue(v) {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(nativeValue) } };
  throw new Error(`unsupported value ${v}`);
}

/** Normalise an AnyValue the server answered (intValue may be number or string). */
export function normValue(v) {
  assert.ok(v && typeof v === 'object', `AnyValue must be an object, got ${JSON.stringify(v)}`);
  if ('intValue' in v) return { intValue: String(v.intValue) };
  if ('doubleValue' in v) return { doubleValue: Number(v.doubleValue) };
  if ('arrayValue' in v) return { arrayValue: { values: (v.arrayValue.values || []).map(normValue) } };
  if ('kvlistValue' in v) {
    return { kvlistValue: { values: (v.kvlistValue.values || []).map((kv) => ({ key: kv.key, value: normValue(kv.value) })) } };
  }
  return v;
}

const byKey = (a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
export const expectedAttrs = (obj) => Object.entries(obj || {}).map(([key, v]) => ({ key, value: nativeValue(v) })).sort(byKey);
export const actualAttrs = (list) => (list || []).map((kv) => ({ key: kv.key, value: normValue(kv.value) })).sort(byKey);

const str = (x) => (x === undefined || x === null ? '' : String(x));

/** Expected native span (without resource/scope indices) for an SDK ReadableSpan sent over OTLP. */
export function expectedNativeSpan(rs) {
  const ctx = rs.spanContext();
  const start = hrToNs(rs.startTime);
  const end = hrToNs(rs.endTime);
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: rs.parentSpanContext?.spanId ?? '',
    traceState: ctx.traceState ? ctx.traceState.serialize() : '',
    flags: (ctx.traceFlags & 0xff) | 0x100 | (rs.parentSpanContext?.isRemote ? 0x200 : 0),
    name: rs.name,
    kind: KIND_NAME[rs.kind],
    startTimeUnixNano: start.toString(),
    endTimeUnixNano: end.toString(),
    durationNanos: (end - start).toString(),
    attributes: expectedAttrs(rs.attributes),
    droppedAttributesCount: rs.droppedAttributesCount,
    events: rs.events.map((e) => ({
      timeUnixNano: hrToNs(e.time).toString(),
      name: e.name,
      attributes: expectedAttrs(e.attributes),
      droppedAttributesCount: e.droppedAttributesCount || 0,
    })),
    droppedEventsCount: rs.droppedEventsCount,
    links: rs.links.map((l) => ({
      traceId: l.context.traceId,
      spanId: l.context.spanId,
      traceState: l.context.traceState ? l.context.traceState.serialize() : '',
      attributes: expectedAttrs(l.attributes),
      droppedAttributesCount: l.droppedAttributesCount || 0,
      flags: (l.context.traceFlags & 0xff) | 0x100 | (l.context.isRemote ? 0x200 : 0),
    })),
    droppedLinksCount: rs.droppedLinksCount,
    status: { code: STATUS_NAME[rs.status.code], message: rs.status.message ?? '' },
    service: rs.resource.attributes['service.name'],
  };
}

/** Pick the comparable fields of a native span the server answered, normalised. */
export function actualNativeSpan(s) {
  return {
    traceId: str(s.traceId).toLowerCase(),
    spanId: str(s.spanId).toLowerCase(),
    parentSpanId: str(s.parentSpanId).toLowerCase(),
    traceState: str(s.traceState),
    flags: Number(s.flags ?? 0),
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: str(s.startTimeUnixNano),
    endTimeUnixNano: str(s.endTimeUnixNano),
    durationNanos: str(s.durationNanos),
    attributes: actualAttrs(s.attributes),
    droppedAttributesCount: Number(s.droppedAttributesCount ?? 0),
    events: (s.events || []).map((e) => ({
      timeUnixNano: str(e.timeUnixNano),
      name: e.name,
      attributes: actualAttrs(e.attributes),
      droppedAttributesCount: Number(e.droppedAttributesCount ?? 0),
    })),
    droppedEventsCount: Number(s.droppedEventsCount ?? 0),
    links: (s.links || []).map((l) => ({
      traceId: str(l.traceId).toLowerCase(),
      spanId: str(l.spanId).toLowerCase(),
      traceState: str(l.traceState),
      attributes: actualAttrs(l.attributes),
      droppedAttributesCount: Number(l.droppedAttributesCount ?? 0),
      flags: Number(l.flags ?? 0),
    })),
    droppedLinksCount: Number(s.droppedLinksCount ?? 0),
    status: { code: s.status?.code, message: str(s.status?.message) },
    service: s.service,
  };
}

// ---------- Jaeger (/api/traces) ----------

const JAEGER_TYPE = (v) => (typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'bool'
  : Number.isInteger(v) ? 'int64' : 'float64');

/** Assert a Jaeger tag list holds attribute key=v with the right type. Arrays: JSON string. */
export function assertJaegerTag(tags, key, v, where) {
  const t = (tags || []).find((x) => x.key === key);
  assert.ok(t, `${where}: Jaeger tag ${key} missing; tags=${JSON.stringify(tags)}`);
  if (Array.isArray(v)) {
    assert.equal(t.type, 'string', `${where}: array tag ${key} should be a string tag`);
    let parsed;
    try { parsed = JSON.parse(t.value); } catch { parsed = undefined; }
    assert.ok(JSON.stringify(parsed) === JSON.stringify(v) || t.value === String(v),
      `${where}: array tag ${key} value ${JSON.stringify(t.value)} does not render ${JSON.stringify(v)}`);
    return;
  }
  assert.equal(t.type, JAEGER_TYPE(v), `${where}: tag ${key} type`);
  if (typeof v === 'number' && !Number.isInteger(v)) assert.equal(Number(t.value), v, `${where}: tag ${key}`);
  else assert.equal(t.value, v, `${where}: tag ${key} value`);
}

// ---------- Zipkin ----------

/** Zipkin string rendering of an attribute; arrays may be "a,b" or a JSON array. */
export function assertZipkinTag(tags, key, v, where) {
  assert.ok(tags && key in tags, `${where}: Zipkin tag ${key} missing; tags=${JSON.stringify(tags)}`);
  const got = tags[key];
  if (Array.isArray(v)) {
    assert.ok(got === String(v) || got === JSON.stringify(v),
      `${where}: Zipkin tag ${key}=${JSON.stringify(got)} does not render ${JSON.stringify(v)}`);
  } else {
    assert.equal(got, String(v), `${where}: Zipkin tag ${key}`);
  }
}

export const ZIPKIN_KIND = {
  [SpanKind.INTERNAL]: undefined, [SpanKind.SERVER]: 'SERVER', [SpanKind.CLIENT]: 'CLIENT',
  [SpanKind.PRODUCER]: 'PRODUCER', [SpanKind.CONSUMER]: 'CONSUMER',
};

/**
 * Microseconds of an HrTime as a Zipkin server stores them: the JS SDK's
 * hrTimeToMicroseconds (sec*1e6 + ns/1e3) may be fractional; stored as an integer.
 * Test times keep sub-µs parts < 500 ns, so floor and round agree.
 */
export const hrToUsInt = (hr) => Math.floor(hr[0] * 1e6 + hr[1] / 1e3);
