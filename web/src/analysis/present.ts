// How the analysis views say things: shares, deltas, lifts and p-values as text, bands as
// stacked bar segments, compare rows' labels. No DOM; unit-tested (present.test.ts).
import { formatDuration, PALETTE, serviceColor } from "../format";
import type { Band, BandShare, CohortFeature, NodeSide } from "./answers";

// 0.41 → "41%", 0.0333 → "3.3%", 0.0004 → "<0.1%", 1 → "100%".
export function formatPercent(x: number): string {
  if (!Number.isFinite(x)) return "–";
  const p = x * 100;
  if (p === 0) return "0%";
  if (Math.abs(p) < 0.1) return p < 0 ? ">-0.1%" : "<0.1%";
  if (Math.abs(p) < 10) return `${trimZero(p.toFixed(1))}%`;
  return `${Math.round(p)}%`;
}

// Trailing zeros of a fraction: "2.50" → "2.5", "2.0" → "2".
function trimZero(s: string): string {
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

// A signed difference of durations: "+12.3ms", "−1.2s" (a real minus sign), "±0".
export function formatDelta(ns: number): string {
  if (!Number.isFinite(ns)) return "–";
  if (ns === 0) return "±0";
  const d = formatDuration(Math.abs(ns));
  return ns > 0 ? `+${d}` : `\u2212${d}`;
}

// Relative change b against a: "+25%", "−50%"; "new" when a is 0 and b is not.
export function formatRelative(a: number, b: number): string {
  if (a === 0) return b === 0 ? "" : "new";
  const r = (b - a) / a;
  if (r === 0) return "±0%";
  const t = formatPercent(Math.abs(r));
  return r > 0 ? `+${t}` : `\u2212${t}`;
}

// Slower (B took longer), faster or the same, for colouring a delta cell. Differences
// under `tolerance` of the larger side count as the same.
export function deltaKind(a: number, b: number, tolerance = 0.02): "slower" | "faster" | "same" {
  const m = Math.max(Math.abs(a), Math.abs(b));
  if (m === 0 || Math.abs(b - a) <= m * tolerance) return "same";
  return b > a ? "slower" : "faster";
}

export function sideLabel(side: NodeSide): string {
  return side === "onlyA" ? "only in A" : side === "onlyB" ? "only in B" : "";
}

// "+12.3ms" for the attribute weft.skew.adjust_ns.
export function formatSkew(ns: number): string {
  return `clock adjusted by ${ns > 0 ? "+" : ns < 0 ? "\u2212" : "±"}${formatDuration(Math.abs(ns))}`;
}

// ---- bands -------------------------------------------------------------------------

const BAND_LABELS: Record<string, string> = {
  all: "All traces",
  median: "Median (40–60 %)",
  slowest5: "Slowest 5 %",
  slowest1: "Slowest 1 %",
};

export function bandLabel(band: string): string {
  return BAND_LABELS[band] ?? band;
}

// Bands in the order they are shown (all, median, slowest 5 %, slowest 1 %, then any other).
export function orderBands(bands: Band[]): Band[] {
  const rank = (b: string) => {
    const i = ["all", "median", "slowest5", "slowest1"].indexOf(b);
    return i < 0 ? 99 : i;
  };
  return [...bands].sort((x, y) => rank(x.band) - rank(y.band));
}

export interface BarSegment {
  key: string; // "service\u0000operation", "" for the "other" segment
  service: string;
  operation: string;
  share: number; // of the band's critical-path time
  left: number; // percent of the bar's width
  width: number; // percent
  color: string;
  title: string;
  other: boolean;
}

export const OTHER_COLOR = "#c9ced6";

// A band's stacked bar: one segment per service × operation, most first, each as wide as
// its share; shares under `minShare` (and any past the `max`-th) go into one "other"
// segment at the end. Shares are of the band's critical-path time and add up to at most
// 1; a bar whose shares add up to less leaves the rest empty.
export interface SegmentOptions {
  minShare?: number;
  max?: number;
  color?: (service: string) => string; // serviceColor by default
}

export function bandSegments(shares: BandShare[], opts: SegmentOptions = {}): BarSegment[] {
  const color = opts.color ?? serviceColor;
  const minShare = opts.minShare ?? 0.01;
  const max = Math.max(1, opts.max ?? 12);
  const sorted = [...shares].filter((s) => s.share > 0).sort((a, b) => b.share - a.share);
  const out: BarSegment[] = [];
  let left = 0;
  let other = 0;
  let otherCount = 0;
  for (const s of sorted) {
    if (s.share < minShare || out.length >= max) {
      other += s.share;
      otherCount++;
      continue;
    }
    const width = clampPct(s.share * 100, left);
    out.push({
      key: `${s.service}\u0000${s.operation}`,
      service: s.service,
      operation: s.operation,
      share: s.share,
      left,
      width,
      color: color(s.service),
      title: shareTitle(s),
      other: false,
    });
    left += width;
  }
  if (other > 0) {
    const width = clampPct(other * 100, left);
    out.push({
      key: "",
      service: "",
      operation: "",
      share: other,
      left,
      width,
      color: OTHER_COLOR,
      title: `${otherCount} other operation${otherCount === 1 ? "" : "s"}: ${formatPercent(other)} of the critical path`,
      other: true,
    });
  }
  return out;
}

function clampPct(w: number, left: number): number {
  return Math.max(0, Math.min(w, 100 - left));
}

export function shareTitle(s: BandShare): string {
  let t = `${s.service}: ${s.operation} — ${formatPercent(s.share)} of the critical path`;
  if (s.medianShare !== null) t += ` (median traces: ${formatPercent(s.medianShare)})`;
  if (s.meanNanos > 0) t += `, ${formatDuration(s.meanNanos)} per trace`;
  return t;
}

// The services of all bands' segments for the legend, in order of first appearance.
export function legend(bands: Band[], opts?: SegmentOptions): { service: string; color: string }[] {
  const seen = new Map<string, string>();
  let other = false;
  for (const b of bands)
    for (const s of bandSegments(b.shares, opts)) {
      if (s.other) other = true;
      else if (!seen.has(s.service)) seen.set(s.service, s.color);
    }
  const out = [...seen].map(([service, color]) => ({ service, color }));
  if (other) out.push({ service: "other", color: OTHER_COLOR });
  return out;
}

// A colour per service for one view where they must tell apart: each its serviceColor
// (as on every page) unless an earlier one took it, then the next free palette colour
// after it (the palette has 20; past that colours repeat).
export function distinctColors(services: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const s of services) {
    if (out.has(s)) continue;
    let c = serviceColor(s);
    if (taken.has(c) && taken.size < PALETTE.length) {
      const start = PALETTE.indexOf(c);
      for (let k = 1; k <= PALETTE.length; k++) {
        const next = PALETTE[(start + k) % PALETTE.length];
        if (!taken.has(next)) {
          c = next;
          break;
        }
      }
    }
    taken.add(c);
    out.set(s, c);
  }
  return out;
}

