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

// A time as a parser gives it: absolute ns as bigint, or — in a trace that has `baseNs`
// (fromCompact) — ns after baseNs as a number, so no BigInt is made per span (the
// compact format's times are relative already; 100k spans' BigInts cost ~50–90 ms).
export type RawTime = bigint | number;

// A span as every parser produces it.
export interface RawSpan {
  spanId: string;
  parentSpanId: string; // "" for a root
  name: string;
  service: string;
  kind: SpanKindName;
  start: RawTime; // bigint, or a number when the trace has baseNs
  end: RawTime;
  statusCode: StatusCodeName;
  statusMessage: string;
  attributes: KeyValue[];
  resource: KeyValue[];
  scope?: { name: string; version: string };
  events: { time: RawTime; name: string; attributes: KeyValue[] }[];
  links: SpanLink[];
  traceState?: string;
  rpcId?: string;
  flags?: number;
  // Whether the attributes hold error=true, when the parser knows without making them
  // (isError then does not read `attributes`, which may be decoded on demand).
  errorAttribute?: boolean;
}

export interface RawTrace {
  traceId: string;
  spans: RawSpan[];
  // Where it came from, for the header: "weft" (the API), or the file format's name.
  source: "weft" | "native file" | "jaeger file" | "otlp file";
  // A file holding several traces (a Jaeger answer with several, OTLP JSON lines): every
  // trace ID in it, in file order; `spans` are those of `traceId` (parse.ts). Absent otherwise.
  fileTraceIds?: string[];
  // Set when every time in `spans` is a number of ns after it (fromCompact); absent when
  // they are all absolute bigints (every other parser).
  baseNs?: bigint;
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
  byId: SpanIndex; // span ID → index
  services: { name: string; spanCount: number; errorCount: number }[]; // by span count, desc
  maxDepth: number; // deepest span's depth + 1
  errorCount: number;
}

// Span ID → number. A 16-hex-digit lowercase ID (every ID from weft, and every one the
// parsers normalise) is kept by its 64 bits in an open-addressing table of typed arrays;
// any other string in a Map. For 100k spans this is ~10× faster than a Map of strings
// (which hashes each ID and grows by rehashing) and leaves nothing for the garbage
// collector to copy.
const HEX_DIGIT = new Int8Array(128).fill(-1);
for (let c = 0; c < 10; c++) HEX_DIGIT[48 + c] = c;
for (let c = 0; c < 6; c++) HEX_DIGIT[97 + c] = 10 + c;

export class SpanIndex {
  // Slot k is tab[3k] (high 32 bits), tab[3k+1] (low 32 bits), tab[3k+2] (value + 1, 0:
  // empty, so a new table needs no filling): one cache line per probe.
  private tab: Int32Array;
  private mask: number;
  private count = 0;
  private other: Map<string, number> | null = null;
  private h = 0; // the halves of the last ID hex64() read
  private l = 0;

  constructor(expected: number) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.tab = new Int32Array(cap * 3);
    this.mask = cap - 1;
  }

  private hex64(id: string): boolean {
    if (id.length !== 16) return false;
    let h = 0;
    let l = 0;
    for (let k = 0; k < 8; k++) {
      const d = HEX_DIGIT[id.charCodeAt(k)];
      if (d === undefined || d < 0) return false;
      h = (h << 4) | d;
    }
    for (let k = 8; k < 16; k++) {
      const d = HEX_DIGIT[id.charCodeAt(k)];
      if (d === undefined || d < 0) return false;
      l = (l << 4) | d;
    }
    this.h = h;
    this.l = l;
    return true;
  }

  // Where ID (h, l) is, or the empty slot for it (times 3). The table is never more than
  // half full, so a probe ends.
  private slot(h: number, l: number): number {
    const tab = this.tab;
    const mask = this.mask;
    let x = Math.imul(h ^ (l >>> 15), 0x2c1b3c6d) ^ Math.imul(l, 0x297a2d39);
    x ^= x >>> 16;
    let k = x & mask;
    while (tab[3 * k + 2] !== 0 && (tab[3 * k] !== h || tab[3 * k + 1] !== l)) k = (k + 1) & mask;
    return 3 * k;
  }

  // Returns the value the ID had (-1 if none).
  set(id: string, v: number): number {
    if (!this.hex64(id)) {
      const m = (this.other ??= new Map());
      const was = m.get(id);
      m.set(id, v);
      return was ?? -1;
    }
    const h = this.h;
    const l = this.l;
    let k = this.slot(h, l);
    const was = this.tab[k + 2] - 1;
    if (was < 0 && ++this.count * 2 > this.mask + 1) {
      this.grow();
      k = this.slot(h, l);
    }
    this.tab[k] = h;
    this.tab[k + 1] = l;
    this.tab[k + 2] = v + 1;
    return was;
  }

  get(id: string): number | undefined {
    if (!this.hex64(id)) return this.other?.get(id);
    const v = this.tab[this.slot(this.h, this.l) + 2];
    return v === 0 ? undefined : v - 1;
  }

  // Every value v becomes to[v].
  remap(to: Int32Array): void {
    const tab = this.tab;
    for (let k = 2; k < tab.length; k += 3) if (tab[k] !== 0) tab[k] = to[tab[k] - 1] + 1;
    if (this.other) for (const [id, v] of this.other) this.other.set(id, to[v]);
  }

  private grow(): void {
    const old = this.tab;
    this.tab = new Int32Array(old.length * 2);
    this.mask = this.mask * 2 + 1;
    for (let k = 0; k < old.length; k += 3) {
      if (old[k + 2] === 0) continue;
      const j = this.slot(old[k], old[k + 1]);
      this.tab[j] = old[k];
      this.tab[j + 1] = old[k + 1];
      this.tab[j + 2] = old[k + 2];
    }
  }
}

