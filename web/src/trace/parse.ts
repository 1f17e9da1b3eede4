// Trace JSON → RawTrace (model.ts), from weft's API or from a file a user opens:
//
//   fromNative   weft's native API (docs/api.md "GET /api/v1/traces/{id}")
//   fromCompact  the same trace as weft's compact JSON (`?format=compact`), parsed;
//                fromCompactBytes reads the answer's bytes (big ones without JSON.parse)
//   fromJaeger   Jaeger's UI model: /api/traces/{id}, the Jaeger UI's "JSON file" download
//                ({"data":[trace…]}), a bare trace object, or an array of traces
//   fromOtlp     OTLP/JSON ExportTraceServiceRequest ({"resourceSpans":[…]}, or the old
//                instrumentationLibrarySpans), also wrapped as Jaeger API v3 ({"result":…})
//                or Grafana Tempo ({"batches":[…]} / {"trace":…}) answer it
//   parseTraceFile  detects which of these a file holds (also OTLP JSON lines, one request
//                a line, as `weft loadgen --dump` writes them) and parses it
//
// A file is untrusted text: it is only ever JSON.parse'd, every field is checked for its
// type before use (a string where a number belongs is an error naming the field, not a
// crash later in a view), and values stay strings — nothing is evaluated.
//
// Several traces in one file (a Jaeger answer listing several, OTLP JSON lines): the
// result holds the FIRST trace (in file order) and lists every trace ID in
// `fileTraceIds`, so the view can say "the file holds 3 traces, showing the first".
// `parseTraceFile(text, { traceId })` picks another one.
import type { AnyValue, KeyValue, NativeTrace, SpanKindName, StatusCodeName } from "../types";
import type { RawSpan, RawTrace, SpanLink } from "./model";

export const NOT_A_TRACE = "not a trace: expected weft's, Jaeger's or OTLP JSON";

export class TraceParseError extends Error {
  override name = "TraceParseError";
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function fail(where: string, what: string): never {
  throw new TraceParseError(`${where}: ${what}`);
}

function notATrace(why?: string): never {
  throw new TraceParseError(why ? `${NOT_A_TRACE} — ${why}` : NOT_A_TRACE);
}

const EMPTY = "the file holds no spans (an empty trace)";

function describe(v: unknown): string {
  if (v === undefined) return "missing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return `"${v.length > 40 ? v.slice(0, 40) + "…" : v}"`;
  if (typeof v === "object") return "an object";
  return String(v);
}

// The first of several spellings present (OTLP/JSON parsers accept the proto field names
// too: trace_id beside traceId).
function pick(o: Obj, a: string, b?: string): unknown {
  const v = o[a];
  return v !== undefined || b === undefined ? v : o[b];
}

function str(v: unknown, where: string, fallback?: string): string {
  if (typeof v === "string") return v;
  if ((v === undefined || v === null) && fallback !== undefined) return fallback;
  if (typeof v === "number" && fallback !== undefined) return String(v);
  return fail(where, `expected a string, got ${describe(v)}`);
}

function arr(v: unknown, where: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  return fail(where, `expected an array, got ${describe(v)}`);
}

const DECIMAL = /^-?\d+$/;

// An integer (a decimal string or a JSON number) times `scale`, as bigint.
function int(v: unknown, where: string, scale = 1n): bigint {
  if (typeof v === "string" && DECIMAL.test(v)) return BigInt(v) * scale;
  if (typeof v === "number" && Number.isFinite(v)) {
    if (Number.isSafeInteger(v)) return BigInt(v) * scale;
    // A fraction (µs with decimals) or a double that lost its low digits: round in ns.
    return BigInt(Math.round(v * Number(scale)));
  }
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return int(Number(v), where, scale);
  return fail(where, `expected an integer, got ${describe(v)}`);
}

// ---------- IDs ----------

const HEX = /^[0-9a-fA-F]+$/;
const B64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

function base64ToHex(b: string): string | undefined {
  if (!B64.test(b)) return undefined;
  const s = b.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let bits = 0;
  let acc = 0;
  let out = "";
  for (const c of s) {
    acc = (acc << 6) | alphabet.indexOf(c);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += ((acc >> bits) & 0xff).toString(16).padStart(2, "0");
    }
  }
  return out;
}

// OTLP IDs: hex as OTLP/JSON defines them, or base64 as protobuf's generic JSON mapping
// (and Tempo) writes them. 32/16 hex digits win: "abcdef01…" is valid base64 too.
function otlpId(v: unknown, hexLen: number, where: string, optional = false): string {
  const s = str(v, where, optional ? "" : undefined);
  if (s === "") {
    if (optional) return "";
    fail(where, "empty ID");
  }
  if (s.length === hexLen && HEX.test(s)) return s.toLowerCase();
  const hex = base64ToHex(s);
  if (hex !== undefined && hex.length === hexLen) return hex;
  if (HEX.test(s) && s.length < hexLen) return s.toLowerCase().padStart(hexLen, "0");
  if (optional && hex !== undefined && /^0*$/.test(hex)) return "";
  return fail(where, `not ${hexLen} hex digits or base64 of ${hexLen / 2} bytes: ${describe(s)}`);
}

// Jaeger (and native) IDs: hex, maybe shorter (64-bit trace IDs, leading zeros dropped).
function hexId(v: unknown, hexLen: number, where: string): string {
  const s = str(v, where);
  if (!HEX.test(s) || s.length > hexLen) fail(where, `not a hex ID of up to ${hexLen} digits: ${describe(s)}`);
  return s.toLowerCase().padStart(hexLen, "0");
}

// ---------- attribute values ----------

// An OTLP/JSON AnyValue from an untrusted file, rebuilt with only the fields the UI reads,
// each of its declared type.
function anyValue(v: unknown, depth = 0): AnyValue {
  if (!isObj(v) || depth > 16) return {};
  if (typeof v.stringValue === "string") return { stringValue: v.stringValue };
  if (typeof v.boolValue === "boolean") return { boolValue: v.boolValue };
  if (v.intValue !== undefined && v.intValue !== null) {
    const i = v.intValue;
    if (typeof i === "string" && DECIMAL.test(i)) return { intValue: i };
    if (typeof i === "number" && Number.isFinite(i)) return { intValue: String(Math.trunc(i)) };
    return { stringValue: String(i) };
  }
  if (v.doubleValue !== undefined && v.doubleValue !== null) {
    const d = v.doubleValue;
    if (typeof d === "number") return { doubleValue: d };
    if (typeof d === "string") return { doubleValue: d === "NaN" || d === "Infinity" || d === "-Infinity" ? d : Number(d) };
    return { stringValue: String(d) };
  }
  if (typeof v.bytesValue === "string") return { bytesValue: v.bytesValue };
  if (isObj(v.arrayValue)) {
    const vals = Array.isArray(v.arrayValue.values) ? v.arrayValue.values : [];
    return { arrayValue: { values: vals.map((x) => anyValue(x, depth + 1)) } };
  }
  if (isObj(v.kvlistValue)) return { kvlistValue: { values: keyValues(v.kvlistValue.values, depth + 1) } };
  // Some writers use the proto field names.
  if (typeof v.string_value === "string") return { stringValue: v.string_value };
  if (typeof v.bool_value === "boolean") return { boolValue: v.bool_value };
  if (v.int_value !== undefined) return anyValue({ intValue: v.int_value }, depth);
  if (v.double_value !== undefined) return anyValue({ doubleValue: v.double_value }, depth);
  if (v.bytes_value !== undefined) return anyValue({ bytesValue: v.bytes_value }, depth);
  return {};
}

// An attribute list from an untrusted file: entries without a string key are dropped.
function keyValues(v: unknown, depth = 0): KeyValue[] {
  if (!Array.isArray(v)) return [];
  const out: KeyValue[] = [];
  for (const kv of v) {
    if (isObj(kv) && typeof kv.key === "string") out.push({ key: kv.key, value: anyValue(kv.value, depth) });
  }
  return out;
}

