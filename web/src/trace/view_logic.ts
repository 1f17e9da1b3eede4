// Pure logic of the trace view (no DOM): which rows are visible, which rows a scroll
// position shows, time-axis ticks, in-trace search, a size-capped pretty JSON printer.
// Everything here is unit-tested (view_logic.test.ts).
import { valueText } from "../format";
import type { KeyValue } from "../types";

// Rows shown by the waterfall: spans in depth-first order minus the descendants of
// collapsed spans. subtreeSize[i] spans starting at i form span i's subtree, so a
// collapsed span skips its whole range in one step: O(visible rows), not O(spans).
// `out` (length ≥ n) is reused to avoid allocating on every collapse.
export function visibleRows(
  subtreeSize: ArrayLike<number>,
  collapsed: ArrayLike<number>,
  out?: Int32Array,
): Int32Array {
  const n = subtreeSize.length;
  const rows = out && out.length >= n ? out : new Int32Array(n);
  let k = 0;
  let i = 0;
  while (i < n) {
    rows[k++] = i;
    i += collapsed[i] ? Math.max(1, subtreeSize[i]) : 1;
  }
  return rows.subarray(0, k);
}

// Row of span `index` in `rows` (sorted ascending: depth-first order), or -1 if hidden.
export function rowOf(rows: Int32Array, index: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = rows[mid];
    if (v === index) return mid;
    if (v < index) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

// First and last row (inclusive) to have in the DOM for a scroll position.
export function rowRange(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  rowCount: number,
  overscan: number,
): [number, number] {
  if (rowCount <= 0) return [0, -1];
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(rowCount - 1, Math.ceil((scrollTop + viewportHeight) / rowHeight) + overscan - 1);
  return [first, Math.max(first - 1, last)];
}

// scrollTop that shows `row`: "center" puts it in the middle; "nearest" scrolls the least
// (returns the current scrollTop if the row is already fully in view).
export function scrollTopFor(
  row: number,
  rowHeight: number,
  viewportHeight: number,
  current: number,
  mode: "center" | "nearest",
  rowCount: number,
): number {
  const max = Math.max(0, rowCount * rowHeight - viewportHeight);
  const top = row * rowHeight;
  let t: number;
  if (mode === "center") t = top - (viewportHeight - rowHeight) / 2;
  else if (top < current) t = top;
  else if (top + rowHeight > current + viewportHeight) t = top + rowHeight - viewportHeight;
  else t = current;
  return Math.min(max, Math.max(0, Math.round(t)));
}

// Time-axis ticks: multiples of a "nice" step (1, 2 or 5 × 10^k ns) from 0 to duration,
// at most maxTicks of them (maxTicks ≥ 2).
export function niceTicks(duration: number, maxTicks: number): number[] {
  if (!(duration > 0)) return [0];
  const n = Math.max(2, Math.floor(maxTicks));
  const raw = duration / (n - 1);
  const pow = Math.pow(10, Math.floor(Math.log10(raw)));
  let step = pow;
  for (const m of [1, 2, 2.5, 5, 10]) {
    step = m * pow;
    if (step >= raw) break;
  }
  const ticks: number[] = [];
  for (let k = 0; ; k++) {
    const t = k * step;
    if (t > duration * (1 + 1e-9)) break;
    ticks.push(t);
  }
  return ticks;
}

// A tick label in the unit of the step between ticks, so all labels read alike:
// 0ms 50ms 100ms, or 0s 0.5s 1s 1.5s.
export function formatTick(t: number, step: number): string {
  const units: [number, string][] = [
    [1e9, "s"],
    [1e6, "ms"],
    [1e3, "µs"],
    [1, "ns"],
  ];
  let [div, unit] = units[units.length - 1];
  for (const [d, u] of units) {
    if (step >= d / 10) {
      div = d;
      unit = u;
      break;
    }
  }
  const v = t / div;
  const sv = step / div;
  let decimals = 0;
  while (decimals < 3 && Math.abs(Math.round(sv * 10 ** decimals) - sv * 10 ** decimals) > 1e-6) decimals++;
  return `${Number(v.toFixed(decimals))}${unit}`;
}

// Where the duration label of a bar goes: after the bar when there is room on the right,
// else before it, else (a bar across nearly the whole timeline) inside its right end.
// Fractions are of the timeline's width.
export function labelSide(startFrac: number, endFrac: number): "right" | "left" | "inside" {
  if (endFrac <= 0.86) return "right";
  if (startFrac >= 0.14) return "left";
  return "inside";
}

// The text a query matches for one span: name, service, span ID, each attribute as
// key=value (so "http.method", "GET" and "http.method=GET" all match), event names and
// the status message, lowercased and
// separated by a character a query cannot contain (\u0001): a query never matches
// across two fields.
export interface Searchable {
  name: string;
  service: string;
  spanId: string;
  attributes: KeyValue[];
  events?: { name: string }[];
  statusMessage?: string;
}

export function haystack(s: Searchable): string {
  let t = s.name + "\u0001" + s.service + "\u0001" + s.spanId;
  for (const a of s.attributes) t += "\u0001" + a.key + "=" + valueText(a.value);
  if (s.events) for (const e of s.events) t += "\u0001" + e.name;
  if (s.statusMessage) t += "\u0001" + s.statusMessage;
  return t.toLowerCase();
}

// Indices (ascending) of the spans whose haystack contains the query (case-insensitive
// substring). An empty query matches nothing.
export function findMatches(haystacks: readonly string[], query: string): Int32Array {
  const q = query.trim().toLowerCase().replace(/\u0001/g, "");
  if (!q) return new Int32Array(0);
  const out: number[] = [];
  for (let i = 0; i < haystacks.length; i++) if (haystacks[i].includes(q)) out.push(i);
  return Int32Array.from(out);
}

// Index into `matches` of the first match at or after span `from` (wrapping to 0).
export function nextMatchFrom(matches: Int32Array, from: number): number {
  if (!matches.length) return -1;
  let lo = 0;
  let hi = matches.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (matches[mid] < from) lo = mid + 1;
    else hi = mid;
  }
  return lo < matches.length ? lo : 0;
}

