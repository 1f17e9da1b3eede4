// /analysis?service=&operation=&lookback=1h[&select=slow|error|min&minDuration=]: why an
// entry point is slow, over many traces (docs/api.md, "Trace analysis").
//
//   * the aggregate critical path: per band of traces by duration (all, median, slowest
//     5 %, slowest 1 %) a stacked bar of which service × operation the latency waited on,
//     coloured per service, its share in a tooltip and a list, example traces;
//   * cohorts: what the selected traces (the slowest 5 %, those with an error, or those
//     over a duration) have far more often than the rest, as a table.
//
// The whole state is in the URL: the form navigates; the cohort selector replaces the
// query string and asks again for the cohorts only.
import "./analysis.css";
import { ApiDownError, ApiError } from "../api";
import { h, mount, type Child } from "../dom";
import { formatCount, formatDuration } from "../format";
import { markReady, type RouteContext } from "../router";
import { catalog } from "../search/catalog";
import { LOOKBACK_PRESETS, lookbackLabel, lookbackPhrase } from "../search/search_state";
import { shortId } from "../search/results";
import { analysisApi } from "../analysis/api";
import {
  analysisParams,
  analysisStateFromParams,
  cohortsQuery,
  criticalPathQuery,
  type AnalysisState,
  type Select,
} from "../analysis/analysis_state";
import type { AggregateCriticalPath, Band, Cohorts } from "../analysis/answers";
import {
  bandLabel,
  bandSegments,
  distinctColors,
  featureLabel,
  formatLift,
  formatPercent,
  legend,
  orderBands,
  significance,
} from "../analysis/present";

const BAND_LIST_ROWS = 5;
const EXAMPLES = 5;

function option(value: string, label: string, selected = false): HTMLOptionElement {
  const o = h("option", { value }, label);
  o.selected = selected;
  return o;
}

export function traceLinks(ids: string[], max = EXAMPLES): Child {
  return ids.slice(0, max).map((id, k) => [
    k ? " " : "",
    h("a", { href: `/trace/${encodeURIComponent(id)}`, class: "an-trace mono", title: id, "data-testid": "example-trace" }, shortId(id)),
  ]);
}

function errorText(e: unknown): string {
  if (e instanceof ApiDownError) return "weft's API does not answer.";
  if (e instanceof ApiError) return e.status === 404 ? "This weft does not answer analysis requests (404)." : e.message;
  return String((e as Error)?.message ?? e);
}