// The API's attribute list (weft wrote it; only the shape is checked, nothing is copied).
function trustedKeyValues(v: unknown): KeyValue[] {
  return Array.isArray(v) ? (v as KeyValue[]) : [];
}

function serviceOf(resource: KeyValue[]): string {
  for (const kv of resource) if (kv.key === "service.name" && typeof kv.value.stringValue === "string") return kv.value.stringValue;
  return "unknown_service";
}

const KINDS: Record<string, SpanKindName> = {
  server: "server",
  client: "client",
  internal: "internal",
  producer: "producer",
  consumer: "consumer",
  unspecified: "unspecified",
};
const OTLP_KINDS: SpanKindName[] = ["unspecified", "internal", "server", "client", "producer", "consumer"];

function kindName(v: unknown): SpanKindName {
  if (typeof v === "number") return OTLP_KINDS[v] ?? "unspecified";
  if (typeof v !== "string") return "unspecified";
  const k = v.toLowerCase().replace(/^span_kind_/, "");
  if (DECIMAL.test(k)) return OTLP_KINDS[Number(k)] ?? "unspecified";
  return KINDS[k] ?? "unspecified";
}

function statusName(v: unknown): StatusCodeName {
  if (typeof v === "number") return v === 2 ? "error" : v === 1 ? "ok" : "unset";
  if (typeof v !== "string") return "unset";
  const c = v.toLowerCase().replace(/^status_code_/, "");
  return c === "error" || c === "2" ? "error" : c === "ok" || c === "1" ? "ok" : "unset";
}

function flagsOf(v: unknown): number | undefined {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : undefined;
}

// ---------- native ----------

const NONE: never[] = [];

// A decimal-string time from weft's API: BigInt parses it (the API writes only digits).
function apiInt(v: unknown, where: string): bigint {
  if (typeof v === "string" && v !== "") {
    try {
      return BigInt(v);
    } catch {
      /* reported below */
    }
  }
  return int(v, where);
}

// One span of weft's JSON. `where` names are relative to the span (the caller prefixes
// "spans[i]." when one fails): no string is built per span unless something is wrong.
function nativeSpan(
  s: unknown,
  file: boolean,
  kvs: (v: unknown) => KeyValue[],
  resources: KeyValue[][],
  scopes: { name: string; version: string }[],
): RawSpan {
  if (!isObj(s)) fail("span", `expected an object, got ${describe(s)}`);
  const num = file ? int : apiInt;
  const start = num(s.startTimeUnixNano, "startTimeUnixNano");
  const end = s.endTimeUnixNano === undefined ? start : num(s.endTimeUnixNano, "endTimeUnixNano");
  const ri = typeof s.resourceIndex === "number" ? s.resourceIndex : -1;
  const si = typeof s.scopeIndex === "number" ? s.scopeIndex : -1;
  const resource = resources[ri] ?? NONE;
  const status = isObj(s.status) ? s.status : {};
  const spanId = file ? hexId(s.spanId, 16, "spanId") : str(s.spanId, "spanId");
  const p = s.parentSpanId;
  const parent = p === undefined || p === null || p === "" ? "" : file ? hexId(p, 16, "parentSpanId") : str(p, "parentSpanId");
  const ev = s.events;
  const ln = s.links;
  return {
    spanId,
    parentSpanId: parent,
    name: str(s.name, "name", ""),
    service: typeof s.service === "string" && s.service !== "" ? s.service : serviceOf(resource),
    kind: kindName(s.kind),
    start,
    end,
    statusCode: statusName(status.code),
    statusMessage: str(status.message, "status.message", ""),
    attributes: kvs(s.attributes),
    resource,
    scope: scopes[si],
    events:
      Array.isArray(ev) && ev.length === 0
        ? NONE
        : arr(ev, "events").map((e, k) => {
            if (!isObj(e)) fail(`events[${k}]`, "expected an object");
            return { time: num(e.timeUnixNano, `events[${k}].timeUnixNano`), name: str(e.name, `events[${k}].name`, ""), attributes: kvs(e.attributes) };
          }),
    links:
      Array.isArray(ln) && ln.length === 0
        ? NONE
        : arr(ln, "links").map((l, k): SpanLink => {
            if (!isObj(l)) fail(`links[${k}]`, "expected an object");
            return {
              traceId: file ? hexId(l.traceId, 32, `links[${k}].traceId`) : str(l.traceId, `links[${k}].traceId`),
              spanId: file ? hexId(l.spanId, 16, `links[${k}].spanId`) : str(l.spanId, `links[${k}].spanId`),
              attributes: kvs(l.attributes),
            };
          }),
    traceState: typeof s.traceState === "string" && s.traceState !== "" ? s.traceState : undefined,
    rpcId: typeof s.rpcId === "string" && s.rpcId !== "" ? s.rpcId : undefined,
    flags: flagsOf(s.flags),
  };
}

// weft's native trace JSON. From the API (source "weft") attribute lists are taken as they
// are; from a file every value is checked and rebuilt. Spans with no events or links share
// one empty array (the model never changes what it is given).
export function fromNative(json: NativeTrace, source: RawTrace["source"] = "weft"): RawTrace {
  const file = source !== "weft";
  const kvs = file ? keyValues : trustedKeyValues;
  const j = json as unknown as Obj;
  if (!isObj(j)) fail("trace", `expected an object, got ${describe(j)}`);
  const resources = arr(j.resources, "resources").map((r, i) => (isObj(r) ? kvs(r.attributes) : fail(`resources[${i}]`, "expected an object")));
  const scopes = arr(j.scopes, "scopes").map((sc, i) => {
    if (!isObj(sc)) fail(`scopes[${i}]`, "expected an object");
    return { name: str(sc.name, `scopes[${i}].name`, ""), version: str(sc.version, `scopes[${i}].version`, "") };
  });
  const rawSpans = arr(j.spans, "spans");
  const n = rawSpans.length;
  const spans: RawSpan[] = new Array(n);
  let i = 0;
  try {
    for (; i < n; i++) spans[i] = nativeSpan(rawSpans[i], file, kvs, resources, scopes);
  } catch (e) {
    if (e instanceof TraceParseError) throw new TraceParseError(`spans[${i}]${e.message.startsWith("span:") ? e.message.slice(4) : "." + e.message}`);
    throw e;
  }
  let traceId = typeof j.traceId === "string" ? j.traceId : "";
  if (!traceId && n && isObj(rawSpans[0])) traceId = str(rawSpans[0].traceId, "spans[0].traceId", "");
  if (file && traceId) traceId = hexId(traceId, 32, "traceId");
  return { traceId, spans, source };
}

// ---------- compact ----------

// weft's compact trace JSON ("compact-1", docs/api.md: `GET /api/v1/traces/{id}?format=compact`):
// the native trace with strings interned in one table, spans as arrays of 17 positions,
// attributes as flat [key, type, value] triples and times in ns after the trace's start.
// It becomes the RawTrace fromNative makes of the same trace's native JSON, except that
// times stay numbers after `baseNs` (no BigInt per span), and that a span's attributes
// (from the API) are decoded when first read: a 100k-span trace has ~600k of them, and
// only the few spans a user opens (or a search) need them. Values many spans share (a
// string index) share one AnyValue object: the model never changes them.
//
// From the API (source "weft") arrays and objects are taken as the server wrote them and
// only the shape, indices and types are checked; from a file every field is checked and
// rebuilt, attributes at once (an error names its place when the file is opened).

const OTLP_STATUS: StatusCodeName[] = ["unset", "ok", "error"];

class CompactStrings {
  private readonly stringValues: (AnyValue | undefined)[];
  // The answer's bytes, when spans refer to parts of them (fromCompactBytes).
  bytes: Uint8Array | null = null;
  constructor(
    readonly table: string[],
    private readonly file: boolean,
  ) {
    this.stringValues = new Array(table.length);
  }

