// The scatter plot over the results: x = start time, y = duration (log when the durations
// span more than a decade or so), a dot per trace; red if it has errors, bigger with more
// spans. Hover shows the trace, click opens it.
import { s } from "../dom";
import { formatDuration, formatTimestamp, nanosToMillis } from "../format";
import type { TraceSummary } from "../types";
import { durationScale, timeScale } from "./scale";

export interface ScatterOptions {
  width: number;
  height: number;
  mode: "auto" | "log" | "linear";
  onOpen: (traceId: string) => void;
  onHover: (traceId: string | null) => void;
}

export function dotRadius(spanCount: number): number {
  return Math.max(3.5, Math.min(9, 2.5 + Math.sqrt(Math.max(1, spanCount)) * 0.6));
}

export function renderScatter(traces: TraceSummary[], o: ScatterOptions): SVGElement {
  const m = { top: 12, right: 16, bottom: 26, left: 62 };
  const W = Math.max(200, o.width);
  const H = o.height;
  const times = traces.map((t) => nanosToMillis(t.startTimeUnixNano));
  const durs = traces.map((t) => Number(t.durationNanos));
  const x = timeScale(Math.min(...times), Math.max(...times), [m.left, W - m.right], Math.max(2, Math.floor(W / 110)));
  const y = durationScale(durs, [H - m.bottom, m.top], o.mode, 4);

  const grid = s("g", { class: "sc-grid" });
  for (const t of y.ticks) {
    const py = y(t.value);
    grid.append(
      s("line", { x1: m.left, x2: W - m.right, y1: py, y2: py }),
      s("text", { x: m.left - 8, y: py, class: "sc-ylabel", "text-anchor": "end", "dominant-baseline": "middle" }, t.label),
    );
  }
  for (const t of x.ticks) {
    const px = x(t.value);
    grid.append(
      s("line", { x1: px, x2: px, y1: H - m.bottom, y2: H - m.bottom + 4, class: "sc-tick" }),
      s("text", { x: px, y: H - m.bottom + 16, class: "sc-xlabel", "text-anchor": "middle" }, t.label),
    );
  }
  grid.append(s("line", { x1: m.left, x2: W - m.right, y1: H - m.bottom, y2: H - m.bottom, class: "sc-axis" }));

  const dots = s("g", { class: "sc-dots" });
  // Big dots first, so small ones stay clickable on top.
  const order = traces.map((_, i) => i).sort((a, b) => traces[b].spanCount - traces[a].spanCount);
  for (const i of order) {
    const t = traces[i];
    const c = s(
      "circle",
      {
        cx: x(times[i]).toFixed(1),
        cy: y(durs[i]).toFixed(1),
        r: dotRadius(t.spanCount),
        class: t.errorCount > 0 ? "sc-dot is-error" : "sc-dot",
        "data-trace-id": t.traceId,
        onclick: () => o.onOpen(t.traceId),
        onmouseenter: () => o.onHover(t.traceId),
        onmouseleave: () => o.onHover(null),
      },
      s(
        "title",
        null,
        `${t.rootService}: ${t.rootName}\n${formatDuration(durs[i])} · ${t.spanCount} span${t.spanCount === 1 ? "" : "s"}` +
          (t.errorCount ? ` · ${t.errorCount} error${t.errorCount === 1 ? "" : "s"}` : "") +
          `\n${formatTimestamp(t.startTimeUnixNano)}`,
      ),
    );
    dots.append(c);
  }
  return s(
    "svg",
    {
      class: "scatter-svg",
      "data-testid": "scatter",
      "data-scale": y.log ? "log" : "linear",
      width: W,
      height: H,
      viewBox: `0 0 ${W} ${H}`,
      role: "img",
      "aria-label": `Duration over time of ${traces.length} traces`,
    },
    grid,
    dots,
  );
}
