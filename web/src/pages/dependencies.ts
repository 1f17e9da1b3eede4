// The service map (/dependencies?lookback=1h[&node=NAME]): services and the calls between
// them, from /api/v1/dependencies, laid out left to right in layers (graph/layout.ts).
// Peers without spans of their own (a database named by peer.service, db.system or
// net.peer.name) are "virtual" nodes: dashed pills. Wheel zooms, drag pans; clicking a node
// highlights its edges and opens a panel with its calls in and out.
import "./dependencies.css";
import { ApiDownError, ApiError, api } from "../api";
import { h, mount, s } from "../dom";
import { serviceColor } from "../format";
import { markReady, type RouteContext } from "../router";
import type { Dependency } from "../types";
import { arrowHead, compact, edgeColor, edgePath, edgeWidth, fit, placeLabel, shortenEnd, zoomAt, type Box } from "../graph/geometry";
import { layout, type Layout } from "../graph/layout";
import { buildNodes, type NodeInfo } from "../graph/service_nodes";
import { LOOKBACK_PRESETS, lookbackLabel, parseDuration } from "../search/search_state";

const NODE_H = 42;
const VIRTUAL_KEYS = ["peer.service", "db.system", "net.peer.name"];


let measureCtx: CanvasRenderingContext2D | null = null;
function textWidth(text: string, font: string): number {
  measureCtx ??= document.createElement("canvas").getContext("2d");
  if (!measureCtx) return text.length * 7.5;
  measureCtx.font = font;
  return measureCtx.measureText(text).width;
}
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif';

const fmt = (n: number) => n.toLocaleString("en");
const pct = (e: number, c: number) => (c > 0 && e > 0 ? `${((e / c) * 100).toFixed(e / c < 0.1 ? 1 : 0)}%` : "0%");