export function analysisPage(root: HTMLElement, ctx: RouteContext): void {
  const state = analysisStateFromParams(ctx.params);

  // ----- the form -----
  const service = h("select", { name: "service", id: "an-service", "data-testid": "an-service" }, option("", "Choose a service…"));
  if (state.service) service.append(option(state.service, state.service, true));
  const operation = h("select", { name: "operation", id: "an-operation", "data-testid": "an-operation" }, option("", "Any operation"));
  if (state.operation) operation.append(option(state.operation, state.operation, true));
  operation.disabled = !state.service;
  const lookback = h("select", { name: "lookback", id: "an-lookback", "data-testid": "an-lookback" });
  for (const p of LOOKBACK_PRESETS) lookback.append(option(p.value, p.label, p.value === state.lookback));
  if (!LOOKBACK_PRESETS.some((p) => p.value === state.lookback)) lookback.append(option(state.lookback, lookbackLabel(state.lookback), true));

  const fillOperations = (svc: string, selected: string) => {
    mount(operation, option("", "Any operation"));
    if (selected) operation.append(option(selected, selected, true));
    operation.disabled = !svc;
    if (!svc) return;
    catalog
      .operations(svc)
      .then((ops) => {
        if (service.value !== svc) return;
        const names = [...new Set(ops.map((o) => o.name))];
        if (selected && !names.includes(selected)) names.unshift(selected);
        mount(operation, option("", "Any operation"), names.map((n) => option(n, n, n === selected)));
      })
      .catch(() => undefined);
  };
  catalog
    .services()
    .then((list) => {
      const names = [...list];
      if (state.service && !names.includes(state.service)) names.unshift(state.service);
      const current = service.value;
      mount(service, option("", "Choose a service…"), names.map((n) => option(n, n, n === current)));
    })
    .catch(() => undefined);
  if (state.service) fillOperations(state.service, state.operation);
  service.addEventListener("change", () => fillOperations(service.value, ""));

  const formError = h("span", { class: "an-form-error", role: "alert" });
  const form = h(
    "form",
    {
      class: "an-form",
      "data-testid": "analysis-form",
      onsubmit: (e: Event) => {
        e.preventDefault();
        if (!service.value) {
          formError.textContent = "Choose a service.";
          service.focus();
          return;
        }
        const next: AnalysisState = { ...state, service: service.value, operation: operation.value, lookback: lookback.value };
        const url = `/analysis?${analysisParams(next).toString()}`;
        ctx.navigate(url, { replace: location.pathname + location.search === url });
      },
    },
    h("label", { class: "an-field" }, h("span", null, "Service"), service),
    h("label", { class: "an-field" }, h("span", null, "Operation"), operation),
    h("label", { class: "an-field" }, h("span", null, "Time range"), lookback),
    h("button", { type: "submit", class: "btn-primary", "data-testid": "analysis-submit" }, "Analyse"),
    formError,
  );

  const cpSection = h("section", { class: "an-section", "data-testid": "cp-bands" });
  const cohortSection = h("section", { class: "an-section", "data-testid": "cohorts" });
  mount(
    root,
    h(
      "div",
      { class: "an-page" },
      h("div", { class: "an-head" }, h("h1", null, "Analysis"), form),
      state.service ? [cpSection, cohortSection] : intro(),
    ),
  );
  if (!state.service) {
    markReady("analysis");
    return;
  }

  const what = state.operation ? `${state.service}: ${state.operation}` : `${state.service} (any operation)`;
  mount(cpSection, h("h2", null, "Critical path"), h("p", { class: "muted" }, `Reading the traces of ${what}…`));
  const cpDone = analysisApi
    .aggregate(criticalPathQuery(state), ctx.signal)
    .then((a) => mount(cpSection, renderBands(a, state, what)))
    .catch((e) => {
      if ((e as Error).name === "AbortError") throw e;
      mount(cpSection, h("h2", null, "Critical path"), h("p", { class: "an-error", role: "alert", "data-testid": "cp-error" }, errorText(e)));
    });

  // ----- cohorts -----
  let select: Select = state.select;
  let minDuration = state.minDuration;
  let seq = 0;
  const body = h("div", { class: "an-cohort-body" });
  const minInput = h("input", {
    type: "text",
    class: "an-min",
    placeholder: "e.g. 250ms",
    value: minDuration,
    "aria-label": "Minimum trace duration",
    "data-testid": "cohort-min-duration",
    spellcheck: "false",
  });
  const seg = (value: Select, label: string) =>
    h(
      "button",
      {
        type: "button",
        class: value === select ? "seg active" : "seg",
        "aria-pressed": String(value === select),
        "data-select": value,
        "data-testid": `cohort-select-${value}`,
        onclick: () => {
          select = value;
          for (const b of selector.querySelectorAll<HTMLElement>("button[data-select]")) {
            const on = b.dataset.select === value;
            b.classList.toggle("active", on);
            b.setAttribute("aria-pressed", String(on));
          }
          minForm.hidden = value !== "min";
          if (value === "min") {
            minInput.focus();
            if (!minInput.value.trim()) return;
            minDuration = minInput.value.trim();
          }
          void loadCohorts();
        },
      },
      label,
    );
  const minForm = h(
    "form",
    {
      class: "an-min-form",
      onsubmit: (e: Event) => {
        e.preventDefault();
        minDuration = minInput.value.trim();
        void loadCohorts();
      },
    },
    minInput,
    h("button", { type: "submit", class: "tv-btn" }, "Apply"),
  );
  minForm.hidden = select !== "min";
  const selector = h(
    "div",
    { class: "an-selector" },
    h("span", { class: "an-selector-label" }, "Select"),
    h(
      "div",
      { class: "segmented", role: "group", "aria-label": "Which traces to explain" },
      seg("slow", "Slowest 5 %"),
      seg("error", "With errors"),
      seg("min", "Longer than…"),
    ),
    minForm,
  );
  mount(cohortSection, h("div", { class: "an-section-head" }, h("h2", null, "What these traces share"), selector), body);

  const loadCohorts = async (): Promise<void> => {
    const my = ++seq;
    const st: AnalysisState = { ...state, select, minDuration };
    const p = analysisParams(st);
    if (p.toString() !== new URLSearchParams(location.search).toString()) ctx.setParams(p);
    const q = cohortsQuery(st);
    if ("error" in q) {
      mount(body, h("p", { class: "an-error", role: "alert" }, q.error));
      return;
    }
    body.dataset.state = "loading";
    mount(body, h("p", { class: "muted" }, "Comparing traces…"));
    try {
      const c = await analysisApi.cohorts(q.query, ctx.signal);
      if (my !== seq) return;
      mount(body, renderCohorts(c));
    } catch (e) {
      if ((e as Error).name === "AbortError" || my !== seq) return;
      mount(body, h("p", { class: "an-error", role: "alert", "data-testid": "cohorts-error" }, errorText(e)));
    }
    body.dataset.state = "ready";
  };
  const cohortsDone = loadCohorts();
  Promise.all([cpDone, cohortsDone]).then(
    () => markReady("analysis"),
    (e) => {
      if ((e as Error).name !== "AbortError") markReady("analysis");
    },
  );
}

