// The trace view's analysis strip (docs/api.md, "Trace analysis"), under the header:
//
//   * the critical path: drawn on the waterfall (a dark piece over each bar for the time
//     the span is on it; toggle "Critical path", on unless ?cp=0), and its self time per
//     service × operation as a stacked bar and a list;
//   * clock skew: spans weft moved (attribute weft.skew.adjust_ns) get a mark in the
//     waterfall; the toggle "Raw times" reloads the trace as stored (?adjust=false);
//   * RpcId gaps of a log-built trace: the call numbers that never arrived;
//   * links: "Analyse this operation" (the root's service and operation on /analysis) and
//     "Compare with…" (a second trace ID, /compare).
//
// Everything here comes after the trace is shown: the view is ready without it, and an
// older weft that lacks these endpoints only loses the strip's contents.
import { ApiError } from "../api";
import { h, mount } from "../dom";
import { formatDuration, formatCount, serviceColor } from "../format";
import { analysisApi } from "../analysis/api";
import { loadCriticalPath, type TraceCriticalPath } from "../analysis/cp_load";
import { analysisUrl, cleanTraceId, compareUrl } from "../analysis/analysis_state";
import { missingCalls, type SelfTime } from "../analysis/answers";
import { findSkewed } from "../analysis/overlay";
import { bandSegments, formatPercent } from "../analysis/present";
import type { RouteContext } from "../router";
import type { TraceModel } from "./model";
import type { Waterfall } from "./waterfall";
import "./analysis_panel.css";

const LIST_ROWS = 5;
// Above this many spans the critical path is computed when asked for (the toggle, or
// ?cp=1), not at once: for 100,000 spans the answer is ~30 MB and costs the server and
// the page about a second of CPU each, which would compete with the first scrolls.
export const CP_AUTO_MAX = 20000;

export interface AnalysisPanel {
  el: HTMLElement; // the strip, between the header and the toolbar
  controls: HTMLElement; // the toggles, for the toolbar
  destroy: () => void;
}

