// The span detail panel: everything weft knows about one span. All of it is untrusted
// text (dom.ts makes it text nodes); the only links are to our own /trace route.
import { h, type Child } from "../dom";
import { formatDuration, serviceColor, valueText, formatCount } from "../format";
import type { KeyValue } from "../types";
import type { Span, TraceModel } from "./model";
import "./span_detail.css";

export interface DetailOptions {
  onClose: () => void;
  // Select another span of this trace (parent, or a link into this trace).
  onSelectSpan: (index: number) => void;
  // Whether weft stores a trace (cached by the caller; one request per trace ID).
  traceExists: (traceId: string) => Promise<boolean>;
  // Where links point: "/trace/{id}?span={spanId}".
  linkHref: (traceId: string, spanId: string) => string;
}

const LONG_VALUE = 500;

export function renderSpanDetail(model: TraceModel, index: number, opts: DetailOptions): HTMLElement {
  const s = model.spans[index];
  const mark = h("span", { class: "sd-mark" });
  mark.style.background = serviceColor(s.service);
  const close = h("button", { type: "button", class: "sd-close", title: "Close (Esc)", "aria-label": "Close", "data-testid": "span-detail-close", onclick: () => opts.onClose() }, "×");

  const status = h(
    "span",
    { class: `sd-badge status-${s.statusCode}`, "data-testid": "span-status" },
    s.error ? "error" : s.statusCode,
  );
  const badges = h(
    "div",
    { class: "sd-badges" },
    h("span", { class: "sd-badge kind", title: "Span kind", "data-testid": "span-kind" }, s.kind),
    status,
    s.statusMessage ? h("span", { class: "sd-status-msg" }, s.statusMessage) : null,
  );

  const pct = model.duration > 0 ? (s.duration / model.duration) * 100 : 100;
  const parent = s.parent >= 0 ? model.spans[s.parent] : undefined;
  const rows: [string, Child][] = [
    ["Start", s.start > 0 ? `+${formatDuration(s.start)} after the trace start` : "at the trace start"],
    ["Duration", [formatDuration(s.duration), h("span", { class: "muted" }, ` · ${pct < 0.1 && pct > 0 ? "<0.1" : pct.toFixed(1)}% of the trace`)]],
    ["Span ID", h("code", { "data-testid": "span-id" }, s.spanId)],
    [
      "Parent",
      parent
        ? h(
            "button",
            { type: "button", class: "sd-linkish", title: `${parent.service}: ${parent.name}`, onclick: () => opts.onSelectSpan(parent.index) },
            h("code", null, parent.spanId),
            h("span", { class: "muted" }, ` ${parent.name}`),
          )
        : s.missingParent
          ? h("span", null, h("code", null, s.parentSpanId || "?"), h("span", { class: "sd-warn" }, " not in this trace"))
          : h("span", { class: "muted" }, "none (root span)"),
    ],
    ["Depth", `${s.depth} · ${s.childCount} child${s.childCount === 1 ? "" : "ren"}${s.subtreeSize > s.childCount + 1 ? `, ${s.subtreeSize - 1} descendants` : ""}`],
  ];
  if (s.traceState) rows.push(["Trace state", h("code", null, s.traceState)]);
  if (s.rpcId) rows.push(["RpcId", h("code", null, s.rpcId)]);

  const grid = h(
    "dl",
    { class: "sd-grid" },
    rows.map(([k, v]) => [h("dt", null, k), h("dd", null, v)]),
  );

  const sections: HTMLElement[] = [
    section("Attributes", s.attributes.length, kvTable(s.attributes), "span-attributes"),
    section("Events", s.events.length, eventsList(s), "span-events"),
    section("Links", s.links.length, linksList(model, s, opts), "span-links"),
    section("Resource", s.resource.length, kvTable(s.resource), "span-resource"),
    section(
      "Instrumentation scope",
      s.scope && (s.scope.name || s.scope.version) ? 1 : 0,
      s.scope && (s.scope.name || s.scope.version)
        ? h("div", { class: "sd-scope" }, h("code", null, s.scope.name || "(unnamed)"), s.scope.version ? h("span", { class: "muted" }, ` ${s.scope.version}`) : null)
        : null,
      "span-scope",
    ),
  ];

  return h(
    "aside",
    { class: "sd", "data-testid": "span-detail", "data-span-id": s.spanId, "aria-label": "Span detail" },
    h(
      "div",
      { class: "sd-head" },
      h(
        "div",
        { class: "sd-titles" },
        h("div", { class: "sd-service" }, mark, s.service),
        h("h2", { class: "sd-name", "data-testid": "span-name" }, s.name || "(no name)"),
      ),
      close,
    ),
    badges,
    grid,
    sections,
  );
}

