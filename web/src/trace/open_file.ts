// "Open a trace from a JSON file" (route /trace/file, rendered by pages/trace.ts): a drop
// zone, a file picker and a paste box. The file is read in the browser with File.text()
// and parsed by parse.ts (weft's, Jaeger's or OTLP JSON); nothing is uploaded. Parse
// errors are shown in data-testid="open-file-error"; a trace goes to onTrace.
//
// data-testids: open-file (the <input type=file>), open-file-drop (the drop zone),
// open-file-status, open-file-error, open-file-paste (textarea), open-file-paste-submit.
import "./open_file.css";
import { h, mount, s } from "../dom";
import { parseTraceFile } from "./parse";
import type { RawTrace } from "./model";

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

// onTrace also gets the file's name ("" for pasted JSON), for the view's header.
export function renderOpenFile(
  root: HTMLElement,
  onTrace: (raw: RawTrace, text: string, fileName: string) => void,
): void {
  let generation = 0;
  const status = h("p", { class: "open-file-status", "data-testid": "open-file-status", "aria-live": "polite" });
  const error = h("div", { class: "open-file-error", role: "alert", "data-testid": "open-file-error", hidden: true });
  const input = h("input", {
    type: "file",
    accept: ".json,application/json,.jsonl,.ndjson",
    class: "open-file-input",
    "data-testid": "open-file",
    "aria-label": "Choose a trace JSON file",
  });

  const showError = (title: string, message: string) => {
    status.textContent = "";
    mount(error, h("strong", null, title), h("p", null, message));
    error.hidden = false;
  };
  const clear = () => {
    error.hidden = true;
    error.replaceChildren();
  };

  // Parses `text` and hands the trace over; `label` names the source in messages.
  const open = async (text: string, label: string, my: number, fileName: string) => {
    status.textContent = `Reading ${label}…`;
    // Let the status paint before a long synchronous parse.
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    if (my !== generation) return;
    let raw: RawTrace;
    try {
      raw = parseTraceFile(text);
    } catch (e) {
      showError(`Cannot open ${label}`, (e as Error).message);
      return;
    }
    status.textContent = "";
    try {
      onTrace(raw, text, fileName);
    } catch (e) {
      console.error(e);
      showError(`Cannot show ${label}`, String((e as Error).message ?? e));
    }
  };

  const openFile = async (file: File | undefined, extra = 0) => {
    const my = ++generation;
    clear();
    if (!file) return;
    const label = `${file.name} (${formatBytes(file.size)})`;
    status.textContent = `Reading ${label}…` + (extra ? ` — ${extra} more file${extra > 1 ? "s" : ""} dropped, only the first is opened` : "");
    let text: string;
    try {
      text = await file.text();
    } catch (e) {
      if (my === generation) showError(`Cannot read ${file.name}`, String((e as Error).message ?? e));
      return;
    }
    if (my === generation) await open(text, label, my, file.name);
  };

  input.addEventListener("change", () => {
    const f = input.files?.[0];
    void openFile(f).finally(() => {
      input.value = ""; // choosing the same file again opens it again
    });
  });

  const drop = h(
    "label",
    { class: "open-file-drop", "data-testid": "open-file-drop" },
    s(
      "svg",
      { class: "open-file-icon", viewBox: "0 0 48 48", width: 48, height: 48, "aria-hidden": "true" },
      s("path", { d: "M12 4h16l10 10v28a2 2 0 0 1-2 2H12a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z", fill: "none", stroke: "currentColor", "stroke-width": 2 }),
      s("path", { d: "M28 4v10h10", fill: "none", stroke: "currentColor", "stroke-width": 2 }),
      s("path", { d: "M24 36V21m-6 6 6-6 6 6", fill: "none", stroke: "currentColor", "stroke-width": 2.5, "stroke-linecap": "round", "stroke-linejoin": "round" }),
    ),
    h("span", { class: "open-file-title" }, "Drop a trace file here"),
    h("span", { class: "open-file-or" }, "or"),
    h("span", { class: "open-file-button" }, "Choose a file…"),
    input,
  );
  let depth = 0; // dragenter/dragleave fire for children too
  drop.addEventListener("dragenter", (e) => {
    e.preventDefault();
    depth++;
    drop.classList.add("over");
  });
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
  });
  drop.addEventListener("dragleave", () => {
    if (--depth <= 0) {
      depth = 0;
      drop.classList.remove("over");
    }
  });
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    depth = 0;
    drop.classList.remove("over");
    const files = e.dataTransfer?.files;
    void openFile(files?.[0], files ? Math.max(0, files.length - 1) : 0);
  });

  const paste = h("textarea", {
    class: "open-file-paste mono",
    rows: 6,
    spellcheck: "false",
    placeholder: '{"resourceSpans": [ … ]}',
    "aria-label": "Trace JSON",
    "data-testid": "open-file-paste",
  });
  const pasteForm = h(
    "form",
    {
      class: "open-file-paste-form",
      onsubmit: (e: Event) => {
        e.preventDefault();
        const my = ++generation;
        clear();
        void open(paste.value, "the pasted JSON", my, "");
      },
    },
    paste,
    h("button", { type: "submit", class: "open-file-paste-submit", "data-testid": "open-file-paste-submit" }, "Open"),
  );

  mount(
    root,
    h(
      "section",
      { class: "open-file", "data-testid": "open-file-page" },
      h("h1", null, "Open a trace from a JSON file"),
      h(
        "p",
        { class: "muted" },
        "The file is read by this browser and sent nowhere. It may hold weft's trace JSON (",
        h("code", null, "GET /api/v1/traces/{id}"),
        "), Jaeger's (the Jaeger UI's JSON download, ",
        h("code", null, "/api/traces/{id}"),
        ") or OTLP/JSON (an ",
        h("code", null, "ExportTraceServiceRequest"),
        ", or one per line as ",
        h("code", null, "weft loadgen --dump"),
        " writes them).",
      ),
      drop,
      status,
      error,
      h("details", { class: "open-file-paste-box" }, h("summary", null, "…or paste JSON"), pasteForm),
    ),
  );
}
