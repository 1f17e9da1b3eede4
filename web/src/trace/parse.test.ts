import { describe, expect, it } from "vitest";
import type { NativeTrace } from "../types";
import { buildModel } from "./model";
import { fromJaeger, fromNative, fromOtlp, jsonErrorOffset, NOT_A_TRACE, parseTraceFile } from "./parse";

const T = "0af7651916cd43dd8448eb211c80319c";
const ROOT = "b7ad6b7169203331";
const CHILD = "00f067aa0ba902b7";

const native: NativeTrace = {
  traceId: T,
  spanCount: 2,
  startTimeUnixNano: "1700000000000000000",
  endTimeUnixNano: "1700000000300000000",
  resources: [
    { attributes: [{ key: "service.name", value: { stringValue: "frontend" } }, { key: "host.name", value: { stringValue: "web-1" } }] },
    { attributes: [{ key: "service.name", value: { stringValue: "payments" } }] },
  ],
  scopes: [{ name: "io.http", version: "2.1", attributes: [] }],
  spans: [
    {
      traceId: T,
      spanId: ROOT,
      parentSpanId: "",
      traceState: "vendor=abc",
      flags: 1,
      name: "GET /checkout",
      kind: "server",
      startTimeUnixNano: "1700000000000000000",
      endTimeUnixNano: "1700000000300000000",
      durationNanos: "300000000",
      attributes: [{ key: "http.status_code", value: { intValue: "200" } }],
      events: [{ timeUnixNano: "1700000000005000000", name: "cache miss", attributes: [] }],
      links: [{ traceId: "1".repeat(32), spanId: "2".repeat(16), attributes: [] }],
      status: { code: "ok", message: "" },
      rpcId: "0",
      service: "frontend",
      resourceIndex: 0,
      scopeIndex: 0,
    },
    {
      traceId: T,
      spanId: CHILD,
      parentSpanId: ROOT,
      name: "charge",
      kind: "client",
      startTimeUnixNano: "1700000000100000000",
      endTimeUnixNano: "1700000000200000000",
      durationNanos: "100000000",
      attributes: [],
      events: [],
      links: [],
      status: { code: "error", message: "card declined" },
      service: "payments",
      resourceIndex: 1,
      scopeIndex: 0,
    },
  ],
};

