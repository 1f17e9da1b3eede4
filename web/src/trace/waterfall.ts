// The waterfall: a tree of spans on the left, their bars on a shared time axis on the
// right. Virtualized so a 100k-span trace scrolls like a 10-span one: a spacer as tall
// as all visible rows keeps the scrollbar honest, and only the rows in view (plus a few
// above and below) exist in the DOM, a fixed pool of elements rebound as they scroll by.
//
// Costs: scrolling does O(rows in view) work in one requestAnimationFrame and rebinds
// only the rows that came into view (each pool slot keeps the row it shows); a rebind
// writes only what differs from what the slot shows (a new name is new data in the same
// Text node, not a new node), since every write costs style or layout in the next frame;
// sizes are read once, before anything is written, so that no read forces a layout. The
// list of visible rows (depth-first order minus collapsed subtrees) is computed only when
// something collapses or expands, in O(visible rows) (view_logic.ts visibleRows).
import { h } from "../dom";
import { formatDuration, serviceColor } from "../format";
import type { Span, TraceModel } from "./model";
import { formatSkew } from "../analysis/present";
import { clamp, formatTick, labelSide, niceTicks, rowOf, rowRange, scrollTopFor, visibleRows } from "./view_logic";
import "./waterfall.css";

export const ROW_HEIGHT = 24;
const OVERSCAN = 8;
const INDENT = 14; // px per depth level (less in a deep trace with a narrow column)
const MIN_INDENT = 6;
const MAX_INDENT_LEVELS = 40; // deeper spans are drawn at this depth
const MAX_EVENT_TICKS = 24; // per bar; more events than that are still listed in the detail
const ERROR_COLOR = "#d93025";

export interface WaterfallHandlers {
  // A row was clicked (or Enter pressed on the focused row): open its detail.
  onSelect: (index: number) => void;
  // The visible rows changed (collapse/expand): the minimap redraws.
  onRowsChanged: () => void;
  // The rows in view moved: the minimap moves its viewport rectangle.
  onViewport: () => void;
  // Escape on the waterfall.
  onEscape?: () => void;
}

interface Slot {
  row: number; // row shown, -1 if none
  index: number; // span shown
  el: HTMLElement;
  indent: HTMLElement;
  toggle: HTMLElement;
  mark: HTMLElement;
  err: HTMLElement;
  orphan: HTMLElement;
  svc: Text; // the text nodes themselves: a new string is a change of their data, not
  op: Text; // a new node in the tree
  count: HTMLElement;
  countText: Text;
  bar: HTMLElement;
  label: HTMLElement;
  labelText: Text;
  ticks: HTMLElement[];
  tickBox: HTMLElement;
  cpBox: HTMLElement; // the critical path's segments of the span (setCriticalPath)
  cpSegs: HTMLElement[];
  cpShown: number;
  skew: HTMLElement; // the clock-adjusted mark (setSkew)
  skewShown: boolean;
  // What is written now, so that a rebind writes only what differs (every write
  // invalidates style or layout of the element for the next frame).
  cls: string;
  hidden: boolean;
  toggleCls: string;
  expanded: string; // aria-expanded, "" when absent
  color: string;
  markColor: string;
  indentPx: number;
  depth: number;
  error: boolean;
  orphanShown: boolean;
  countShown: boolean;
  side: string;
  ticksShown: number;
}

export class Waterfall {
  readonly el: HTMLElement;
  rows: Int32Array; // visible rows: span indices in depth-first order
  readonly collapsed: Uint8Array;
  private readonly model: TraceModel;
  private readonly spans: Span[];
  private readonly h: WaterfallHandlers;
  private readonly rowsBuf: Int32Array;
  private readonly subtree: Int32Array;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly axisTicks: HTMLElement;
  private readonly grid: HTMLElement;
  private readonly pool: Slot[] = [];
  private viewportH = 0;
  private scrollTop = 0; // as of the last update()
  private timelineW = 0;
  private raf = 0;
  private selected = -1;
  private focused = -1;
  private matchMask: Uint8Array | null = null;
  private currentMatch = -1;
  // Span index → its critical-path pieces ([start, end, …] relative ns), and → the ns
  // weft moved its clock by (analysis/overlay.ts).
  private critical: Map<number, Float64Array> | null = null;
  private skewed: Map<number, number> | null = null;
  private readonly durLabels: (string | undefined)[];
  private readonly ro: ResizeObserver;
  private nameWidth = 0; // set by the first measure()
  private nameWidthSet = false; // the user dragged the column's edge
  private indent = INDENT;
  private sb = -1; // scrollbar width written to --wf-sb