function section(title: string, count: number, body: Child, testid: string): HTMLElement {
  const d = h(
    "details",
    { class: "sd-section", "data-testid": testid },
    h("summary", null, title, h("span", { class: "sd-count" }, String(count))),
    count ? body : h("div", { class: "sd-empty" }, "none"),
  );
  if (count) d.setAttribute("open", "");
  return d;
}

function valueNode(text: string): Child {
  if (text.length <= LONG_VALUE) return text;
  const span = h("span", null, text.slice(0, LONG_VALUE) + "…");
  const more = h("button", { type: "button", class: "sd-more" }, `show all ${formatCount(text.length)} characters`);
  more.addEventListener("click", () => {
    span.textContent = text;
    more.remove();
  });
  return [span, " ", more];
}

function kvTable(kvs: KeyValue[]): HTMLElement {
  return h(
    "table",
    { class: "sd-kv" },
    h(
      "tbody",
      null,
      kvs.map((kv) => h("tr", null, h("th", { scope: "row" }, kv.key), h("td", null, valueNode(valueText(kv.value))))),
    ),
  );
}

function eventsList(s: Span): HTMLElement {
  return h(
    "ol",
    { class: "sd-events" },
    s.events.map((e) =>
      h(
        "li",
        { "data-testid": "span-event" },
        h("div", { class: "sd-event-head" }, h("span", { class: "sd-offset" }, `+${formatDuration(e.time - s.start)}`), h("span", { class: "sd-event-name" }, e.name || "(no name)")),
        e.attributes.length ? kvTable(e.attributes) : null,
      ),
    ),
  );
}

function linksList(model: TraceModel, s: Span, opts: DetailOptions): HTMLElement {
  return h(
    "ul",
    { class: "sd-links" },
    s.links.map((l) => {
      const same = l.traceId === model.traceId;
      const state = h("span", { class: "sd-link-state" });
      const a = h(
        "a",
        { href: opts.linkHref(l.traceId, l.spanId), class: "sd-link" },
        h("code", null, same ? "this trace" : short(l.traceId)),
        h("span", { class: "muted" }, " / "),
        h("code", null, l.spanId),
      );
      a.title = `trace ${l.traceId}, span ${l.spanId}`;
      const li = h("li", { "data-testid": "span-link" }, a, " ", state, l.attributes.length ? kvTable(l.attributes) : null);
      if (same) {
        const idx = model.byId.get(l.spanId);
        if (idx === undefined) {
          state.textContent = "span not in this trace";
          state.className = "sd-link-state missing";
        } else {
          a.addEventListener("click", (e) => {
            if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
            e.preventDefault();
            opts.onSelectSpan(idx);
          });
        }
      } else {
        state.textContent = "checking…";
        state.className = "sd-link-state checking";
        opts.traceExists(l.traceId).then(
          (ok) => {
            if (ok) {
              state.textContent = "";
              state.className = "sd-link-state";
            } else {
              state.textContent = "not stored";
              state.className = "sd-link-state missing";
              a.classList.add("disabled");
              a.removeAttribute("href");
              a.setAttribute("aria-disabled", "true");
            }
          },
          () => {
            state.textContent = "could not check";
            state.className = "sd-link-state missing";
          },
        );
      }
      return li;
    }),
  );
}

function short(id: string): string {
  return id.length > 16 ? `${id.slice(0, 8)}…${id.slice(-8)}` : id;
}