  // The JSON value in bytes [from, to).
  json(from: number, to: number): unknown {
    return JSON.parse(utf8.decode(this.bytes!.subarray(from, to)));
  }

  str(v: unknown, where: string): string {
    const t = typeof v === "number" ? this.table[v] : undefined;
    if (typeof t !== "string") fail(where, `expected a string index, got ${describe(v)}`);
    return t;
  }

  // [key, type, value, …] → KeyValue[]; throws TraceParseError naming `where`.
  attrs(a: unknown, where: string): KeyValue[] {
    if (!Array.isArray(a)) return fail(where, `expected an array, got ${describe(a)}`);
    const m = a.length;
    if (m === 0) return NONE;
    if (m % 3 !== 0) fail(where, `expected [key, type, value] triples, got ${m} items`);
    const out: KeyValue[] = new Array(m / 3);
    for (let k = 0; k < m; k += 3) {
      const key = this.str(a[k], where);
      out[k / 3] = { key, value: this.value(key, a[k + 1], a[k + 2], where) };
    }
    return out;
  }

  private value(key: string, type: unknown, v: unknown, where: string): AnyValue {
    const bad = (what: string): never => fail(where, `attribute ${JSON.stringify(key)}: ${what}, got ${describe(v)}`);
    switch (type) {
      case 0: {
        const c = typeof v === "number" ? this.stringValues[v] : undefined;
        return c ?? (this.stringValues[v as number] = { stringValue: this.str(v, where) });
      }
      case 1:
        if (typeof v === "number" && Number.isSafeInteger(v)) return { intValue: String(v) };
        if (typeof v === "string" && DECIMAL.test(v)) return { intValue: v };
        return bad("expected an integer");
      case 2:
        if (typeof v === "number" || v === "NaN" || v === "Infinity" || v === "-Infinity") return { doubleValue: v };
        return bad("expected a number");
      case 3:
        if (v === 0 || v === 1) return { boolValue: v === 1 };
        return bad("expected 0 or 1");
      case 4:
        if (typeof v === "string") return { bytesValue: v };
        return bad("expected a base64 string");
      case 5:
        if (!isObj(v)) return bad("expected an AnyValue object");
        return this.file ? anyValue(v) : (v as AnyValue);
      case 6:
        return {};
      default:
        return fail(where, `attribute ${JSON.stringify(key)}: unknown value type ${describe(type)}`);
    }
  }
}

// What a compact span needs rarely, kept in columns (typed arrays: nothing per span for
// the garbage collector), one row per span: the span object itself holds only what the
// model reads for every span. Attributes are decoded when first read: from the parsed
// triples, or from their JSON in the answer's bytes (where the reader below left them).
class CompactRows {
  n = 0;
  kind: Uint8Array;
  message: Int32Array; // string indices
  resource: Int32Array; // -1: none
  scope: Int32Array; // -1: none
  traceState: Int32Array;
  flags: Float64Array; // NaN: none
  from: Int32Array; // attributes' JSON in the bytes: [from, to)
  to: Int32Array;
  triples: (unknown[] | undefined)[] = []; // parsed attributes (fromCompact), by row
  decoded: (KeyValue[] | undefined)[] = []; // decoded attributes, by row
  links: Map<number, SpanLink[]> | null = null;

  // `expected`: the span count the answer announces (rows grow past it if need be).
  constructor(
    readonly head: CompactHead,
    expected: number,
  ) {
    const n = Math.max(16, Math.min(expected, 1 << 22));
    this.kind = new Uint8Array(n);
    this.message = new Int32Array(n);
    this.resource = new Int32Array(n);
    this.scope = new Int32Array(n);
    this.traceState = new Int32Array(n);
    this.flags = new Float64Array(n);
    this.from = new Int32Array(n);
    this.to = new Int32Array(n);
  }

  add(): number {
    if (this.n === this.kind.length) {
      const grow = <T extends Uint8Array | Int32Array | Float64Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.kind = grow(this.kind);
      this.message = grow(this.message);
      this.resource = grow(this.resource);
      this.scope = grow(this.scope);
      this.traceState = grow(this.traceState);
      this.flags = grow(this.flags);
      this.from = grow(this.from);
      this.to = grow(this.to);
    }
    return this.n++;
  }

  attributes(row: number, spanId: string): KeyValue[] {
    let a = this.decoded[row];
    if (a !== undefined) return a;
    const st = this.head.st;
    try {
      const t = this.triples[row];
      a = t ? st.attrs(t, "attributes") : this.from[row] < this.to[row] ? st.attrs(st.json(this.from[row], this.to[row]), "attributes") : NONE;
    } catch (e) {
      // The shape was checked when the trace was read; a bad value inside shows as none.
      console.warn(`span ${spanId}: ${(e as Error).message}`);
      a = [];
    }
    this.decoded[row] = a;
    return a;
  }
}

class CompactSpan implements RawSpan {
  constructor(
    readonly spanId: string,
    readonly parentSpanId: string,
    readonly name: string,
    readonly service: string,
    readonly start: number,
    readonly end: number,
    readonly statusCode: StatusCodeName,
    readonly events: RawSpan["events"],
    readonly rpcId: string | undefined,
    readonly errorAttribute: boolean,
    private readonly rows: CompactRows,
    private readonly row: number,
  ) {}

  get kind(): SpanKindName {
    return OTLP_KINDS[this.rows.kind[this.row]] ?? "unspecified";
  }
  get statusMessage(): string {
    return this.rows.head.st.table[this.rows.message[this.row]];
  }
  get resource(): KeyValue[] {
    return this.rows.head.resources[this.rows.resource[this.row]] ?? NONE;
  }
  get scope(): { name: string; version: string } | undefined {
    return this.rows.head.scopes[this.rows.scope[this.row]];
  }
  get links(): SpanLink[] {
    return this.rows.links?.get(this.row) ?? NONE;
  }
  get traceState(): string | undefined {
    return this.rows.head.st.table[this.rows.traceState[this.row]] || undefined;
  }
  get flags(): number | undefined {
    const f = this.rows.flags[this.row];
    return Number.isNaN(f) ? undefined : f;
  }
  get attributes(): KeyValue[] {
    return this.rows.attributes(this.row, this.spanId);
  }
}

// What every span of a compact trace refers to: the string table, resources, scopes.
interface CompactHead {
  file: boolean;
  source: RawTrace["source"];
  traceId: string;
  baseNs: bigint;
  st: CompactStrings;
  resources: KeyValue[][];
  services: string[];
  scopes: { name: string; version: string }[];
  errorKey: number; // string index of "error" (an attribute key that marks an error), 0 if none
  errorTriple: Uint8Array; // `${errorKey},3,1` in ASCII
  rows: CompactRows;
}

function compactHead(json: Obj, source: RawTrace["source"]): CompactHead {
  const file = source !== "weft";
  if (json.format !== "compact-1") fail("format", `expected "compact-1", got ${describe(json.format)}`);
  const table = arr(json.strings, "strings");
  for (let i = 0; i < table.length; i++) if (typeof table[i] !== "string") fail(`strings[${i}]`, `expected a string, got ${describe(table[i])}`);
  const st = new CompactStrings(table as string[], file);
  const resources = arr(json.resources, "resources").map((r, i) => {
    if (!Array.isArray(r)) fail(`resources[${i}]`, `expected an array, got ${describe(r)}`);
    return st.attrs(r[0], `resources[${i}]`);
  });
  const scopes = arr(json.scopes, "scopes").map((sc, i) => {
    if (!Array.isArray(sc)) fail(`scopes[${i}]`, `expected an array, got ${describe(sc)}`);
    return { name: st.str(sc[0], `scopes[${i}]`), version: st.str(sc[1], `scopes[${i}]`) };
  });
  const errorKey = Math.max(0, (table as string[]).indexOf("error"));
  const head: CompactHead = {
    file,
    source,
    traceId: file ? hexId(json.traceId, 32, "traceId") : str(json.traceId, "traceId", ""),
    baseNs: apiInt(json.startTimeUnixNano, "startTimeUnixNano"),
    st,
    resources,
    services: resources.map(serviceOf),
    scopes,
    errorKey,
    errorTriple: utf8Encode(`${errorKey},3,1`),
    rows: undefined as unknown as CompactRows,
  };
  const count = typeof json.returnedSpanCount === "number" ? json.returnedSpanCount : json.spanCount;
  head.rows = new CompactRows(head, typeof count === "number" && count >= 0 ? count : 0);
  return head;
}

