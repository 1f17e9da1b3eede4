// Fetches a whole trace from the native API. A 100k-span trace is ~65 MB of JSON: in one
// request the server builds all of it before the first byte, and the browser parses it in
// one go after the last. So the trace comes in pages (`?offset=&limit=`, docs/api.md):
// a small first page (the spans that start first: the top of the tree, which the view
// can show at once) and big pages for the rest, a few in flight. Each page is parsed and
// converted (fromNative) as it arrives, while the next ones are still on their way; at
// the end only the model is left to build. The first big page is asked for at once,
// beside the first page (it comes back empty for a small trace): a big trace does not
// wait a round trip to learn its size. Every page costs the server a read of the whole
// trace, hence few, big pages.
//
// The trace's JSON (raw view, download) is the pages merged into one NativeTrace with
// shared resource and scope tables (indices are per page), made only when asked for.
import { api } from "../api";
import type { NativeResource, NativeScope, NativeTrace } from "../types";
import type { RawSpan, RawTrace } from "./model";
import { fromNative } from "./parse";

export const FIRST = 5000;
export const CHUNK = 35000;
const PARALLEL = 3;

export interface LoadHandlers {
  // The first page, when more follow: `total` spans in all.
  onFirst?: (first: RawTrace, total: number) => void;
  onProgress?: (loaded: number, total: number) => void;
}

export interface LoadedTrace {
  raw: RawTrace;
  json: () => NativeTrace; // the whole trace as the API would answer it in one piece
}

export async function loadTrace(traceId: string, signal: AbortSignal, on: LoadHandlers = {}): Promise<LoadedTrace> {
  const ahead = new AbortController();
  const abortAhead = () => ahead.abort();
  signal.addEventListener("abort", abortAhead);
  try {
    const second = api.trace(traceId, { offset: FIRST, limit: CHUNK }, ahead.signal);
    second.catch(() => undefined); // its errors are the first page's too, reported there
    const first = await api.trace(traceId, { offset: 0, limit: FIRST }, signal);
    const firstRaw = fromNative(first);
    if (first.nextOffset === undefined) {
      ahead.abort();
      return { raw: firstRaw, json: () => strip(first) };
    }
    const total = first.spanCount;
    on.onFirst?.(firstRaw, total);
    let loaded = first.spans.length;
    on.onProgress?.(loaded, total);
    const offsets: number[] = [];
    for (let o = FIRST + CHUNK; o < total; o += CHUNK) offsets.push(o);
    const pages: NativeTrace[] = new Array(offsets.length + 1);
    const spans: RawSpan[][] = new Array(offsets.length + 1);
    const got = (k: number, p: NativeTrace) => {
      pages[k] = p;
      spans[k] = fromNative(p).spans;
      loaded += p.spans.length;
      on.onProgress?.(loaded, total);
    };
    let next = 0;
    const worker = async () => {
      while (next < offsets.length) {
        const k = next++;
        got(k + 1, await api.trace(traceId, { offset: offsets[k], limit: CHUNK }, signal));
      }
    };
    await Promise.all([
      second.then((p) => got(0, p)),
      ...Array.from({ length: Math.min(PARALLEL - 1, offsets.length) }, worker),
    ]);
    // A span that arrived while the pages were fetched shifts the offsets, so a span may
    // come twice: buildModel keeps the first of equal span IDs.
    const raw: RawTrace = { traceId: firstRaw.traceId, spans: firstRaw.spans.concat(...spans), source: "weft" };
    let merged: NativeTrace | undefined;
    return { raw, json: () => (merged ??= mergePages([first, ...pages])) };
  } finally {
    signal.removeEventListener("abort", abortAhead);
  }
}

function strip(t: NativeTrace): NativeTrace {
  delete t.returnedSpanCount;
  delete t.offset;
  delete t.nextOffset;
  return t;
}

// One trace from its pages: resources and scopes deduplicated by value in order of first
// use (as the API lists them for a whole trace), span indices rewritten to match.
export function mergePages(pages: NativeTrace[]): NativeTrace {
  if (pages.length === 1) return strip(pages[0]);
  const resources: NativeResource[] = [];
  const scopes: NativeScope[] = [];
  const resKey = new Map<string, number>();
  const scopeKey = new Map<string, number>();
  const spans = [];
  const seen = new Set<string>();
  for (const p of pages) {
    const rmap = p.resources.map((r) => {
      const k = JSON.stringify(r);
      let i = resKey.get(k);
      if (i === undefined) resKey.set(k, (i = resources.push(r) - 1));
      return i;
    });
    const smap = p.scopes.map((sc) => {
      const k = JSON.stringify(sc);
      let i = scopeKey.get(k);
      if (i === undefined) scopeKey.set(k, (i = scopes.push(sc) - 1));
      return i;
    });
    for (const s of p.spans) {
      // Spans arriving while the pages were fetched shift the offsets: a span may come twice.
      if (seen.has(s.spanId)) continue;
      seen.add(s.spanId);
      s.resourceIndex = rmap[s.resourceIndex] ?? 0;
      s.scopeIndex = smap[s.scopeIndex] ?? 0;
      spans.push(s);
    }
  }
  const last = pages[pages.length - 1];
  return {
    traceId: pages[0].traceId,
    spanCount: Math.max(last.spanCount, spans.length),
    startTimeUnixNano: last.startTimeUnixNano,
    endTimeUnixNano: last.endTimeUnixNano,
    resources,
    scopes,
    spans,
  };
}
