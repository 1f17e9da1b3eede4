// Trace JSON → RawTrace (model.ts), from weft's API or from a file a user opens:
//
//   fromNative   weft's native API (docs/api.md "GET /api/v1/traces/{id}")
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

type Format = "native" | "jaeger" | "otlp";

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

const LABELS: Record<Format, string> = { native: "weft's trace JSON", jaeger: "Jaeger JSON", otlp: "OTLP JSON" };

function parseAs(json: unknown, opts: { traceId?: string }): RawTrace {
  const format = detect(json);
  try {
    switch (format) {
      case "native":
        return fromNative(json as NativeTrace, "native file");
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
