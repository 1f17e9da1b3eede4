// The search page (/ and /search?…): the form on the left, the scatter plot and the result
// list on the right. The whole state is in the query string (search/search_state.ts):
// opening a link fills the form and searches; submitting pushes a new URL (Back works).
import "./search.css";
import { ApiDownError, ApiError, api } from "../api";
import { h, mount } from "../dom";
import { markReady, type RouteContext } from "../router";
import type { TraceSummary } from "../types";
import { attachTagAutocomplete } from "../search/autocomplete";
import { catalog, PSEUDO_TAGS } from "../search/catalog";
import { plural, resultRow } from "../search/results";
import { renderScatter } from "../search/scatter";
import { comparePicker } from "../search/compare_pick";
import {
  apiParams,
  DEFAULT_LIMIT,
  durationError,
  formatTags,
  fromLocalInput,
  LOOKBACK_PRESETS,
  lookbackLabel,
  lookbackPhrase,
  MAX_LIMIT,
  paramsFromState,
  parseDuration,
  parseTags,
  parseTime,
  stateFromParams,
  toLocalInput,
  toUrlTime,
  type SearchState,
} from "../search/search_state";

interface Field {
  wrap: HTMLElement;
  error: HTMLElement;
  control: HTMLElement;
}

function field(label: string, id: string, testid: string, control: HTMLElement, hint?: string): Field {
  control.id = id;
  control.setAttribute("data-testid", testid);
  const error = h("div", { class: "field-error", id: `${id}-error`, "data-testid": `${testid}-error`, hidden: true });
  control.setAttribute("aria-describedby", `${id}-error${hint ? ` ${id}-hint` : ""}`);
  const wrap = h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    control,
    hint ? h("div", { class: "field-hint", id: `${id}-hint` }, hint) : null,
    error,
  );
  return { wrap, error, control };
}

function setError(f: Field, msg: string | null): void {
  f.error.textContent = msg ?? "";
  f.error.hidden = !msg;
  f.wrap.classList.toggle("invalid", !!msg);
  if (msg) f.control.setAttribute("aria-invalid", "true");
  else f.control.removeAttribute("aria-invalid");
}

function option(value: string, label: string, selected = false): HTMLOptionElement {
  const o = h("option", { value }, label);
  o.selected = selected;
  return o;
}

