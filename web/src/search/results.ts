// The list of search results: one card per trace.
import { h } from "../dom";
import { formatAgo, formatDuration, formatTimestamp, serviceColor } from "../format";
import type { TraceSummary } from "../types";

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en")} ${n === 1 ? one : many}`;

export function shortId(traceId: string): string {
  return traceId.slice(0, 7);
}

export function resultRow(t: TraceSummary, maxDuration: number, nowMs: number): HTMLElement {
  const dur = Number(t.durationNanos);
  const pct = maxDuration > 0 ? Math.max(0.5, (dur / maxDuration) * 100) : 0;
  const href = `/trace/${encodeURIComponent(t.traceId)}`;
  const services = [...t.services].sort((a, b) => b.spanCount - a.spanCount || a.name.localeCompare(b.name));
  return h(
    "article",
    { class: t.errorCount ? "result has-error" : "result", "data-testid": "result", "data-trace-id": t.traceId },
    h(
      "div",
      { class: "result-head" },
      h("span", { class: "svc-swatch", style: `background:${serviceColor(t.rootService)}` }),
      h(
        "a",
        { class: "result-title", href, "data-testid": "result-link" },
        h("span", { class: "result-service" }, t.rootService),
        h("span", { class: "result-sep" }, ": "),
        h("span", { class: "result-name" }, t.rootName),
      ),
      h("span", { class: "result-id mono", title: t.traceId }, shortId(t.traceId)),
      h("span", { class: "result-duration", "data-testid": "result-duration" }, formatDuration(dur)),
    ),
    h(
      "div",
      { class: "result-bar", title: `${formatDuration(dur)} (longest: ${formatDuration(maxDuration)})` },
      h("div", { class: "result-bar-fill", style: `width:${pct.toFixed(2)}%;background:${serviceColor(t.rootService)}` }),
    ),
    h(
      "div",
      { class: "result-body" },
      h(
        "div",
        { class: "result-counts" },
        h("span", { class: "result-spans" }, plural(t.spanCount, "span")),
        t.errorCount > 0
          ? h("span", { class: "badge badge-error", "data-testid": "result-errors" }, plural(t.errorCount, "error"))
          : null,
      ),
      h(
        "div",
        { class: "result-chips" },
        services.map((sv) =>
          h(
            "span",
            { class: "chip", title: `${sv.name}: ${plural(sv.spanCount, "span")}` },
            h("span", { class: "chip-dot", style: `background:${serviceColor(sv.name)}` }),
            h("span", { class: "chip-name" }, sv.name),
            h("span", { class: "chip-count" }, String(sv.spanCount)),
          ),
        ),
      ),
      h(
        "div",
        { class: "result-time" },
        h("div", { class: "result-start" }, formatTimestamp(t.startTimeUnixNano)),
        h("div", { class: "result-ago muted" }, formatAgo(t.startTimeUnixNano, nowMs)),
      ),
    ),
  );
}

export { plural };
