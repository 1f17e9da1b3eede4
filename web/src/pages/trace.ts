// /trace/{traceId}[?span={spanId}&q={search}]: one trace — header, minimap, virtualized
// waterfall, span detail. /trace/file opens a JSON file (native, Jaeger or OTLP) instead
// and shows it with the same view.
//
// The trace comes as weft's compact JSON in one request (trace/load.ts; the loading
// screen shows the bytes arriving). From a server without it, a large trace comes in
// native pages: the first page (the spans that start first) is shown at once, marked as
// loading, and the view is rebuilt once with the whole trace, keeping what the user did
// meanwhile (scroll position, collapsed spans, selection, search). The page is "ready"
// (markReady) once the whole trace is shown.
import { ApiDownError, ApiError, api } from "../api";
import { formatCount } from "../format";
import { h, mount, type Child } from "../dom";
import { markReady, type RouteContext } from "../router";
import { renderNotFound } from "./not_found";
import { loadTrace, type LoadedTrace } from "../trace/load";
import { buildModel, type RawTrace } from "../trace/model";
import { parseTraceFile } from "../trace/parse";
import { renderOpenFile } from "../trace/open_file";
import { formatBytes, renderHeader, sourceLabel } from "../trace/header";
import { Waterfall } from "../trace/waterfall";
import { Minimap } from "../trace/minimap";
import { renderSpanDetail } from "../trace/span_detail";
import { analysisPanel } from "../trace/analysis_panel";
import { findMatches, haystack, nextMatchFrom, prettyJson, rowOf } from "../trace/view_logic";
import "../trace/trace.css";

const RAW_JSON_MAX = 2 * 1024 * 1024;
// Below this many spans the first page is not shown on its own: the rest comes quickly.
const PARTIAL_VIEW_MIN = 30000;

export async function tracePage(root: HTMLElement, ctx: RouteContext): Promise<void | (() => void)> {
  const traceId = ctx.params.get(":traceId") ?? "";
  if (traceId === "file") return openFilePage(root, ctx);

  const progress = h("div", { class: "tv-progress-bar" });
  const status = h("span", null, "Loading trace…");
  mount(
    root,
    h(
      "section",
      { class: "tv-loading", "data-testid": "trace-loading" },
      h("div", { class: "tv-loading-title" }, "Trace ", h("code", null, traceId)),
      h("div", { class: "tv-progress" }, progress),
      h("div", { class: "muted" }, status),
    ),
  );
  const t0 = performance.now();
  let view: TraceView | null = null;
  const linkChecks = new Map<string, Promise<boolean>>();
  let loaded: LoadedTrace;
  // "Raw times": the trace as stored, not corrected for clock skew.
  const adjust = ctx.params.get("adjust") !== "false";
  try {
    loaded = await loadTrace(traceId, ctx.signal, {
      onBytes: (received, total) => {
        status.textContent = total
          ? `Loading trace… ${formatBytes(received)} of ${formatBytes(total)}`
          : `Loading trace… ${formatBytes(received)}`;
        if (total) progress.style.width = `${Math.min(100, Math.round((received / total) * 100))}%`;
      },
      onFirst: (first, total) => {
        if (total < PARTIAL_VIEW_MIN) return;
        performance.mark("weft-trace:first-page");
        view = showTrace(root, ctx, first, { loadingTotal: total, linkChecks });
        performance.mark("weft-trace:partial");
      },
      onProgress: (loaded, total) => {
        if (view) view.setProgress(loaded, total);
        else {
          status.textContent = `Loading ${formatCount(loaded)} of ${formatCount(total)} spans…`;
          progress.style.width = `${Math.round((loaded / Math.max(1, total)) * 100)}%`;
        }
      },
    }, { adjust });
  } catch (e) {
    (view as TraceView | null)?.cleanup();
    if ((e as Error).name === "AbortError") return;
    if (e instanceof ApiError && e.status === 404) {
      renderNotFound(
        root,
        `Trace ${traceId} not found`,
        "weft stores no trace with this ID. It may be older than the retention period, or not sent yet; " +
          "check the ID too (a trace ID is 32 hexadecimal digits).",
      );
      markReady("not-found");
      return;
    }
    mount(
      root,
      h(
        "section",
        { class: "error", "data-testid": "trace-error" },
        h("h1", null, e instanceof ApiDownError ? "weft's API does not answer" : "Cannot open this trace"),
        h(
          "p",
          null,
          e instanceof ApiDownError
            ? "The trace could not be loaded because weft's query API is unreachable. Is weft serve running?"
            : e instanceof ApiError
              ? e.message
              : String(e),
        ),
        h(
          "p",
          null,
          e instanceof ApiError && e.status === 400 ? null : [h("a", { href: location.pathname + location.search }, "Try again"), " · "],
          h("a", { href: "/search" }, "Search traces"),
        ),
      ),
    );
    markReady("error");
    return;
  }
  if (ctx.signal.aborted) {
    (view as TraceView | null)?.cleanup();
    return;
  }
  performance.mark("weft-trace:fetched");
  const fetchMs = performance.now() - t0;
  const partial = view as TraceView | null;
  const carried = partial?.state();
  partial?.cleanup();
  const full = showTrace(
    root,
    ctx,
    loaded.raw,
    {
      rawJson: async () => {
        const { json, spans, of } = await loaded.head();
        const r = prettyJson(json, RAW_JSON_MAX);
        const part =
          spans < of
            ? `Showing the JSON of the first ${formatCount(spans)} of ${formatCount(of)} spans` +
              (r.truncated ? `, cut at ${formatBytes(r.text.length)}.` : ".")
            : undefined;
        return { ...r, note: part };
      },
      blob: (onProgress) => loaded.file(onProgress),
      linkChecks,
      fetchMs,
      adjust,
    },
    carried,
  );
  return full.cleanup;
}

