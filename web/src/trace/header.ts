// The trace view's header: what the trace is (root service and span), its numbers
// (start, duration, spans, depth, services, errors) and the trace-wide actions (raw JSON,
// download, expand/collapse all).
import { h, safeUrl, type Child } from "../dom";
import { formatDuration, formatTimestamp, serviceColor, formatCount } from "../format";
import type { TraceModel } from "./model";
import "./header.css";

export interface HeaderOptions {
  // The raw JSON, pretty and size-capped (fetched or computed when the user first opens
  // it); `note` says what part of the trace it is when not all of it.
  rawJson: () => Promise<{ text: string; truncated: boolean; note?: string }>;
  // The whole trace as a file (fetched or built on the first click on "Download JSON");
  // onProgress hears how much of it has arrived.
  downloadBlob: (onProgress?: (received: number, total: number) => void) => Promise<Blob>;
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
  let rawBusy = false;
  const rawButton = h("button", { type: "button", class: "tv-btn", "aria-pressed": "false", "data-testid": "raw-json-button" }, "Raw JSON");
  const rawSlot = h("div", { class: "th-raw-slot" });
  const showRaw = (panel: HTMLElement) => {
    rawPanel = panel;
    rawSlot.appendChild(panel);
    rawButton.setAttribute("aria-pressed", "true");
    rawButton.classList.add("active");
  };
  rawButton.addEventListener("click", async () => {
    if (rawPanel) {
      rawPanel.hidden = !rawPanel.hidden;
      rawButton.setAttribute("aria-pressed", rawPanel.hidden ? "false" : "true");
      rawButton.classList.toggle("active", !rawPanel.hidden);
      return;
    }
    if (rawBusy) return;
    rawBusy = true;
    rawButton.textContent = "Loading JSON…";
    rawButton.setAttribute("aria-busy", "true");
    const t0 = performance.now();
    try {
      const { text, truncated, note } = await opts.rawJson();
      const what = note ?? (truncated ? `Showing the first ${formatBytes(text.length)} of the trace's JSON.` : null);
      const panel = h(
        "div",
        { class: "th-raw" },
        what ? h("div", { class: "th-raw-note" }, `${what} “Download JSON” saves all of it.`) : null,
        h("pre", { "data-testid": "raw-json" }, text),
      );
      panel.dataset.ms = String(Math.round(performance.now() - t0));
      showRaw(panel);
    } catch (e) {
      showRaw(h("div", { class: "th-raw th-raw-error", role: "alert", "data-testid": "raw-json-error" }, `Cannot load the trace's JSON: ${(e as Error).message ?? e}`));
    } finally {
      rawBusy = false;
      rawButton.textContent = "Raw JSON";
      rawButton.removeAttribute("aria-busy");
    }
  });

  // ----- download: the file is fetched or made on the first click (a 100k-span trace is
  // tens of MB), then saved through the same link -----
  let url = "";
  let downloading = false;
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
  let destroyed = false;
  download.addEventListener("click", async (e) => {
    if (url) return; // ready: the link saves it
    e.preventDefault();
    if (downloading || download.classList.contains("disabled")) return;
    downloading = true;
    download.textContent = "Downloading…";
    download.setAttribute("aria-busy", "true");
    try {
      const blob = await opts.downloadBlob((received, total) => {
        download.textContent = total ? `Downloading… ${Math.min(99, Math.floor((received / total) * 100))}%` : `Downloading… ${formatBytes(received)}`;
      });
      if (destroyed) return;
      url = URL.createObjectURL(blob);
      download.setAttribute("href", safeUrl(url));
      download.textContent = "Download JSON";
      download.click(); // now with its href: the browser saves it
    } catch (err) {
      download.textContent = "Download failed — retry";
      download.title = `Cannot fetch the trace's JSON: ${(err as Error).message ?? err}`;
    } finally {
      downloading = false;
      download.removeAttribute("aria-busy");
    }
  });

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
        formatCount(model.spans.length),
        opts.loadingTotal ? h("span", { class: "muted" }, ` of ${formatCount(opts.loadingTotal)}`) : null,
      ),
    ),
    item("Depth", h("span", { "data-testid": "trace-depth" }, String(model.maxDepth))),
    item("Services", String(model.services.length)),
    item(
      "Errors",
      h("span", { "data-testid": "error-count", class: model.errorCount > 0 ? "th-errors" : "" }, formatCount(model.errorCount)),
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
      h("span", { class: "th-chip-count" }, formatCount(s.spanCount)),
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
      destroyed = true;
      if (url) URL.revokeObjectURL(url);
    },
  };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
