// The trace view's header: what the trace is (root service and span), its numbers
// (start, duration, spans, depth, services, errors) and the trace-wide actions (raw JSON,
// download, expand/collapse all).
import { h, safeUrl, type Child } from "../dom";
import { formatDuration, formatTimestamp, serviceColor } from "../format";
import type { TraceModel } from "./model";
import "./header.css";

export interface HeaderOptions {
  // The raw JSON, pretty and size-capped (computed when the user first opens it).
  rawJson: () => { text: string; truncated: boolean };
  // The whole trace as a file (built on the first click on "Download JSON").
  downloadBlob: () => Blob;
  onExpandAll: () => void;
  onCollapseAll: () => void;
  // Where the trace came from when it is not weft's API: "jaeger file" …, a file name,
  // and anything worth a line (a file holding several traces).
  source?: { label: string; fileName?: string; note?: Child; action?: Child };
  // While more spans are on their way: the trace's span count (raw JSON and download
  // wait for all of them).
  loadingTotal?: number;
}

const MAX_CHIPS = 14;

const SOURCE_LABELS: Record<string, string> = {
  "native file": "weft JSON file",
  "jaeger file": "Jaeger JSON file",
  "otlp file": "OTLP JSON file",
};

export function sourceLabel(source: TraceModel["source"]): string {
  return SOURCE_LABELS[source] ?? source;
}