describe("fromNative", () => {
  it("maps resources and scopes by index, times as bigint", () => {
    const r = fromNative(native);
    expect(r.source).toBe("weft");
    expect(r.traceId).toBe(T);
    expect(r.spans).toHaveLength(2);
    const [a, b] = r.spans;
    expect(a.start).toBe(1700000000000000000n);
    expect(a.end).toBe(1700000000300000000n);
    expect(a.resource.map((kv) => kv.key)).toEqual(["service.name", "host.name"]);
    expect(a.scope).toEqual({ name: "io.http", version: "2.1" });
    expect(a.events[0]).toEqual({ time: 1700000000005000000n, name: "cache miss", attributes: [] });
    expect(a.links[0].spanId).toBe("2".repeat(16));
    expect(a.traceState).toBe("vendor=abc");
    expect(a.rpcId).toBe("0");
    expect(a.flags).toBe(1);
    expect(a.kind).toBe("server");
    expect(b.parentSpanId).toBe(ROOT);
    expect(b.service).toBe("payments");
    expect(b.statusCode).toBe("error");
    expect(b.statusMessage).toBe("card declined");
    const m = buildModel(r);
    expect(m.spans.map((s) => s.spanId)).toEqual([ROOT, CHILD]);
    expect(m.duration).toBe(300e6);
    expect(m.errorCount).toBe(1);
  });

  it("reads weft's JSON from a file", () => {
    const r = parseTraceFile(JSON.stringify(native));
    expect(r.source).toBe("native file");
    expect(r.spans).toHaveLength(2);
    expect(r.spans[1].resource[0].value.stringValue).toBe("payments");
  });

  it("names the field that is wrong", () => {
    const bad = structuredClone(native) as unknown as { spans: Record<string, unknown>[] };
    bad.spans[1].startTimeUnixNano = "soon";
    expect(() => parseTraceFile(JSON.stringify(bad))).toThrow(/weft's trace JSON, spans\[1\]\.startTimeUnixNano: expected an integer, got "soon"/);
  });
});

const jaegerTrace = {
  traceID: T,
  spans: [
    {
      traceID: T,
      spanID: ROOT,
      flags: 1,
      operationName: "GET /checkout",
      references: [],
      startTime: 1700000000000000,
      duration: 300000,
      tags: [
        { key: "otel.scope.name", type: "string", value: "io.http" },
        { key: "otel.scope.version", type: "string", value: "2.1" },
        { key: "http.status_code", type: "int64", value: 200 },
        { key: "ratio", type: "float64", value: 0.5 },
        { key: "cached", type: "bool", value: false },
        { key: "blob", type: "binary", value: "AQI=" },
        { key: "span.kind", type: "string", value: "server" },
        { key: "w3c.tracestate", type: "string", value: "vendor=abc" },
      ],
      logs: [{ timestamp: 1700000000005000, fields: [{ key: "event", type: "string", value: "cache miss" }, { key: "size", type: "int64", value: 3 }] }],
      processID: "p1",
      warnings: null,
    },
    {
      traceID: T,
      spanID: CHILD,
      operationName: "charge",
      references: [
        { refType: "CHILD_OF", traceID: T, spanID: ROOT },
        { refType: "FOLLOWS_FROM", traceID: "1".repeat(32), spanID: "2".repeat(16) },
      ],
      startTime: 1700000000100000,
      duration: 100000,
      tags: [
        { key: "span.kind", type: "string", value: "client" },
        { key: "error", type: "bool", value: true },
        { key: "otel.status_description", type: "string", value: "card declined" },
      ],
      logs: [],
      processID: "p2",
      warnings: null,
    },
  ],
  processes: {
    p1: { serviceName: "frontend", tags: [{ key: "host.name", type: "string", value: "web-1" }] },
    p2: { serviceName: "payments", tags: [] },
  },
  warnings: null,
};

describe("fromJaeger", () => {
  it("reads the Jaeger UI's JSON file ({data:[…]})", () => {
    const r = parseTraceFile(JSON.stringify({ data: [jaegerTrace], total: 1, limit: 0, offset: 0, errors: null }));
    expect(r.source).toBe("jaeger file");
    expect(r.traceId).toBe(T);
    expect(r.fileTraceIds).toBeUndefined();
    const [a, b] = r.spans;
    expect(a.start).toBe(1700000000000000000n);
    expect(a.end).toBe(1700000000300000000n);
    expect(a.kind).toBe("server");
    expect(a.service).toBe("frontend");
    expect(a.resource).toEqual([
      { key: "service.name", value: { stringValue: "frontend" } },
      { key: "host.name", value: { stringValue: "web-1" } },
    ]);
    expect(a.scope).toEqual({ name: "io.http", version: "2.1" });
    expect(a.traceState).toBe("vendor=abc");
    expect(a.flags).toBe(1);
    // Synthetic tags went back into fields; typed values.
    expect(a.attributes).toEqual([
      { key: "http.status_code", value: { intValue: "200" } },
      { key: "ratio", value: { doubleValue: 0.5 } },
      { key: "cached", value: { boolValue: false } },
      { key: "blob", value: { bytesValue: "AQI=" } },
    ]);
    expect(a.events).toEqual([{ time: 1700000000005000000n, name: "cache miss", attributes: [{ key: "size", value: { intValue: "3" } }] }]);
    expect(a.parentSpanId).toBe("");
    expect(b.parentSpanId).toBe(ROOT);
    expect(b.links).toEqual([{ traceId: "1".repeat(32), spanId: "2".repeat(16), attributes: [] }]);
    expect(b.kind).toBe("client");
    expect(b.statusCode).toBe("error");
    expect(b.statusMessage).toBe("card declined");
    expect(b.attributes).toEqual([]);
  });

  it("reads a bare trace object, an array of traces, and short IDs", () => {
    const short = structuredClone(jaegerTrace);
    short.traceID = "8448eb211c80319c";
    for (const s of short.spans) s.traceID = "8448eb211c80319c";
    short.spans[1].references[0].traceID = "8448eb211c80319c";
    const r = fromJaeger(short);
    expect(r.traceId).toBe("00000000000000008448eb211c80319c");
    expect(r.spans[1].parentSpanId).toBe(ROOT);
    expect(parseTraceFile(JSON.stringify([jaegerTrace])).spans).toHaveLength(2);
  });

  it("maps otel.status_code=ERROR; a FOLLOWS_FROM is a link, not the parent", () => {
    const t = structuredClone(jaegerTrace);
    t.spans[1].tags = [{ key: "otel.status_code", type: "string", value: "ERROR" }];
    t.spans[1].references = [{ refType: "FOLLOWS_FROM", traceID: T, spanID: ROOT }];
    const r = fromJaeger({ data: [t] });
    expect(r.spans[1].statusCode).toBe("error");
    expect(r.spans[1].parentSpanId).toBe("");
    expect(r.spans[1].links).toEqual([{ traceId: T, spanId: ROOT, attributes: [] }]);
    expect(buildModel(r).spans[1].error).toBe(true);
  });

  it("reads the deprecated parentSpanID", () => {
    const t = structuredClone(jaegerTrace) as unknown as { spans: Record<string, unknown>[] };
    t.spans[1].references = [];
    t.spans[1].parentSpanID = ROOT;
    expect(fromJaeger(t).spans[1].parentSpanId).toBe(ROOT);
  });

  it("takes the first of several traces and lists them all", () => {
    const other = structuredClone(jaegerTrace);
    other.traceID = "f".repeat(32);
    for (const s of other.spans) s.traceID = other.traceID;
    const text = JSON.stringify({ data: [jaegerTrace, other] });
    const r = parseTraceFile(text);
    expect(r.traceId).toBe(T);
    expect(r.fileTraceIds).toEqual([T, "f".repeat(32)]);
    expect(parseTraceFile(text, { traceId: "F".repeat(32) }).traceId).toBe("f".repeat(32));
    expect(() => parseTraceFile(text, { traceId: "1234" })).toThrow(/holds no trace 1234/);
  });

  it("keeps tag values as text, never code", () => {
    const t = structuredClone(jaegerTrace);
    t.spans[0].operationName = "<img src=x onerror=alert(1)>";
    t.spans[0].tags = [{ key: "<script>", type: "string", value: "javascript:alert(1)" }];
    const r = fromJaeger(t);
    expect(r.spans[0].name).toBe("<img src=x onerror=alert(1)>");
    expect(r.spans[0].attributes[0]).toEqual({ key: "<script>", value: { stringValue: "javascript:alert(1)" } });
  });

  it("reports Jaeger's error answer", () => {
    expect(() => parseTraceFile('{"data":null,"total":0,"errors":[{"code":404,"msg":"trace not found"}]}')).toThrow(
      /holds no trace, only an error: "trace not found"/,
    );
  });
});

const otlp = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: "service.name", value: { stringValue: "frontend" } }] },
      scopeSpans: [
        {
          scope: { name: "io.http", version: "2.1" },
          spans: [
            {
              traceId: T,
              spanId: ROOT,
              parentSpanId: "",
              name: "GET /checkout",
              kind: 2,
              startTimeUnixNano: "1700000000000000000",
              endTimeUnixNano: "1700000000300000000",
              attributes: [{ key: "http.status_code", value: { intValue: "200" } }, { key: "n", value: { intValue: 7 } }],
              events: [{ timeUnixNano: "1700000000005000000", name: "cache miss" }],
              status: { code: 1 },
            },
          ],
        },
      ],
    },
    {
      resource: { attributes: [{ key: "service.name", value: { stringValue: "payments" } }] },
      scopeSpans: [
        {
          scope: { name: "pay" },
          spans: [
            {
              traceId: T.toUpperCase(),
              spanId: CHILD,
              parentSpanId: ROOT,
              name: "charge",
              kind: "SPAN_KIND_CLIENT",
              startTimeUnixNano: 1700000000100000000,
              endTimeUnixNano: "1700000000200000000",
              status: { code: "STATUS_CODE_ERROR", message: "card declined" },
              links: [{ traceId: "1".repeat(32), spanId: "2".repeat(16) }],
            },
          ],
        },
      ],
    },
  ],
};

