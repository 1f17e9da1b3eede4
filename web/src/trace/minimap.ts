// The minimap: every visible row of the waterfall as a thin bar on one canvas (x: time
// over the whole trace, y: row), and a rectangle over the rows in view. Drawn once per
// collapse/expand or resize (one Path2D per color, so 100k rows cost one pass and ~20
// fills); scrolling only moves the rectangle. Click or drag on it scrolls the waterfall.
import { h } from "../dom";
import { serviceColor } from "../format";
import type { TraceModel } from "./model";
import { clamp } from "./view_logic";
import "./minimap.css";

const HEIGHT = 56;
const MAX_ROW_PX = 8;
const ERROR_COLOR = "#d93025";
const MATCH_COLOR = "#e0a800";

export class Minimap {
  readonly el: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly view: HTMLElement;
  private readonly model: TraceModel;
  private rows: Int32Array = new Int32Array(0);
  private matches: Int32Array | null = null;
  private rowPx = 1; // height of one row on the canvas, CSS px
  private width = 0;
  private readonly ro: ResizeObserver;
  private readonly onScrollTo: (row: number) => void;
  private rowOfSpan: ((i: number) => number) | null = null;

  // onScrollTo(row): center the waterfall on that row (a fraction of a row is fine).
  constructor(model: TraceModel, onScrollTo: (row: number) => void) {
    this.model = model;
    this.onScrollTo = onScrollTo;
    this.canvas = h("canvas", { class: "mm-canvas", "aria-hidden": "true" });
    this.view = h("div", { class: "mm-view" });
    this.el = h(
      "div",
      {
        class: "minimap",
        "data-testid": "minimap",
        title: "Overview: click or drag to scroll",
        onpointerdown: (e: Event) => this.onPointerDown(e as PointerEvent),
      },
      this.canvas,
      this.view,
    );
    this.el.style.height = `${HEIGHT}px`;
    this.ro = new ResizeObserver(() => {
      const w = this.el.clientWidth;
      if (w !== this.width) {
        this.width = w;
        this.draw();
      }
    });
    this.ro.observe(this.el);
  }

  destroy(): void {
    this.ro.disconnect();
  }

  // New visible rows (after collapse/expand): redraw everything.
  setRows(rows: Int32Array, rowOfSpan: (i: number) => number): void {
    this.rows = rows;
    this.rowOfSpan = rowOfSpan;
    this.draw();
  }

  setMatches(matches: Int32Array | null): void {
    this.matches = matches && matches.length ? matches : null;
    this.draw();
  }

  // Rows in view: first (fractional) row and how many rows the viewport holds.
  setViewport(first: number, count: number): void {
    const n = this.rows.length;
    if (!n) return;
    const px = this.rowPx;
    const top = first * px;
    const height = Math.max(4, Math.min(count, n) * px);
    this.view.style.transform = `translateY(${clamp(top, 0, Math.max(0, HEIGHT - height))}px)`;
    this.view.style.height = `${Math.min(HEIGHT, height)}px`;
  }

  private draw(): void {
    const w = this.el.clientWidth || this.width;
    if (!w) return;
    const dpr = window.devicePixelRatio || 1;
    const cw = Math.round(w * dpr);
    const ch = Math.round(HEIGHT * dpr);
    if (this.canvas.width !== cw) this.canvas.width = cw;
    if (this.canvas.height !== ch) this.canvas.height = ch;
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${HEIGHT}px`;
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, cw, ch);
    const rows = this.rows;
    const n = rows.length;
    if (!n) return;
    const spans = this.model.spans;
    const total = this.model.duration || 1;
    this.rowPx = Math.min(MAX_ROW_PX, HEIGHT / n);
    const rowH = this.rowPx * dpr;
    const barH = Math.max(1, rowH >= 3 ? rowH - 1 : rowH);
    const scaleX = cw / total;
    const paths = new Map<string, Path2D>();
    let errors: Path2D | null = null;
    for (let r = 0; r < n; r++) {
      const s = spans[rows[r]];
      const x = s.start * scaleX;
      const bw = Math.max(1, s.duration * scaleX);
      const y = r * rowH;
      let p: Path2D | undefined;
      if (s.error) p = errors ??= new Path2D();
      else {
        const c = serviceColor(s.service);
        p = paths.get(c);
        if (!p) paths.set(c, (p = new Path2D()));
      }
      p.rect(x, y, bw, barH);
    }
    ctx.globalAlpha = 0.85;
    for (const [c, p] of paths) {
      ctx.fillStyle = c;
      ctx.fill(p);
    }
    ctx.globalAlpha = 1;
    if (errors) {
      ctx.fillStyle = ERROR_COLOR;
      ctx.fill(errors);
    }
    // Search matches: a mark at the right edge of each matching row.
    if (this.matches && this.rowOfSpan) {
      ctx.fillStyle = MATCH_COLOR;
      const mw = Math.round(6 * dpr);
      for (const i of this.matches) {
        const r = this.rowOfSpan(i);
        if (r >= 0) ctx.fillRect(cw - mw, r * rowH, mw, Math.max(2 * dpr, barH));
      }
    }
  }

  private onPointerDown(e: PointerEvent): void {
    if (e.button !== 0) return;
    e.preventDefault();
    const el = this.el;
    el.setPointerCapture(e.pointerId);
    el.classList.add("dragging");
    const go = (ev: PointerEvent) => {
      const y = ev.clientY - el.getBoundingClientRect().top;
      if (this.rowPx > 0) this.onScrollTo(clamp(y / this.rowPx, 0, this.rows.length));
    };
    go(e);
    const up = () => {
      el.classList.remove("dragging");
      el.removeEventListener("pointermove", go);
      el.removeEventListener("pointerup", up);
      el.removeEventListener("pointercancel", up);
    };
    el.addEventListener("pointermove", go);
    el.addEventListener("pointerup", up);
    el.addEventListener("pointercancel", up);
  }
}