  constructor(model: TraceModel, handlers: WaterfallHandlers) {
    this.model = model;
    this.spans = model.spans;
    this.h = handlers;
    const n = model.spans.length;
    this.collapsed = new Uint8Array(n);
    this.rowsBuf = new Int32Array(n);
    this.subtree = new Int32Array(n);
    for (let i = 0; i < n; i++) this.subtree[i] = model.spans[i].subtreeSize;
    this.durLabels = new Array(n);
    this.rows = visibleRows(this.subtree, this.collapsed, this.rowsBuf);

    this.axisTicks = h("div", { class: "wf-axis-ticks" });
    const resizer = h("div", {
      class: "wf-resizer",
      title: "Drag to resize the span column",
      onpointerdown: (e: Event) => this.startResize(e as PointerEvent),
    });
    const axis = h(
      "div",
      { class: "wf-axis" },
      h(
        "div",
        { class: "wf-axis-name" },
        h("span", null, "Service & operation"),
        resizer,
      ),
      h("div", { class: "wf-axis-time" }, this.axisTicks),
    );
    this.grid = h("div", { class: "wf-grid", "aria-hidden": "true" });
    this.spacer = h("div", { class: "wf-spacer" });
    this.scroller = h(
      "div",
      {
        class: "wf-scroll",
        tabindex: "0",
        role: "tree",
        "aria-label": "Spans of the trace",
        onscroll: () => this.schedule(),
        onclick: (e: Event) => this.onClick(e as MouseEvent),
        onkeydown: (e: Event) => this.onKey(e as KeyboardEvent),
      },
      this.spacer,
    );
    this.el = h(
      "div",
      { class: "wf", "data-testid": "waterfall" },
      axis,
      h("div", { class: "wf-body" }, this.scroller, this.grid),
    );
    this.spacer.style.height = `${this.rows.length * ROW_HEIGHT}px`;
    this.ro = new ResizeObserver(() => this.measure());
    this.ro.observe(this.scroller);
  }

  // Call once the element is in the document: sizes the pool and draws the rows in view.
  start(): void {
    this.measure();
  }

  destroy(): void {
    this.ro.disconnect();
    if (this.raf) cancelAnimationFrame(this.raf);
    this.raf = 0;
  }

  get rowCount(): number {
    return this.rows.length;
  }

  // Rows in view (first row, number of rows) for the minimap.
  // From the scroll position update() read: reading scrollTop again after the rows were
  // written would force a layout in the middle of the frame.
  viewport(): { first: number; count: number } {
    return { first: this.scrollTop / ROW_HEIGHT, count: this.viewportH / ROW_HEIGHT };
  }

  // ----- collapse / expand -----

  isCollapsed(i: number): boolean {
    return this.collapsed[i] === 1;
  }

  toggle(i: number): void {
    if (this.spans[i].childCount === 0) return;
    this.collapsed[i] ^= 1;
    this.rowsChanged();
  }

  setCollapsed(i: number, c: boolean): void {
    if (this.spans[i].childCount === 0 || this.isCollapsed(i) === c) return;
    this.collapsed[i] = c ? 1 : 0;
    this.rowsChanged();
  }

  expandAll(): void {
    this.collapsed.fill(0);
    this.rowsChanged();
  }

  collapseAll(): void {
    for (let i = 0; i < this.spans.length; i++) this.collapsed[i] = this.spans[i].childCount > 0 ? 1 : 0;
    this.rowsChanged();
  }