export function searchPage(root: HTMLElement, ctx: RouteContext): () => void {
  const state = stateFromParams(ctx.params);
  const cleanups: (() => void)[] = [];

  // ---- the form ------------------------------------------------------------------
  const service = h("select", { name: "service" });
  const operation = h("select", { name: "operation" });
  const tags = h("textarea", {
    name: "tags",
    rows: 3,
    spellcheck: "false",
    autocomplete: "off",
    placeholder: "http.status_code=500 error=true",
  });
  const minDur = h("input", { name: "minDuration", type: "text", placeholder: "e.g. 5ms", spellcheck: "false", autocomplete: "off" });
  const maxDur = h("input", { name: "maxDuration", type: "text", placeholder: "e.g. 1.5s", spellcheck: "false", autocomplete: "off" });
  const lookback = h("select", { name: "lookback" });
  const start = h("input", { name: "start", type: "datetime-local", step: "1" });
  const end = h("input", { name: "end", type: "datetime-local", step: "1" });
  const limit = h("input", { name: "limit", type: "number", min: 1, max: MAX_LIMIT, step: 1, inputmode: "numeric" });
  const order = h("select", { name: "order" }, option("newest", "Newest first"), option("longest", "Longest first"));

  const fService = field("Service", "f-service", "service", service);
  const fOperation = field("Operation", "f-operation", "operation", operation);
  const fTags = field("Tags", "f-tags", "tags", tags, 'key=value, separated by spaces or lines; quote values with spaces: k="a b"');
  const fMin = field("Min duration", "f-min", "min-duration", minDur);
  const fMax = field("Max duration", "f-max", "max-duration", maxDur);
  const fLookback = field("Time range", "f-lookback", "lookback", lookback);
  const fStart = field("From", "f-start", "start", start);
  const fEnd = field("To", "f-end", "end", end);
  const fLimit = field("Limit", "f-limit", "limit", limit);
  const fOrder = field("Order", "f-order", "order", order);
  const byParam: Record<string, Field> = {
    service: fService,
    operation: fOperation,
    tag: fTags,
    minDuration: fMin,
    maxDuration: fMax,
    lookback: fLookback,
    start: fStart,
    end: fEnd,
    limit: fLimit,
    order: fOrder,
  };
  const allFields = Object.values(byParam);

  // Initial values from the URL.
  service.append(option("", "All services"));
  if (state.service) service.append(option(state.service, state.service, true));
  operation.append(option("", "All operations"));
  if (state.operation) operation.append(option(state.operation, state.operation, true));
  operation.disabled = !state.service;
  tags.value = formatTags(state.tags);
  minDur.value = state.minDuration;
  maxDur.value = state.maxDuration;
  for (const p of LOOKBACK_PRESETS) lookback.append(option(p.value, p.label, p.value === state.lookback));
  if (state.lookback !== "custom" && !LOOKBACK_PRESETS.some((p) => p.value === state.lookback))
    lookback.append(option(state.lookback, lookbackLabel(state.lookback), true));
  lookback.append(option("custom", "Custom range…", state.lookback === "custom"));
  const startMs = parseTime(state.start);
  const endMs = parseTime(state.end);
  start.value = startMs !== null ? toLocalInput(startMs) : "";
  end.value = endMs !== null ? toLocalInput(endMs) : "";
  limit.value = String(state.limit);
  order.value = state.order;

  const custom = h("div", { class: "custom-range", "data-testid": "custom-range" }, fStart.wrap, fEnd.wrap);
  custom.hidden = state.lookback !== "custom";
  let prevLookback = state.lookback === "custom" ? "1h" : state.lookback;
  lookback.addEventListener("change", () => {
    const isCustom = lookback.value === "custom";
    custom.hidden = !isCustom;
    if (!isCustom) {
      prevLookback = lookback.value;
    } else if (!start.value && !end.value) {
      // Start from the range that was chosen: the last <lookback> up to now.
      const span = parseDuration(prevLookback) ?? 3600e9;
      const now = Date.now();
      end.value = toLocalInput(now);
      start.value = toLocalInput(now - span / 1e6);
    }
  });

  // Services and operations from the API (cached), keeping what the URL asked for.
  const fillOperations = (svc: string, selected: string) => {
    mount(operation, option("", "All operations"));
    if (selected) operation.append(option(selected, selected, true));
    operation.disabled = !svc;
    if (!svc) return;
    catalog
      .operations(svc)
      .then((ops) => {
        if (service.value !== svc) return;
        const names = [...new Set(ops.map((o) => o.name))];
        if (selected && !names.includes(selected)) names.unshift(selected);
        mount(operation, option("", "All operations"), names.map((n) => option(n, n, n === selected)));
      })
      .catch(() => {});
  };
  catalog
    .services()
    .then((list) => {
      const names = [...list];
      if (state.service && !names.includes(state.service)) names.unshift(state.service);
      const current = service.value;
      mount(service, option("", "All services"), names.map((n) => option(n, n, n === current)));
    })
    .catch(() => {});
  if (state.service) fillOperations(state.service, state.operation);
  service.addEventListener("change", () => fillOperations(service.value, ""));

  cleanups.push(
    attachTagAutocomplete(tags, {
      keys: () => catalog.attributeKeys().then((k) => [...new Set([...k, ...Object.keys(PSEUDO_TAGS)])].sort()),
      values: (key) => (PSEUDO_TAGS[key] ? Promise.resolve(PSEUDO_TAGS[key]) : catalog.attributeValues(key)),
    }),
  );

  // Validation: durations as they are typed (on blur), everything on submit.
  const checkDurations = (): boolean => {
    const eMin = durationError(minDur.value);
    let eMax = durationError(maxDur.value);
    if (!eMin && !eMax && minDur.value.trim() && maxDur.value.trim()) {
      if (parseDuration(minDur.value)! > parseDuration(maxDur.value)!) eMax = "must not be less than the min duration";
    }
    setError(fMin, eMin);
    setError(fMax, eMax);
    return !eMin && !eMax;
  };
  minDur.addEventListener("blur", checkDurations);
  maxDur.addEventListener("blur", checkDurations);
  for (const f of [fMin, fMax]) f.control.addEventListener("input", () => f.wrap.classList.contains("invalid") && checkDurations());

  const readForm = (): SearchState | null => {
    for (const f of allFields) setError(f, null);
    let ok = checkDurations();
    const t = parseTags(tags.value);
    if (t.errors.length) {
      setError(fTags, t.errors.join("; "));
      ok = false;
    }
    const st: SearchState = {
      service: service.value,
      operation: service.value ? operation.value : "",
      tags: t.tags,
      minDuration: minDur.value.trim(),
      maxDuration: maxDur.value.trim(),
      lookback: lookback.value,
      start: "",
      end: "",
      limit: DEFAULT_LIMIT,
      order: order.value === "longest" ? "longest" : "newest",
    };
    const n = Number(limit.value);
    if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) {
      setError(fLimit, `a whole number from 1 to ${MAX_LIMIT}`);
      ok = false;
    } else st.limit = n;
    if (st.lookback === "custom") {
      const a = start.value ? fromLocalInput(start.value) : null;
      const b = end.value ? fromLocalInput(end.value) : null;
      if (start.value && a === null) (setError(fStart, "not a date and time"), (ok = false));
      if (end.value && b === null) (setError(fEnd, "not a date and time"), (ok = false));
      if (!start.value && !end.value) (setError(fStart, "give a start, an end, or both"), (ok = false));
      if (a !== null && b !== null && a > b) (setError(fEnd, "must be after the start"), (ok = false));
      if (a !== null) st.start = toUrlTime(a);
      if (b !== null) st.end = toUrlTime(b);
    }
    return ok ? st : null;
  };

  const submit = h("button", { type: "submit", class: "btn-primary", "data-testid": "search-submit" }, "Find traces");
  const reset = h(
    "a",
    { href: "/search", class: "btn-link", "data-testid": "search-reset", title: "Clear every filter" },
    "Reset",
  );
  const form = h(
    "form",
    {
      class: "search-form",
      "data-testid": "search-form",
      novalidate: true,
      onsubmit: (e: Event) => {
        e.preventDefault();
        const st = readForm();
        if (!st) {
          form.querySelector<HTMLElement>("[aria-invalid=true]")?.focus();
          return;
        }
        const url = `/search?${paramsFromState(st).toString()}`;
        ctx.navigate(url, { replace: location.pathname + location.search === url });
      },
    },
    h("h2", { class: "panel-title" }, "Search"),
    fService.wrap,
    fOperation.wrap,
    h("div", { class: "field-tags" }, fTags.wrap),
    h("div", { class: "field-row" }, fMin.wrap, fMax.wrap),
    fLookback.wrap,
    custom,
    h("div", { class: "field-row" }, fLimit.wrap, fOrder.wrap),
    h("div", { class: "form-actions" }, submit, reset),
  );

  // Ctrl+Enter (⌘+Enter) in the tags box searches, as Enter does in the other fields.
  tags.addEventListener("keydown", (e: KeyboardEvent) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      form.requestSubmit();
    }
  });

  // ---- results -------------------------------------------------------------------
  const errorBox = h("div", { class: "search-error", role: "alert", "data-testid": "search-error", hidden: true });
  const scatterPanel = h("section", { class: "panel scatter-panel", hidden: true });
  const results = h("section", { class: "results", "data-testid": "results", "aria-live": "polite" },
    h("div", { class: "results-loading muted" }, "Searching…"),
  );
  mount(
    root,
    h(
      "div",
      { class: "search-page" },
      h("aside", { class: "search-side" }, form),
      h("div", { class: "search-main" }, errorBox, scatterPanel, results),
    ),
  );

  let scaleMode: "auto" | "log" | "linear" = "auto";
  const rows = new Map<string, HTMLElement>();
  const open = (id: string) => ctx.navigate(`/trace/${encodeURIComponent(id)}`);
  const hover = (id: string | null) => {
    for (const [k, r] of rows) r.classList.toggle("hovered", k === id);
  };
  let shown: TraceSummary[] = [];
  const drawScatter = () => {
    if (!shown.length) {
      scatterPanel.hidden = true;
      return;
    }
    scatterPanel.hidden = false;
    const cs = getComputedStyle(scatterPanel);
    const width = scatterPanel.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    const svg = renderScatter(shown, { width, height: 190, mode: scaleMode, onOpen: open, onHover: hover });
    const isLog = svg.getAttribute("data-scale") === "log";
    const btn = (mode: "log" | "linear", label: string) =>
      h(
        "button",
        {
          type: "button",
          class: (mode === "log") === isLog ? "seg active" : "seg",
          "aria-pressed": String((mode === "log") === isLog),
          onclick: () => {
            scaleMode = mode;
            drawScatter();
          },
        },
        label,
      );
    mount(
      scatterPanel,
      h(
        "div",
        { class: "panel-head" },
        h("h3", null, "Duration over time"),
        h(
          "div",
          { class: "legend" },
          h("span", { class: "legend-item" }, h("span", { class: "legend-dot" }), "trace"),
          h("span", { class: "legend-item" }, h("span", { class: "legend-dot is-error" }), "with errors"),
          h("span", { class: "legend-item muted" }, "size: spans"),
        ),
        h("div", { class: "segmented", role: "group", "aria-label": "Duration scale" }, btn("log", "Log"), btn("linear", "Linear")),
      ),
      svg,
    );
    for (const c of svg.querySelectorAll<SVGElement>("circle")) {
      const id = c.getAttribute("data-trace-id")!;
      const row = rows.get(id);
      row?.addEventListener("mouseenter", () => c.classList.add("hovered"));
      row?.addEventListener("mouseleave", () => c.classList.remove("hovered"));
    }
  };
  let lastWidth = 0;
  const ro = new ResizeObserver(() => {
    const w = scatterPanel.clientWidth;
    if (w && Math.abs(w - lastWidth) > 4) {
      lastWidth = w;
      drawScatter();
    }
  });
  ro.observe(scatterPanel);
  cleanups.push(() => ro.disconnect());

  const showResults = (traces: TraceSummary[]) => {
    shown = traces;
    rows.clear();
    if (!traces.length) {
      scatterPanel.hidden = true;
      const wider = { ...state, lookback: "7d", start: "", end: "" };
      mount(
        results,
        h(
          "div",
          { class: "empty", "data-testid": "no-results" },
          h("h2", null, "No traces match"),
          h("p", null, `Nothing in ${state.lookback === "custom" ? "the chosen range" : lookbackPhrase(state.lookback)} matches this search. Try:`),
          h(
            "ul",
            null,
            state.lookback !== "7d"
              ? h("li", null, "a wider time range — ", h("a", { href: `/search?${paramsFromState(wider)}` }, "search the last 7 days"))
              : null,
            state.tags.length || state.minDuration || state.maxDuration
              ? h("li", null, "fewer tags or duration bounds (each tag must hold on some span of the trace)")
              : null,
            state.operation ? h("li", null, "“All operations” instead of one operation") : null,
            state.service
              ? h("li", null, h("a", { href: `/search?${paramsFromState({ ...state, service: "", operation: "" })}` }, "all services"), " instead of one")
              : null,
            h("li", { class: "muted" }, "checking that your services send spans to weft (OTLP on :4317 / :4318, Zipkin on :9411)"),
          ),
        ),
      );
      return;
    }
    const maxDur = Math.max(...traces.map((t) => Number(t.durationNanos)));
    const now = Date.now();
    const list = traces.map((t) => {
      const row = resultRow(t, maxDur, now);
      rows.set(t.traceId, row);
      row.addEventListener("mouseenter", () => row.classList.add("hovered"));
      row.addEventListener("mouseleave", () => row.classList.remove("hovered"));
      return row;
    });
    const range = state.lookback === "custom" ? "in the chosen range" : `in ${lookbackPhrase(state.lookback)}`;
    mount(
      results,
      h(
        "div",
        { class: "results-head" },
        h("span", { class: "results-count", "data-testid": "results-count" }, plural(traces.length, "trace")),
        h("span", { class: "muted" }, ` ${range}, ${state.order === "longest" ? "longest" : "newest"} first`),
        traces.length >= state.limit
          ? h("span", { class: "results-more muted" }, ` · the limit is ${state.limit}: raise it to see more`)
          : null,
        traces.length >= 2 ? comparePicker(traces, rows) : null,
      ),
      h("div", { class: "result-list" }, list),
    );
    drawScatter();
  };

  const showError = (e: unknown) => {
    let msg: string;
    if (e instanceof ApiError) {
      msg = e.message;
      const param = /^([A-Za-z]+):/.exec(msg)?.[1];
      const f = param ? byParam[param] : undefined;
      if (f) setError(f, msg.slice(param!.length + 1).trim());
    } else if (e instanceof ApiDownError) {
      msg = "weft's API does not answer; the search could not run.";
    } else {
      msg = String((e as Error)?.message ?? e);
    }
    errorBox.hidden = false;
    mount(errorBox, h("strong", null, "The search failed: "), msg);
    mount(results);
    scatterPanel.hidden = true;
  };

  // Run the search the URL describes (with no parameters: every service, the last hour).
  // Values the form would reject are not sent: they are shown as errors instead.
  const urlState = readForm();
  if (!urlState) {
    mount(results);
    errorBox.hidden = false;
    mount(errorBox, h("strong", null, "Fix the highlighted fields"), " and search again.");
    markReady("search");
  } else {
    api
      .search(apiParams(state), ctx.signal)
      .then((traces) => {
        showResults(traces);
        markReady("search");
      })
      .catch((e) => {
        if ((e as Error).name === "AbortError") return;
        showError(e);
        markReady("search");
      });
  }

  return () => {
    for (const c of cleanups) c();
  };
}
