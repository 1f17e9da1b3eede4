// The trace the trace view shows, whatever format it came from (the native API, or a
// JSON file in the native, Jaeger or OTLP format: parse.ts). Built once per trace in
// O(n log n); every view (waterfall, minimap, detail, header) reads it and never changes it.
//
// Times are nanoseconds relative to the trace's earliest start, as doubles (exact for
// anything under 104 days). Spans are indexed 0..n-1 in depth-first order: a span's
// subtree is the contiguous range [i, i + subtreeSize[i]). Siblings are ordered by start
// time (then RpcId, then span ID), so the waterfall reads top-down in time.
import type { KeyValue, SpanKindName, StatusCodeName } from "../types";

export interface SpanEvent {
  time: number; // relative ns
  name: string;
  attributes: KeyValue[];
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  attributes: KeyValue[];
}

// A span as every parser produces it (absolute times as bigint ns).
export interface RawSpan {
  spanId: string;
  parentSpanId: string; // "" for a root
  name: string;
  service: string;
  kind: SpanKindName;
  start: bigint;
  end: bigint;
  statusCode: StatusCodeName;
  statusMessage: string;
  attributes: KeyValue[];
  resource: KeyValue[];
  scope?: { name: string; version: string };
  events: { time: bigint; name: string; attributes: KeyValue[] }[];
  links: SpanLink[];
  traceState?: string;
  rpcId?: string;
  flags?: number;
}

export interface RawTrace {
  traceId: string;
  spans: RawSpan[];
  // Where it came from, for the header: "weft" (the API), or the file format's name.
  source: "weft" | "native file" | "jaeger file" | "otlp file";
  // A file holding several traces (a Jaeger answer with several, OTLP JSON lines): every
  // trace ID in it, in file order; `spans` are those of `traceId` (parse.ts). Absent otherwise.
  fileTraceIds?: string[];
}

export interface Span {
  index: number; // position in depth-first order
  spanId: string;
  parent: number; // index of the parent, -1 for a root (or a span whose parent is missing)
  missingParent: boolean; // parentSpanId named a span that is not in the trace
  parentSpanId: string; // as the span gave it ("" for a root)
  depth: number;
  subtreeSize: number; // this span and all its descendants
  childCount: number;
  name: string;
  service: string;
  kind: SpanKindName;
  start: number; // relative ns
  duration: number; // ns
  error: boolean;
  statusCode: StatusCodeName;
  statusMessage: string;
  attributes: KeyValue[];
  resource: KeyValue[];
  scope?: { name: string; version: string };
  events: SpanEvent[];
  links: SpanLink[];
  traceState?: string;
  rpcId?: string;
}

export interface TraceModel {
  traceId: string;
  source: RawTrace["source"];
  startNs: bigint; // absolute start of the earliest span
  duration: number; // latest end − earliest start, ns
  spans: Span[]; // depth-first order
  byId: Map<string, number>; // span ID → index
  services: { name: string; spanCount: number; errorCount: number }[]; // by span count, desc
  maxDepth: number; // deepest span's depth + 1
  errorCount: number;
}

function isError(s: RawSpan): boolean {
  if (s.statusCode === "error") return true;
  for (const a of s.attributes) if (a.key === "error" && a.value.boolValue === true) return true;
  return false;
}

// Ties in start time are ordered by RpcId numerically ("0.9" before "0.10"). One collator
// for all: localeCompare with options builds one per call, which a trace with µs-rounded
// times (many ties) pays 100k times.
const rpcCollator = new Intl.Collator("en", { numeric: true });
const NO_EVENTS: SpanEvent[] = [];