  // Expands every collapsed ancestor of span i; true if that changed the rows.
  reveal(i: number): boolean {
    let changed = false;
    for (let p = this.spans[i]?.parent ?? -1; p >= 0; p = this.spans[p].parent) {
      if (this.collapsed[p]) {
        this.collapsed[p] = 0;
        changed = true;
      }
    }
    if (changed) this.rowsChanged();
    return changed;
  }

  private rowsChanged(): void {
    // The row of the focused span should stay where it was on screen.
    this.rows = visibleRows(this.subtree, this.collapsed, this.rowsBuf);
    this.spacer.style.height = `${this.rows.length * ROW_HEIGHT}px`;
    for (const s of this.pool) s.row = -1;
    this.update();
    this.h.onRowsChanged();
  }

  // ----- state carried to a new model of the same trace (more spans arrived) -----

  collapsedIds(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.collapsed.length; i++) if (this.collapsed[i]) out.push(this.spans[i].spanId);
    return out;
  }

  setCollapsedIds(ids: string[]): void {
    if (!ids.length) return;
    for (const id of ids) {
      const i = this.model.byId.get(id);
      if (i !== undefined && this.spans[i].childCount > 0) this.collapsed[i] = 1;
    }
    this.rowsChanged();
  }

  // The span in the top row and how far it is scrolled past: restoring it keeps what the
  // user looks at in place even when rows were added above it.
  anchor(): { spanId: string; offset: number } | null {
    if (!this.rows.length) return null;
    const top = this.scroller.scrollTop;
    const row = Math.min(this.rows.length - 1, Math.floor(top / ROW_HEIGHT));
    return { spanId: this.spans[this.rows[row]].spanId, offset: top - row * ROW_HEIGHT };
  }

  restoreAnchor(a: { spanId: string; offset: number } | null): void {
    if (!a) return;
    const i = this.model.byId.get(a.spanId);
    const r = i === undefined ? -1 : rowOf(this.rows, i);
    if (r < 0) return;
    this.scroller.scrollTop = r * ROW_HEIGHT + a.offset;
    this.update();
  }

  get focusedIndex(): number {
    return this.focused;
  }

  hasFocus(): boolean {
    return document.activeElement === this.scroller;
  }

  // ----- selection, focus, search matches -----

  setSelected(i: number): void {
    this.selected = i;
    if (i >= 0) this.focused = i;
    this.refreshClasses();
  }

  setMatches(mask: Uint8Array | null, current: number): void {
    this.matchMask = mask;
    this.currentMatch = current;
    this.refreshClasses();
  }

  // The critical path drawn over the bars (null: none), and the clock-adjusted marks.
  setCriticalPath(pieces: Map<number, Float64Array> | null): void {
    this.critical = pieces;
    this.rebindAll();
  }

  setSkew(skewed: Map<number, number> | null): void {
    this.skewed = skewed;
    this.rebindAll();
  }

  private rebindAll(): void {
    for (const s of this.pool) {
      s.row = -1;
      s.index = -1;
    }
    this.update();
  }

  focusSpan(i: number): void {
    this.focused = i;
    this.refreshClasses();
  }

  focus(): void {
    this.scroller.focus({ preventScroll: true });
  }

  // Scrolls span i into view (its ancestors must be expanded: reveal() first).
  scrollToSpan(i: number, mode: "center" | "nearest" = "center"): void {
    const r = rowOf(this.rows, i);
    if (r < 0) return;
    this.scrollToRow(r, mode);
  }

  scrollToRow(row: number, mode: "center" | "nearest" | "top"): void {
    const cur = this.scroller.scrollTop;
    const top =
      mode === "top"
        ? clamp(Math.round(row * ROW_HEIGHT), 0, Math.max(0, this.rows.length * ROW_HEIGHT - this.viewportH))
        : scrollTopFor(row, ROW_HEIGHT, this.viewportH, cur, mode, this.rows.length);
    if (top !== cur) {
      this.scroller.scrollTop = top;
      this.update();
    }
  }

  // ----- layout -----

  // Reads the sizes (and the scroll position) first, then writes: one layout, not one per
  // read after a write.
  private measure(): void {
    const vh = this.scroller.clientHeight;
    const width = this.scroller.clientWidth;
    const sb = this.scroller.offsetWidth - width;
    const top = this.scroller.scrollTop;
    this.viewportH = vh;
    if (sb !== this.sb) this.el.style.setProperty("--wf-sb", `${(this.sb = sb)}px`);
    const maxName = Math.max(200, width - 240);
    if (!this.nameWidthSet) this.setNameWidth(clamp(Math.round(width * 0.34), 220, 440));
    else if (this.nameWidth > maxName) this.setNameWidth(maxName);
    const tw = Math.max(0, width - this.nameWidth - 8 - 20);
    if (tw !== this.timelineW) {
      this.timelineW = tw;
      this.drawAxis();
    }
    const need = Math.ceil(vh / ROW_HEIGHT) + 2 * OVERSCAN + 2;
    if (need > this.pool.length) {
      while (this.pool.length < need) this.pool.push(this.makeSlot());
      for (const s of this.pool) s.row = -1; // row → slot mapping depends on the pool size
    }
    this.update(top);
  }

  private setNameWidth(w: number): void {
    if (Math.round(w) === this.nameWidth) return;
    this.nameWidth = Math.round(w);
    this.el.style.setProperty("--wf-name-w", `${this.nameWidth}px`);
    // Indentation: at most ~45% of the column for the deepest span.
    const levels = Math.min(MAX_INDENT_LEVELS, Math.max(1, this.model.maxDepth - 1));
    const indent = clamp(Math.floor((this.nameWidth * 0.45) / levels), MIN_INDENT, INDENT);
    if (indent !== this.indent) {
      this.indent = indent;
      for (const slot of this.pool) slot.index = -1; // rebind their indentation
      this.el.style.setProperty("--wf-indent", `${indent}px`);
      this.el.style.setProperty("--wf-guide", `${Math.min(indent - 1, 7)}px`);
    }
  }

  private startResize(e: PointerEvent): void {
    e.preventDefault();
    const target = e.currentTarget as HTMLElement;
    target.setPointerCapture(e.pointerId);
    const x0 = e.clientX;
    const w0 = this.nameWidth;
    const move = (ev: PointerEvent) => {
      const max = Math.max(200, this.scroller.clientWidth - 240);
      this.nameWidthSet = true;
      this.setNameWidth(clamp(w0 + ev.clientX - x0, 180, max));
    };
    const up = () => {
      target.removeEventListener("pointermove", move);
      target.removeEventListener("pointerup", up);
      target.removeEventListener("pointercancel", up);
      this.measure();
    };
    target.addEventListener("pointermove", move);
    target.addEventListener("pointerup", up);
    target.addEventListener("pointercancel", up);
  }

  private drawAxis(): void {
    const d = this.model.duration;
    const ticks = niceTicks(d, Math.max(2, Math.floor(this.timelineW / 90) + 1));
    const step = ticks.length > 1 ? ticks[1] - ticks[0] : d;
    const labels: HTMLElement[] = [];
    const lines: HTMLElement[] = [];
    for (const t of ticks) {
      const pct = d > 0 ? (t / d) * 100 : 0;
      const lab = h("span", { class: "wf-tick" }, formatTick(t, step));
      lab.style.left = `${pct}%`;
      if (t === 0) lab.classList.add("first");
      else if (pct > 96) lab.classList.add("last");
      labels.push(lab);
      const line = h("div", { class: "wf-gridline" });
      line.style.left = `${pct}%`;
      lines.push(line);
    }
    this.axisTicks.replaceChildren(...labels);
    this.grid.replaceChildren(...lines);
  }

  // ----- rendering -----

  private schedule(): void {
    if (!this.raf) {
      this.raf = requestAnimationFrame(() => {
        this.raf = 0;
        this.update();
      });
    }
  }

  // Binds the rows in view to pool slots. Reads scrollTop once, then only writes.
  private update(top = this.scroller.scrollTop): void {
    this.scrollTop = top;
    const [first, last] = rowRange(this.scrollTop, this.viewportH, ROW_HEIGHT, this.rows.length, OVERSCAN);
    const pool = this.pool;
    const size = pool.length;
    if (!size) return;
    for (let r = first; r <= last; r++) {
      const slot = pool[r % size];
      if (slot.row !== r) this.bind(slot, r);
    }
    for (const slot of pool) {
      const inRange = slot.row >= first && slot.row <= last;
      if (inRange === slot.hidden) {
        slot.hidden = !inRange;
        slot.el.style.display = inRange ? "" : "none";
      }
    }
    this.h.onViewport();
  }

  // Pool rows are copies of one row built once (cloneNode is native: ~10× cheaper than
  // building each of ~50 rows' 15 elements through h()).
  private template: HTMLElement | null = null;

  private makeSlot(): Slot {
    if (!this.template) {
      const err = h("span", { class: "wf-err", title: "Error" }, "!");
      const orphan = h("span", { class: "wf-orphan" }, "?");
      const count = h("span", { class: "wf-count" }, "");
      const skew = h("span", { class: "wf-skew", "data-testid": "skew-mark", role: "img", "aria-label": "clock adjusted" }, "\u0394t");
      skew.style.display = "none";
      err.style.display = "none";
      orphan.style.display = "none";
      count.style.display = "none";
      this.template = h(
        "div",
        { class: "wf-row", "data-testid": "span-row", role: "treeitem" },
        h(
          "div",
          { class: "wf-name" },
          h("span", { class: "wf-indent" }),
          h("span", { class: "wf-toggle", "data-testid": "toggle", role: "button", "aria-label": "Collapse" }),
          h("span", { class: "wf-mark" }),
          err,
          orphan,
          h("span", { class: "wf-svc" }, ""),
          h("span", { class: "wf-op" }, ""),
          count,
          skew,
        ),
        h(
          "div",
          { class: "wf-tl" },
          h("div", { class: "wf-bar" }),
          h("div", { class: "wf-ticks" }),
          h("span", { class: "wf-label" }, ""),
          h("div", { class: "wf-cp" }),
        ),
      );
      this.template.style.display = "none";
    }
    const el = this.template.cloneNode(true) as HTMLElement;
    const name = el.children[0] as HTMLElement;
    const tl = el.children[1] as HTMLElement;
    const part = (p: HTMLElement, i: number) => p.children[i] as HTMLElement;
    const count = part(name, 7);
    const label = part(tl, 2);
    this.spacer.appendChild(el);
    return {
      row: -1,
      index: -1,
      el,
      indent: part(name, 0),
      toggle: part(name, 1),
      mark: part(name, 2),
      err: part(name, 3),
      orphan: part(name, 4),
      svc: part(name, 5).firstChild as Text,
      op: part(name, 6).firstChild as Text,
      count,
      countText: count.firstChild as Text,
      bar: part(tl, 0),
      label,
      labelText: label.firstChild as Text,
      ticks: [],
      tickBox: part(tl, 1),
      cpBox: part(tl, 3),
      cpSegs: [],
      cpShown: 0,
      skew: part(name, 8),
      skewShown: false,
      cls: "wf-row",
      hidden: true,
      toggleCls: "wf-toggle",
      expanded: "",
      color: "",
      markColor: "",
      indentPx: -1,
      depth: -1,
      error: false,
      orphanShown: false,
      countShown: false,
      side: "",
      ticksShown: 0,
    };
  }

  private bind(slot: Slot, row: number): void {
    const i = this.rows[row];
    const s = this.spans[i];
    const total = this.model.duration;
    slot.row = row;
    const same = slot.index === i;
    slot.index = i;
    slot.el.style.transform = `translateY(${row * ROW_HEIGHT}px)`;
    this.applyClass(slot);
    const hasKids = s.childCount > 0;
    const collapsed = this.collapsed[i] === 1;
    const toggleCls = hasKids ? (collapsed ? "wf-toggle collapsed" : "wf-toggle") : "wf-toggle leaf";
    if (toggleCls !== slot.toggleCls) slot.toggle.className = slot.toggleCls = toggleCls;
    const expanded = hasKids ? (collapsed ? "false" : "true") : "";
    if (expanded !== slot.expanded) {
      slot.expanded = expanded;
      if (expanded) slot.el.setAttribute("aria-expanded", expanded);
      else slot.el.removeAttribute("aria-expanded");
    }
    if (collapsed) slot.countText.data = `+${s.subtreeSize - 1}`;
    if (collapsed !== slot.countShown) {
      slot.countShown = collapsed;
      slot.count.style.display = collapsed ? "" : "none";
    }
    if (same) return; // the span's own content is already there
    slot.el.setAttribute("data-span-id", s.spanId);
    if (s.depth !== slot.depth) {
      slot.depth = s.depth;
      slot.el.setAttribute("aria-level", String(s.depth + 1));
    }
    const indentPx = Math.min(s.depth, MAX_INDENT_LEVELS) * this.indent;
    if (indentPx !== slot.indentPx) {
      slot.indentPx = indentPx;
      slot.indent.style.width = `${indentPx}px`;
    }
    const svcColor = serviceColor(s.service);
    const color = s.error ? ERROR_COLOR : svcColor;
    if (svcColor !== slot.markColor) slot.mark.style.background = slot.markColor = svcColor;
    if (s.error !== slot.error) {
      slot.error = s.error;
      slot.err.style.display = s.error ? "" : "none";
    }
    if (s.missingParent) slot.orphan.title = `Its parent span ${s.parentSpanId} is not in this trace`;
    if (s.missingParent !== slot.orphanShown) {
      slot.orphanShown = s.missingParent;
      slot.orphan.style.display = s.missingParent ? "" : "none";
    }
    if (slot.svc.data !== s.service) slot.svc.data = s.service;
    if (slot.op.data !== s.name) slot.op.data = s.name;
    slot.el.title = `${s.service}: ${s.name}`;
    const startF = total > 0 ? s.start / total : 0;
    const durF = total > 0 ? s.duration / total : 1;
    const endF = startF + durF;
    const bs = slot.bar.style;
    bs.left = `${startF * 100}%`;
    bs.width = `${durF * 100}%`;
    if (color !== slot.color) bs.background = slot.color = color;
    let lab = this.durLabels[i];
    if (lab === undefined) lab = this.durLabels[i] = formatDuration(s.duration);
    if (slot.labelText.data !== lab) slot.labelText.data = lab;
    const side = labelSide(startF, endF);
    const ls = slot.label.style;
    if (side === "right") {
      ls.left = `${endF * 100}%`;
      if (slot.side !== side) ls.right = "";
    } else {
      if (slot.side === "right" || slot.side === "") ls.left = "";
      ls.right = `${(1 - (side === "left" ? startF : endF)) * 100}%`;
    }
    if (side !== slot.side) {
      slot.side = side;
      slot.label.className = `wf-label ${side}`;
    }
    // Event ticks: one element per event (up to MAX_EVENT_TICKS), created on demand.
    const ev = s.events;
    const nt = Math.min(ev.length, MAX_EVENT_TICKS);
    while (slot.ticks.length < nt) {
      const t = h("span", { class: "wf-evt" });
      slot.ticks.push(t);
      slot.tickBox.appendChild(t);
    }
    for (let k = 0; k < nt; k++) {
      const t = slot.ticks[k];
      if (k >= slot.ticksShown) t.style.display = "";
      t.style.left = `${total > 0 ? (ev[k].time / total) * 100 : 0}%`;
    }
    for (let k = nt; k < slot.ticksShown; k++) slot.ticks[k].style.display = "none";
    slot.ticksShown = nt;
    // The critical path's pieces of this span, over its bar.
    const cp = this.critical?.get(i);
    const ncp = cp ? cp.length >> 1 : 0;
    while (slot.cpSegs.length < ncp) {
      const seg = h("span", { class: "wf-cp-seg", "data-testid": "cp-seg" });
      slot.cpSegs.push(seg);
      slot.cpBox.appendChild(seg);
    }
    for (let k = 0; k < ncp; k++) {
      const st = slot.cpSegs[k].style;
      if (k >= slot.cpShown) st.display = "";
      st.left = `${total > 0 ? (cp![2 * k] / total) * 100 : 0}%`;
      st.width = `${total > 0 ? ((cp![2 * k + 1] - cp![2 * k]) / total) * 100 : 100}%`;
    }
    for (let k = ncp; k < slot.cpShown; k++) slot.cpSegs[k].style.display = "none";
    slot.cpShown = ncp;
    const sk = this.skewed?.get(i);
    if (sk !== undefined) slot.skew.title = formatSkew(sk);
    if ((sk !== undefined) !== slot.skewShown) {
      slot.skewShown = sk !== undefined;
      slot.skew.style.display = slot.skewShown ? "" : "none";
    }
  }

  private refreshClasses(): void {
    for (const slot of this.pool) if (slot.row >= 0) this.applyClass(slot);
  }

  private applyClass(slot: Slot): void {
    const i = slot.index;
    let c = "wf-row";
    if (this.spans[i].error) c += " wf-is-error";
    if (this.critical && this.critical.has(i)) c += " wf-on-cp";
    if (i === this.selected) c += " wf-is-selected";
    if (i === this.focused) c += " wf-is-focused";
    if (this.matchMask && this.matchMask[i]) c += i === this.currentMatch ? " wf-is-match wf-is-current" : " wf-is-match";
    if (c !== slot.cls) {
      slot.cls = c;
      slot.el.className = c;
    }
  }

  // ----- input -----

  private slotOf(target: EventTarget | null): Slot | undefined {
    const el = (target as Element | null)?.closest?.(".wf-row");
    if (!el) return undefined;
    return this.pool.find((s) => s.el === el);
  }

  private onClick(e: MouseEvent): void {
    const slot = this.slotOf(e.target);
    if (!slot || slot.row < 0) return;
    const i = slot.index;
    if ((e.target as Element).closest(".wf-toggle")) {
      this.focused = i;
      this.toggle(i);
      this.refreshClasses();
      return;
    }
    this.focused = i;
    this.h.onSelect(i);
  }

  private onKey(e: KeyboardEvent): void {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const n = this.rows.length;
    if (!n) return;
    let row = this.focused >= 0 ? rowOf(this.rows, this.focused) : -1;
    const s = this.focused >= 0 ? this.spans[this.focused] : undefined;
    const page = Math.max(1, Math.floor(this.viewportH / ROW_HEIGHT) - 1);
    let handled = true;
    switch (e.key) {
      case "ArrowDown":
        row = row < 0 ? this.firstInView() : Math.min(n - 1, row + 1);
        break;
      case "ArrowUp":
        row = row < 0 ? this.firstInView() : Math.max(0, row - 1);
        break;
      case "PageDown":
        row = Math.min(n - 1, (row < 0 ? this.firstInView() : row) + page);
        break;
      case "PageUp":
        row = Math.max(0, (row < 0 ? this.firstInView() : row) - page);
        break;
      case "Home":
        row = 0;
        break;
      case "End":
        row = n - 1;
        break;
      case "ArrowLeft":
        if (s && s.childCount > 0 && !this.isCollapsed(s.index)) this.setCollapsed(s.index, true);
        else if (s && s.parent >= 0) row = rowOf(this.rows, s.parent);
        break;
      case "ArrowRight":
        if (s && s.childCount > 0 && this.isCollapsed(s.index)) this.setCollapsed(s.index, false);
        else if (s && s.childCount > 0) row = rowOf(this.rows, s.index + 1);
        break;
      case "Enter":
      case " ":
        if (s) this.h.onSelect(s.index);
        break;
      case "Escape":
        this.h.onEscape?.();
        break;
      default:
        handled = false;
    }
    if (!handled) return;
    e.preventDefault();
    if (row >= 0 && row < n && this.rows[row] !== this.focused) {
      this.focused = this.rows[row];
      this.scrollToRow(row, "nearest");
      this.refreshClasses();
    }
  }

  private firstInView(): number {
    return Math.min(this.rows.length - 1, Math.ceil(this.scroller.scrollTop / ROW_HEIGHT));
  }
}
