// Hand-built OTLP/JSON payloads and small id/time helpers.
import { randomBytes } from 'node:crypto';

export const randHex = (bytes) => randomBytes(bytes).toString('hex');
export const traceId = () => randHex(16);
export const spanId = () => randHex(8);

/** Current time in ns as BigInt. */
export const nowNs = () => BigInt(Date.now()) * 1000000n;

/** OTLP JSON AnyValue from a JS value (ints -> intValue string). */
export function anyValue(v) {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'bigint') return { intValue: v.toString() };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
  throw new Error(`unsupported attribute value ${v}`);
}

export const attrs = (obj) => Object.entries(obj).map(([key, value]) => ({ key, value: anyValue(value) }));

/**
 * Span for OTLP JSON. s: {traceId, spanId, parentSpanId?, name, kind?(1..5),
 * start (BigInt ns), end (BigInt ns), attributes?{}, status?{code,message}}.
 */
export function otlpSpan(s) {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
    name: s.name,
    kind: s.kind ?? 2,
    startTimeUnixNano: s.start.toString(),
    endTimeUnixNano: s.end.toString(),
    attributes: attrs(s.attributes || {}),
    ...(s.status ? { status: s.status } : {}),
  };
}

/** ExportTraceServiceRequest JSON with one resource (service) and one scope. */
export function otlpRequest(service, spans, resourceAttrs = {}) {
  return {
    resourceSpans: [{
      resource: { attributes: attrs({ 'service.name': service, ...resourceAttrs }) },
      scopeSpans: [{ scope: { name: 'weft-it', version: '0.0.1' }, spans: spans.map(otlpSpan) }],
    }],
  };
}