export function analysisPanel(model: TraceModel, wf: Waterfall, ctx: RouteContext, opts: { adjust: boolean }): AnalysisPanel {
  const abort = new AbortController();
  const signal = abort.signal;
  const traceId = model.traceId;
  const root = model.spans[0];

  // ----- toggles -----
  // ?cp=0 / ?cp=1 when the user chose otherwise than the default (on, unless the trace
  // is bigger than CP_AUTO_MAX).
  const cpDefault = model.spans.length <= CP_AUTO_MAX;
  const cpParam = ctx.params.get("cp");
  let cpOn = cpParam === "0" ? false : cpParam === "1" ? true : cpDefault;
  let pieces: Map<number, Float64Array> | null = null;
  let requested = false;
  const cpBox = h("input", { type: "checkbox", "data-testid": "cp-toggle" });
  cpBox.checked = cpOn;
  cpBox.addEventListener("change", () => {
    cpOn = cpBox.checked;
    if (cpOn && !requested) requestPath();
    wf.setCriticalPath(cpOn ? pieces : null);
    const p = new URLSearchParams(location.search);
    if (cpOn === cpDefault) p.delete("cp");
    else p.set("cp", cpOn ? "1" : "0");
    ctx.setParams(p);
  });
  const rawBox = h("input", { type: "checkbox", "data-testid": "raw-times-toggle" });
  rawBox.checked = !opts.adjust;
  rawBox.addEventListener("change", () => {
    const p = new URLSearchParams(location.search);
    if (rawBox.checked) p.set("adjust", "false");
    else p.delete("adjust");
    const q = p.toString();
    ctx.navigate(location.pathname + (q ? `?${q}` : ""), { replace: true });
  });
  const controls = h(
    "span",
    { class: "ta-toggles" },
    h(
      "label",
      { class: "ta-toggle", title: "Draw the critical path (what the trace's latency waited on) over the bars" },
      cpBox,
      h("span", { class: "ta-cp-swatch", "aria-hidden": "true" }),
      "Critical path",
    ),
    h(
      "label",
      { class: "ta-toggle", title: "Show the times as the spans reported them, not corrected for clock skew between hosts" },
      rawBox,
      "Raw times",
    ),
  );

  // ----- the strip -----
  const cpSlot = h("div", { class: "ta-cp", "data-testid": "critical-path", "data-state": "loading" }, h("span", { class: "muted" }, "Critical path…"));
  const notes = h("div", { class: "ta-notes" });
  const compareInput = h("input", {
    type: "text",
    class: "ta-compare-input",
    placeholder: "Trace ID",
    "aria-label": "Trace ID to compare this trace with",
    "data-testid": "compare-input",
    spellcheck: "false",
    autocomplete: "off",
  });
  const compareError = h("span", { class: "ta-error", role: "alert" });
  const compareForm = h(
    "form",
    {
      class: "ta-compare",
      "data-testid": "compare-form",
      onsubmit: (e: Event) => {
        e.preventDefault();
        const other = cleanTraceId(compareInput.value);
        if (!other) {
          compareError.textContent = compareInput.value.trim() ? "not a trace ID" : "enter a trace ID";
          return;
        }
        ctx.navigate(compareUrl(traceId, other));
      },
    },
    h("label", { class: "ta-label" }, "Compare with…"),
    compareInput,
    h("button", { type: "submit", class: "tv-btn" }, "Compare"),
    compareError,
  );
  compareInput.addEventListener("input", () => (compareError.textContent = ""));
  const links = h(
    "div",
    { class: "ta-links" },
    root
      ? h(
          "a",
          {
            class: "tv-btn",
            href: analysisUrl({ service: root.service, operation: root.name }),
            "data-testid": "analyse-operation",
            title: `The critical path and what slow traces share, over every recent trace of ${root.service}: ${root.name}`,
          },
          "Analyse this operation",
        )
      : null,
    compareForm,
  );
  const el = h("div", { class: "ta", "data-testid": "trace-analysis" }, h("div", { class: "ta-row" }, cpSlot, links), notes);

  // ----- critical path -----
  const showPath = (cp: TraceCriticalPath) => {
    pieces = cp.pieces;
    if (cpOn) wf.setCriticalPath(pieces);
    const total = cp.durationNanos;
    const shares = cp.selfTimes.map((s) => ({ ...s, meanNanos: 0, medianShare: null }));
    const bar = h(
      "div",
      { class: "ta-bar", role: "img", "aria-label": "Critical path by service and operation" },
      bandSegments(shares, { minShare: 0.005, max: 10 }).map((s) => {
        const seg = h("span", { class: "ta-bar-seg", title: s.other ? s.title : `${s.service}: ${s.operation} — ${formatPercent(s.share)} of the critical path` });
        seg.style.left = `${s.left}%`;
        seg.style.width = `${s.width}%`;
        seg.style.background = s.color;
        return seg;
      }),
    );
    const row = (s: SelfTime) => {
      const dot = h("span", { class: "ta-dot" });
      dot.style.background = serviceColor(s.service);
      return h(
        "li",
        { "data-testid": "cp-self-time", "data-service": s.service, "data-operation": s.operation, title: `${s.service}: ${s.operation} — ${formatDuration(s.nanos)} on the critical path in ${formatCount(s.segments)} piece${s.segments === 1 ? "" : "s"}` },
        dot,
        h("span", { class: "ta-svc" }, s.service),
        h("span", { class: "ta-op" }, s.operation),
        h("span", { class: "ta-share" }, formatPercent(s.share)),
      );
    };
    const list = h("ol", { class: "ta-list" }, cp.selfTimes.slice(0, LIST_ROWS).map(row));
    let more: HTMLElement | null = null;
    if (cp.selfTimes.length > LIST_ROWS) {
      more = h("button", { type: "button", class: "ta-more" }, `+${cp.selfTimes.length - LIST_ROWS} more`);
      more.addEventListener("click", () => {
        more!.remove();
        list.append(...cp.selfTimes.slice(LIST_ROWS).map(row));
      });
    }
    mount(
      cpSlot,
      h("span", { class: "ta-label", title: `${formatDuration(total)}: the chain of spans the trace's end-to-end latency waited on` }, "Critical path by service"),
      bar,
      list,
      more,
    );
    cpSlot.dataset.state = "ready";
  };
  function requestPath(): void {
    requested = true;
    mount(cpSlot, h("span", { class: "muted" }, "Critical path…"));
    cpSlot.dataset.state = "loading";
    loadCriticalPath(traceId, opts.adjust, model.startNs, (id) => model.byId.get(id), signal)
      .then(showPath)
      .catch((e) => {
        if ((e as Error).name === "AbortError") return;
        mount(cpSlot, h("span", { class: "muted", title: String((e as Error).message ?? e) }, e instanceof ApiError && e.status === 404 ? "No critical path from this weft." : "Critical path unavailable."));
        cpSlot.dataset.state = "error";
      });
  }
  if (model.source === "weft" && traceId) {
    if (cpOn || cpDefault) requestPath(); // small: the list too, even with the overlay off
    else {
      const compute = h(
        "button",
        { type: "button", class: "tv-btn", "data-testid": "cp-compute", title: `A trace of ${formatCount(model.spans.length)} spans: its critical path is computed when asked for` },
        "Compute the critical path",
      );
      compute.addEventListener("click", () => {
        cpBox.checked = true;
        cpBox.dispatchEvent(new Event("change"));
      });
      mount(cpSlot, h("span", { class: "ta-label" }, "Critical path"), compute);
      cpSlot.dataset.state = "idle";
    }
  } else {
    cpSlot.hidden = true;
    rawBox.disabled = true;
    rawBox.parentElement!.title = "Only for traces from weft's API";
  }

  // ----- RpcId gaps (log-built traces only) -----
  if (model.source === "weft" && traceId && model.spans.some((s) => !!s.rpcId)) {
    analysisApi
      .rpcGaps(traceId, signal)
      .then((g) => {
        if (!g.logBuilt || g.missingCount <= 0) return;
        const { ids, more } = missingCalls(g);
        notes.append(
          h(
            "div",
            { class: "ta-note", "data-testid": "rpc-gaps" },
            h("strong", null, `${formatCount(g.missingCount)} call${g.missingCount === 1 ? "" : "s"} missing`),
            " (the RpcIds number them; no log line of these arrived): ",
            ids.map((id, k) => [k ? ", " : "", h("code", null, id)]),
            more > 0 ? ` and ${formatCount(more)} more` : "",
          ),
        );
      })
      .catch(() => undefined);
  }

  // ----- clock skew marks -----
  // Read when the page is idle (a compact trace decodes attributes when read), in slices
  // that fit the idle time: scrolling a big trace meanwhile keeps its frames.
  let deadline: IdleDeadline | null = null;
  const idle = () =>
    new Promise<void>((r) => {
      if (typeof requestIdleCallback !== "function") return void setTimeout(r, 0);
      requestIdleCallback((d) => ((deadline = d), r()), { timeout: 1000 });
    });
  if (opts.adjust) {
    void idle()
      .then(() =>
        findSkewed(model.spans.length, (i) => model.spans[i].attributes, {
          yieldTo: idle,
          shouldYield: () => deadline !== null && deadline.timeRemaining() < 3,
          aborted: () => signal.aborted,
        }),
      )
      .then((skewed) => {
        if (signal.aborted || !skewed.size) return;
        wf.setSkew(skewed);
        let maxAbs = 0;
        for (const v of skewed.values()) maxAbs = Math.max(maxAbs, Math.abs(v));
        notes.append(
          h(
            "div",
            { class: "ta-note", "data-testid": "skew-note" },
            `${formatCount(skewed.size)} span${skewed.size === 1 ? "" : "s"} moved to correct clock skew between hosts (up to ${formatDuration(maxAbs)}; marked `,
            h("span", { class: "wf-skew ta-skew-icon", "aria-hidden": "true" }, "\u0394t"),
            "). ",
            h("a", { href: rawHref(), "data-testid": "raw-times-link" }, "Show raw times"),
          ),
        );
      });
  } else {
    notes.append(
      h(
        "div",
        { class: "ta-note", "data-testid": "raw-note" },
        "Raw times: as the spans reported them, not corrected for clock skew. ",
        h("a", { href: rawHref(false), "data-testid": "adjusted-times-link" }, "Show adjusted times"),
      ),
    );
  }

  return { el, controls, destroy: () => abort.abort() };
}

function rawHref(raw = true): string {
  const p = new URLSearchParams(location.search);
  if (raw) p.set("adjust", "false");
  else p.delete("adjust");
  const q = p.toString();
  return location.pathname + (q ? `?${q}` : "");
}