function compactInt(v: unknown, where: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v)) fail(where, `expected an integer, got ${describe(v)}`);
  return v;
}

// An index into a table of `len` entries, or -1 (which finds nothing).
function at(v: unknown, len: number): number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v < len ? v : -1;
}

function compactId(h: CompactHead, v: unknown, len: number, where: string): string {
  return h.file ? hexId(v, len, where) : str(v, where);
}

// One span from its 17 positions (`attrs` parsed, or as JSON text).
function compactSpan(
  h: CompactHead,
  spanId: unknown,
  parentSpanId: unknown,
  name: unknown,
  kind: unknown,
  start: unknown,
  duration: unknown,
  status: unknown,
  statusMessage: unknown,
  resource: unknown,
  scope: unknown,
  attrs: unknown[] | null, // null: the JSON in bytes [from, to) of h.st.bytes
  from: number,
  to: number,
  events: unknown,
  links: unknown,
  traceState: unknown,
  rpcId: unknown,
  flags: unknown,
): CompactSpan {
  const st = h.st;
  const rows = h.rows;
  const t0 = compactInt(start, "start");
  const ri = at(resource, h.resources.length);
  let errorAttribute = false;
  const ek = h.errorKey;
  if (ek > 0) {
    // "error", 3 (bool), 1 (true): parsed only when its digits are there.
    if (attrs === null && bytesInclude(st.bytes!, from, to, h.errorTriple)) attrs = st.json(from, to) as unknown[];
    if (attrs !== null) {
      if (!Array.isArray(attrs)) fail("attributes", `expected an array, got ${describe(attrs)}`);
      for (let k = 0; k < attrs.length; k += 3) if (attrs[k] === ek && attrs[k + 1] === 3 && attrs[k + 2] === 1) errorAttribute = true;
    }
  }
  const id = compactId(h, spanId, 16, "spanId");
  const parent = parentSpanId === "" ? "" : compactId(h, parentSpanId, 16, "parentSpanId");
  const spanName = st.str(name, "name");
  st.str(statusMessage, "status message");
  st.str(traceState, "traceState");
  const rpc = st.str(rpcId, "rpcId") || undefined;
  const ev: RawSpan["events"] =
    Array.isArray(events) && events.length === 0
      ? NONE
      : arr(events, "events").map((e, k) => {
          if (!Array.isArray(e)) fail(`events[${k}]`, `expected an array, got ${describe(e)}`);
          return { time: compactInt(e[0], `events[${k}].time`), name: st.str(e[1], `events[${k}].name`), attributes: st.attrs(e[2], `events[${k}].attributes`) };
        });
  const ln: SpanLink[] =
    Array.isArray(links) && links.length === 0
      ? NONE
      : arr(links, "links").map((l, k): SpanLink => {
          if (!Array.isArray(l)) fail(`links[${k}]`, `expected an array, got ${describe(l)}`);
          return { traceId: compactId(h, l[0], 32, `links[${k}].traceId`), spanId: compactId(h, l[1], 16, `links[${k}].spanId`), attributes: st.attrs(l[3], `links[${k}].attributes`) };
        });
  // A file's attributes are checked now: an error is reported when it is opened.
  const decoded = h.file ? st.attrs(attrs ?? st.json(from, to), "attributes") : undefined;
  const end = t0 + compactInt(duration, "duration");
  const row = rows.add();
  rows.kind[row] = Math.max(0, at(kind, OTLP_KINDS.length));
  rows.message[row] = statusMessage as number;
  rows.resource[row] = ri;
  rows.scope[row] = at(scope, h.scopes.length);
  rows.traceState[row] = traceState as number;
  rows.flags[row] = flagsOf(flags) ?? NaN;
  if (attrs === null) {
    rows.from[row] = from;
    rows.to[row] = to;
  } else if (attrs.length) rows.triples[row] = attrs;
  if (decoded) rows.decoded[row] = decoded;
  if (ln.length) (rows.links ??= new Map()).set(row, ln);
  return new CompactSpan(id, parent, spanName, h.services[ri] ?? "unknown_service", t0, end, OTLP_STATUS[at(status, 3)] ?? "unset", ev, rpc, errorAttribute, rows, row);
}

// Rethrows a span's TraceParseError with the span's place: "spans[12].name: …".
function spanError(e: unknown, i: number): unknown {
  if (e instanceof TraceParseError) return new TraceParseError(`spans[${i}]${e.message.startsWith("span:") ? e.message.slice(4) : "." + e.message}`);
  return e;
}

// The compact JSON, parsed (JSON.parse).
export function fromCompact(json: unknown, source: RawTrace["source"] = "weft"): RawTrace {
  if (!isObj(json)) fail("trace", `expected an object, got ${describe(json)}`);
  const h = compactHead(json, source);
  const rawSpans = arr(json.spans, "spans");
  const n = rawSpans.length;
  const spans: RawSpan[] = new Array(n);
  let i = 0;
  try {
    for (; i < n; i++) {
      const s = rawSpans[i];
      if (!Array.isArray(s) || s.length < 17) fail("span", `expected an array of 17 items, got ${describe(s)}`);
      const a = s[10];
      if (!Array.isArray(a) || a.length % 3 !== 0) fail("attributes", `expected [key, type, value] triples, got ${describe(a)}`);
      spans[i] = compactSpan(h, s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], a, 0, 0, s[11], s[12], s[13], s[14], s[15]);
    }
  } catch (e) {
    throw spanError(e, i);
  }
  return { traceId: h.traceId, spans, source, baseNs: h.baseNs };
}

// ----- the compact JSON's bytes, read without JSON.parse of the spans -----
//
// JSON.parse of a 100k-span compact trace (after decoding its ~15 MB to a string) makes
// ~700k arrays (each span's, its attributes', events', links', dropped counts'), and the
// garbage collector copies all of them while the heap grows: in Chromium that was most of
// the time it took to open the trace. This reader walks the UTF-8 bytes once and makes
// only what the model keeps: the span, its two IDs; its attributes stay where they are in
// the bytes, decoded and parsed when read. The other members (the string table,
// resources, scopes, times) are JSON.parse'd. It reads the shape weft writes (members in
// any order, but the string table, resources and scopes before the spans; integers without
// sign, fraction or exponent; IDs without escapes); anything else — or anything wrong —
// goes to JSON.parse and fromCompact, which say what is wrong and where.
const utf8 = new TextDecoder();
const NOT_FAST = new Error("not the compact shape the fast reader reads");

