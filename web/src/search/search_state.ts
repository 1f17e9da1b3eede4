// The search page's state and its two spellings: the URL query string (what a user
// bookmarks; the native API's own parameter names) and the form. Pure: no DOM, so the
// round trips and the validation are unit-tested.
//
//   /search?service=frontend&operation=GET%20%2F&tag=http.status_code%3D500&tag=region%3Deu
//          &minDuration=5ms&maxDuration=1.5s&lookback=1h&limit=20&order=longest
//   /search?start=2026-12-04T20:00:00.000Z&end=2026-12-04T21:00:00.000Z   (a custom range)

export type Order = "newest" | "longest";

export interface SearchState {
  service: string; // "" = all services
  operation: string; // "" = all operations
  tags: string[]; // "key=value", as the API takes them
  minDuration: string; // Go duration text, "" = none
  maxDuration: string;
  lookback: string; // a duration ("1h"), or "custom" for start/end
  start: string; // custom range, as in the URL: RFC 3339 or Unix ns ("" = open)
  end: string;
  limit: number;
  order: Order;
}

export const DEFAULT_LOOKBACK = "1h";
export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 10000;

export const LOOKBACK_PRESETS: { value: string; label: string }[] = [
  { value: "5m", label: "Last 5 minutes" },
  { value: "15m", label: "Last 15 minutes" },
  { value: "1h", label: "Last hour" },
  { value: "6h", label: "Last 6 hours" },
  { value: "24h", label: "Last 24 hours" },
  { value: "2d", label: "Last 2 days" },
  { value: "7d", label: "Last 7 days" },
];

export function defaultState(): SearchState {
  return {
    service: "",
    operation: "",
    tags: [],
    minDuration: "",
    maxDuration: "",
    lookback: DEFAULT_LOOKBACK,
    start: "",
    end: "",
    limit: DEFAULT_LIMIT,
    order: "newest",
  };
}

// "Last hour" for a preset, "Last 3h" for any other duration, "Custom range" otherwise.
export function lookbackLabel(lookback: string): string {
  const p = LOOKBACK_PRESETS.find((x) => x.value === lookback);
  if (p) return p.label;
  if (lookback === "custom") return "Custom range";
  return `Last ${lookback}`;
}

// "the last hour", "the last 3h": for sentences ("No traces in the last hour").
export function lookbackPhrase(lookback: string): string {
  const l = lookbackLabel(lookback);
  return l.startsWith("Last ") ? `the last ${l.slice(5)}` : l.toLowerCase();
}

// URL → state. Anything missing or unreadable falls back to the default; the values a
// user typed are kept as text (the form shows them and validation explains what is wrong).
export function stateFromParams(p: URLSearchParams): SearchState {
  const s = defaultState();
  s.service = p.get("service")?.trim() ?? "";
  s.operation = p.get("operation") ?? "";
  if (s.operation === "all") s.operation = "";
  s.tags = p.getAll("tag").filter((t) => t.trim() !== "");
  s.minDuration = p.get("minDuration")?.trim() ?? "";
  s.maxDuration = p.get("maxDuration")?.trim() ?? "";
  const start = p.get("start")?.trim() ?? "";
  const end = p.get("end")?.trim() ?? "";
  if (start || end) {
    s.lookback = "custom";
    s.start = start;
    s.end = end;
  } else {
    const lb = p.get("lookback")?.trim() ?? "";
    s.lookback = lb && parseDuration(lb) !== null && parseDuration(lb)! > 0 ? lb : DEFAULT_LOOKBACK;
  }
  const limit = Number(p.get("limit"));
  if (Number.isInteger(limit) && limit >= 1) s.limit = Math.min(limit, MAX_LIMIT);
  s.order = p.get("order") === "longest" ? "longest" : "newest";
  return s;
}

// State → URL (and → the API: the names are the same). Defaults for limit and order are
// left out to keep links short; the time range is always written.
export function paramsFromState(s: SearchState): URLSearchParams {
  const p = new URLSearchParams();
  if (s.service) p.set("service", s.service);
  if (s.service && s.operation) p.set("operation", s.operation);
  for (const t of s.tags) p.append("tag", t);
  if (s.minDuration) p.set("minDuration", s.minDuration);
  if (s.maxDuration) p.set("maxDuration", s.maxDuration);
  if (s.lookback === "custom") {
    if (s.start) p.set("start", s.start);
    if (s.end) p.set("end", s.end);
  } else {
    p.set("lookback", s.lookback);
  }
  if (s.limit !== DEFAULT_LIMIT) p.set("limit", String(s.limit));
  if (s.order !== "newest") p.set("order", s.order);
  return p;
}

// The API's parameters for a state (api.search takes a record).
export function apiParams(s: SearchState): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const p = paramsFromState(s);
  for (const k of new Set(p.keys())) {
    const all = p.getAll(k);
    out[k] = k === "tag" ? all : all[0];
  }
  out.limit = String(s.limit);
  return out;
}