describe("fromOtlp", () => {
  it("reads an ExportTraceServiceRequest", () => {
    const r = parseTraceFile(JSON.stringify(otlp));
    expect(r.source).toBe("otlp file");
    expect(r.traceId).toBe(T);
    const [a, b] = r.spans;
    expect(a.kind).toBe("server");
    expect(a.statusCode).toBe("ok");
    expect(a.service).toBe("frontend");
    expect(a.scope).toEqual({ name: "io.http", version: "2.1" });
    expect(a.attributes[1]).toEqual({ key: "n", value: { intValue: "7" } });
    expect(a.events[0]).toEqual({ time: 1700000000005000000n, name: "cache miss", attributes: [] });
    expect(b.kind).toBe("client");
    expect(b.statusCode).toBe("error");
    expect(b.statusMessage).toBe("card declined");
    expect(b.service).toBe("payments");
    expect(b.parentSpanId).toBe(ROOT);
    expect(b.end - b.start).toBe(100000000n);
    expect(b.links[0].traceId).toBe("1".repeat(32));
    const m = buildModel(r);
    expect(m.spans[1].parent).toBe(0);
  });

  it("decodes base64 IDs and old instrumentationLibrarySpans", () => {
    const b64 = (hex: string) => btoa(String.fromCharCode(...hex.match(/../g)!.map((x) => parseInt(x, 16))));
    const old = {
      resourceSpans: [
        {
          resource: { attributes: [] },
          instrumentationLibrarySpans: [
            {
              instrumentationLibrary: { name: "lib", version: "1" },
              spans: [
                { traceId: b64(T), spanId: b64(ROOT), name: "a", kind: 1, startTimeUnixNano: "1", endTimeUnixNano: "5" },
                { traceId: b64(T), spanId: b64(CHILD), parentSpanId: b64(ROOT), name: "b", startTimeUnixNano: "2", endTimeUnixNano: "3" },
              ],
            },
          ],
        },
      ],
    };
    const r = fromOtlp(old);
    expect(r.traceId).toBe(T);
    expect(r.spans[0].spanId).toBe(ROOT);
    expect(r.spans[1].parentSpanId).toBe(ROOT);
    expect(r.spans[0].service).toBe("unknown_service");
    expect(r.spans[0].scope).toEqual({ name: "lib", version: "1" });
    expect(r.spans[0].kind).toBe("internal");
  });

  it("unwraps Jaeger API v3's {result: …}", () => {
    expect(parseTraceFile(JSON.stringify({ result: otlp })).spans).toHaveLength(2);
  });

  it("reads OTLP JSON lines and shows the first trace", () => {
    const second = structuredClone(otlp);
    for (const rs of second.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) s.traceId = "e".repeat(32);
    const text = JSON.stringify(otlp) + "\n" + JSON.stringify(second) + "\n\n";
    const r = parseTraceFile(text);
    expect(r.traceId).toBe(T);
    expect(r.spans).toHaveLength(2);
    expect(r.fileTraceIds).toEqual([T, "e".repeat(32)]);
    const r2 = parseTraceFile(text, { traceId: "e".repeat(32) });
    expect(r2.spans).toHaveLength(2);
    expect(r2.traceId).toBe("e".repeat(32));
  });

  it("names a bad line in JSON lines", () => {
    const text = JSON.stringify(otlp) + "\n" + JSON.stringify(otlp) + "\n" + '{"resourceSpans": [}\n';
    expect(() => parseTraceFile(text)).toThrow(/not valid JSON at line 3, column 20/);
  });

  it("names a bad ID", () => {
    const bad = structuredClone(otlp);
    bad.resourceSpans[0].scopeSpans[0].spans[0].spanId = "xyz";
    expect(() => parseTraceFile(JSON.stringify(bad))).toThrow(/OTLP JSON, resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.spanId: not 16 hex digits/);
  });
});