function intro(): HTMLElement {
  return h(
    "section",
    { class: "an-intro", "data-testid": "analysis-intro" },
    h("p", null, "Choose an entry point — a service and, if you like, one of its operations — to see:"),
    h(
      "ul",
      null,
      h("li", null, h("strong", null, "the critical path"), " of its traces: which services and operations their latency waited on, for typical traces against the slowest;"),
      h("li", null, h("strong", null, "what slow or failed traces share"), ": attributes, services, operations and shapes far more common among them than among the rest."),
    ),
    h("p", { class: "muted" }, "From a trace, “Analyse this operation” opens this page for the trace's root."),
  );
}

// ----- bands -----

function renderBands(a: AggregateCriticalPath, state: AnalysisState, what: string): Child {
  const head = h("h2", null, "Critical path");
  if (a.matchedTraces === 0 || !a.bands.length)
    return [head, h("p", { class: "an-empty", "data-testid": "cp-empty" }, `No traces of ${what} in ${lookbackPhrase(state.lookback)}.`)];
  const bands = orderBands(a.bands);
  // Services in order of their weight, so the biggest keep their usual colours.
  const weight = new Map<string, number>();
  for (const b of bands) for (const s of b.shares) weight.set(s.service, (weight.get(s.service) ?? 0) + s.share);
  const colors = distinctColors([...weight].sort((x, y) => y[1] - x[1]).map(([s]) => s));
  const color = (s: string) => colors.get(s) ?? "#888888";
  const opts = { minShare: 0.01, max: 12, color };
  const meanOf = (b: Band) => (b.traces > 0 ? b.criticalPathNanos / b.traces : 0);
  const maxMean = Math.max(...bands.map(meanOf), 1);
  const summary = h(
    "p",
    { class: "an-summary", "data-testid": "cp-summary" },
    `${formatCount(a.matchedTraces)} trace${a.matchedTraces === 1 ? "" : "s"} of ${what} in ${lookbackPhrase(state.lookback)}`,
    a.sampled || a.analyzedTraces < a.matchedTraces
      ? h("span", { class: "an-sampled", "data-testid": "cp-sampled" }, ` — ${formatCount(a.analyzedTraces)} analysed, sampled evenly across durations`)
      : `, all analysed`,
    ". Bars: the share of the critical path per service and operation; their length, the mean critical path per trace.",
  );
  const legendEl = h(
    "div",
    { class: "an-legend", "data-testid": "cp-legend" },
    legend(bands, opts).map((l) => {
      const dot = h("span", { class: "an-legend-dot" });
      dot.style.background = l.color;
      return h("span", { class: "an-legend-item" }, dot, l.service);
    }),
  );
  return [head, summary, legendEl, h("div", { class: "an-bands" }, bands.map((b) => renderBand(b, opts, meanOf(b) / maxMean)))];
}