function isError(s: RawSpan): boolean {
  if (s.statusCode === "error") return true;
  if (s.errorAttribute !== undefined) return s.errorAttribute;
  for (const a of s.attributes) if (a.key === "error" && a.value.boolValue === true) return true;
  return false;
}

// A span of the model. What the views read for every row (IDs, name, service, times,
// tree position) are its own fields; the rest is read from its RawSpan when asked for
// (fewer fields to write for each of 100k spans, less for the garbage collector to copy),
// attributes too — a parser may decode those only then (fromCompact does: most spans'
// attributes are never looked at, and 100k spans' attribute objects cost ~200 ms).
class ModelSpan implements Span {
  subtreeSize = 1;
  readonly spanId: string;
  readonly name: string;
  readonly service: string;
  readonly error: boolean;
  readonly #raw: RawSpan;
  constructor(
    raw: RawSpan,
    readonly index: number,
    readonly parent: number,
    readonly missingParent: boolean,
    readonly depth: number,
    readonly childCount: number,
    readonly start: number,
    readonly duration: number,
    readonly events: SpanEvent[],
  ) {
    this.#raw = raw;
    this.spanId = raw.spanId;
    this.name = raw.name;
    this.service = raw.service;
    this.error = isError(raw);
  }
  get parentSpanId(): string {
    return this.#raw.parentSpanId;
  }
  get kind(): SpanKindName {
    return this.#raw.kind;
  }
  get statusCode(): StatusCodeName {
    return this.#raw.statusCode;
  }
  get statusMessage(): string {
    return this.#raw.statusMessage;
  }
  get attributes(): KeyValue[] {
    return this.#raw.attributes;
  }
  get resource(): KeyValue[] {
    return this.#raw.resource;
  }
  get scope(): { name: string; version: string } | undefined {
    return this.#raw.scope;
  }
  get links(): SpanLink[] {
    return this.#raw.links;
  }
  get traceState(): string | undefined {
    return this.#raw.traceState;
  }
  get rpcId(): string | undefined {
    return this.#raw.rpcId;
  }
}

// Ties in start time are ordered by RpcId numerically ("0.9" before "0.10"). One collator
// for all: localeCompare with options builds one per call, which a trace with µs-rounded
// times (many ties) pays 100k times.
let rpcCollator: Intl.Collator | undefined; // made on the first tie (ICU is slow to start)
const NO_EVENTS: SpanEvent[] = [];