function utf8Encode(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

function bytesInclude(b: Uint8Array, from: number, to: number, pat: Uint8Array): boolean {
  const m = pat.length;
  const first = pat[0];
  outer: for (let i = from; i + m <= to; i++) {
    if (b[i] !== first) continue;
    for (let k = 1; k < m; k++) if (b[i + k] !== pat[k]) continue outer;
    // Not the tail of a longer number ("12,3,1" when looking for "2,3,1").
    const before = b[i - 1];
    if (before >= 48 && before <= 57) continue;
    return true;
  }
  return false;
}

// Below this size JSON.parse is faster: the reader is JavaScript that has not been
// optimised yet when a page opens, JSON.parse is native code, and there is little garbage.
export const SCAN_MIN_BYTES = 4 << 20;

export function fromCompactBytes(bytes: Uint8Array, source: RawTrace["source"] = "weft", scanMin = SCAN_MIN_BYTES): RawTrace {
  const r = new CompactReader(source);
  if (bytes.length >= scanMin) r.feed(bytes, bytes.length);
  return r.end(bytes);
}

// The reader. It can also read while the answer arrives: feed() it the bytes received so
// far (the start of the answer, growing), it reads every span that is complete, stops at
// the first that is not and resumes there on the next feed(); end() reads the rest of
// the whole answer. (trace/load.ts does not: in Chromium taking in the bytes needs the
// page's thread too, and the answer came in that much more slowly — measured.) Anything
// it does not read — a shape it does not know, or something wrong — makes end() read the
// whole answer with JSON.parse and fromCompact instead (which say what and where).
const BEFORE = 0; // before the opening brace
const KEY = 1; // before a member's name
const AFTER = 2; // after a member's value: "," or "}"
const SPANS = 3; // in the spans: before a span
const DONE = 4;
const FAILED = 5;

export class CompactReader {
  private i = 0; // where reading resumes: the start of a member, or of a span
  private phase = BEFORE;
  private readonly members: Obj = Object.create(null);
  private head: CompactHead | undefined;
  private readonly spans: RawSpan[] = [];

  constructor(private readonly source: RawTrace["source"] = "weft") {}

  // Spans read so far; whether it gave up (end() will use JSON.parse).
  get spansRead(): number {
    return this.spans.length;
  }
  get gaveUp(): boolean {
    return this.phase === FAILED;
  }

  // `bytes[0, received)` have arrived (bytes may be longer: the rest is not looked at).
  feed(bytes: Uint8Array, received: number): void {
    if (this.phase >= DONE) return;
    this.read(received < bytes.length ? bytes.subarray(0, received) : bytes, false);
  }

  // The whole answer.
  end(bytes: Uint8Array): RawTrace {
    if (this.phase < DONE) this.read(bytes, true);
    if (this.phase === DONE && this.head) {
      this.head.st.bytes = bytes; // the spans' attributes are in it
      return { traceId: this.head.traceId, spans: this.spans, source: this.source, baseNs: this.head.baseNs };
    }
    const text = utf8.decode(bytes);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw jsonError(text, e);
    }
    return fromCompact(json, this.source);
  }

  private read(b: Uint8Array, all: boolean): void {
    const n = b.length;
    let i = this.i;
    // b[i] past the end is undefined: every test below is written so that it fails then.
    const ws = () => {
      for (;;) {
        const c = b[i];
        if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return;
        i++;
      }
    };
    const expect = (ch: number) => {
      ws();
      if (b[i] !== ch) throw NOT_FAST;
      i++;
    };
    const skipString = () => {
      i++; // the opening quote
      for (;;) {
        if (i >= n) throw NOT_FAST;
        const c = b[i];
        if (c === 34) {
          i++;
          return;
        }
        i += c === 92 ? 2 : 1;
      }
    };
    // Skips one value; returns where it started (after white space).
    const skipValue = (): number => {
      ws();
      const start = i;
      const c = b[i];
      if (c === 34) skipString();
      else if (c === 91 || c === 123) {
        let depth = 0;
        do {
          if (i >= n) throw NOT_FAST;
          const d = b[i];
          if (d === 34) {
            skipString();
            continue;
          }
          if (d === 91 || d === 123) depth++;
          else if (d === 93 || d === 125) depth--;
          i++;
        } while (depth > 0);
      } else {
        while (i < n) {
          const d = b[i];
          if (d === 44 || d === 93 || d === 125 || d === 32 || d === 10 || d === 13 || d === 9) break;
          i++;
        }
        if (i === start || i >= n) throw NOT_FAST; // a number is followed by something
      }
      return start;
    };
    // A non-negative integer below 2^53.
    const int = (): number => {
      ws();
      let v = 0;
      const start = i;
      while (i < n) {
        const d = b[i] - 48;
        if (!(d >= 0 && d <= 9)) break;
        v = v * 10 + d;
        i++;
      }
      const c = b[i];
      if (i === start || c === 46 || c === 101 || c === 69 || v > Number.MAX_SAFE_INTEGER) throw NOT_FAST;
      return v;
    };
    // An ASCII string without escapes (span IDs, member names).
    const plain = (): string => {
      ws();
      if (b[i] !== 34) throw NOT_FAST;
      const start = ++i;
      for (;;) {
        if (i >= n) throw NOT_FAST;
        const c = b[i];
        if (c === 34) break;
        if (c === 92 || c > 126) throw NOT_FAST;
        i++;
      }
      i++;
      const len = i - 1 - start;
      if (len === 16) {
        const s = start;
        return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15]);
      }
      return len === 0 ? "" : utf8.decode(b.subarray(start, i - 1));
    };
    const comma = () => expect(44);
    // An array: true if it is empty ("[]", the usual events and links), and then past it.
    const emptyArray = (): boolean => {
      ws();
      if (b[i] !== 91) throw NOT_FAST;
      let k = i + 1;
      while (b[k] === 32) k++;
      if (b[k] !== 93) return false;
      i = k + 1;
      return true;
    };
    const parse = (from: number, to: number): unknown => JSON.parse(utf8.decode(b.subarray(from, to)));

    let mark = i; // the start of what is being read: where to resume
    try {
      for (;;) {
        if (this.phase === BEFORE) {
          expect(123);
          ws();
          if (b[i] === 125) throw NOT_FAST; // {}: not a trace
          this.phase = KEY;
        } else if (this.phase === KEY) {
          const key = plain();
          expect(58);
          if (key === "spans") {
            if (this.head) throw NOT_FAST;
            expect(91);
            this.head = compactHead(this.members, this.source);
            this.phase = SPANS;
          } else {
            const start = skipValue();
            this.members[key] = parse(start, i);
            this.phase = AFTER;
          }
        } else if (this.phase === AFTER) {
          ws();
          const c = b[i++];
          if (c === 125) {
            ws();
            if (i < n || !this.head) throw NOT_FAST;
            this.phase = DONE;
            break;
          }
          if (c !== 44) throw NOT_FAST;
          this.phase = KEY;
        } else if (this.phase === SPANS) {
          const h = this.head!;
          ws();
          if (this.spans.length === 0 && b[i] === 93) {
            i++; // no spans
            this.phase = AFTER;
            mark = i;
            continue;
          }
          // A span: read whole before it is kept.
          expect(91);
          const spanId = plain();
          comma();
          const parent = plain();
          comma();
          const name = int();
          comma();
          const kind = int();
          comma();
          const start = int();
          comma();
          const duration = int();
          comma();
          const status = int();
          comma();
          const message = int();
          comma();
          const resource = int();
          comma();
          const scope = int();
          comma();
          let attrs: unknown[] | null = NONE;
          let from = 0;
          if (!emptyArray()) {
            // Most triples are only digits and commas: a tight loop to the "]".
            from = i;
            let k = i + 1;
            for (;;) {
              const d = b[k];
              if (d >= 44 && d <= 57) k++;
              else break;
            }
            if (b[k] === 93) i = k + 1;
            else skipValue(); // strings, objects, white space: the general way
            attrs = null;
          }
          const to = i;
          comma();
          const events = emptyArray() ? NONE : parse(skipValue(), i);
          comma();
          const links = emptyArray() ? NONE : parse(skipValue(), i);
          comma();
          const traceState = int();
          comma();
          const rpcId = int();
          comma();
          const flags = int();
          comma();
          skipValue(); // dropped counts
          expect(93);
          ws();
          const c = b[i++];
          if (c !== 93 && c !== 44) throw NOT_FAST;
          h.st.bytes = b; // (attributes are read from it later)
          this.spans.push(compactSpan(h, spanId, parent, name, kind, start, duration, status, message, resource, scope, attrs, from, to, events, links, traceState, rpcId, flags));
          if (c === 93) this.phase = AFTER;
        } else break; // DONE or FAILED
        mark = i;
      }
      this.i = i;
    } catch {
      // Past what has arrived: resume at the start of what was being read. Anything else
      // (or the end of the whole answer): the general path.
      if (!all && i >= n) this.i = mark;
      else this.phase = FAILED;
    }
  }
}