function renderBand(b: Band, opts: { minShare: number; max: number; color: (s: string) => string }, lengthFrac: number): HTMLElement {
  const segs = bandSegments(b.shares, opts);
  const bar = h(
    "div",
    { class: "an-bar", role: "img", "aria-label": `${bandLabel(b.band)}: ${segs.filter((s) => !s.other).slice(0, 3).map((s) => `${s.service} ${formatPercent(s.share)}`).join(", ")}` },
    segs.map((s) => {
      const el = h("span", {
        class: s.other ? "an-seg other" : "an-seg",
        title: s.title,
        "data-testid": "band-seg",
        "data-service": s.other ? null : s.service,
        "data-operation": s.other ? null : s.operation,
        "data-share": s.share.toFixed(4),
      });
      el.style.left = `${s.left}%`;
      el.style.width = `${s.width}%`;
      el.style.background = s.color;
      if (s.width >= 9) el.append(h("span", { class: "an-seg-text" }, s.other ? "other" : formatPercent(s.share)));
      return el;
    }),
  );
  bar.style.width = `${Math.max(12, lengthFrac * 100)}%`;
  const mean = b.traces > 0 ? b.criticalPathNanos / b.traces : 0;
  const list = h(
    "ol",
    { class: "an-band-list" },
    b.shares.slice(0, BAND_LIST_ROWS).map((s) => {
      const dot = h("span", { class: "an-legend-dot" });
      dot.style.background = opts.color(s.service);
      const grew = s.medianShare !== null && s.share > s.medianShare * 1.5 && s.share - s.medianShare >= 0.05;
      return h(
        "li",
        { "data-testid": "band-share", "data-service": s.service, "data-operation": s.operation },
        dot,
        h("span", { class: "an-svc" }, s.service),
        h("span", { class: "an-op" }, s.operation),
        h("span", { class: "an-share" }, formatPercent(s.share)),
        s.medianShare !== null
          ? h("span", { class: grew ? "an-median grew" : "an-median", title: "Its share in the median traces" }, `${grew ? "▲ " : ""}median ${formatPercent(s.medianShare)}`)
          : null,
        s.meanNanos > 0 ? h("span", { class: "an-mean muted" }, `${formatDuration(s.meanNanos)}/trace`) : null,
      );
    }),
  );
  return h(
    "div",
    { class: "an-band", "data-testid": "band", "data-band": b.band },
    h(
      "div",
      { class: "an-band-head" },
      h("span", { class: "an-band-name" }, bandLabel(b.band)),
      h("span", { class: "muted" }, `${formatCount(b.traces)} trace${b.traces === 1 ? "" : "s"}`),
      h("span", { class: "muted" }, b.minDurationNanos === b.maxDurationNanos ? formatDuration(b.minDurationNanos) : `${formatDuration(b.minDurationNanos)} – ${formatDuration(b.maxDurationNanos)}`),
      h("span", { class: "an-band-mean", title: "Mean critical path per trace" }, `${formatDuration(mean)} per trace`),
    ),
    h("div", { class: "an-bar-track" }, bar),
    h(
      "div",
      { class: "an-band-foot" },
      list,
      b.exampleTraceIds.length ? h("div", { class: "an-examples" }, h("span", { class: "muted" }, "Examples: "), traceLinks(b.exampleTraceIds)) : null,
    ),
  );
}

