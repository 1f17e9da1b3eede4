// What the trace view draws from the analysis: the critical path's segments per span
// (relative times, for the waterfall's overlay) and the spans whose clock weft adjusted.
// No DOM; unit-tested (overlay.test.ts).
import type { KeyValue } from "../types";
import type { CpSegment } from "./answers";

export const SKEW_ATTRIBUTE = "weft.skew.adjust_ns";

// The critical path's segments grouped by span: span index → [start0, end0, start1, end1, …]
// in ns after `startNs` (the trace view's time origin), in time order. Touching or
// overlapping segments of a span are merged; a span with more than `maxPerSpan` pieces
// gets its smallest gaps closed until it has that many (they are under a pixel apart on
// any screen that could show them). Segments of spans the trace does not hold are left out.
export function segmentsBySpan(
  segments: readonly Pick<CpSegment, "spanId" | "start" | "end">[],
  startNs: bigint,
  indexOf: (spanId: string) => number | undefined,
  maxPerSpan = 32,
): Map<number, Float64Array> {
  const by = new Map<number, number[]>();
  for (const s of segments) {
    const i = indexOf(s.spanId);
    if (i === undefined || s.end < s.start) continue;
    let l = by.get(i);
    if (!l) by.set(i, (l = []));
    l.push(Number(s.start - startNs), Number(s.end - startNs));
  }
  const out = new Map<number, Float64Array>();
  for (const [i, flat] of by) out.set(i, mergePieces(flat, maxPerSpan));
  return out;
}

function mergePieces(flat: number[], max: number): Float64Array {
  const pairs: [number, number][] = [];
  for (let k = 0; k < flat.length; k += 2) pairs.push([flat[k], flat[k + 1]]);
  pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: [number, number][] = [];
  for (const p of pairs) {
    const last = merged[merged.length - 1];
    if (last && p[0] <= last[1]) last[1] = Math.max(last[1], p[1]);
    else merged.push([p[0], p[1]]);
  }
  let list = merged;
  if (list.length > Math.max(1, max)) {
    // Close the smallest gaps: the (n − max) smallest.
    const gaps = list.slice(1).map((p, k) => ({ k, gap: p[0] - list[k][1] }));
    gaps.sort((a, b) => a.gap - b.gap || a.k - b.k);
    const close = new Uint8Array(list.length);
    for (let g = 0; g < list.length - max; g++) close[gaps[g].k + 1] = 1;
    const out: [number, number][] = [];
    for (let k = 0; k < list.length; k++) {
      if (close[k]) out[out.length - 1][1] = list[k][1];
      else out.push([list[k][0], list[k][1]]);
    }
    list = out;
  }
  const r = new Float64Array(list.length * 2);
  list.forEach((p, k) => {
    r[2 * k] = p[0];
    r[2 * k + 1] = p[1];
  });
  return r;
}

// The adjustment weft made to a span's times (attribute weft.skew.adjust_ns, ns added),
// or undefined when it made none.
export function skewOf(attributes: readonly KeyValue[]): number | undefined {
  for (const a of attributes) {
    if (a.key !== SKEW_ATTRIBUTE) continue;
    const v = a.value;
    const x = v.intValue ?? v.doubleValue ?? v.stringValue;
    const n = typeof x === "number" ? x : typeof x === "string" && x.trim() !== "" ? Number(x) : NaN;
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

// Span index → adjustment of every span that has one, read in slices (reading decodes
// attributes, which a compact trace keeps undecoded until asked): `yieldTo` is awaited
// after every `slice` spans, and sooner when `shouldYield()` (asked every 128 spans) says
// the time is up, so a big trace does not hold the page. Stops (resolving what it has)
// when `aborted()` says so.
export async function findSkewed(
  count: number,
  attributesOf: (i: number) => readonly KeyValue[],
  opts: { slice?: number; yieldTo?: () => Promise<void>; shouldYield?: () => boolean; aborted?: () => boolean } = {},
): Promise<Map<number, number>> {
  const slice = Math.max(1, opts.slice ?? 5000);
  const out = new Map<number, number>();
  let done = 0; // since the last yield
  for (let i = 0; i < count; i++) {
    if (done === 0 && opts.aborted?.()) break;
    const d = skewOf(attributesOf(i));
    if (d !== undefined && d !== 0) out.set(i, d);
    done++;
    if (i + 1 < count && opts.yieldTo && (done >= slice || (done % 128 === 0 && opts.shouldYield?.()))) {
      await opts.yieldTo();
      done = 0;
    }
  }
  return out;
}

// The share of the critical path per service (summing its operations), most first.
export function sharesByService(selfTimes: readonly { service: string; nanos: number; share: number }[]): { service: string; nanos: number; share: number }[] {
  const m = new Map<string, { service: string; nanos: number; share: number }>();
  for (const s of selfTimes) {
    const e = m.get(s.service);
    if (e) {
      e.nanos += s.nanos;
      e.share += s.share;
    } else m.set(s.service, { service: s.service, nanos: s.nanos, share: s.share });
  }
  return [...m.values()].sort((a, b) => b.nanos - a.nanos || (a.service < b.service ? -1 : 1));
}

// Pieces keyed by span ID, flattened for a message between threads (cp_worker.ts):
// span k's pieces are pieces[offsets[k] .. offsets[k + 1]).
export interface FlatPieces {
  ids: string[];
  offsets: Int32Array; // ids.length + 1
  pieces: Float64Array;
}

// The critical path's segments as FlatPieces, relative to `startNs` (segmentsBySpan's
// grouping and merging, by span ID instead of by index).
export function flatPieces(segments: readonly Pick<CpSegment, "spanId" | "start" | "end">[], startNs: bigint, maxPerSpan = 32): FlatPieces {
  const ids: string[] = [];
  const seen = new Map<string, number>();
  const by = segmentsBySpan(
    segments,
    startNs,
    (id) => {
      let k = seen.get(id);
      if (k === undefined) {
        k = ids.length;
        ids.push(id);
        seen.set(id, k);
      }
      return k;
    },
    maxPerSpan,
  );
  const offsets = new Int32Array(ids.length + 1);
  for (let k = 0; k < ids.length; k++) offsets[k + 1] = offsets[k] + (by.get(k)?.length ?? 0);
  const pieces = new Float64Array(offsets[ids.length]);
  for (let k = 0; k < ids.length; k++) {
    const p = by.get(k);
    if (p) pieces.set(p, offsets[k]);
  }
  return { ids, offsets, pieces };
}

// FlatPieces back to span index → pieces (views into one buffer); spans the trace does
// not hold are left out.
export function piecesByIndex(f: FlatPieces, indexOf: (spanId: string) => number | undefined): Map<number, Float64Array> {
  const out = new Map<number, Float64Array>();
  for (let k = 0; k < f.ids.length; k++) {
    const i = indexOf(f.ids[k]);
    if (i !== undefined && f.offsets[k + 1] > f.offsets[k]) out.set(i, f.pieces.subarray(f.offsets[k], f.offsets[k + 1]));
  }
  return out;
}
