// Hand-built traces whose spans come from several resources (services, hosts), as OTLP/JSON,
// and a seeded PRNG so that generated sets are the same on every run. Shared by the analysis
// tests (tests/integration/analysis.test.mjs, web/e2e/analysis_data.mjs) and
// bench/analysis_api_bench.mjs.
import { attrs, spanId as newSpanId, traceId as newTraceId } from './otlp.mjs';

/** mulberry32: a function returning numbers in [0, 1), deterministic from `seed`. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** ms (fractions allowed) as BigInt ns. */
export const msToNs = (ms) => BigInt(Math.round(ms * 1e6));

/**
 * A trace from a shape: [{key, parent? (a key), res: {service.name, ...resource attributes},
 * name, kind? (1..5, default 1), from, to (ms after t0, BigInt ns), attributes?, error?}].
 * Returns {id, ids (key -> span ID), spans} in the form resourceSpansOf takes.
 */
export function shapeTrace(t0, shape, id = newTraceId()) {
  const ids = {};
  for (const s of shape) ids[s.key] = newSpanId();
  const spans = shape.map((s) => ({
    ...s, id: ids[s.key], parent: s.parent ? ids[s.parent] : undefined,
    start: t0 + msToNs(s.from), end: t0 + msToNs(s.to),
  }));
  return { id, ids, spans };
}

/**
 * OTLP/JSON resourceSpans of `traces` ([{id, spans: [{id, parent?, res, name, kind?, start,
 * end (BigInt ns), attributes?, error?}]}]): one entry per trace and distinct resource.
 */
export function resourceSpansOf(traces, scope = 'weft-it') {
  const out = [];
  for (const t of traces) {
    const byRes = new Map();
    for (const s of t.spans) {
      const key = JSON.stringify(s.res);
      if (!byRes.has(key)) byRes.set(key, []);
      byRes.get(key).push({
        traceId: t.id,
        spanId: s.id,
        ...(s.parent ? { parentSpanId: s.parent } : {}),
        name: s.name,
        kind: s.kind ?? 1,
        startTimeUnixNano: s.start.toString(),
        endTimeUnixNano: s.end.toString(),
        attributes: attrs(s.attributes || {}),
        ...(s.error ? { status: { code: 2, message: 'failed' } } : {}),
      });
    }
    for (const [key, spans] of byRes)
      out.push({ resource: { attributes: attrs(JSON.parse(key)) }, scopeSpans: [{ scope: { name: scope }, spans }] });
  }
  return out;
}