// ---- durations -------------------------------------------------------------------

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  "µs": 1e3, // U+00B5 micro sign
  "μs": 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
  d: 86400e9,
  w: 7 * 86400e9,
};

// Go's duration syntax as the API takes it (docs/api.md "Durations"): "1.5ms", "100us",
// "1h2m", "2d". Returns nanoseconds, or null when the text is not a duration. "0" alone is
// allowed; any other bare number is not (it has no unit).
export function parseDuration(text: string): number | null {
  let t = text.trim();
  if (t === "") return null;
  let sign = 1;
  if (t[0] === "+" || t[0] === "-") {
    if (t[0] === "-") sign = -1;
    t = t.slice(1);
  }
  if (t === "0") return 0;
  const re = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h|d|w)/y;
  let total = 0;
  let pos = 0;
  while (pos < t.length) {
    re.lastIndex = pos;
    const m = re.exec(t);
    if (!m) return null;
    total += parseFloat(m[1]) * UNIT_NS[m[2]];
    pos = re.lastIndex;
  }
  return pos === 0 ? null : sign * total;
}

// The message to show under a duration field, or null when it is fine ("" is fine: no bound).
export function durationError(text: string): string | null {
  const t = text.trim();
  if (t === "") return null;
  if (/^[-+]?(\d+\.?\d*|\.\d+)$/.test(t) && Number(t) !== 0)
    return `"${t}" has no unit: write e.g. ${t}ms or ${t}s`;
  const ns = parseDuration(t);
  if (ns === null) return `"${t}" is not a duration: use e.g. 500us, 5ms, 1.5s, 2m`;
  if (ns < 0) return "must not be negative";
  return null;
}

// ---- tags ------------------------------------------------------------------------

// Splits the tags box into key=value conditions. Conditions are separated by spaces or
// newlines; double quotes keep spaces in a key or a value (`http.url="/a b"`, or the whole
// `"k=v w"`), and a backslash escapes the next character inside quotes.
export function parseTags(text: string): { tags: string[]; errors: string[] } {
  const tags: string[] = [];
  const errors: string[] = [];
  for (const word of splitWords(text)) {
    const eq = word.value.indexOf("=");
    if (eq <= 0) {
      errors.push(
        eq === 0 ? `"${word.value}" has no key` : `"${word.value}" is not key=value`,
      );
      continue;
    }
    tags.push(word.value);
  }
  return { tags, errors };
}

export interface Word {
  value: string; // unquoted text
  start: number; // offsets in the source text, end exclusive
  end: number;
  open: boolean; // ends inside an unclosed quote
}

export function splitWords(text: string): Word[] {
  const words: Word[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i])) i++;
    if (i >= n) break;
    const start = i;
    let value = "";
    let quoted = false;
    while (i < n && (quoted || !/\s/.test(text[i]))) {
      const c = text[i];
      if (c === '"') {
        quoted = !quoted;
        i++;
      } else if (c === "\\" && quoted && i + 1 < n) {
        value += text[i + 1];
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    words.push({ value, start, end: i, open: quoted });
  }
  return words;
}

// Writes conditions back as the tags box shows them; parseTags(formatTags(x)) = x.
export function formatTags(tags: string[]): string {
  return tags.map(quoteTag).join(" ");
}

function needsQuotes(s: string): boolean {
  return /[\s"\\]/.test(s);
}

function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function quoteTag(tag: string): string {
  if (!needsQuotes(tag)) return tag;
  const eq = tag.indexOf("=");
  const key = tag.slice(0, eq);
  const value = tag.slice(eq + 1);
  if (eq > 0 && !needsQuotes(key)) return `${key}=${quote(value)}`;
  return quote(tag);
}

// A value as it is typed after "key=" (quoted if it has spaces or quotes).
export function quoteValue(value: string): string {
  return needsQuotes(value) || value === "" ? quote(value) : value;
}

// ---- custom time range -----------------------------------------------------------

// A URL's start/end (RFC 3339 or Unix ns) → milliseconds, or null.
export function parseTime(text: string): number | null {
  const t = text.trim();
  if (t === "") return null;
  if (/^\d+$/.test(t)) {
    const ns = BigInt(t);
    return Number(ns / 1000000n);
  }
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? null : ms;
}

// Milliseconds → the value of an <input type="datetime-local"> (local time, to the second).
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return (
    `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}` +
    `T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
  );
}

// The value of a datetime-local input (local time) → milliseconds, or null.
export function fromLocalInput(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(value.trim());
  if (!m) return null;
  const d = new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] ?? 0), +(m[7] ?? "0").padEnd(3, "0"));
  return Number.isNaN(d.getTime()) ? null : d.getTime();
}

// What the URL carries for a custom bound: RFC 3339 in UTC ("2026-12-04T20:00:00Z").
export function toUrlTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, "Z");
}