describe("parseTraceFile rejects what is not a trace", () => {
  const notTrace = new RegExp(NOT_A_TRACE.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  it.each([
    ["empty", ""],
    ["blank", "  \n "],
    ["a number", "42"],
    ["a string", '"hello"'],
    ["null", "null"],
    ["an unrelated object", '{"hello": "world"}'],
    ["an empty array", "[]"],
    ["an OTLP request without spans", '{"resourceSpans": []}'],
    ["a Jaeger answer without traces", '{"data": []}'],
    ["a Jaeger trace without spans", '{"traceID": "1", "spans": [], "processes": {}}'],
    ["weft's trace without spans", '{"traceId": "1", "resources": [], "scopes": [], "spans": []}'],
    ["Zipkin v2", '[{"traceId": "1", "id": "2", "name": "x"}]'],
  ])("%s", (_, text) => {
    expect(() => parseTraceFile(text)).toThrow(notTrace);
  });

  it("says where invalid JSON breaks", () => {
    expect(() => parseTraceFile('{\n  "spans": [1, 2,,]\n}')).toThrow(/not valid JSON at line 2, column 18/);
    expect(() => parseTraceFile("abc")).toThrow(/not valid JSON at line 1, column 1 \(Unexpected token 'a'\)/);
    expect(() => parseTraceFile('{"resourceSpans": [')).toThrow(/not valid JSON at its end \(the file is cut short\)/);
  });

  it("strips a byte-order mark", () => {
    expect(parseTraceFile("\ufeff" + JSON.stringify(otlp)).spans).toHaveLength(2);
  });
});

describe("jsonErrorOffset", () => {
  it.each([
    ['{"a": [1, 2.5e3, true, false, null, "x\\"y\\u00e9"], "b": {}}', -1],
    ["[]", -1],
    ['  "x"  ', -1],
    ["[1,]", 3],
    ['{"a" 1}', 5],
    ['{"a":1} x', 8],
    ['"\\x"', 1],
    ["[01]", 2],
    ["[", 1],
    ["[".repeat(100000), 100000],
  ])("%s → %d", (text, pos) => {
    expect(jsonErrorOffset(text)).toBe(pos);
  });
});
