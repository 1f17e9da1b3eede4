// Fetches a whole trace from the native API.
//
// First choice: the compact JSON (`?format=compact`, docs/api.md) in one request: a
// 100k-span trace is ~15 MB instead of ~88 MB of native JSON, the server writes it in
// ~0.2 s instead of ~2.4 s, and parse.ts reads it without JSON.parse of the spans. On
// /trace/{id} that request is already on its way when the app starts (public/boot.js
// starts it before the bundle has loaded). One request, not pages: every page costs the
// server a read of the whole trace (~0.1 s at 100k spans) and competes with the page for
// the same cores. Measured at 100k spans (headless Chromium, 2 busy cores, from fetch to
// a parsed trace): one request 2.2–2.6 s, 2 pages in parallel 2.7–3.2 s, 4 pages 3.1–3.7 s.
//
// A server that does not know the format answers 400 (or 422 for a trace too long for
// compact times, over 104 days): then the native JSON comes in pages (`?offset=&limit=`):
// a small first page (the spans that start first: the top of the tree, which the view
// can show at once) and big pages for the rest, a few in flight, each parsed and
// converted (fromNative) as it arrives. The first big page is asked for at once, beside
// the first page (it comes back empty for a small trace): a big trace does not wait a
// round trip to learn its size. A server that ignores `format` answers the native JSON
// of the whole trace, which is used as it is.
//
// The raw JSON view and the download show the native JSON, which is what users expect to
// read and save: after a compact load it is fetched when asked for (the raw view asks for
// the first RAW_SPANS spans only; the download for all of it, as bytes, never decoded).
// After a native load it is the pages merged into one NativeTrace with shared resource
// and scope tables (indices are per page), made only when asked for.
import { api, responseBytes } from "../api";
import type { NativeResource, NativeScope, NativeTrace } from "../types";
import type { RawSpan, RawTrace } from "./model";
import { fromCompactBytes, fromNative } from "./parse";

export const FIRST = 5000;
export const CHUNK = 35000;
const PARALLEL = 3;
// The raw view of a trace loaded compact fetches this many spans of the native JSON.
export const RAW_SPANS = 1000;

export interface LoadHandlers {
  // Bytes of the compact answer received so far, of `total` (0 when unknown).
  onBytes?: (received: number, total: number) => void;
  // The first page, when more follow: `total` spans in all (native paged loading only).
  onFirst?: (first: RawTrace, total: number) => void;
  onProgress?: (loaded: number, total: number) => void;
}

export interface LoadedTrace {
  raw: RawTrace;
  spanCount: number;
  format: "compact" | "native";
  // The native JSON of the start of the trace (the raw view): the whole trace, or its
  // first `spans` spans of `of` when it is bigger.
  head: () => Promise<{ json: NativeTrace; spans: number; of: number }>;
  // The whole trace's native JSON as the API answers it in one piece (the download):
  // fetched as bytes (never decoded or parsed), or made from what was loaded.
  file: (onProgress?: (received: number, total: number) => void) => Promise<Blob>;
}

interface Boot {
  traceId: string;
  adjust?: boolean; // false: asked with ?adjust=false (absent: adjusted)
  response: Promise<Response>;
  abort: AbortController;
}

// The request public/boot.js started for this trace, if any (taken once).
function takeBoot(traceId: string, adjust: boolean): Boot | undefined {
  const w = window as unknown as { __weftBoot?: Boot | null };
  const b = w.__weftBoot;
  w.__weftBoot = null; // taken (or none): boot.js must not start one later
  if (b && b.traceId === traceId && (b.adjust ?? true) !== adjust) b.abort.abort(); // not the one wanted
  return b && b.traceId === traceId && (b.adjust ?? true) === adjust ? b : undefined;
}

function tracePath(traceId: string): string {
  return `/api/v1/traces/${encodeURIComponent(traceId)}`;
}

const COMPACT_START = '{"format":"compact-1"';

function startsCompact(b: Uint8Array): boolean {
  if (b.length < COMPACT_START.length) return false;
  for (let i = 0; i < COMPACT_START.length; i++) if (b[i] !== COMPACT_START.charCodeAt(i)) return false;
  return true;
}

function isCompact(v: unknown): boolean {
  return typeof v === "object" && v !== null && (v as { format?: unknown }).format === "compact-1";
}