export async function dependenciesPage(root: HTMLElement, ctx: RouteContext): Promise<() => void> {
  const lbParam = ctx.params.get("lookback")?.trim() ?? "";
  const lookback = lbParam && (parseDuration(lbParam) ?? 0) > 0 ? lbParam : "1h";
  const cleanups: (() => void)[] = [];

  const rangeSelect = h("select", { "data-testid": "lookback", id: "dep-lookback", "aria-label": "Time range" });
  for (const p of LOOKBACK_PRESETS) rangeSelect.append(h("option", { value: p.value }, p.label));
  if (!LOOKBACK_PRESETS.some((p) => p.value === lookback)) rangeSelect.append(h("option", { value: lookback }, lookbackLabel(lookback)));
  rangeSelect.value = lookback;
  rangeSelect.addEventListener("change", () => {
    const p = new URLSearchParams({ lookback: rangeSelect.value });
    ctx.navigate(`/dependencies?${p}`);
  });

  const summary = h("div", { class: "dep-summary", "data-testid": "service-map-summary" });
  const tools = h("div", { class: "dep-tools" });
  const stage = h("div", { class: "dep-stage" }, h("div", { class: "dep-loading muted" }, "Loading the service map…"));
  mount(
    root,
    h(
      "div",
      { class: "dep-page" },
      h(
        "div",
        { class: "dep-toolbar" },
        h("h1", null, "Service map"),
        h("label", { class: "dep-range", for: "dep-lookback" }, h("span", null, "Calls in"), rangeSelect),
        summary,
        tools,
      ),
      stage,
    ),
  );

  let deps: Dependency[];
  let services: Set<string> | null = null;
  try {
    const [d, sv] = await Promise.all([
      api.dependencies({ lookback }, ctx.signal),
      api.services(ctx.signal).catch((e) => {
        if ((e as Error).name === "AbortError") throw e;
        return null;
      }),
    ]);
    deps = d;
    services = sv ? new Set(sv) : null;
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    const msg =
      e instanceof ApiError ? e.message : e instanceof ApiDownError ? "weft's API does not answer." : String(e);
    mount(stage, h("div", { class: "dep-error", role: "alert", "data-testid": "service-map-error" }, h("strong", null, "Could not load the service map: "), msg));
    markReady("dependencies");
    return () => {};
  }

  if (!deps.length) {
    mount(
      stage,
      h(
        "div",
        { class: "dep-empty", "data-testid": "service-map-empty" },
        h("h2", null, `No calls between services in the last ${lookback}`),
        h(
          "p",
          null,
          "The map shows calls from a span of one service to a span of another (or to a peer named by ",
          h("code", null, "peer.service"),
          ", ",
          h("code", null, "db.system"),
          " or ",
          h("code", null, "net.peer.name"),
          "). ",
          lookback !== "7d" ? [h("a", { href: "/dependencies?lookback=7d" }, "Look at the last 7 days"), " or "] : null,
          h("a", { href: "/search" }, "search for traces"),
          ".",
        ),
      ),
    );
    markReady("dependencies");
    return () => {};
  }

  const nodes = buildNodes(deps, services);
  const nameFont = `600 13px ${FONT}`;
  const statFont = `11px ${FONT}`;
  const statText = (n: NodeInfo) =>
    n.inCalls > 0
      ? `${compact(n.inCalls)} call${n.inCalls === 1 ? "" : "s"} in`
      : `${compact(n.outCalls)} call${n.outCalls === 1 ? "" : "s"} out`;
  const lay: Layout = layout(
    [...nodes.values()].map((n) => ({
      id: n.name,
      width: Math.round(
        Math.min(260, Math.max(96, Math.max(textWidth(n.name, nameFont), textWidth(statText(n) + " · 99 err", statFont)) + (n.virtual ? 34 : 30))),
      ),
      height: NODE_H,
    })),
    deps.map((d) => ({ from: d.parent, to: d.child })),
    { layerGap: 130, nodeGap: 22, dummyGap: 12 },
  );

  // ---- drawing ----------------------------------------------------------------
  const maxCalls = Math.max(...deps.map((d) => d.callCount));
  const taken: Box[] = [...lay.nodes.values()].map((n) => ({ x: n.x - 4, y: n.y - 2, width: n.width + 8, height: n.height + 4 }));
  const edgeEls = new Map<string, SVGElement>();
  const edgeLayer = s("g", { class: "dep-edges" });
  const labelLayer = s("g", { class: "dep-labels" });
  const labelFont = `600 11px ${FONT}`;

  lay.edges.forEach((pe, i) => {
    const d = deps[i];
    const key = `${d.parent}->${d.child}`;
    const color = edgeColor(d.callCount, d.errorCount);
    const width = edgeWidth(d.callCount, maxCalls);
    const tip = `${d.parent} → ${d.child}\n${fmt(d.callCount)} call${d.callCount === 1 ? "" : "s"}, ${fmt(d.errorCount)} error${d.errorCount === 1 ? "" : "s"} (${pct(d.errorCount, d.callCount)})`;
    let pathD: string;
    let head: string;
    let pts = pe.points;
    if (pe.self) {
      const n = lay.nodes.get(d.parent)!;
      const x0 = n.x + n.width * 0.7;
      const x1 = n.x + n.width * 0.3;
      const y = n.y;
      pathD = `M${x0},${y} C${x0 + 10},${y - 34} ${x1 - 10},${y - 34} ${x1},${y - 7}`;
      head = `M${x1},${y} L${x1 - 4.5},${y - 8} L${x1 + 4.5},${y - 8} Z`;
      pts = [{ x: x1 - 10, y: y - 40 }, { x: x0 + 10, y: y - 40 }];
    } else {
      pathD = edgePath(shortenEnd(pts, 6));
      head = arrowHead(pts, 8, Math.max(4.5, width * 0.9 + 1.5));
    }
    const g = s(
      "g",
      { class: d.errorCount ? "dep-edge has-errors" : "dep-edge", "data-edge": key, "data-parent": d.parent, "data-child": d.child },
      s("title", null, tip),
      s("path", { d: pathD, class: "dep-edge-hit" }),
      s("path", { d: pathD, class: "dep-edge-line", stroke: color, "stroke-width": width.toFixed(2) }),
      s("path", { d: head, class: "dep-edge-head", fill: color }),
    );
    edgeEls.set(key, g);
    edgeLayer.append(g);

    // The label: calls, and errors in red.
    const callsText = compact(d.callCount);
    const errText = d.errorCount ? ` · ${compact(d.errorCount)} err` : "";
    const w = textWidth(callsText + errText, labelFont) + 10;
    const hgt = 16;
    const box = pe.self ? { x: (pts[0].x + pts[1].x) / 2 - w / 2, y: pts[0].y - 10, width: w, height: hgt } : placeLabel(pts, w, hgt, taken);
    labelLayer.append(
      s(
        "g",
        { class: "dep-label", "data-edge-label": key, transform: `translate(${box.x.toFixed(1)},${box.y.toFixed(1)})` },
        s("title", null, tip),
        s("rect", { width: w.toFixed(1), height: hgt, rx: 4 }),
        s(
          "text",
          { x: 5, y: 11.5 },
          s("tspan", { class: "dep-label-calls" }, callsText),
          errText ? s("tspan", { class: "dep-label-errors" }, errText) : null,
        ),
      ),
    );
  });

  const nodeEls = new Map<string, SVGElement>();
  const nodeLayer = s("g", { class: "dep-nodes" });
  for (const pn of lay.nodes.values()) {
    const n = nodes.get(pn.id)!;
    const errPart = n.inCalls > 0 && n.inErrors > 0 ? ` · ${compact(n.inErrors)} err` : "";
    const tip =
      `${n.name}${n.virtual ? " (peer without spans)" : ""}\n` +
      `in: ${fmt(n.inCalls)} calls, ${fmt(n.inErrors)} errors\nout: ${fmt(n.outCalls)} calls, ${fmt(n.outErrors)} errors`;
    const shape = n.virtual
      ? s("rect", { class: "dep-node-shape", width: pn.width, height: pn.height, rx: pn.height / 2 })
      : s("rect", { class: "dep-node-shape", width: pn.width, height: pn.height, rx: 6 });
    const tx = n.virtual ? 17 : 16;
    const g = s(
      "g",
      {
        class: n.virtual ? "dep-node virtual" : "dep-node",
        "data-node": n.name,
        "data-virtual": n.virtual ? "true" : "false",
        transform: `translate(${pn.x.toFixed(1)},${pn.y.toFixed(1)})`,
        tabindex: "0",
        role: "button",
        "aria-label": `${n.name}${n.virtual ? ", peer without spans" : ""}: ${fmt(n.inCalls)} calls in, ${fmt(n.outCalls)} calls out`,
      },
      s("title", null, tip),
      shape,
      n.virtual ? null : s("rect", { class: "dep-node-bar", x: 0, y: 0, width: 5, height: pn.height, rx: 2, fill: serviceColor(n.name) }),
      s("text", { class: "dep-node-name", x: tx, y: 18 }, n.name),
      s(
        "text",
        { class: "dep-node-stat", x: tx, y: 33 },
        s("tspan", null, statText(n)),
        errPart ? s("tspan", { class: "dep-node-err" }, errPart) : null,
      ),
    );
    nodeEls.set(n.name, g);
    nodeLayer.append(g);
  }

  const PAD = 50; // room for self loops and labels at the edges
  const gw = lay.width + 2 * PAD;
  const gh = lay.height + 2 * PAD;
  const viewport = s("g", { class: "dep-viewport" }, s("g", { transform: `translate(${PAD},${PAD})` }, edgeLayer, nodeLayer, labelLayer));
  const svg = s(
    "svg",
    {
      class: "dep-svg",
      "data-testid": "service-map",
      role: "img",
      "aria-label": `Service map: ${nodes.size} services, ${deps.length} connections`,
    },
    s("rect", { class: "dep-bg", x: -1e5, y: -1e5, width: 2e5, height: 2e5 }),
    viewport,
  );
  const panel = h("aside", { class: "dep-panel", "data-testid": "node-panel", hidden: true });
  const hint = h("div", { class: "dep-hint" }, "Scroll to zoom · drag to pan · click a service for details");
  const legend = h(
    "div",
    { class: "dep-legend" },
    h("span", { class: "lg-item" }, h("span", { class: "lg-node" }), "service"),
    h("span", { class: "lg-item" }, h("span", { class: "lg-node lg-virtual" }), "peer without spans"),
    h("span", { class: "lg-item" }, h("span", { class: "lg-edge" }), "calls · errors"),
    h("span", { class: "lg-item" }, h("span", { class: "lg-edge lg-edge-err" }), "with errors"),
  );
  const canvas = h("div", { class: "dep-canvas" }, svg, panel, hint);
  mount(stage, canvas, legend);

  const totalCalls = deps.reduce((a, d) => a + d.callCount, 0);
  const totalErrors = deps.reduce((a, d) => a + d.errorCount, 0);
  const virtualCount = [...nodes.values()].filter((n) => n.virtual).length;
  mount(
    summary,
    h("span", null, h("b", null, fmt(nodes.size - virtualCount)), ` service${nodes.size - virtualCount === 1 ? "" : "s"}`),
    virtualCount ? h("span", null, h("b", null, fmt(virtualCount)), ` peer${virtualCount === 1 ? "" : "s"}`) : null,
    h("span", null, h("b", null, fmt(deps.length)), ` connection${deps.length === 1 ? "" : "s"}`),
    h("span", null, h("b", null, fmt(totalCalls)), " calls"),
    h("span", { class: totalErrors ? "dep-sum-err" : "" }, h("b", null, fmt(totalErrors)), ` error${totalErrors === 1 ? "" : "s"}`),
  );

  // ---- pan and zoom -------------------------------------------------------------
  let view = { k: 1, x: 0, y: 0 };
  const apply = (animate = false) => {
    viewport.classList.toggle("animate", animate);
    viewport.setAttribute("transform", `translate(${view.x.toFixed(1)},${view.y.toFixed(1)}) scale(${view.k.toFixed(4)})`);
    viewport.style.transform = `translate(${view.x.toFixed(1)}px,${view.y.toFixed(1)}px) scale(${view.k.toFixed(4)})`;
  };
  // Brings a node into the part of the canvas the panel does not cover.
  const reveal = (name: string) => {
    const n = lay.nodes.get(name);
    if (!n) return;
    const { W, H } = size();
    const right = W - (panel.hidden ? 0 : panel.offsetWidth + 20);
    const cx = view.x + (PAD + n.x + n.width / 2) * view.k;
    const cy = view.y + (PAD + n.y + n.height / 2) * view.k;
    const mx = (n.width / 2) * view.k + 30;
    const my = (n.height / 2) * view.k + 30;
    if (cx >= mx && cx <= right - mx && cy >= my && cy <= H - my) return;
    view = { k: view.k, x: view.x + (right / 2 - cx), y: view.y + (H / 2 - cy) };
    apply(true);
  };
  const size = () => ({ W: canvas.clientWidth || 800, H: canvas.clientHeight || 500 });
  const fitView = () => {
    const { W, H } = size();
    view = fit(gw, gh, W, H, 8, 1.25, 0.1);
    apply(true);
  };
  // The first view: the whole map if it fits at a readable scale; otherwise readable
  // (text at least ~9px), starting from the callers on the left, centered vertically.
  const MIN_READABLE = 0.7;
  const initialView = () => {
    const { W, H } = size();
    const f = fit(gw, gh, W, H, 8, 1.25, 0.1);
    if (f.k >= MIN_READABLE) view = f;
    else {
      // As large as the canvas height allows, within a readable-but-overview range.
      const k = Math.max(MIN_READABLE, Math.min(0.85, (H - 16) / gh));
      view = { k, x: 8, y: gh * k <= H ? (H - gh * k) / 2 : Math.min(8, H / 2 - (gh * k) / 2) };
    }
    apply();
  };
  // The canvas fills the window below the toolbar (less if the whole map is smaller).
  const setHeight = () => {
    const avail = Math.max(420, window.innerHeight - canvas.getBoundingClientRect().top - 44);
    const W = canvas.clientWidth || 800;
    const small = gw <= W && gh + 40 < avail;
    canvas.style.height = `${Math.round(small ? Math.max(420, gh + 40) : avail)}px`;
  };
  setHeight();
  initialView();
  const zoomBy = (f: number) => {
    const { W, H } = size();
    view = zoomAt(view, f, W / 2, H / 2, 0.1, 4);
    apply(true);
  };
  mount(
    tools,
    h("button", { type: "button", class: "tool", title: "Zoom in", "aria-label": "Zoom in", "data-testid": "zoom-in", onclick: () => zoomBy(1.25) }, "+"),
    h("button", { type: "button", class: "tool", title: "Zoom out", "aria-label": "Zoom out", "data-testid": "zoom-out", onclick: () => zoomBy(0.8) }, "−"),
    h("button", { type: "button", class: "tool tool-text", title: "Fit the map to the window", "data-testid": "zoom-fit", onclick: fitView }, "Fit"),
  );

  const onWheel = (e: WheelEvent) => {
    e.preventDefault();
    const r = svg.getBoundingClientRect();
    const delta = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
    view = zoomAt(view, Math.exp(-delta * 0.0015), e.clientX - r.left, e.clientY - r.top, 0.1, 4);
    apply();
  };
  svg.addEventListener("wheel", onWheel, { passive: false });
  let drag: { id: number; x: number; y: number; vx: number; vy: number; moved: boolean } | null = null;
  let suppressClick = false;
  svg.addEventListener("pointerdown", (e: PointerEvent) => {
    if (e.button !== 0) return;
    drag = { id: e.pointerId, x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false };
  });
  svg.addEventListener("pointermove", (e: PointerEvent) => {
    if (!drag || e.pointerId !== drag.id) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 4) return;
    if (!drag.moved) {
      drag.moved = true;
      svg.setPointerCapture(e.pointerId);
      svg.classList.add("panning");
    }
    view = { k: view.k, x: drag.vx + dx, y: drag.vy + dy };
    apply();
  });
  const endDrag = (e: PointerEvent) => {
    if (!drag || e.pointerId !== drag.id) return;
    if (drag.moved) suppressClick = true;
    drag = null;
    svg.classList.remove("panning");
  };
  svg.addEventListener("pointerup", endDrag);
  svg.addEventListener("pointercancel", endDrag);

  // ---- selection ------------------------------------------------------------------
  let selected: string | null = null;
  const setHighlight = (name: string | null, cls: "selected" | "hovering") => {
    svg.classList.toggle(`has-${cls}`, name !== null);
    for (const [n, el] of nodeEls) {
      const info = nodes.get(n)!;
      const near =
        name !== null && (n === name || info.parents.some((d) => d.parent === name) || info.children.some((d) => d.child === name));
      el.classList.toggle(`${cls}-near`, near);
      el.classList.toggle(cls, n === name);
    }
    for (const [key, el] of edgeEls) {
      const on = name !== null && (el.getAttribute("data-parent") === name || el.getAttribute("data-child") === name);
      el.classList.toggle(`${cls}-near`, on);
      labelLayer.querySelector(`[data-edge-label="${CSS.escape(key)}"]`)?.classList.toggle(`${cls}-near`, on);
    }
  };

  const row = (name: string, d: Dependency) =>
    h(
      "tr",
      null,
      h(
        "td",
        { class: "np-name" },
        h("span", { class: "np-swatch", style: `background:${nodes.get(name)?.virtual ? "transparent" : serviceColor(name)}` }),
        h("button", { type: "button", class: "np-link", onclick: () => select(name) }, name),
      ),
      h("td", { class: "num" }, fmt(d.callCount)),
      h("td", { class: d.errorCount ? "num np-err" : "num muted" }, fmt(d.errorCount)),
    );
  const table = (title: string, list: Dependency[], other: (d: Dependency) => string, testid: string) =>
    h(
      "section",
      { class: "np-section", "data-testid": testid },
      h("h3", null, title, h("span", { class: "muted" }, ` ${list.length}`)),
      list.length
        ? h(
            "table",
            { class: "np-table" },
            h("thead", null, h("tr", null, h("th", null, "service"), h("th", { class: "num" }, "calls"), h("th", { class: "num" }, "errors"))),
            h("tbody", null, [...list].sort((a, b) => b.callCount - a.callCount).map((d) => row(other(d), d))),
          )
        : h("p", { class: "muted np-none" }, "none"),
    );

  const showPanel = (name: string) => {
    const n = nodes.get(name)!;
    const searchLink = h("a", { class: "np-search", href: `/search?service=${encodeURIComponent(name)}`, "data-testid": "node-search" }, `Search traces of ${name} →`);
    if (n.virtual) {
      // A peer has no spans: search for the calls to it, by the attribute that named it.
      searchLink.textContent = `Search traces that call ${name} →`;
      searchLink.setAttribute("href", `/search?tag=${encodeURIComponent(`peer.service=${name}`)}`);
      void (async () => {
        for (const key of VIRTUAL_KEYS) {
          try {
            const vals = await api.attributeValues(key, 10000, ctx.signal);
            if (vals.includes(name)) {
              searchLink.setAttribute("href", `/search?tag=${encodeURIComponent(`${key}=${name}`)}`);
              return;
            }
          } catch {
            return;
          }
        }
      })();
    }
    mount(
      panel,
      h(
        "div",
        { class: "np-head" },
        h("span", { class: n.virtual ? "np-icon virtual" : "np-icon", style: n.virtual ? "" : `background:${serviceColor(name)}` }),
        h("div", { class: "np-title" }, h("h2", null, name), h("div", { class: "muted" }, n.virtual ? "Peer without spans (named by its callers)" : "Service")),
        h("button", { type: "button", class: "np-close", "aria-label": "Close", title: "Close", "data-testid": "node-panel-close", onclick: () => select(null) }, "×"),
      ),
      h(
        "div",
        { class: "np-stats" },
        h("div", null, h("div", { class: "np-k" }, "Calls in"), h("div", { class: "np-v" }, fmt(n.inCalls)), h("div", { class: n.inErrors ? "np-e np-err" : "np-e muted" }, `${fmt(n.inErrors)} errors · ${pct(n.inErrors, n.inCalls)}`)),
        h("div", null, h("div", { class: "np-k" }, "Calls out"), h("div", { class: "np-v" }, fmt(n.outCalls)), h("div", { class: n.outErrors ? "np-e np-err" : "np-e muted" }, `${fmt(n.outErrors)} errors · ${pct(n.outErrors, n.outCalls)}`)),
      ),
      h("div", { class: "np-action" }, searchLink),
      table("Called by", n.parents, (d) => d.parent, "node-calls-in"),
      table("Calls", n.children, (d) => d.child, "node-calls-out"),
    );
    panel.hidden = false;
  };

  const select = (name: string | null) => {
    selected = name && nodes.has(name) ? name : null;
    setHighlight(selected, "selected");
    if (selected) {
      showPanel(selected);
      reveal(selected);
    } else panel.hidden = true;
    const p = new URLSearchParams(location.search);
    if (selected) p.set("node", selected);
    else p.delete("node");
    ctx.setParams(p);
  };

  for (const [name, el] of nodeEls) {
    el.addEventListener("click", (e) => {
      e.stopPropagation();
      if (suppressClick) return void (suppressClick = false);
      select(selected === name ? null : name);
    });
    el.addEventListener("keydown", (e: Event) => {
      const k = (e as KeyboardEvent).key;
      if (k === "Enter" || k === " ") {
        e.preventDefault();
        select(selected === name ? null : name);
      }
    });
    el.addEventListener("mouseenter", () => setHighlight(name, "hovering"));
    el.addEventListener("mouseleave", () => setHighlight(null, "hovering"));
  }
  svg.addEventListener("click", () => {
    if (suppressClick) return void (suppressClick = false);
    if (selected) select(null);
  });
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape" && selected) select(null);
  };
  document.addEventListener("keydown", onKey);
  cleanups.push(() => document.removeEventListener("keydown", onKey));

  let lastW = canvas.clientWidth;
  const ro = new ResizeObserver(() => {
    const w = canvas.clientWidth;
    if (Math.abs(w - lastW) > 8) {
      lastW = w;
      setHeight();
      initialView();
    }
  });
  ro.observe(canvas);
  cleanups.push(() => ro.disconnect());

  const initial = ctx.params.get("node");
  if (initial && nodes.has(initial)) {
    selected = initial;
    setHighlight(initial, "selected");
    showPanel(initial);
    reveal(initial);
  }
  markReady("dependencies");
  return () => {
    for (const c of cleanups) c();
  };
}