// /trace/file: a picker; the trace it reads is shown with the same view.
function openFilePage(root: HTMLElement, ctx: RouteContext): () => void {
  let view: TraceView | undefined;
  const linkChecks = new Map<string, Promise<boolean>>();
  const show = (raw: RawTrace, text: string, fileName?: string) => {
    view?.cleanup();
    const ids = raw.fileTraceIds ?? [];
    let note: HTMLElement | null = null;
    if (ids.length > 1) {
      const select = h(
        "select",
        { "aria-label": "Trace in the file", "data-testid": "file-trace-select" },
        ids.map((id) => h("option", { value: id, selected: id === raw.traceId }, id)),
      );
      select.addEventListener("change", () => {
        try {
          show(parseTraceFile(text, { traceId: select.value }), text, fileName);
        } catch (e) {
          console.error(e);
        }
      });
      note = h("span", null, `This file holds ${ids.length} traces; showing `, select);
    }
    view = showTrace(root, ctx, raw, {
      rawJson: async () => {
        try {
          return prettyJson(JSON.parse(text), RAW_JSON_MAX);
        } catch {
          return { text: text.slice(0, RAW_JSON_MAX), truncated: text.length > RAW_JSON_MAX };
        }
      },
      blob: async () => new Blob([text], { type: "application/json" }),
      linkChecks,
      source: {
        label: sourceLabel(raw.source),
        fileName,
        note,
        action: h("a", { href: "/trace/file", class: "th-open-another", "data-testid": "open-another-file" }, "Open another file"),
      },
    });
  };
  renderOpenFile(root, (raw, text, fileName) => show(raw, text, fileName || undefined));
  markReady("trace-file");
  return () => view?.cleanup();
}

interface ShowOptions {
  rawJson?: () => Promise<{ text: string; truncated: boolean; note?: string }>;
  blob?: (onProgress?: (received: number, total: number) => void) => Promise<Blob>;
  source?: { label: string; fileName?: string; note?: Child; action?: Child };
  // Shown while more spans load: the trace's span count. Not ready until they are in.
  loadingTotal?: number;
  linkChecks: Map<string, Promise<boolean>>;
  fetchMs?: number;
  // A trace from weft's API: false when shown with raw times (?adjust=false). The analysis
  // strip (critical path, skew, RpcId gaps) is shown for those only.
  adjust?: boolean;
}

// What a rebuilt view keeps from the one it replaces.
interface ViewState {
  anchor: { spanId: string; offset: number } | null;
  collapsed: string[];
  selected: string | null;
  focused: string | null;
  query: string;
  currentMatch: string | null;
  searchFocused: boolean;
  waterfallFocused: boolean;
  userSelected: boolean;
}