// ----- cohorts -----

const KIND_LABELS: Record<string, string> = { attribute: "attribute", service: "service", operation: "operation", structure: "shape" };

function renderCohorts(c: Cohorts): Child {
  const sel =
    c.select === "error"
      ? "traces with an error"
      : c.select === "slow"
        ? `the slowest 5 %${c.thresholdNanos !== null ? ` (≥ ${formatDuration(c.thresholdNanos)})` : ""}`
        : `traces of ${c.thresholdNanos !== null ? `≥ ${formatDuration(c.thresholdNanos)}` : "the chosen duration or more"}`;
  const summary = h(
    "p",
    { class: "an-summary", "data-testid": "cohort-summary" },
    `${formatCount(c.selectedTraces)} selected — ${sel} — against a baseline of ${formatCount(c.baselineTraces)} other trace${c.baselineTraces === 1 ? "" : "s"} (${formatCount(c.matchedTraces)} in all).`,
  );
  const notes: Child[] = [];
  if (c.baselineSampled)
    notes.push(
      h(
        "p",
        { class: "an-note", "data-testid": "baseline-sampled" },
        `Baseline sampled: ${formatCount(c.baselineAnalyzed)} of its ${formatCount(c.baselineTraces)} traces were read.`,
      ),
    );
  if (c.selectedSampled)
    notes.push(h("p", { class: "an-note", "data-testid": "selected-sampled" }, `Selection sampled: ${formatCount(c.selectedAnalyzed)} of its ${formatCount(c.selectedTraces)} traces were read.`));
  if (c.selectedTraces === 0) return [summary, notes, h("p", { class: "an-empty", "data-testid": "cohorts-empty" }, "No trace is selected: nothing to explain.")];
  if (!c.features.length)
    return [summary, notes, h("p", { class: "an-empty", "data-testid": "cohorts-empty" }, "Nothing is markedly more common in the selection than in the baseline.")];
  const ratioCell = (r: number, count: number, cls: string) => {
    const fill = h("span", { class: `an-ratio-fill ${cls}` });
    fill.style.width = `${Math.max(0, Math.min(1, r)) * 100}%`;
    return h("td", { class: "num", title: `${formatCount(count)} trace${count === 1 ? "" : "s"}` }, h("span", { class: "an-ratio" }, fill), formatPercent(r));
  };
  const table = h(
    "table",
    { class: "an-table", "data-testid": "cohort-table" },
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        h("th", null, "Kind"),
        h("th", null, "Feature"),
        h("th", { class: "num" }, "Selected"),
        h("th", { class: "num" }, "Baseline"),
        h("th", { class: "num", title: "How many times more often among the selected" }, "Lift"),
        h("th", null, "Significance"),
        h("th", null, "Examples"),
      ),
    ),
    h(
      "tbody",
      null,
      c.features.map((f) => {
        const sig = significance(f.pValue);
        return h(
          "tr",
          { "data-testid": "cohort-row", "data-kind": f.kind },
          h("td", null, h("span", { class: `an-kind k-${f.kind}` }, KIND_LABELS[f.kind] ?? f.kind)),
          h("td", { class: "an-feature" }, h("code", null, featureLabel(f))),
          ratioCell(f.selectedRatio, f.selectedCount, "sel"),
          ratioCell(f.baselineRatio, f.baselineCount, "base"),
          h("td", { class: "num" }, formatLift(f.lift)),
          h("td", { class: `an-sig ${sig.level}`, title: `z = ${f.zScore.toFixed(1)}` }, sig.text),
          h("td", { class: "an-ex" }, traceLinks(f.exampleTraceIds, 3)),
        );
      }),
    ),
  );
  return [summary, notes, h("div", { class: "an-table-wrap" }, table)];
}