export function buildModel(raw: RawTrace): TraceModel {
  const rs = raw.spans;
  const n = rs.length;
  // Times relative to the earliest start, as doubles: rel (start), dur (duration), and
  // evTime for event times.
  const rel = new Float64Array(n);
  const dur = new Float64Array(n);
  let start: bigint;
  let duration: number;
  let evTime: (t: RawTime) => number;
  if (raw.baseNs !== undefined) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const s = rs[i].start as number;
      const e = rs[i].end as number;
      if (s < lo) lo = s;
      if (e > hi) hi = e;
    }
    if (!n) lo = hi = 0;
    start = raw.baseNs + BigInt(lo);
    duration = hi - lo;
    for (let i = 0; i < n; i++) {
      const s = rs[i].start as number;
      rel[i] = s - lo;
      dur[i] = (rs[i].end as number) - s;
    }
    evTime = (t) => (t as number) - lo;
  } else {
    let lo = n ? (rs[0].start as bigint) : 0n;
    let hi = n ? (rs[0].end as bigint) : 0n;
    for (let i = 0; i < n; i++) {
      const s = rs[i];
      if ((s.start as bigint) < lo) lo = s.start as bigint;
      if ((s.end as bigint) > hi) hi = s.end as bigint;
    }
    start = lo;
    duration = Number(hi - lo);
    for (let i = 0; i < n; i++) {
      rel[i] = Number((rs[i].start as bigint) - lo);
      dur[i] = Number((rs[i].end as bigint) - (rs[i].start as bigint));
    }
    evTime = (t) => Number((t as bigint) - lo);
  }
  // Duplicate span IDs (a span sent twice) keep the first: set from the last to the first.
  const rawIndex = new SpanIndex(n);
  const duplicate = new Uint8Array(n);
  for (let i = n - 1; i >= 0; i--) {
    const later = rawIndex.set(rs[i].spanId, i);
    if (later >= 0) duplicate[later] = 1;
  }
  // Children lists in one array (CSR): parentOf, counts, then offsets; no array per span.
  const parentOf = new Int32Array(n);
  const childCount = new Int32Array(n);
  const roots: number[] = [];
  const missing = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const s = rs[i];
    parentOf[i] = -2; // duplicate: neither a root nor anyone's child
    if (duplicate[i]) continue;
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

  const order = (a: number, b: number): number => {
    const d = rel[a] - rel[b];
    if (d !== 0) return d;
    const ra = rs[a].rpcId ?? "";
    const rb = rs[b].rpcId ?? "";
    const r = ra === rb ? 0 : (rpcCollator ??= new Intl.Collator("en", { numeric: true })).compare(ra, rb);
    if (r !== 0) return r;
    return rs[a].spanId < rs[b].spanId ? -1 : rs[a].spanId > rs[b].spanId ? 1 : 0;
  };
  // Children were listed in the spans' order, which is usually this order already (weft
  // answers spans by start time, then span ID): sort only lists that are not.
  const sorted = (list: ArrayLike<number>, from: number, to: number): boolean => {
    for (let k = from + 1; k < to; k++) if (order(list[k - 1], list[k]) > 0) return false;
    return true;
  };
  if (!sorted(roots, 0, roots.length)) roots.sort(order);
  for (let i = 0; i < n; i++) {
    const a = firstChild[i];
    const b = firstChild[i + 1];
    if (b - a > 1 && !sorted(kids, a, b)) kids.subarray(a, b).sort(order);
  }

  // Iterative depth-first walk (a 100k-deep chain must not overflow the stack). A cycle
  // in parent links cannot reach a root, so its spans are appended as roots afterwards.
  // Every span is pushed at most once (by its one parent, or as a root): n slots suffice.
  const spans: Span[] = [];
  const visited = new Uint8Array(n);
  const modelIndex = new Int32Array(n); // raw index → depth-first index
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
      modelIndex[ri] = index;
      spans.push(
        new ModelSpan(
          s,
          index,
          parent,
          parent === -1 && (missingParent || missing[ri] === 1),
          depth,
          childCount[ri],
          rel[ri],
          Math.max(0, dur[ri]),
          s.events.length ? s.events.map((e) => ({ time: evTime(e.time), name: e.name, attributes: e.attributes })) : NO_EVENTS,
        ),
      );
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
  // rawIndex becomes byId: every unique span ID was visited (a duplicate's entry names
  // the first, which was), so every entry has a depth-first index.
  rawIndex.remap(modelIndex);
  const byId = rawIndex;
  const svc = new Map<string, { name: string; spanCount: number; errorCount: number }>();
  let maxDepth = 0;
  let errorCount = 0;
  for (const s of spans) {
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
    duration,
    spans,
    byId,
    services: [...svc.values()].sort((a, b) => b.spanCount - a.spanCount || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    maxDepth,
    errorCount,
  };
}