interface TraceView {
  cleanup: () => void;
  state: () => ViewState;
  setProgress: (loaded: number, total: number) => void;
}

function showTrace(root: HTMLElement, ctx: RouteContext, raw: RawTrace, opts: ShowOptions, prev?: ViewState): TraceView {
  const t0 = performance.now();
  const model = buildModel(raw);
  performance.mark("weft-trace:model");
  const modelMs = performance.now() - t0;
  const n = model.spans.length;
  const loading = opts.loadingTotal !== undefined;

  if (n === 0) {
    mount(
      root,
      h(
        "section",
        { class: "not-found", "data-testid": "not-found" },
        h("h1", null, `Trace ${model.traceId || ""} has no spans`),
        h("p", null, "There is nothing to show."),
      ),
    );
    markReady("trace");
    return { cleanup: () => undefined, state: () => emptyState(), setProgress: () => undefined };
  }

  // ----- state -----
  let selected = -1;
  let userSelected = prev?.userSelected ?? false;
  let detail: HTMLElement | null = null;
  let haystacks: string[] | null = null;
  let matches: Int32Array = new Int32Array(0);
  let matchMask: Uint8Array | null = null;
  let current = -1; // index into matches
  const cleanups: (() => void)[] = [];

  // ----- parts -----
  const minimap = new Minimap(model, (row) => {
    const v = wf.viewport();
    wf.scrollToRow(Math.max(0, row - v.count / 2), "top");
  });
  const wf = new Waterfall(model, {
    onSelect: (i) => {
      userSelected = true;
      select(i, false);
    },
    onRowsChanged: () => minimap.setRows(wf.rows, (i) => rowOf(wf.rows, i)),
    onViewport: () => {
      const v = wf.viewport();
      minimap.setViewport(v.first, v.count);
    },
    onEscape: () => closeDetail(),
  });
  cleanups.push(() => wf.destroy(), () => minimap.destroy());

  const header = renderHeader(model, {
    rawJson: opts.rawJson ?? (async () => ({ text: "", truncated: false })),
    downloadBlob: opts.blob ?? (async () => new Blob([])),
    onExpandAll: () => {
      wf.expandAll();
      keepSelectionInView();
    },
    onCollapseAll: () => {
      wf.collapseAll();
      keepSelectionInView();
    },
    source: opts.source,
    loadingTotal: opts.loadingTotal,
  });
  cleanups.push(header.destroy);
  const analysis = opts.adjust !== undefined && !loading ? analysisPanel(model, wf, ctx, { adjust: opts.adjust }) : null;
  if (analysis) cleanups.push(analysis.destroy);

  // ----- search -----
  const input = h("input", {
    type: "search",
    class: "tv-search-input",
    placeholder: "Find in trace: span name, service, span ID, attribute…",
    "aria-label": "Find in this trace",
    "data-testid": "trace-search",
    spellcheck: "false",
    autocomplete: "off",
  });
  const count = h("span", { class: "tv-search-count", "data-testid": "search-count", "aria-live": "polite" });
  const prevBtn = h("button", { type: "button", class: "tv-btn tv-icon", title: "Previous match (Shift+Enter)", "aria-label": "Previous match", "data-testid": "search-prev", disabled: true }, "↑");
  const nextBtn = h("button", { type: "button", class: "tv-btn tv-icon", title: "Next match (Enter)", "aria-label": "Next match", "data-testid": "search-next", disabled: true }, "↓");
  const notice = h("span", { class: "tv-notice", "data-testid": "trace-notice" });
  const loadBar = h("span", { class: "tv-load-bar" });
  const loadText = h("span", null);
  const loadBox = loading
    ? h("span", { class: "tv-load", "data-testid": "trace-load-progress" }, h("span", { class: "tv-load-track" }, loadBar), loadText)
    : null;
  const toolbar = h(
    "div",
    { class: "tv-toolbar" },
    h("div", { class: "tv-search" }, h("span", { class: "tv-search-icon", "aria-hidden": "true" }), input, count, prevBtn, nextBtn),
    analysis?.controls,
    notice,
    loadBox ?? h("span", { class: "tv-hint" }, "↑↓ move · ←→ collapse/expand · Enter details · / find"),
  );
  const setProgress = (loaded: number, total: number) => {
    loadText.textContent = `Loading spans: ${formatCount(loaded)} of ${formatCount(total)}`;
    loadBar.style.width = `${Math.round((loaded / Math.max(1, total)) * 100)}%`;
  };
  if (loading) setProgress(n, opts.loadingTotal!);

  let debounce = 0;
  let searchedFor = ""; // the query the matches are for (Enter on it again = next match)
  const computeMatches = (from: number) => {
    const q = input.value;
    searchedFor = q;
    if (!haystacks && q.trim()) haystacks = model.spans.map(haystack);
    matches = haystacks && q.trim() ? findMatches(haystacks, q) : new Int32Array(0);
    if (matches.length) {
      matchMask = new Uint8Array(n);
      for (const i of matches) matchMask[i] = 1;
    } else matchMask = null;
    current = matches.length ? nextMatchFrom(matches, from) : -1;
    minimap.setMatches(matches.length ? matches : null);
  };
  const runSearch = (jump: boolean) => {
    computeMatches(selected >= 0 ? selected : 0);
    updateParams({ q: input.value.trim() || null });
    if (current >= 0 && jump) goToMatch(current);
    else {
      wf.setMatches(matchMask, current >= 0 ? matches[current] : -1);
      showCount();
    }
  };
  const showCount = () => {
    const q = input.value.trim();
    count.textContent = !q ? "" : matches.length ? `${current + 1} of ${formatCount(matches.length)}` : "no matches";
    count.classList.toggle("none", !!q && !matches.length);
    prevBtn.disabled = nextBtn.disabled = matches.length === 0;
  };
  const goToMatch = (k: number) => {
    if (!matches.length) return;
    current = ((k % matches.length) + matches.length) % matches.length;
    const i = matches[current];
    wf.reveal(i);
    wf.scrollToSpan(i, "center");
    wf.focusSpan(i);
    wf.setMatches(matchMask, i);
    showCount();
  };
  input.addEventListener("input", () => {
    clearTimeout(debounce);
    debounce = window.setTimeout(() => runSearch(true), n > 20000 ? 200 : 60);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      clearTimeout(debounce);
      if (input.value !== searchedFor) runSearch(true);
      else goToMatch(current + (e.shiftKey ? -1 : 1));
    } else if (e.key === "Escape") {
      if (input.value) {
        input.value = "";
        runSearch(false);
      } else wf.focus();
    }
  });
  prevBtn.addEventListener("click", () => goToMatch(current - 1));
  nextBtn.addEventListener("click", () => goToMatch(current + 1));

  // ----- detail -----
  const detailBox = h("div", { class: "tv-detail", hidden: true });
  const main = h("div", { class: "tv-main" }, wf.el, detailBox);

  function select(i: number, scroll: boolean): void {
    selected = i;
    wf.setSelected(i);
    if (scroll) {
      wf.reveal(i);
      wf.scrollToSpan(i, "center");
    }
    detail = renderSpanDetail(model, i, {
      onClose: () => closeDetail(),
      onSelectSpan: (j) => {
        userSelected = true;
        select(j, true);
      },
      traceExists: (id) => {
        let p = opts.linkChecks.get(id);
        if (!p) {
          p = api.traceExists(id);
          opts.linkChecks.set(id, p);
          p.catch(() => opts.linkChecks.delete(id)); // an API error is not an answer: ask again next time
        }
        return p;
      },
      linkHref: (tid, sid) => `/trace/${encodeURIComponent(tid)}?span=${encodeURIComponent(sid)}`,
    });
    detailBox.replaceChildren(detail);
    detailBox.hidden = false;
    detailBox.scrollTop = 0;
    updateParams({ span: model.spans[i].spanId });
  }

  function closeDetail(): void {
    if (selected < 0 && detailBox.hidden) return;
    userSelected = true;
    selected = -1;
    wf.setSelected(-1);
    detailBox.hidden = true;
    detailBox.replaceChildren();
    detail = null;
    updateParams({ span: null });
    wf.focus();
  }

  function keepSelectionInView(): void {
    if (selected >= 0 && rowOf(wf.rows, selected) >= 0) wf.scrollToSpan(selected, "center");
  }

  function updateParams(change: Record<string, string | null>): void {
    const p = new URLSearchParams(location.search);
    for (const [k, v] of Object.entries(change)) {
      if (v === null) p.delete(k);
      else p.set(k, v);
    }
    if (p.toString() !== new URLSearchParams(location.search).toString()) ctx.setParams(p);
  }

  // Keys anywhere on the page: "/" finds, Escape closes the detail.
  const onDocKey = (e: KeyboardEvent) => {
    const t = e.target as HTMLElement | null;
    const typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
    if (e.key === "/" && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      input.focus();
      input.select();
    } else if (e.key === "Escape" && !typing && detail) {
      closeDetail();
    }
  };
  document.addEventListener("keydown", onDocKey);
  cleanups.push(() => document.removeEventListener("keydown", onDocKey));
  cleanups.push(() => clearTimeout(debounce));

  // ----- mount -----
  mount(
    root,
    h("section", { class: loading ? "tv tv-partial" : "tv", "data-testid": "trace-view" }, header.el, analysis?.el, toolbar, minimap.el, main),
  );
  // One layout before the first paint: both read their sizes, then write.
  minimap.measure();
  wf.start();
  minimap.setRows(wf.rows, (i) => rowOf(wf.rows, i));
  const v = wf.viewport();
  minimap.setViewport(v.first, v.count);

  if (prev) {
    // The same trace with more spans: carry over what the user did with the first page.
    wf.setCollapsedIds(prev.collapsed);
    if (prev.query) {
      input.value = prev.query;
      const cm = prev.currentMatch !== null ? model.byId.get(prev.currentMatch) : undefined;
      computeMatches(cm ?? 0);
      wf.setMatches(matchMask, current >= 0 ? matches[current] : -1);
      showCount();
    }
    const sel = prev.selected !== null ? model.byId.get(prev.selected) : undefined;
    if (sel !== undefined) select(sel, false);
    wf.restoreAnchor(prev.anchor);
    const f = prev.focused !== null ? model.byId.get(prev.focused) : undefined;
    if (f !== undefined) wf.focusSpan(f);
    if (prev.searchFocused) input.focus();
    else if (prev.waterfallFocused) wf.focus();
  } else {
    const q0 = ctx.params.get("q");
    if (q0) {
      input.value = q0;
      computeMatches(0);
      wf.setMatches(matchMask, current >= 0 ? matches[current] : -1);
      showCount();
    }
  }
  // Deep link: ?span= selects the span, expands its ancestors and scrolls to it (unless
  // the user picked another one while the trace was loading).
  const spanParam = ctx.params.get("span");
  if (spanParam && !userSelected && selected < 0) {
    const i = model.byId.get(spanParam);
    if (i !== undefined) select(i, true);
    else if (!loading) {
      notice.textContent = `Span ${spanParam} is not in this trace.`;
      updateParams({ span: null });
    }
  } else if (!prev && ctx.params.get("q") && matches.length) goToMatch(current);

  if (!loading) {
    root.dataset.timings = JSON.stringify({
      fetchMs: Math.round(opts.fetchMs ?? 0),
      modelMs: Math.round(modelMs),
      renderMs: Math.round(performance.now() - t0 - modelMs),
    });
    markReady("trace");
  }

  return {
    cleanup: () => {
      for (const c of cleanups) c();
      cleanups.length = 0;
    },
    state: () => ({
      anchor: wf.anchor(),
      collapsed: wf.collapsedIds(),
      selected: selected >= 0 ? model.spans[selected].spanId : null,
      focused: wf.focusedIndex >= 0 ? model.spans[wf.focusedIndex].spanId : null,
      query: input.value,
      currentMatch: current >= 0 && matches.length ? model.spans[matches[current]].spanId : null,
      searchFocused: document.activeElement === input,
      waterfallFocused: wf.hasFocus(),
      userSelected,
    }),
    setProgress,
  };
}

function emptyState(): ViewState {
  return {
    anchor: null,
    collapsed: [],
    selected: null,
    focused: null,
    query: "",
    currentMatch: null,
    searchFocused: false,
    waterfallFocused: false,
    userSelected: false,
  };
}