// ---- cohorts ---------------------------------------------------------------------------

export function featureLabel(f: CohortFeature): string {
  return f.value !== null && f.value !== "" ? `${f.name}=${f.value}` : f.name;
}

// "22.6×", "only in the selection" (no baseline), "1.05×".
export function formatLift(lift: number | null): string {
  if (lift === null) return "only selected";
  if (!Number.isFinite(lift)) return "–";
  return lift >= 10 ? `${Math.round(lift)}×` : `${trimZero(lift.toFixed(lift >= 1 ? 1 : 2))}×`;
}

// "p < 0.001", "p = 0.03", with a word for how sure: strong (p < 0.001), good (< 0.01),
// weak (< 0.05), none.
export function significance(p: number): { text: string; level: "strong" | "good" | "weak" | "none" } {
  if (!Number.isFinite(p)) return { text: "–", level: "none" };
  const level = p < 0.001 ? "strong" : p < 0.01 ? "good" : p < 0.05 ? "weak" : "none";
  const text = p < 0.001 ? "p < 0.001" : `p = ${p < 0.01 ? p.toFixed(3) : trimZero(p.toFixed(2))}`;
  return { text, level };
}

// The search for the traces a feature marks (attribute features only: key=value is a
// search tag), or null.
export function featureSearchTag(f: CohortFeature): string | null {
  if (f.kind !== "attribute" || f.value === null) return null;
  return `${f.name}=${f.value}`;
}