export function renderHeader(model: TraceModel, opts: HeaderOptions): { el: HTMLElement; destroy: () => void } {
  const root = model.spans[0];
  const title = root
    ? h(
        "h1",
        { class: "th-title", title: `${root.service}: ${root.name}` },
        h("span", { class: "th-dot" }),
        h("span", { class: "th-svc" }, root.service),
        h("span", { class: "th-name" }, root.name || "(no name)"),
      )
    : h("h1", { class: "th-title" }, "Empty trace");
  if (root) (title.firstChild as HTMLElement).style.background = serviceColor(root.service);

  // ----- raw JSON -----
  let rawPanel: HTMLElement | null = null;
  const rawButton = h("button", { type: "button", class: "tv-btn", "aria-pressed": "false" }, "Raw JSON");
  const rawSlot = h("div", { class: "th-raw-slot" });
  rawButton.addEventListener("click", () => {
    if (!rawPanel) {
      const t0 = performance.now();
      const { text, truncated } = opts.rawJson();
      const note = truncated
        ? h(
            "div",
            { class: "th-raw-note" },
            `Showing the first ${formatBytes(text.length)} of the trace's JSON. “Download JSON” saves all of it.`,
          )
        : null;
      rawPanel = h("div", { class: "th-raw" }, note, h("pre", { "data-testid": "raw-json" }, text));
      rawPanel.dataset.ms = String(Math.round(performance.now() - t0));
      rawSlot.appendChild(rawPanel);
    } else {
      rawPanel.hidden = !rawPanel.hidden;
    }
    rawButton.setAttribute("aria-pressed", rawPanel.hidden ? "false" : "true");
    rawButton.classList.toggle("active", !rawPanel.hidden);
  });

  // ----- download: the blob is made on the first click (a 100k-span trace is tens of MB) -----
  let url = "";
  const download = h(
    "a",
    {
      class: "tv-btn",
      href: "#",
      download: `trace-${model.traceId || "file"}.json`,
      "data-testid": "download-json",
      title: "Save the trace as a JSON file",
    },
    "Download JSON",
  );
  const ensureUrl = () => {
    if (!url) {
      url = URL.createObjectURL(opts.downloadBlob());
      download.setAttribute("href", safeUrl(url));
    }
  };
  download.addEventListener("click", ensureUrl);

  if (opts.loadingTotal) {
    rawButton.disabled = true;
    rawButton.title = download.title = "Available once the whole trace has loaded";
    download.removeAttribute("href");
    download.classList.add("disabled");
  }
  const actions = h(
    "div",
    { class: "th-actions" },
    rawButton,
    download,
    h("span", { class: "th-sep" }),
    h("button", { type: "button", class: "tv-btn", "data-testid": "expand-all", onclick: () => opts.onExpandAll() }, "Expand all"),
    h("button", { type: "button", class: "tv-btn", "data-testid": "collapse-all", onclick: () => opts.onCollapseAll() }, "Collapse all"),
  );

  // ----- numbers -----
  const copy = h(
    "button",
    {
      type: "button",
      class: "th-copy",
      title: "Copy the trace ID",
      "aria-label": "Copy the trace ID",
      onclick: () => {
        void navigator.clipboard?.writeText(model.traceId).then(
          () => {
            copy.textContent = "Copied";
            setTimeout(() => (copy.textContent = "Copy"), 1200);
          },
          () => undefined,
        );
      },
    },
    "Copy",
  );
  const item = (label: string, value: Child, attrs: Record<string, string> = {}) =>
    h("div", { class: "th-item", ...attrs }, h("dt", null, label), h("dd", null, value));
  const meta = h(
    "dl",
    { class: "th-meta" },
    item("Trace ID", [h("code", { "data-testid": "trace-id" }, model.traceId || "—"), model.traceId ? copy : null]),
    item("Started", model.spans.length ? formatTimestamp(model.startNs) : "—"),
    item("Duration", h("span", { "data-testid": "trace-duration" }, formatDuration(model.duration))),
    item(
      "Spans",
      h(
        "span",
        { "data-testid": "span-count" },
        model.spans.length.toLocaleString("en-US"),
        opts.loadingTotal ? h("span", { class: "muted" }, ` of ${opts.loadingTotal.toLocaleString("en-US")}`) : null,
      ),
    ),
    item("Depth", h("span", { "data-testid": "trace-depth" }, String(model.maxDepth))),
    item("Services", String(model.services.length)),
    item(
      "Errors",
      h("span", { "data-testid": "error-count", class: model.errorCount > 0 ? "th-errors" : "" }, model.errorCount.toLocaleString("en-US")),
    ),
    opts.source
      ? item("Source", [
          h("span", { class: "th-source" }, opts.source.label),
          opts.source.fileName ? h("span", { class: "th-file" }, opts.source.fileName) : null,
          opts.source.action ?? null,
        ], { "data-testid": "trace-source" })
      : null,
  );

  const chip = (s: TraceModel["services"][number]) => {
    const dot = h("span", { class: "th-chip-dot" });
    dot.style.background = serviceColor(s.name);
    return h(
      "span",
      {
        class: "th-chip",
        "data-testid": "service-chip",
        title: `${s.name}: ${s.spanCount} span${s.spanCount === 1 ? "" : "s"}${s.errorCount ? `, ${s.errorCount} with errors` : ""}`,
      },
      dot,
      h("span", { class: "th-chip-name" }, s.name),
      h("span", { class: "th-chip-count" }, s.spanCount.toLocaleString("en-US")),
      s.errorCount ? h("span", { class: "th-chip-err" }, `${s.errorCount} err`) : null,
    );
  };
  const chips = h("div", { class: "th-services" }, model.services.slice(0, MAX_CHIPS).map(chip));
  if (model.services.length > MAX_CHIPS) {
    const more = h("button", { type: "button", class: "th-more" }, `+${model.services.length - MAX_CHIPS} more`);
    more.addEventListener("click", () => {
      more.remove();
      chips.append(...model.services.slice(MAX_CHIPS).map(chip));
    });
    chips.appendChild(more);
  }

  const el = h(
    "header",
    { class: "th", "data-testid": "trace-header" },
    h("div", { class: "th-top" }, title, actions),
    meta,
    chips,
    opts.source?.note ? h("div", { class: "th-note" }, opts.source.note) : null,
    rawSlot,
  );
  return {
    el,
    destroy: () => {
      if (url) URL.revokeObjectURL(url);
    },
  };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