// `adjust: false` asks for the times as stored, not corrected for clock skew (?adjust=false).
export async function loadTrace(
  traceId: string,
  signal: AbortSignal,
  on: LoadHandlers = {},
  opts: { adjust?: boolean } = {},
): Promise<LoadedTrace> {
  const adjust = opts.adjust ?? true;
  const extra: Record<string, string> = adjust ? {} : { adjust: "false" };
  const query = adjust ? "" : "?adjust=false";
  const boot = typeof window === "undefined" ? undefined : takeBoot(traceId, adjust);
  const abort = boot?.abort ?? new AbortController();
  const stop = () => abort.abort();
  signal.addEventListener("abort", stop);
  if (signal.aborted) stop();
  let bytes: Uint8Array;
  try {
    const pending = boot
      ? boot.response
      : fetch(`${tracePath(traceId)}?format=compact${adjust ? "" : "&adjust=false"}`, { signal: abort.signal, headers: { Accept: "application/json" } });
    let lastBytes = 0;
    bytes = await responseBytes(
      pending.then((r) => {
        performance.mark("weft-trace:headers");
        return r;
      }),
      // (Reading spans while the rest arrives — CompactReader.feed — was measured slower:
      // in Chromium taking in the bytes needs the same thread, so the answer only came
      // in more slowly.)
      (received, total) => {
        if (received === total) performance.mark("weft-trace:body");
        // Every ~1 MB: a progress bar, not a DOM write per 64 KB chunk.
        if (received - lastBytes >= 1 << 20 || received === total) {
          lastBytes = received;
          on.onBytes?.(received, total);
        }
      },
    );
  } catch (e) {
    // An older server (400: it does not know the format) or a trace too long for compact
    // times (422): native pages. Anything else (404 …) is the caller's to report.
    if ((e as { status?: number }).status === 400 || (e as { status?: number }).status === 422) return loadNative(traceId, signal, on, extra);
    throw e;
  } finally {
    signal.removeEventListener("abort", stop);
  }
  if (!startsCompact(bytes)) {
    const body: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (!isCompact(body)) {
      // A server that ignores `format`: the whole trace in native JSON.
      const json = strip(body as NativeTrace);
      const raw = fromNative(json);
      return { raw, spanCount: raw.spans.length, format: "native", head: async () => whole(json), file: async () => jsonBlob(json) };
    }
  }
  const raw = fromCompactBytes(bytes);
  performance.mark("weft-trace:parsed");
  const spanCount = raw.spans.length;
  return {
    raw,
    spanCount,
    format: "compact",
    head: async () => {
      const json = strip(await api.trace(traceId, { limit: RAW_SPANS, ...extra }));
      return { json, spans: json.spans.length, of: Math.max(json.spanCount, json.spans.length) };
    },
    file: async (onProgress) => {
      const bytes = await responseBytes(fetch(tracePath(traceId) + query, { headers: { Accept: "application/json" } }), onProgress);
      return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: "application/json" });
    },
  };
}

function jsonBlob(json: NativeTrace): Blob {
  return new Blob([JSON.stringify(json)], { type: "application/json" });
}

function whole(json: NativeTrace): { json: NativeTrace; spans: number; of: number } {
  return { json, spans: json.spans.length, of: json.spans.length };
}

// The native JSON in pages (see the top of this file).
async function loadNative(traceId: string, signal: AbortSignal, on: LoadHandlers, extra: Record<string, string> = {}): Promise<LoadedTrace> {
  const ahead = new AbortController();
  const abortAhead = () => ahead.abort();
  signal.addEventListener("abort", abortAhead);
  try {
    const second = api.trace(traceId, { offset: FIRST, limit: CHUNK, ...extra }, ahead.signal);
    second.catch(() => undefined); // its errors are the first page's too, reported there
    const first = await api.trace(traceId, { offset: 0, limit: FIRST, ...extra }, signal);
    const firstRaw = fromNative(first);
    if (first.nextOffset === undefined) {
      ahead.abort();
      const json = strip(first);
      return { raw: firstRaw, spanCount: firstRaw.spans.length, format: "native", head: async () => whole(json), file: async () => jsonBlob(json) };
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
        got(k + 1, await api.trace(traceId, { offset: offsets[k], limit: CHUNK, ...extra }, signal));
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
    const json = () => (merged ??= mergePages([first, ...pages]));
    return { raw, spanCount: raw.spans.length, format: "native", head: async () => whole(json()), file: async () => jsonBlob(json()) };
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