// ---------- Jaeger ----------

interface JaegerTag {
  key: string;
  value: AnyValue;
}

// A Jaeger tag ({key, type, value}) as an OTLP-style KeyValue.
function jaegerTag(t: unknown): JaegerTag | undefined {
  if (!isObj(t) || typeof t.key !== "string") return undefined;
  const type = typeof t.type === "string" ? t.type.toLowerCase() : "string";
  const v = t.value;
  let value: AnyValue;
  switch (type) {
    case "bool":
    case "boolean":
      value = { boolValue: v === true || v === "true" };
      break;
    case "int64":
    case "int":
      if (typeof v === "number" && Number.isFinite(v)) value = { intValue: String(Math.trunc(v)) };
      else if (typeof v === "string" && DECIMAL.test(v)) value = { intValue: v };
      else value = { stringValue: typeof v === "string" ? v : JSON.stringify(v) ?? "" };
      break;
    case "float64":
    case "float":
    case "double":
      value = typeof v === "number" ? { doubleValue: v } : typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v)) ? { doubleValue: Number(v) } : { stringValue: String(v) };
      break;
    case "binary":
      value = { bytesValue: typeof v === "string" ? v : "" };
      break;
    default:
      value = { stringValue: typeof v === "string" ? v : v === undefined ? "" : JSON.stringify(v) ?? "" };
  }
  return { key: t.key, value };
}

function jaegerTags(v: unknown, where: string): JaegerTag[] {
  const out: JaegerTag[] = [];
  for (const t of arr(v, where)) {
    const kv = jaegerTag(t);
    if (kv) out.push(kv);
  }
  return out;
}

function tagText(v: AnyValue): string {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return String(v.boolValue);
  if (v.intValue !== undefined) return String(v.intValue);
  return "";
}

interface JaegerProcess {
  service: string;
  resource: KeyValue[];
}

function jaegerProcess(p: unknown, where: string): JaegerProcess {
  if (!isObj(p)) return { service: "unknown_service", resource: [] };
  const service = typeof p.serviceName === "string" && p.serviceName !== "" ? p.serviceName : "unknown_service";
  const tags = jaegerTags(p.tags, `${where}.tags`).filter((t) => t.key !== "service.name");
  return { service, resource: [{ key: "service.name", value: { stringValue: service } }, ...tags] };
}

// Tags that weft (and OpenTelemetry's Jaeger translator) make from span fields; they go
// back to those fields and out of the attributes.
function jaegerSpan(s: Obj, w: string, processes: Map<string, JaegerProcess>, traceId: string): RawSpan {
  const spanId = hexId(s.spanID, 16, `${w}.spanID`);
  const startUs = int(s.startTime, `${w}.startTime`, 1000n);
  const dur = s.duration === undefined ? 0n : int(s.duration, `${w}.duration`, 1000n);
  let kind: SpanKindName = "unspecified";
  let statusCode: StatusCodeName = "unset";
  let statusMessage = "";
  let errorTag = false;
  let scopeName = "";
  let scopeVersion = "";
  let traceState: string | undefined;
  let rpcId: string | undefined;
  const attributes: KeyValue[] = [];
  for (const t of jaegerTags(s.tags, `${w}.tags`)) {
    const text = tagText(t.value);
    switch (t.key) {
      case "span.kind":
        kind = kindName(text);
        continue;
      case "otel.status_code":
        statusCode = statusName(text);
        continue;
      case "otel.status_description":
        statusMessage = text;
        continue;
      case "error":
        if (text === "true" || text === "false") {
          errorTag = text === "true";
          continue;
        }
        break;
      case "otel.scope.name":
      case "otel.library.name":
        scopeName = text;
        continue;
      case "otel.scope.version":
      case "otel.library.version":
        scopeVersion = text;
        continue;
      case "w3c.tracestate":
        traceState = text || undefined;
        continue;
      case "weft.rpc_id":
        rpcId = text || undefined;
        continue;
    }
    attributes.push(t);
  }
  if (errorTag && statusCode === "unset") statusCode = "error";

  // The parent: the first CHILD_OF reference within the trace, as Jaeger's model reads it
  // (model.Span.ParentSpanID) and as weft writes it. Every other reference — FOLLOWS_FROM
  // included, which is how weft and OpenTelemetry write span links — is a link. (The Jaeger
  // UI nests a span under a FOLLOWS_FROM when it has no CHILD_OF; weft's own traces would
  // then not read back as they are stored.) Old Jaeger JSON may give parentSpanID instead.
  let parentSpanId = "";
  const links: SpanLink[] = [];
  const refs = arr(s.references, `${w}.references`);
  refs.forEach((r, k) => {
    if (!isObj(r)) return;
    const rw = `${w}.references[${k}]`;
    const rt = r.traceID === undefined ? traceId : hexId(r.traceID, 32, `${rw}.traceID`);
    const rs = hexId(r.spanID, 16, `${rw}.spanID`);
    const type = typeof r.refType === "string" ? r.refType.toUpperCase() : "CHILD_OF";
    if (type === "CHILD_OF" && rt === traceId && parentSpanId === "") {
      parentSpanId = rs;
      return;
    }
    links.push({ traceId: rt, spanId: rs, attributes: [] });
  });
  if (parentSpanId === "" && typeof s.parentSpanID === "string" && /^[0-9a-fA-F]*[1-9a-fA-F][0-9a-fA-F]*$/.test(s.parentSpanID))
    parentSpanId = hexId(s.parentSpanID, 16, `${w}.parentSpanID`);

  const proc =
    (typeof s.processID === "string" ? processes.get(s.processID) : undefined) ??
    (isObj(s.process) ? jaegerProcess(s.process, `${w}.process`) : { service: "unknown_service", resource: [] });

  const events = arr(s.logs, `${w}.logs`).map((l, k) => {
    const lw = `${w}.logs[${k}]`;
    if (!isObj(l)) fail(lw, "expected an object");
    let name = "";
    const attrs: KeyValue[] = [];
    for (const f of jaegerTags(l.fields, `${lw}.fields`)) {
      if (f.key === "event" && name === "" && f.value.stringValue !== undefined) name = f.value.stringValue;
      else attrs.push(f);
    }
    return { time: int(l.timestamp, `${lw}.timestamp`, 1000n), name, attributes: attrs };
  });

  return {
    spanId,
    parentSpanId: parentSpanId === spanId ? "" : parentSpanId,
    name: str(s.operationName, `${w}.operationName`, ""),
    service: proc.service,
    kind,
    start: startUs,
    end: startUs + (dur > 0n ? dur : 0n),
    statusCode,
    statusMessage,
    attributes,
    resource: proc.resource,
    scope: scopeName || scopeVersion ? { name: scopeName, version: scopeVersion } : undefined,
    events,
    links,
    traceState,
    rpcId,
    flags: flagsOf(s.flags),
  };
}

function jaegerTraces(json: unknown): unknown[] {
  if (Array.isArray(json)) return json;
  if (isObj(json)) {
    if (Array.isArray(json.data)) return json.data;
    if (isObj(json.data)) return [json.data];
    if (Array.isArray(json.spans)) return [json];
    if (json.data === null && Array.isArray(json.errors))
      notATrace(`Jaeger's answer holds no trace, only an error: ${describe(isObj(json.errors[0]) ? json.errors[0].msg : undefined)}`);
  }
  return notATrace();
}