// Pretty JSON (2-space indent, like JSON.stringify(v, null, 2)) of at most about
// maxChars characters: a 100k-span trace is tens of MB, and the raw view shows the start.
export function prettyJson(value: unknown, maxChars: number): { text: string; truncated: boolean } {
  const parts: string[] = [];
  let size = 0;
  let truncated = false;
  const push = (s: string) => {
    parts.push(s);
    size += s.length;
    if (size >= maxChars) truncated = true;
  };
  const write = (v: unknown, indent: string): void => {
    if (truncated) return;
    if (v === null || typeof v !== "object") {
      const s = JSON.stringify(v);
      push(s === undefined ? "null" : s);
      return;
    }
    const inner = indent + "  ";
    if (Array.isArray(v)) {
      if (!v.length) return push("[]");
      push("[\n");
      for (let i = 0; i < v.length && !truncated; i++) {
        push(inner);
        write(v[i], inner);
        if (i < v.length - 1) push(",\n");
      }
      if (!truncated) push("\n" + indent + "]");
      return;
    }
    const keys = Object.keys(v as object).filter((k) => (v as Record<string, unknown>)[k] !== undefined);
    if (!keys.length) return push("{}");
    push("{\n");
    keys.forEach((k, i) => {
      if (truncated) return;
      push(inner + JSON.stringify(k) + ": ");
      write((v as Record<string, unknown>)[k], inner);
      if (i < keys.length - 1) push(",\n");
    });
    if (!truncated) push("\n" + indent + "}");
  };
  write(value, "");
  let text = parts.join("");
  if (truncated && text.length > maxChars) text = text.slice(0, maxChars);
  return { text, truncated };
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