export function buildModel(raw: RawTrace): TraceModel {
  const rs = raw.spans;
  const n = rs.length;
  let start = n ? rs[0].start : 0n;
  let end = n ? rs[0].end : 0n;
  for (let i = 0; i < n; i++) {
    const s = rs[i];
    if (s.start < start) start = s.start;
    if (s.end > end) end = s.end;
  }
  // Duplicate span IDs (a span sent twice) keep the first: set from the last to the first.
  // (Map operations are most of this function's time: one per span here, one below.)
  const rawIndex = new Map<string, number>();
  for (let i = n - 1; i >= 0; i--) rawIndex.set(rs[i].spanId, i);
  // Children lists in one array (CSR): parentOf, counts, then offsets; no array per span.
  const parentOf = new Int32Array(n);
  const childCount = new Int32Array(n);
  const roots: number[] = [];
  const missing = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const s = rs[i];
    parentOf[i] = -2; // duplicate: neither a root nor anyone's child
    if (rawIndex.get(s.spanId) !== i) continue;
    const p = s.parentSpanId ? rawIndex.get(s.parentSpanId) : undefined;
    if (p === undefined || p === i) {
      parentOf[i] = -1;
      roots.push(i);
      missing[i] = s.parentSpanId !== "" && p === undefined ? 1 : 0;
    } else {
      parentOf[i] = p;
      childCount[p]++;
    }
  }
  const firstChild = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) firstChild[i + 1] = firstChild[i] + childCount[i];
  const kids = new Int32Array(firstChild[n]);
  const fill = firstChild.slice(0, n);
  for (let i = 0; i < n; i++) if (parentOf[i] >= 0) kids[fill[parentOf[i]]++] = i;

  const rel = new Float64Array(n);
  for (let i = 0; i < n; i++) rel[i] = Number(rs[i].start - start);
  const order = (a: number, b: number): number => {
    const d = rel[a] - rel[b];
    if (d !== 0) return d;
    const ra = rs[a].rpcId ?? "";
    const rb = rs[b].rpcId ?? "";
    const r = ra === rb ? 0 : rpcCollator.compare(ra, rb);
    if (r !== 0) return r;
    return rs[a].spanId < rs[b].spanId ? -1 : rs[a].spanId > rs[b].spanId ? 1 : 0;
  };
  roots.sort(order);
  for (let i = 0; i < n; i++) if (childCount[i] > 1) kids.subarray(firstChild[i], firstChild[i + 1]).sort(order);

  // Iterative depth-first walk (a 100k-deep chain must not overflow the stack). A cycle
  // in parent links cannot reach a root, so its spans are appended as roots afterwards.
  // Every span is pushed at most once (by its one parent, or as a root): n slots suffice.
  const spans: Span[] = [];
  const visited = new Uint8Array(n);
  const stackRaw = new Int32Array(n);
  const stackParent = new Int32Array(n);
  const stackDepth = new Int32Array(n);
  const walk = (rootRaw: number, missingParent: boolean) => {
    let top = 0;
    stackRaw[0] = rootRaw;
    stackParent[0] = -1;
    stackDepth[0] = 0;
    top = 1;
    while (top > 0) {
      top--;
      const ri = stackRaw[top];
      const parent = stackParent[top];
      const depth = stackDepth[top];
      if (visited[ri]) continue;
      visited[ri] = 1;
      const s = rs[ri];
      const index = spans.length;
      spans.push({
        index,
        spanId: s.spanId,
        parent,
        missingParent: parent === -1 && (missingParent || missing[ri] === 1),
        parentSpanId: s.parentSpanId,
        depth,
        subtreeSize: 1,
        childCount: childCount[ri],
        name: s.name,
        service: s.service,
        kind: s.kind,
        start: rel[ri],
        duration: Math.max(0, Number(s.end - s.start)),
        error: isError(s),
        statusCode: s.statusCode,
        statusMessage: s.statusMessage,
        attributes: s.attributes,
        resource: s.resource,
        scope: s.scope,
        events: s.events.length
          ? s.events.map((e) => ({ time: Number(e.time - start), name: e.name, attributes: e.attributes }))
          : NO_EVENTS,
        links: s.links,
        traceState: s.traceState,
        rpcId: s.rpcId,
      });
      for (let k = firstChild[ri + 1] - 1; k >= firstChild[ri]; k--) {
        if (top === n) break; // cannot happen (see above); never write past the end
        stackRaw[top] = kids[k];
        stackParent[top] = index;
        stackDepth[top] = depth + 1;
        top++;
      }
    }
  };
  for (const r of roots) walk(r, false);
  for (let i = 0; i < n; i++) if (!visited[i] && parentOf[i] !== -2) walk(i, true);

  // Subtree sizes, bottom-up: in depth-first order every child comes after its parent.
  for (let i = spans.length - 1; i >= 0; i--) {
    const p = spans[i].parent;
    if (p >= 0) spans[p].subtreeSize += spans[i].subtreeSize;
  }
  // rawIndex becomes byId: every unique span ID was visited, so each entry is rewritten
  // (an update in place, cheaper than filling a new map).
  const byId = rawIndex;
  const svc = new Map<string, { name: string; spanCount: number; errorCount: number }>();
  let maxDepth = 0;
  let errorCount = 0;
  for (const s of spans) {
    byId.set(s.spanId, s.index);
    let e = svc.get(s.service);
    if (!e) svc.set(s.service, (e = { name: s.service, spanCount: 0, errorCount: 0 }));
    e.spanCount++;
    if (s.error) {
      e.errorCount++;
      errorCount++;
    }
    if (s.depth + 1 > maxDepth) maxDepth = s.depth + 1;
  }
  return {
    traceId: raw.traceId,
    source: raw.source,
    startNs: start,
    duration: Number(end - start),
    spans,
    byId,
    services: [...svc.values()].sort((a, b) => b.spanCount - a.spanCount || a.name.localeCompare(b.name)),
    maxDepth,
    errorCount,
  };
}
