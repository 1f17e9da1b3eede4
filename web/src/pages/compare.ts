// /compare?a={traceId}&b={traceId}[&adjust=false]: two traces side by side
// (GET /api/v1/compare): their trees aligned by service, operation and path from the
// root, an indented row per node with A's and B's span count and summed duration and the
// difference. Nodes only one trace has are marked by colour and by a label ("only in A",
// "only in B"). Without both IDs: a form for them.
import "./analysis.css";
import { ApiDownError, ApiError } from "../api";
import { h, mount } from "../dom";
import { formatCount, formatDuration, serviceColor } from "../format";
import { markReady, type RouteContext } from "../router";
import { analysisApi } from "../analysis/api";
import { cleanTraceId, compareUrl } from "../analysis/analysis_state";
import type { CompareSide, Comparison } from "../analysis/answers";
import { deltaKind, formatDelta, formatRelative, sideLabel } from "../analysis/present";

export async function comparePage(root: HTMLElement, ctx: RouteContext): Promise<void> {
  const a0 = ctx.params.get("a")?.trim() ?? "";
  const b0 = ctx.params.get("b")?.trim() ?? "";
  const adjust = ctx.params.get("adjust") !== "false";

  const input = (name: string, value: string, label: string) =>
    h("input", { type: "text", name, value, placeholder: "Trace ID", "aria-label": label, "data-testid": `compare-${name}`, spellcheck: "false", autocomplete: "off", class: "mono" });
  const aIn = input("a", a0, "Trace A");
  const bIn = input("b", b0, "Trace B");
  const formError = h("span", { class: "an-form-error", role: "alert" });
  const form = h(
    "form",
    {
      class: "an-form",
      "data-testid": "compare-form",
      onsubmit: (e: Event) => {
        e.preventDefault();
        const a = cleanTraceId(aIn.value);
        const b = cleanTraceId(bIn.value);
        if (!a || !b) {
          formError.textContent = !a ? "Trace A is not a trace ID." : "Trace B is not a trace ID.";
          (!a ? aIn : bIn).focus();
          return;
        }
        ctx.navigate(compareUrl(a, b));
      },
    },
    h("label", { class: "an-field" }, h("span", null, "Trace A"), aIn),
    h(
      "button",
      {
        type: "button",
        class: "tv-btn an-swap",
        title: "Swap A and B",
        "aria-label": "Swap A and B",
        onclick: () => {
          const t = aIn.value;
          aIn.value = bIn.value;
          bIn.value = t;
        },
      },
      "⇄",
    ),
    h("label", { class: "an-field" }, h("span", null, "Trace B"), bIn),
    h("button", { type: "submit", class: "btn-primary", "data-testid": "compare-submit" }, "Compare"),
    formError,
  );
  const body = h("section", { class: "an-section", "data-testid": "compare-body" });
  mount(root, h("div", { class: "an-page" }, h("div", { class: "an-head" }, h("h1", null, "Compare traces"), form), body));

  if (!a0 || !b0) {
    mount(
      body,
      h(
        "p",
        { class: "an-intro", "data-testid": "compare-intro" },
        "Two trace IDs — from a trace's “Compare with…”, or two results of a search — show their span trees aligned: what each has that the other has not, and where the time went differently.",
      ),
    );
    markReady("compare");
    return;
  }

  mount(body, h("p", { class: "muted" }, "Comparing…"));
  let c: Comparison;
  try {
    c = await analysisApi.compare(a0, b0, adjust, ctx.signal);
  } catch (e) {
    if ((e as Error).name === "AbortError") return;
    const msg = e instanceof ApiDownError ? "weft's API does not answer." : e instanceof ApiError ? e.message : String((e as Error)?.message ?? e);
    mount(body, h("p", { class: "an-error", role: "alert", "data-testid": "compare-error" }, msg));
    markReady("compare");
    return;
  }
  if (ctx.signal.aborted) return;
  mount(body, renderComparison(c, adjust));
  markReady("compare");
}

