// The analysis page's state, all of it in the URL (/analysis?service=&operation=&lookback=
// &select=): what the form shows, and what the API is asked. Unit-tested.
import { parseDuration } from "../search/search_state";

export type Select = "slow" | "error" | "min";

export interface AnalysisState {
  service: string;
  operation: string;
  lookback: string;
  select: Select;
  minDuration: string; // with select "min"
}

export const DEFAULT_LOOKBACK = "1h";

export function analysisStateFromParams(p: URLSearchParams): AnalysisState {
  const sel = p.get("select") ?? "";
  const min = (p.get("minDuration") ?? "").trim();
  const select: Select = sel === "error" ? "error" : sel === "min" || (!sel && min) ? "min" : "slow";
  return {
    service: (p.get("service") ?? "").trim(),
    operation: p.get("operation") ?? "",
    lookback: (p.get("lookback") ?? "").trim() || DEFAULT_LOOKBACK,
    select,
    minDuration: min,
  };
}

export function analysisParams(s: AnalysisState): URLSearchParams {
  const p = new URLSearchParams();
  if (s.service) p.set("service", s.service);
  if (s.service && s.operation) p.set("operation", s.operation);
  p.set("lookback", s.lookback || DEFAULT_LOOKBACK);
  if (s.select !== "slow") p.set("select", s.select);
  if (s.select === "min" && s.minDuration) p.set("minDuration", s.minDuration);
  return p;
}

export function analysisUrl(s: Partial<AnalysisState> & { service: string }): string {
  return `/analysis?${analysisParams({ operation: "", lookback: DEFAULT_LOOKBACK, select: "slow", minDuration: "", ...s }).toString()}`;
}

// Query parameters of GET /api/v1/analysis/critical-path.
export function criticalPathQuery(s: AnalysisState): Record<string, string> {
  const q: Record<string, string> = { service: s.service, lookback: s.lookback };
  if (s.operation) q.operation = s.operation;
  return q;
}

// Query parameters of GET /api/v1/analysis/cohorts; null (with the reason) when the state
// cannot ask (a "min" selection without a valid duration).
export function cohortsQuery(s: AnalysisState): { query: Record<string, string> } | { error: string } {
  const q: Record<string, string> = { service: s.service, lookback: s.lookback };
  if (s.operation) q.operation = s.operation;
  if (s.select === "min") {
    const ns = parseDuration(s.minDuration);
    if (!s.minDuration || ns === null || ns < 0) return { error: `"${s.minDuration}" is not a duration: use e.g. 250ms or 1.5s` };
    q.minDuration = s.minDuration;
  } else q.select = s.select;
  return { query: q };
}

// /compare?a=&b=
export function compareUrl(a: string, b: string): string {
  const p = new URLSearchParams();
  if (a) p.set("a", a);
  if (b) p.set("b", b);
  return `/compare?${p.toString()}`;
}

// A trace ID as typed or pasted: trimmed, lowercased, "0x" and surrounding quotes off;
// null when it is not 1–32 hex digits.
export function cleanTraceId(text: string): string | null {
  const t = text.trim().replace(/^["']|["']$/g, "").replace(/^0x/i, "").toLowerCase();
  return /^[0-9a-f]{1,32}$/.test(t) ? t : null;
}
