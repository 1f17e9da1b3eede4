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
}

export interface Span {
  index: number; // position in depth-first order
  spanId: string;
  parent: number; // index of the parent, -1 for a root (or a span whose parent is missing)
  missingParent: boolean; // parentSpanId named a span that is not in the trace
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

export function buildModel(raw: RawTrace): TraceModel {
  const n = raw.spans.length;
  let start = n ? raw.spans[0].start : 0n;
  let end = n ? raw.spans[0].end : 0n;
  for (const s of raw.spans) {
    if (s.start < start) start = s.start;
    if (s.end > end) end = s.end;
  }
  // Duplicate span IDs (a span sent twice) keep the first.
  const rawIndex = new Map<string, number>();
  raw.spans.forEach((s, i) => {
    if (!rawIndex.has(s.spanId)) rawIndex.set(s.spanId, i);
  });
  const children: number[][] = Array.from({ length: n }, () => []);
  const roots: number[] = [];
  const missing = new Array<boolean>(n).fill(false);
  raw.spans.forEach((s, i) => {
    if (rawIndex.get(s.spanId) !== i) return; // duplicate
    const p = s.parentSpanId ? rawIndex.get(s.parentSpanId) : undefined;
    if (p === undefined || p === i) {
      roots.push(i);
      missing[i] = s.parentSpanId !== "" && p === undefined;
    } else {
      children[p].push(i);
    }
  });
  const rel = raw.spans.map((s) => Number(s.start - start));
  const order = (a: number, b: number) =>
    rel[a] - rel[b] ||
    (raw.spans[a].rpcId ?? "").localeCompare(raw.spans[b].rpcId ?? "", "en", { numeric: true }) ||
    (raw.spans[a].spanId < raw.spans[b].spanId ? -1 : raw.spans[a].spanId > raw.spans[b].spanId ? 1 : 0);
  roots.sort(order);
  for (const c of children) if (c.length > 1) c.sort(order);

  // Iterative depth-first walk (a 100k-deep chain must not overflow the stack). A cycle
  // in parent links cannot reach a root, so its spans are appended as roots afterwards.
  const spans: Span[] = [];
  const visited = new Uint8Array(n);
  const walk = (rootRaw: number, missingParent: boolean) => {
    const stack: [number, number, number][] = [[rootRaw, -1, 0]];
    while (stack.length) {
      const [ri, parent, depth] = stack.pop()!;
      if (visited[ri]) continue;
      visited[ri] = 1;
      const s = raw.spans[ri];
      const index = spans.length;
      spans.push({
        index,
        spanId: s.spanId,
        parent,
        missingParent: parent === -1 && (missingParent || missing[ri]),
        depth,
        subtreeSize: 1,
        childCount: children[ri].length,
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
        events: s.events.map((e) => ({ time: Number(e.time - start), name: e.name, attributes: e.attributes })),
        links: s.links,
        traceState: s.traceState,
        rpcId: s.rpcId,
      });
      const c = children[ri];
      for (let k = c.length - 1; k >= 0; k--) stack.push([c[k], index, depth + 1]);
    }
  };
  for (const r of roots) walk(r, false);
  for (let i = 0; i < n; i++) if (!visited[i] && rawIndex.get(raw.spans[i].spanId) === i) walk(i, true);

  // Subtree sizes, bottom-up: in depth-first order every child comes after its parent.
  for (let i = spans.length - 1; i >= 0; i--) {
    const p = spans[i].parent;
    if (p >= 0) spans[p].subtreeSize += spans[i].subtreeSize;
  }
  const byId = new Map<string, number>();
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
