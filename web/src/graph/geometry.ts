// Drawing helpers for the service map (pure): edge paths through the layout's points,
// arrow heads, where to put edge labels, and edge styling by volume and error rate.
import type { Point } from "./layout";

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

// A smooth path through the points: horizontal runs stay straight, every other step is a
// cubic curve with horizontal tangents (so edges leave and enter nodes horizontally).
export function edgePath(pts: Point[]): string {
  if (pts.length < 2) return "";
  const f = (n: number) => (Math.round(n * 10) / 10).toString();
  let d = `M${f(pts[0].x)},${f(pts[0].y)}`;
  for (let i = 1; i < pts.length; i++) {
    const p = pts[i - 1];
    const q = pts[i];
    if (Math.abs(p.y - q.y) < 0.5) d += ` L${f(q.x)},${f(q.y)}`;
    else {
      const mx = (p.x + q.x) / 2;
      d += ` C${f(mx)},${f(p.y)} ${f(mx)},${f(q.y)} ${f(q.x)},${f(q.y)}`;
    }
  }
  return d;
}

// The points with the last one pulled back by `by` along its (horizontal) direction, so
// the stroke ends at the arrow head's base instead of poking through its tip.
export function shortenEnd(pts: Point[], by: number): Point[] {
  if (pts.length < 2) return pts;
  const out = pts.map((p) => ({ ...p }));
  const q = out[out.length - 1];
  const p = out[out.length - 2];
  const dir = Math.sign(q.x - p.x) || 1;
  q.x -= dir * Math.min(by, Math.abs(q.x - p.x) / 2);
  return out;
}

// A triangle with its tip at the last point, pointing the way the edge arrives.
export function arrowHead(pts: Point[], len = 8, half = 4.5): string {
  const q = pts[pts.length - 1];
  const p = pts[pts.length - 2];
  const dir = Math.sign(q.x - p.x) || 1;
  const bx = q.x - dir * len;
  return `M${q.x},${q.y} L${bx},${q.y - half} L${bx},${q.y + half} Z`;
}

// The point at parameter t on the segment pts[i] → pts[i+1] as edgePath draws it.
export function pointOnSegment(p: Point, q: Point, t: number): Point {
  if (Math.abs(p.y - q.y) < 0.5) return { x: p.x + (q.x - p.x) * t, y: p.y };
  const mx = (p.x + q.x) / 2;
  const u = 1 - t;
  const x = u * u * u * p.x + 3 * u * u * t * mx + 3 * u * t * t * mx + t * t * t * q.x;
  const y = u * u * u * p.y + 3 * u * u * t * p.y + 3 * u * t * t * q.y + t * t * t * q.y;
  return { x, y };
}

function intersects(a: Box, b: Box, pad = 2): boolean {
  return a.x < b.x + b.width + pad && b.x < a.x + a.width + pad && a.y < b.y + b.height + pad && b.y < a.y + a.height + pad;
}

// Where an edge's label goes: on a step between two columns (segments 0→1, 2→3, … — the
// others run through a column), trying the middle step first and a few positions along it,
// the first spot that overlaps no node and no label placed so far. `taken` grows.
export function placeLabel(pts: Point[], w: number, h: number, taken: Box[]): Box {
  const segs: number[] = [];
  for (let i = 0; i + 1 < pts.length; i += 2) segs.push(i);
  const mid = (segs.length - 1) / 2;
  segs.sort((a, b) => Math.abs(a / 2 - mid) - Math.abs(b / 2 - mid));
  let first: Box | null = null;
  for (const t of [0.5, 0.35, 0.65, 0.22, 0.78]) {
    for (const i of segs) {
      const c = pointOnSegment(pts[i], pts[i + 1], t);
      const box = { x: c.x - w / 2, y: c.y - h / 2, width: w, height: h };
      first ??= box;
      if (!taken.some((b) => intersects(b, box))) {
        taken.push(box);
        return box;
      }
    }
  }
  taken.push(first!);
  return first!;
}

// Stroke width by call volume (sqrt: a 100× busier edge is 10× more, capped).
export function edgeWidth(calls: number, maxCalls: number): number {
  if (maxCalls <= 0) return 1.5;
  return 1.25 + 3 * Math.sqrt(Math.max(0, calls) / maxCalls);
}

// Gray for no errors, toward red with the error rate (10% and more: fully red; any error
// at all shows a tint).
export function edgeColor(calls: number, errors: number): string {
  if (errors <= 0 || calls <= 0) return "#9aa6b2";
  const t = Math.min(1, Math.max(0.2, Math.sqrt((errors / calls) * 10)));
  const mix = (a: number, b: number) => Math.round(a + (b - a) * t);
  return `rgb(${mix(0x9a, 0xd3)},${mix(0xa6, 0x2f)},${mix(0xb2, 0x2f)})`;
}

// 950, 1.2k, 34k, 1.2M.
export function compact(n: number): string {
  if (n < 1000) return String(n);
  if (n < 10_000) return `${(n / 1000).toFixed(1).replace(/\.0$/, "")}k`;
  if (n < 1_000_000) return `${Math.round(n / 1000)}k`;
  return `${(n / 1e6).toFixed(1).replace(/\.0$/, "")}M`;
}

// Fit a w×h drawing into a W×H viewport with a margin: scale (at most `maxScale`) and the
// translation that centers it.
export function fit(w: number, h: number, W: number, H: number, margin = 24, maxScale = 1, minScale = 0.1) {
  const k = Math.max(minScale, Math.min(maxScale, (W - 2 * margin) / Math.max(1, w), (H - 2 * margin) / Math.max(1, h)));
  return { k, x: (W - w * k) / 2, y: (H - h * k) / 2 };
}

// Zoom by `factor` about the viewport point (px, py), keeping it fixed.
export function zoomAt(v: { k: number; x: number; y: number }, factor: number, px: number, py: number, min = 0.1, max = 4) {
  const k = Math.max(min, Math.min(max, v.k * factor));
  const f = k / v.k;
  return { k, x: px - (px - v.x) * f, y: py - (py - v.y) * f };
}