// Where trace i sits in a Jaeger file, for messages.
function jaegerPath(json: unknown, i: number): string {
  if (Array.isArray(json)) return `[${i}]`;
  if (isObj(json) && Array.isArray(json.data)) return `data[${i}]`;
  if (isObj(json) && isObj(json.data)) return "data";
  return "trace";
}

export function fromJaeger(json: unknown, opts: { traceId?: string } = {}): RawTrace {
  const traces = jaegerTraces(json);
  const ids: string[] = [];
  let chosen = -1;
  traces.forEach((t, i) => {
    const w = jaegerPath(json, i);
    if (!isObj(t)) fail(w, `expected a trace object, got ${describe(t)}`);
    const spans = arr(t.spans, `${w}.spans`);
    const first = spans.find(isObj);
    const id = hexId(t.traceID ?? first?.traceID, 32, `${w}.traceID`);
    ids.push(id);
    if (chosen < 0 && (opts.traceId === undefined || opts.traceId.toLowerCase().padStart(32, "0") === id)) chosen = i;
  });
  if (traces.length === 0) notATrace(EMPTY);
  if (chosen < 0) throw new TraceParseError(`the file holds no trace ${opts.traceId} (it holds ${ids.join(", ")})`);
  const t = traces[chosen] as Obj;
  const w = jaegerPath(json, chosen);
  const traceId = ids[chosen];
  const processes = new Map<string, JaegerProcess>();
  if (isObj(t.processes)) for (const [k, p] of Object.entries(t.processes)) processes.set(k, jaegerProcess(p, `${w}.processes.${k}`));
  const spans = arr(t.spans, `${w}.spans`).map((s, i) => {
    if (!isObj(s)) fail(`${w}.spans[${i}]`, `expected an object, got ${describe(s)}`);
    return jaegerSpan(s, `${w}.spans[${i}]`, processes, traceId);
  });
  const unique = [...new Set(ids)];
  return { traceId, spans, source: "jaeger file", ...(unique.length > 1 ? { fileTraceIds: unique } : {}) };
}

// ---------- OTLP ----------

// The resourceSpans of an OTLP/JSON request, unwrapped from Jaeger API v3's {"result":…}
// and Tempo's {"trace":…} / {"batches":[…]}.
function otlpResourceSpans(json: unknown): unknown[] | undefined {
  if (!isObj(json)) return undefined;
  const rs = pick(json, "resourceSpans", "resource_spans");
  if (Array.isArray(rs)) return rs;
  if (Array.isArray(json.batches)) return json.batches;
  if (isObj(json.result)) return otlpResourceSpans(json.result);
  if (isObj(json.trace)) return otlpResourceSpans(json.trace);
  return undefined;
}

interface OtlpCollect {
  order: string[]; // trace IDs in file order
  spans: Map<string, RawSpan[]>;
}

function otlpRequest(resourceSpans: unknown[], where: string, into: OtlpCollect, only?: string): void {
  resourceSpans.forEach((rsv, i) => {
    const rw = `${where}resourceSpans[${i}]`;
    if (!isObj(rsv)) fail(rw, `expected an object, got ${describe(rsv)}`);
    const res = pick(rsv, "resource");
    const resource = isObj(res) ? keyValues(res.attributes) : [];
    const service = serviceOf(resource);
    let scopeKey = "scopeSpans";
    let ss = pick(rsv, "scopeSpans", "scope_spans");
    if (ss === undefined) {
      scopeKey = "instrumentationLibrarySpans";
      ss = pick(rsv, "instrumentationLibrarySpans", "instrumentation_library_spans");
    }
    arr(ss, `${rw}.${scopeKey}`).forEach((ssv, j) => {
      const sw = `${rw}.${scopeKey}[${j}]`;
      if (!isObj(ssv)) fail(sw, `expected an object, got ${describe(ssv)}`);
      const sc = pick(ssv, "scope") ?? pick(ssv, "instrumentationLibrary", "instrumentation_library");
      const scope = isObj(sc)
        ? { name: typeof sc.name === "string" ? sc.name : "", version: typeof sc.version === "string" ? sc.version : "" }
        : undefined;
      arr(ssv.spans, `${sw}.spans`).forEach((s, k) => {
        const w = `${sw}.spans[${k}]`;
        if (!isObj(s)) fail(w, `expected an object, got ${describe(s)}`);
        const traceId = otlpId(pick(s, "traceId", "trace_id"), 32, `${w}.traceId`);
        if (only !== undefined && traceId !== only) {
          if (!into.spans.has(traceId)) {
            into.spans.set(traceId, []);
            into.order.push(traceId);
          }
          return;
        }
        const start = int(pick(s, "startTimeUnixNano", "start_time_unix_nano"), `${w}.startTimeUnixNano`);
        const endv = pick(s, "endTimeUnixNano", "end_time_unix_nano");
        const end = endv === undefined || endv === null ? start : int(endv, `${w}.endTimeUnixNano`);
        const st = pick(s, "status");
        const status = isObj(st) ? st : {};
        const span: RawSpan = {
          spanId: otlpId(pick(s, "spanId", "span_id"), 16, `${w}.spanId`),
          parentSpanId: otlpId(pick(s, "parentSpanId", "parent_span_id"), 16, `${w}.parentSpanId`, true),
          name: str(s.name, `${w}.name`, ""),
          service,
          kind: kindName(s.kind),
          start,
          end,
          statusCode: statusName(status.code),
          statusMessage: typeof status.message === "string" ? status.message : "",
          attributes: keyValues(s.attributes),
          resource,
          scope,
          events: arr(s.events, `${w}.events`).map((e, m) => {
            if (!isObj(e)) fail(`${w}.events[${m}]`, "expected an object");
            return {
              time: int(pick(e, "timeUnixNano", "time_unix_nano"), `${w}.events[${m}].timeUnixNano`),
              name: typeof e.name === "string" ? e.name : "",
              attributes: keyValues(e.attributes),
            };
          }),
          links: arr(s.links, `${w}.links`).map((l, m): SpanLink => {
            if (!isObj(l)) fail(`${w}.links[${m}]`, "expected an object");
            return {
              traceId: otlpId(pick(l, "traceId", "trace_id"), 32, `${w}.links[${m}].traceId`),
              spanId: otlpId(pick(l, "spanId", "span_id"), 16, `${w}.links[${m}].spanId`),
              attributes: keyValues(l.attributes),
            };
          }),
          traceState: typeof s.traceState === "string" && s.traceState !== "" ? s.traceState : undefined,
          flags: flagsOf(s.flags),
        };
        let list = into.spans.get(traceId);
        if (!list) {
          into.spans.set(traceId, (list = []));
          into.order.push(traceId);
        }
        list.push(span);
      });
    });
  });
}

function otlpResult(c: OtlpCollect, wanted?: string): RawTrace {
  if (c.order.length === 0) notATrace(EMPTY);
  const traceId = wanted ?? c.order[0];
  const spans = c.spans.get(traceId);
  if (!spans?.length) {
    const some = c.order.slice(0, 5).join(", ") + (c.order.length > 5 ? ", …" : "");
    throw new TraceParseError(`the file holds no trace ${traceId} (it holds ${some})`);
  }
  return { traceId, spans, source: "otlp file", ...(c.order.length > 1 ? { fileTraceIds: c.order } : {}) };
}

function normTraceId(id: string | undefined): string | undefined {
  return id === undefined ? undefined : id.trim().toLowerCase().padStart(32, "0");
}

// One OTLP/JSON request (or several, one per element: JSON lines).
export function fromOtlp(json: unknown, opts: { traceId?: string } = {}): RawTrace {
  return fromOtlpRequests([json], opts);
}

