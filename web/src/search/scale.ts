// Axis scales and ticks for the scatter plot (pure; unit-tested).
import { formatDuration } from "../format";

export interface Scale {
  (v: number): number; // domain → pixels
  domain: [number, number];
  range: [number, number];
  ticks: { value: number; label: string }[];
}

// "Nice" steps 1, 2, 5 × 10^k covering [lo, hi] with about `count` ticks.
export function niceStep(span: number, count: number): number {
  if (!(span > 0)) return 1;
  const raw = span / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

export function linearTicks(lo: number, hi: number, count = 5): number[] {
  const step = niceStep(hi - lo, count);
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

// A duration axis (nanoseconds). Linear from 0, or logarithmic with ticks at 1, 2, 5 ×
// 10^k ns (thinned to about `count`) when the durations span more than a decade or so.
export function durationScale(
  values: number[],
  range: [number, number],
  mode: "auto" | "log" | "linear" = "auto",
  count = 5,
): Scale & { log: boolean } {
  const pos = values.filter((v) => v > 0);
  let lo = pos.length ? Math.min(...pos) : 1;
  let hi = pos.length ? Math.max(...pos) : 1;
  const log = mode === "log" || (mode === "auto" && hi / lo > 20);
  let ticks: number[];
  let f: (v: number) => number;
  if (log) {
    lo = Math.pow(10, Math.floor(Math.log10(lo)));
    hi = Math.pow(10, Math.ceil(Math.log10(hi * 1.0001)));
    if (hi <= lo) hi = lo * 10;
    const all: number[] = [];
    for (let e = Math.log10(lo); e <= Math.log10(hi) + 1e-9; e++) {
      const base = Math.pow(10, Math.round(e));
      for (const m of [1, 2, 5]) if (base * m >= lo && base * m <= hi * 1.0001) all.push(base * m);
    }
    const decades = all.filter((_, i) => i % 3 === 0);
    ticks = all.length <= count * 1.6 ? all : decades;
    const l0 = Math.log10(lo);
    const l1 = Math.log10(hi);
    f = (v) => range[0] + ((Math.log10(Math.max(v, lo)) - l0) / (l1 - l0)) * (range[1] - range[0]);
  } else {
    lo = 0;
    const step = niceStep(hi, count);
    hi = Math.max(step, Math.ceil((hi * 1.05) / step) * step);
    ticks = linearTicks(lo, hi, count);
    f = (v) => range[0] + ((v - lo) / (hi - lo)) * (range[1] - range[0]);
  }
  const scale = f as Scale & { log: boolean };
  scale.domain = [lo, hi];
  scale.range = range;
  scale.ticks = ticks.map((v) => ({ value: v, label: v === 0 ? "0" : formatDuration(v) }));
  scale.log = log;
  return scale;
}

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const TIME_STEPS = [
  SEC, 2 * SEC, 5 * SEC, 10 * SEC, 15 * SEC, 30 * SEC,
  MIN, 2 * MIN, 5 * MIN, 10 * MIN, 15 * MIN, 30 * MIN,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY,
];

// A wall-clock axis in milliseconds; ticks on round local times ("14:05", "14:05:30",
// "Dec 4" at midnight). A zero-width domain is widened to a minute around it.
export function timeScale(lo: number, hi: number, range: [number, number], count = 6): Scale {
  if (!(hi > lo)) {
    lo -= 30 * SEC;
    hi += 30 * SEC;
  }
  const pad = (hi - lo) * 0.03;
  lo -= pad;
  hi += pad;
  const want = (hi - lo) / count;
  const step = TIME_STEPS.find((s) => s >= want) ?? Math.ceil(want / DAY) * DAY;
  // Ticks fall on round local times: local wall-clock ms = UTC ms − offset.
  const off = new Date(lo).getTimezoneOffset() * MIN;
  const first = Math.ceil((lo - off) / step) * step + off;
  const ticks: { value: number; label: string }[] = [];
  for (let v = first; v <= hi; v += step) ticks.push({ value: v, label: timeLabel(v, step) });
  const f = ((v: number) => range[0] + ((v - lo) / (hi - lo)) * (range[1] - range[0])) as Scale;
  f.domain = [lo, hi];
  f.range = range;
  f.ticks = ticks;
  return f;
}

function timeLabel(ms: number, step: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  if (step >= DAY || (d.getHours() === 0 && d.getMinutes() === 0 && d.getSeconds() === 0 && step >= HOUR))
    return d.toLocaleDateString("en", { month: "short", day: "numeric" });
  if (step < MIN) return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return `${p(d.getHours())}:${p(d.getMinutes())}`;
}
