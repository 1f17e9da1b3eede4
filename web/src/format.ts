// Numbers and times for people. Nanosecond values arrive as decimal strings; relative
// times inside a trace fit a double exactly (2^53 ns is 104 days).

export function nanosToMillis(ns: string | number | bigint): number {
  return Number(typeof ns === "string" ? BigInt(ns) : ns) / 1e6;
}

// 1234567 → "1,234,567". Not toLocaleString: its first call loads ICU's number data,
// ~70 ms in Chromium, on the way to the first paint of a trace.
export function formatCount(n: number): string {
  const s = String(n);
  return Number.isInteger(n) && Math.abs(n) >= 1000 ? s.replace(/\B(?=(\d{3})+$)/g, ",") : s;
}

// "12.3ms", "1.24s", "850µs", "2m 3s".
export function formatDuration(ns: number): string {
  if (!Number.isFinite(ns)) return "–";
  const a = Math.abs(ns);
  if (a < 1e3) return `${Math.round(ns)}ns`;
  if (a < 1e6) return `${trim(ns / 1e3)}µs`;
  if (a < 1e9) return `${trim(ns / 1e6)}ms`;
  if (a < 60e9) return `${trim(ns / 1e9)}s`;
  const m = Math.floor(a / 60e9);
  const sec = Math.round((a - m * 60e9) / 1e9);
  return `${ns < 0 ? "-" : ""}${m}m ${sec}s`;
}

function trim(x: number): string {
  const a = Math.abs(x);
  // Trailing zeros of the fraction only: 100 stays "100", 1.50 becomes "1.5".
  return (a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2)).replace(/\.0+$|(\.\d*?)0+$/, "$1");
}

// Local wall-clock time of a Unix-nanosecond string: "2026-12-04 21:35:12.345".
export function formatTimestamp(unixNano: string | bigint): string {
  const ms = Number(BigInt(unixNano) / 1000000n);
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return (
    `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`
  );
}

// "3 minutes ago", "2 hours ago".
export function formatAgo(unixNano: string, nowMs = Date.now()): string {
  const ms = nowMs - Number(BigInt(unixNano) / 1000000n);
  if (ms < 0) return "in the future";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

// Text form of an OTLP AnyValue, as search tags match it (docs/api.md).
import type { AnyValue } from "./types";
export function valueText(v: AnyValue | undefined): string {
  if (!v) return "";
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return String(v.intValue);
  if (v.doubleValue !== undefined) return String(v.doubleValue);
  if (v.boolValue !== undefined) return v.boolValue ? "true" : "false";
  if (v.bytesValue !== undefined) return v.bytesValue;
  if (v.arrayValue) return `[${(v.arrayValue.values ?? []).map(valueText).join(", ")}]`;
  if (v.kvlistValue)
    return `{${(v.kvlistValue.values ?? []).map((kv) => `${kv.key}: ${valueText(kv.value)}`).join(", ")}}`;
  return "";
}

// A stable color per service name (same name, same color, on every page).
export const PALETTE = [
  "#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f",
  "#bab0ac", "#1f77b4", "#2ca02c", "#8c564b", "#17becf", "#bcbd22", "#7f7f7f", "#aec7e8",
  "#ffbb78", "#98df8a", "#c5b0d5", "#c49c94",
];
export function serviceColor(name: string): string {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return PALETTE[(h >>> 0) % PALETTE.length];
}