function fromOtlpRequests(requests: unknown[], opts: { traceId?: string }, lineNumbers?: number[]): RawTrace {
  // Two passes: the first finds the trace to show (the first, unless asked for one) and
  // only decodes its spans; other traces' spans are only counted.
  const c: OtlpCollect = { order: [], spans: new Map() };
  let only = normTraceId(opts.traceId);
  if (only === undefined) {
    // The first span's trace ID, without decoding the rest.
    outer: for (const r of requests) {
      for (const rsv of otlpResourceSpans(r) ?? []) {
        if (!isObj(rsv)) continue;
        const ss = pick(rsv, "scopeSpans", "scope_spans") ?? pick(rsv, "instrumentationLibrarySpans", "instrumentation_library_spans");
        for (const ssv of Array.isArray(ss) ? ss : []) {
          if (!isObj(ssv) || !Array.isArray(ssv.spans)) continue;
          for (const s of ssv.spans) {
            if (!isObj(s)) continue;
            try {
              only = otlpId(pick(s, "traceId", "trace_id"), 32, "traceId");
            } catch {
              only = undefined; // the full pass below reports it with its path
            }
            break outer;
          }
        }
      }
    }
  }
  requests.forEach((r, i) => {
    const rs = otlpResourceSpans(r);
    const where = lineNumbers ? `line ${lineNumbers[i]}: ` : "";
    if (!rs) notATrace(lineNumbers ? `line ${lineNumbers[i]} is not an OTLP request` : undefined);
    otlpRequest(rs, where, c, only);
  });
  return otlpResult(c, only);
}

// ---------- detection ----------

type Format = "native" | "compact" | "jaeger" | "otlp";

function detect(json: unknown): Format | undefined {
  if (Array.isArray(json)) {
    const first = json.find(isObj);
    if (first && Array.isArray(first.spans)) return "jaeger";
    if (first && typeof first.traceId === "string" && typeof first.id === "string")
      notATrace("this looks like Zipkin v2 JSON (an array of spans), which the UI cannot open");
    return undefined;
  }
  if (!isObj(json)) return undefined;
  if (otlpResourceSpans(json)) return "otlp";
  if (json.format === "compact-1") return "compact";
  if (Array.isArray(json.spans) && Array.isArray(json.resources)) return "native";
  if (Array.isArray(json.data) || isObj(json.data)) return "jaeger";
  if (json.data === null && Array.isArray(json.errors)) return "jaeger";
  if (Array.isArray(json.spans)) {
    const first = json.spans.find(isObj);
    if (!first || "spanID" in first || "operationName" in first) return "jaeger";
    if ("spanId" in first && "startTimeUnixNano" in first) return "native";
  }
  return undefined;
}

// "line 3, column 14" of a character offset.
function lineCol(text: string, pos: number): string {
  let line = 1;
  let last = -1;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return `line ${line}, column ${pos - last}`;
}

// Where JSON.parse gave up: V8 names the position for some errors only, so a small
// scanner (iterative: deep nesting cannot overflow it) finds the first bad character.
// Returns text.length for input cut short, -1 for valid JSON.
export function jsonErrorOffset(t: string): number {
  const n = t.length;
  let i = 0;
  const stack: number[] = []; // 1 array, 2 object
  const ws = () => {
    while (i < n) {
      const c = t.charCodeAt(i);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
      i++;
    }
  };
  const str = (): boolean => {
    if (t.charCodeAt(i) !== 34) return false;
    i++;
    while (i < n) {
      const c = t.charCodeAt(i);
      if (c === 34) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 92) {
        const e = t[i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(i + 2, i + 6))) return false;
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else return false;
      } else i++;
    }
    return false;
  };
  const NUM = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  let state: "value" | "key" | "after" = "value";
  for (;;) {
    ws();
    if (state === "value") {
      const c = t[i];
      if (c === "{" || c === "[") {
        i++;
        ws();
        if (t[i] === (c === "{" ? "}" : "]")) {
          i++;
          state = "after";
        } else {
          stack.push(c === "{" ? 2 : 1);
          state = c === "{" ? "key" : "value";
        }
      } else if (c === '"') {
        if (!str()) return Math.min(i, n);
        state = "after";
      } else if (t.startsWith("true", i) || t.startsWith("null", i)) {
        i += 4;
        state = "after";
      } else if (t.startsWith("false", i)) {
        i += 5;
        state = "after";
      } else {
        NUM.lastIndex = i;
        if (!NUM.test(t)) return i;
        i = NUM.lastIndex;
        state = "after";
      }
    } else if (state === "key") {
      if (!str()) return Math.min(i, n);
      ws();
      if (t[i] !== ":") return i;
      i++;
      state = "value";
    } else {
      if (stack.length === 0) return i < n ? i : -1;
      const top = stack[stack.length - 1];
      if (t[i] === ",") {
        i++;
        state = top === 2 ? "key" : "value";
      } else if (t[i] === (top === 2 ? "}" : "]")) {
        i++;
        stack.pop();
      } else return i;
    }
  }
}

function jsonError(text: string, e: unknown, lineNo?: number): TraceParseError {
  // V8's words, without the excerpt of the (untrusted, maybe huge) text it quotes.
  const msg = (e instanceof Error ? e.message : String(e))
    .replace(/,\s*(?:\.\.\.)?".*is not valid JSON$/s, "")
    .replace(/\s*in JSON at position \d+.*$/s, "")
    .slice(0, 120);
  const pos = jsonErrorOffset(text);
  let where = "";
  if (pos >= text.length) where = lineNo ? ` at the end of line ${lineNo} (cut short)` : " at its end (the file is cut short)";
  else if (pos >= 0) where = lineNo ? ` at line ${lineNo}, column ${pos + 1}` : ` at ${lineCol(text, pos)}`;
  return new TraceParseError(`${NOT_A_TRACE} — the file is not valid JSON${where} (${msg})`);
}

const LABELS: Record<Format, string> = { native: "weft's trace JSON", compact: "weft's compact trace JSON", jaeger: "Jaeger JSON", otlp: "OTLP JSON" };

function parseAs(json: unknown, opts: { traceId?: string }): RawTrace {
  const format = detect(json);
  try {
    switch (format) {
      case "native":
        return fromNative(json as NativeTrace, "native file");
      case "compact":
        return fromCompact(json, "native file");
      case "jaeger":
        return fromJaeger(json, opts);
      case "otlp":
        return fromOtlp(json, opts);
      default:
        return notATrace();
    }
  } catch (e) {
    // A field that is wrong: say which format it looked like, and where.
    if (format && e instanceof TraceParseError && !e.message.startsWith(NOT_A_TRACE) && !e.message.startsWith("the file"))
      throw new TraceParseError(`${LABELS[format]}, ${e.message}`);
    throw e;
  }
}

// Parses a trace file of any supported format. Throws TraceParseError with a message
// for people (what is wrong, and where) for anything else.
export function parseTraceFile(text: string, opts: { traceId?: string } = {}): RawTrace {
  if (typeof text !== "string") throw new TraceParseError(NOT_A_TRACE);
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (t.trim() === "") notATrace("the file is empty");
  let json: unknown;
  try {
    json = JSON.parse(t);
  } catch (e) {
    const lines = jsonLines(t);
    if (lines) return checked(fromOtlpRequests(lines.values, opts, lines.numbers));
    throw jsonError(t, e);
  }
  return checked(parseAs(json, opts));
}

// OTLP JSON lines: each non-empty line one request. Undefined when the first line is not
// one (the caller then reports the whole text's JSON error).
function jsonLines(t: string): { values: unknown[]; numbers: number[] } | undefined {
  const raw = t.split("\n");
  const values: unknown[] = [];
  const numbers: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const line = raw[i].trim();
    if (line === "") continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      if (values.length === 0) return undefined;
      throw jsonError(line, e, i + 1);
    }
    if (values.length === 0 && !otlpResourceSpans(v)) return undefined;
    values.push(v);
    numbers.push(i + 1);
  }
  return values.length > 1 ? { values, numbers } : undefined;
}

function checked(r: RawTrace): RawTrace {
  if (r.spans.length === 0) notATrace(EMPTY);
  return r;
}
