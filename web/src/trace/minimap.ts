// The minimap: every visible row of the waterfall as a thin bar on one canvas (x: time
// over the whole trace, y: row), and a rectangle over the rows in view. Drawn once per
// collapse/expand or resize (one Path2D per color while rows are a pixel or more tall;
// beyond that straight into the pixels, so 100k rows cost one pass); scrolling only moves
// the rectangle. Click or drag on it scrolls the waterfall.
import { h } from "../dom";
import { serviceColor } from "../format";
import type { Span, TraceModel } from "./model";
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

  // Reads its width now (call it together with the other reads of a first layout, before
  // anything is written: then drawing does not force a layout of its own).
  measure(): void {
    this.width = this.el.clientWidth;
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
    const w = this.width || this.el.clientWidth;
    if (!w) return;
    this.width = w; // the ResizeObserver's first call (this width) draws nothing again
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
    this.rowPx = Math.min(MAX_ROW_PX, HEIGHT / n);
    const rowH = this.rowPx * dpr;
    const barH = Math.max(1, rowH >= 3 ? rowH - 1 : rowH);
    if (rowH >= 1) this.drawBars(ctx, cw, rowH, barH);
    else this.drawDense(ctx, cw, ch, rowH);
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

  // A row a pixel or more tall: one rectangle per row (one Path2D per color).
  private drawBars(ctx: CanvasRenderingContext2D, cw: number, rowH: number, barH: number): void {
    const rows = this.rows;
    const spans = this.model.spans;
    const scaleX = cw / (this.model.duration || 1);
    const paths = new Map<string, Path2D>();
    let errors: Path2D | null = null;
    for (let r = 0; r < rows.length; r++) {
      const s = spans[rows[r]];
      let p: Path2D | undefined;
      if (s.error) p = errors ??= new Path2D();
      else {
        const c = serviceColor(s.service);
        p = paths.get(c);
        if (!p) paths.set(c, (p = new Path2D()));
      }
      p.rect(s.start * scaleX, r * rowH, Math.max(1, s.duration * scaleX), barH);
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
  }

  // More rows than pixels (a trace of thousands of spans): the rows are painted into the
  // canvas's pixels directly, several to a pixel row (the last one wins, errors on top).
  // Cost: one pass over the rows and one write per pixel covered, not 100k sub-pixel
  // rectangles for the canvas to rasterise.
  private drawDense(ctx: CanvasRenderingContext2D, cw: number, ch: number, rowH: number): void {
    const rows = this.rows;
    const spans = this.model.spans;
    const scaleX = cw / (this.model.duration || 1);
    const img = ctx.createImageData(cw, ch);
    const px = new Uint32Array(img.data.buffer);
    const colors = new Map<string, number>();
    const err = rgba(ERROR_COLOR, 255);
    const paint = (r: number, color: number, s: Span) => {
      const y = Math.min(ch - 1, Math.floor(r * rowH));
      const x0 = Math.min(cw - 1, Math.max(0, Math.floor(s.start * scaleX)));
      const x1 = Math.min(cw, Math.max(x0 + 1, Math.ceil((s.start + s.duration) * scaleX)));
      px.fill(color, y * cw + x0, y * cw + x1);
    };
    let anyError = false;
    for (let r = 0; r < rows.length; r++) {
      const s = spans[rows[r]];
      if (s.error) {
        anyError = true;
        continue;
      }
      let c = colors.get(s.service);
      if (c === undefined) colors.set(s.service, (c = rgba(serviceColor(s.service), 217)));
      paint(r, c, s);
    }
    if (anyError)
      for (let r = 0; r < rows.length; r++) {
        const s = spans[rows[r]];
        if (s.error) paint(r, err, s);
      }
    ctx.putImageData(img, 0, 0);
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

// "#rrggbb" and an alpha as one pixel of an ImageData's Uint32Array (little-endian: ABGR).
function rgba(hex: string, alpha: number): number {
  const v = parseInt(hex.slice(1), 16);
  return ((alpha << 24) | ((v & 0xff) << 16) | (v & 0xff00) | ((v >> 16) & 0xff)) >>> 0;
}