function sideCard(label: "A" | "B", s: CompareSide, other: CompareSide): HTMLElement {
  const dot = h("span", { class: "an-legend-dot" });
  dot.style.background = serviceColor(s.rootService);
  const rel = label === "B" ? formatRelative(other.durationNanos, s.durationNanos) : "";
  return h(
    "div",
    { class: `cmp-card cmp-${label.toLowerCase()}`, "data-testid": `compare-side-${label.toLowerCase()}` },
    h("span", { class: "cmp-letter" }, label),
    h(
      "div",
      { class: "cmp-card-body" },
      h("div", { class: "cmp-card-title" }, dot, h("span", null, h("strong", null, s.rootService), ": ", s.rootOperation)),
      h(
        "div",
        { class: "cmp-card-meta" },
        h("a", { href: `/trace/${encodeURIComponent(s.traceId)}`, class: "mono", "data-testid": "compare-trace-link" }, s.traceId),
        h("span", null, formatDuration(s.durationNanos), rel ? h("span", { class: "muted" }, ` (${rel})`) : null),
        h("span", null, `${formatCount(s.spanCount)} span${s.spanCount === 1 ? "" : "s"}`),
      ),
    ),
  );
}

function renderComparison(c: Comparison, adjust: boolean): HTMLElement[] {
  const summary = h(
    "p",
    { class: "an-summary", "data-testid": "compare-summary" },
    c.onlyA || c.onlyB
      ? [
          h("span", { class: "cmp-tag only-a" }, `${formatCount(c.onlyA)} only in A`),
          " ",
          h("span", { class: "cmp-tag only-b" }, `${formatCount(c.onlyB)} only in B`),
          ` of ${formatCount(c.nodes.length)} aligned nodes`,
        ]
      : `The trees have the same shape (${formatCount(c.nodes.length)} aligned nodes).`,
    adjust ? "" : " Raw times (not corrected for clock skew).",
  );
  const maxDur = Math.max(1, ...c.nodes.map((n) => Math.max(n.aDurationNanos, n.bDurationNanos)));
  const durCell = (count: number, ns: number, cls: string) => {
    if (count === 0) return [h("td", { class: "num muted" }, "–"), h("td", { class: "num muted" }, "–")];
    const fill = h("span", { class: `an-ratio-fill ${cls}` });
    fill.style.width = `${(ns / maxDur) * 100}%`;
    return [h("td", { class: "num" }, formatCount(count)), h("td", { class: "num" }, h("span", { class: "an-ratio" }, fill), formatDuration(ns))];
  };
  const table = h(
    "table",
    { class: "an-table cmp-table", "data-testid": "compare-table" },
    h(
      "thead",
      null,
      h("tr", null, h("th", { rowspan: 2 }, "Service & operation"), h("th", { colspan: 2, class: "cmp-group cmp-a" }, "A"), h("th", { colspan: 2, class: "cmp-group cmp-b" }, "B"), h("th", { rowspan: 2, class: "num" }, "Δ (B − A)")),
      h("tr", null, h("th", { class: "num" }, "spans"), h("th", { class: "num" }, "duration"), h("th", { class: "num" }, "spans"), h("th", { class: "num" }, "duration")),
    ),
    h(
      "tbody",
      null,
      c.nodes.map((n) => {
        const label = sideLabel(n.side);
        const dot = h("span", { class: "an-legend-dot" });
        dot.style.background = serviceColor(n.service);
        const name = h(
          "td",
          { class: "cmp-name" },
          h("span", { class: "cmp-indent" }),
          dot,
          h("span", { class: "an-svc" }, n.service),
          h("span", { class: "an-op" }, n.operation),
          label ? h("span", { class: `cmp-tag ${n.side === "onlyA" ? "only-a" : "only-b"}`, "data-testid": "side-label" }, label) : null,
        );
        (name.firstChild as HTMLElement).style.width = `${Math.min(n.depth, 30) * 16}px`;
        const kind = n.side === "both" ? deltaKind(n.aDurationNanos, n.bDurationNanos) : "same";
        return h(
          "tr",
          { class: `cmp-row side-${n.side}`, "data-testid": "compare-row", "data-side": n.side, "data-service": n.service, "data-operation": n.operation, "data-depth": n.depth },
          name,
          durCell(n.aCount, n.aDurationNanos, "base"),
          durCell(n.bCount, n.bDurationNanos, "sel"),
          h("td", { class: `num cmp-delta ${kind}` }, formatDelta(n.deltaNanos)),
        );
      }),
    ),
  );
  return [h("div", { class: "cmp-cards" }, sideCard("A", c.a, c.b), sideCard("B", c.b, c.a)), summary, h("div", { class: "an-table-wrap" }, table)];
}
