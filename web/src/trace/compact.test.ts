import { describe, expect, it } from "vitest";
import type { NativeTrace } from "../types";
import { buildModel, type RawSpan, type RawTrace } from "./model";
import { CompactReader, fromCompact, fromCompactBytes, fromNative, parseTraceFile, TraceParseError } from "./parse";

// One trace in both of weft's JSON forms, written by hand after docs/api.md: the native
// JSON and the compact JSON (`?format=compact`) must read the same.
const T = "0af7651916cd43dd8448eb211c80319c";
const ROOT = "b7ad6b7169203331";
const CHILD = "00f067aa0ba902b7";
const ORPHAN = "aaaaaaaaaaaaaaaa";
const GONE = "ffffffffffffffff";
const BASE = 1700000000000000000n;
const at = (rel: number) => String(BASE + BigInt(rel));

const SCRIPT = '<script>alert("x")</script>';
const IMG = "<img src=x onerror=alert(1)>";
const EVIL_KEY = 'evil"key\\';
const ODD_TEXT = "line\nbreak \u2028 \u0000 😀 javascript:alert(1)";

const kv = (key: string, value: object) => ({ key, value });
const str = (s: string) => ({ stringValue: s });
const LIST = { arrayValue: { values: [{ stringValue: "a" }, { intValue: "1" }] } };
const MAP = { kvlistValue: { values: [{ key: "k", value: { boolValue: true } }] } };

const native: NativeTrace = {
  traceId: T,
  spanCount: 3,
  startTimeUnixNano: at(0),
  endTimeUnixNano: at(300000000),
  resources: [
    { attributes: [kv("service.name", str("frontend")), kv("host.name", str(IMG))], droppedAttributesCount: 0, schemaUrl: "" },
    { attributes: [kv("service.name", str("payments"))], droppedAttributesCount: 0, schemaUrl: "" },
    { attributes: [kv("host.name", str("h"))], droppedAttributesCount: 0, schemaUrl: "" },
  ],
  scopes: [
    { name: "io.http", version: "2.1", attributes: [] },
    { name: "", version: "", attributes: [] },
  ],
  spans: [
    {
      traceId: T,
      spanId: ROOT,
      parentSpanId: "",
      traceState: "vendor=abc",
      flags: 1,
      name: SCRIPT,
      kind: "server",
      startTimeUnixNano: at(0),
      endTimeUnixNano: at(300000000),
      durationNanos: "300000000",
      attributes: [
        kv("http.status_code", { intValue: "200" }),
        kv("big", { intValue: "9007199254740993" }),
        kv("negative", { intValue: "-42" }),
        kv("ratio", { doubleValue: 0.25 }),
        kv("nan", { doubleValue: "NaN" }),
        kv("inf", { doubleValue: "-Infinity" }),
        kv("ok", { boolValue: true }),
        kv("no", { boolValue: false }),
        kv("blob", { bytesValue: "AQID" }),
        kv("list", LIST),
        kv("map", MAP),
        kv("nothing", {}),
        kv(EVIL_KEY, str(ODD_TEXT)),
        kv(SCRIPT, str(SCRIPT)),
      ],
      droppedAttributesCount: 0,
      events: [
        { timeUnixNano: at(5000000), name: "cache miss", attributes: [kv("attempt", { intValue: "2" })], droppedAttributesCount: 0 },
        { timeUnixNano: at(-1000), name: IMG, attributes: [], droppedAttributesCount: 0 },
      ],
      droppedEventsCount: 0,
      links: [{ traceId: "1".repeat(32), spanId: "2".repeat(16), traceState: "vendor=abc", attributes: [kv("reason", str("retry"))], droppedAttributesCount: 0, flags: 1 }],
      droppedLinksCount: 0,
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
      traceState: "",
      flags: 0,
      name: "charge",
      kind: "client",
      startTimeUnixNano: at(100000000),
      endTimeUnixNano: at(200000000),
      durationNanos: "100000000",
      attributes: [],
      events: [],
      links: [],
      status: { code: "error", message: "card <declined>" },
      rpcId: "0.1",
      service: "payments",
      resourceIndex: 1,
      scopeIndex: 0,
    },
    {
      traceId: T,
      spanId: ORPHAN,
      parentSpanId: GONE,
      traceState: "",
      flags: 0,
      name: "",
      kind: "internal",
      startTimeUnixNano: at(150000000),
      endTimeUnixNano: at(150000000),
      durationNanos: "0",
      attributes: [kv("error", { boolValue: true }), kv("empty", str(""))],
      events: [],
      links: [],
      status: { code: "unset", message: "" },
      rpcId: "",
      service: "unknown_service",
      resourceIndex: 2,
      scopeIndex: 1,
    },
  ],
};

// The string table in order of first use (resources, scopes, then spans), as weft writes it.
const strings = [
  "", // 0
  "service.name", // 1
  "frontend", // 2
  "host.name", // 3
  IMG, // 4
  "payments", // 5
  "h", // 6
  "io.http", // 7
  "2.1", // 8
  SCRIPT, // 9
  "http.status_code", // 10
  "big", // 11
  "negative", // 12
  "ratio", // 13
  "nan", // 14
  "inf", // 15
  "ok", // 16
  "no", // 17
  "blob", // 18
  "list", // 19
  "map", // 20
  "nothing", // 21
  EVIL_KEY, // 22
  ODD_TEXT, // 23
  "cache miss", // 24
  "attempt", // 25
  "vendor=abc", // 26
  "reason", // 27
  "retry", // 28
  "0", // 29
  "charge", // 30
  "card <declined>", // 31
  "0.1", // 32
  "error", // 33
  "empty", // 34
];

const compact = {
  format: "compact-1",
  traceId: T,
  spanCount: 3,
  startTimeUnixNano: at(0),
  endTimeUnixNano: at(300000000),
  strings,
  resources: [
    [[1, 0, 2, 3, 0, 4], 0, 0],
    [[1, 0, 5], 0, 0],
    [[3, 0, 6], 0, 0],
  ],
  scopes: [
    [7, 8, [], 0, 0],
    [0, 0, [], 0, 0],
  ],
  spans: [
    [
      ROOT, "", 9, 2, 0, 300000000, 1, 0, 0, 0,
      [10, 1, 200, 11, 1, "9007199254740993", 12, 1, -42, 13, 2, 0.25, 14, 2, "NaN", 15, 2, "-Infinity", 16, 3, 1, 17, 3, 0,
        18, 4, "AQID", 19, 5, LIST, 20, 5, MAP, 21, 6, 0, 22, 0, 23, 9, 0, 9],
      [[5000000, 24, [25, 1, 2], 0], [-1000, 4, [], 0]],
      [["1".repeat(32), "2".repeat(16), 26, [27, 0, 28], 0, 1]],
      26, 29, 1, [0, 0, 0],
    ],
    [CHILD, ROOT, 30, 3, 100000000, 100000000, 2, 31, 1, 0, [], [], [], 0, 32, 0, [0, 0, 0]],
    [ORPHAN, GONE, 0, 1, 150000000, 0, 0, 0, 2, 1, [33, 3, 1, 34, 0, 0], [], [], 0, 0, 0, [0, 0, 0]],
  ],
};

// A RawTrace with absolute bigint times and every attribute list read (compact spans
// decode theirs when first read), as plain data to compare.
function plain(r: RawTrace): unknown {
  const abs = (t: bigint | number) => (typeof t === "bigint" ? t : r.baseNs! + BigInt(t));
  return {
    traceId: r.traceId,
    source: r.source,
    spans: r.spans.map((s: RawSpan) => ({
      spanId: s.spanId,
      parentSpanId: s.parentSpanId,
      name: s.name,
      service: s.service,
      kind: s.kind,
      start: abs(s.start),
      end: abs(s.end),
      statusCode: s.statusCode,
      statusMessage: s.statusMessage,
      attributes: s.attributes,
      resource: s.resource,
      scope: s.scope,
      events: s.events.map((e) => ({ time: abs(e.time), name: e.name, attributes: e.attributes })),
      links: s.links,
      traceState: s.traceState,
      rpcId: s.rpcId,
      flags: s.flags,
    })),
  };
}

const bytes = (v: unknown) => new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v));

describe("fromCompact", () => {
  it("reads the same trace as fromNative reads from the native JSON", () => {
    const c = fromCompact(structuredClone(compact));
    expect(c.baseNs).toBe(BASE);
    expect(plain(c)).toEqual(plain(fromNative(structuredClone(native))));
  });

  it("keeps every value type, and hostile text as text", () => {
    const [root, child, orphan] = fromCompact(structuredClone(compact)).spans;
    expect(root.name).toBe(SCRIPT);
    expect(root.resource[1]).toEqual({ key: "host.name", value: { stringValue: IMG } });
    expect(root.attributes.map((a) => a.value)).toEqual([
      { intValue: "200" },
      { intValue: "9007199254740993" },
      { intValue: "-42" },
      { doubleValue: 0.25 },
      { doubleValue: "NaN" },
      { doubleValue: "-Infinity" },
      { boolValue: true },
      { boolValue: false },
      { bytesValue: "AQID" },
      LIST,
      MAP,
      {},
      { stringValue: ODD_TEXT },
      { stringValue: SCRIPT },
    ]);
    expect(root.attributes[12].key).toBe(EVIL_KEY);
    expect(root.events.map((e) => e.time)).toEqual([5000000, -1000]);
    expect(root.links).toEqual([{ traceId: "1".repeat(32), spanId: "2".repeat(16), attributes: [{ key: "reason", value: { stringValue: "retry" } }] }]);
    expect([root.traceState, root.rpcId, root.flags, root.kind, root.statusCode]).toEqual(["vendor=abc", "0", 1, "server", "ok"]);
    expect([child.statusCode, child.statusMessage, child.service, child.traceState, child.rpcId]).toEqual(["error", "card <declined>", "payments", undefined, "0.1"]);
    expect([orphan.service, orphan.scope, orphan.name, orphan.kind]).toEqual(["unknown_service", { name: "", version: "" }, "", "internal"]);
  });

  it("builds the same model as the native JSON", () => {
    const a = buildModel(fromCompact(structuredClone(compact)));
    const b = buildModel(fromNative(structuredClone(native)));
    const view = (m: ReturnType<typeof buildModel>) => ({
      startNs: m.startNs,
      duration: m.duration,
      services: m.services,
      maxDepth: m.maxDepth,
      errorCount: m.errorCount,
      spans: m.spans.map((s) => ({
        index: s.index, spanId: s.spanId, parent: s.parent, missingParent: s.missingParent, parentSpanId: s.parentSpanId,
        depth: s.depth, subtreeSize: s.subtreeSize, childCount: s.childCount, name: s.name, service: s.service, kind: s.kind,
        start: s.start, duration: s.duration, error: s.error, statusCode: s.statusCode, statusMessage: s.statusMessage,
        attributes: s.attributes, resource: s.resource, scope: s.scope, events: s.events, links: s.links,
        traceState: s.traceState, rpcId: s.rpcId,
      })),
      ids: m.spans.map((s) => m.byId.get(s.spanId)),
    });
    expect(view(a)).toEqual(view(b));
    const orphan = a.spans[a.byId.get(ORPHAN)!];
    expect(orphan.missingParent).toBe(true);
    expect(orphan.error).toBe(true); // error=true attribute, status unset
    expect(a.spans[a.byId.get(ROOT)!].events[1].time).toBe(-1000); // an event before the trace start
    expect(a.errorCount).toBe(2);
  });

  it("reads the answer's bytes alike, with the fast reader and without", () => {
    const expected = plain(fromNative(structuredClone(native)));
    expect(plain(fromCompactBytes(bytes(compact), "weft", 0))).toEqual(expected); // the fast reader
    expect(plain(fromCompactBytes(bytes(compact)))).toEqual(expected); // JSON.parse (small)
    // Other layouts of the same JSON go to JSON.parse: white space, members in another order.
    expect(plain(fromCompactBytes(bytes(JSON.stringify(compact, null, 2)), "weft", 0))).toEqual(expected);
    const { spans, ...head } = compact;
    expect(plain(fromCompactBytes(bytes({ spans, ...head }), "weft", 0))).toEqual(expected);
  });

  it("finds an error attribute without decoding attributes, by whole triples only", () => {
    // "error" is string 33; string 133 is another key: "133,3,1" ends in "33,3,1".
    const table = [...strings];
    while (table.length <= 133) table.push(`k${table.length}`);
    const errorOf = (attrs: unknown[]) => {
      const c = structuredClone(compact) as unknown as { strings: string[]; spans: unknown[][] };
      c.strings = table;
      c.spans[1][6] = 0; // status unset
      c.spans[1][10] = attrs;
      for (const scan of [0, undefined]) {
        const m = buildModel(fromCompactBytes(bytes(c), "weft", scan));
        const e = m.spans[m.byId.get(CHILD)!].error;
        expect(buildModel(fromCompact(structuredClone(c))).spans[m.byId.get(CHILD)!].error).toBe(e);
        if (scan === 0) continue;
        return e;
      }
    };
    expect(errorOf([33, 3, 1])).toBe(true);
    expect(errorOf([12, 1, 7, 33, 3, 1])).toBe(true);
    expect(errorOf([133, 3, 1])).toBe(false);
    expect(errorOf([33, 3, 0])).toBe(false);
    expect(errorOf([5, 0, 33, 3, 1, 2])).toBe(false); // a string value 33, then key 3 = 2
    expect(errorOf([33, 0, 16])).toBe(false); // error="ok": a string, not true
  });

  it("names what is wrong, and where", () => {
    const bad = structuredClone(compact) as unknown as { spans: unknown[][]; format?: string };
    bad.spans[1][2] = 999;
    expect(() => fromCompact(bad)).toThrow(TraceParseError);
    expect(() => fromCompact(bad)).toThrow(/spans\[1\]\.name: expected a string index, got 999/);
    expect(() => fromCompactBytes(bytes(bad), "weft", 0)).toThrow(/spans\[1\]\.name: expected a string index, got 999/);
    bad.spans[1][2] = 30;
    bad.spans[2][4] = "soon";
    expect(() => fromCompact(bad)).toThrow(/spans\[2\]\.start: expected an integer, got "soon"/);
    expect(() => fromCompact({ ...compact, format: "compact-2" })).toThrow(/format: expected "compact-1"/);
    expect(() => fromCompactBytes(bytes('{"format":"compact-1","strings":['), "weft", 0)).toThrow(/not valid JSON/);
  });

  it("never reads a prototype for an index", () => {
    const c = structuredClone(compact) as unknown as { spans: unknown[][] };
    c.spans[1][8] = "__proto__";
    c.spans[1][9] = "constructor";
    c.spans[1][3] = "length";
    const child = fromCompact(c).spans[1];
    expect([child.resource, child.scope, child.service, child.kind]).toEqual([[], undefined, "unknown_service", "unspecified"]);
  });

  it("opens as a file too, checking every field", () => {
    const r = parseTraceFile(JSON.stringify(compact));
    expect(r.source).toBe("native file");
    expect(plain(r)).toEqual({ ...(plain(fromNative(structuredClone(native))) as object), source: "native file" });
    const bad = structuredClone(compact) as unknown as { spans: unknown[][] };
    bad.spans[0][0] = "not hex";
    expect(() => parseTraceFile(JSON.stringify(bad))).toThrow(/spans\[0\]\.spanId/);
  });
});

describe("CompactReader", () => {
  const whole = bytes(compact);
  const expected = plain(fromNative(structuredClone(native)));

  it("reads the answer as it arrives, in pieces of any size", () => {
    for (const step of [1, 2, 3, 7, 16, 64, 333, whole.length]) {
      const r = new CompactReader();
      // The bytes arrive into one buffer as readBytes fills it.
      const buf = new Uint8Array(whole.length);
      for (let at = 0; at < whole.length; ) {
        const next = Math.min(whole.length, at + step);
        buf.set(whole.subarray(at, next), at);
        at = next;
        r.feed(buf, at);
        if (at === whole.length - 1) expect(r.spansRead).toBe(3); // all but the closing brace
      }
      expect(r.gaveUp).toBe(false);
      expect(plain(r.end(buf))).toEqual(expected);
    }
  });

  it("goes to JSON.parse for what it does not read, and reports errors from there", () => {
    // White space is read; spans before the string table are not.
    const pretty = bytes(JSON.stringify(compact, null, 1));
    const r = new CompactReader();
    r.feed(pretty, pretty.length);
    expect([r.gaveUp, r.spansRead]).toEqual([false, 3]);
    expect(plain(r.end(pretty))).toEqual(expected);
    const { spans, ...head } = compact;
    const first = bytes({ spans, ...head });
    const r1 = new CompactReader();
    r1.feed(first, first.length >> 1);
    expect(r1.gaveUp).toBe(true);
    expect(plain(r1.end(first))).toEqual(expected);
    const cut = whole.subarray(0, whole.length - 3);
    const r2 = new CompactReader();
    r2.feed(cut, cut.length);
    expect(() => r2.end(cut)).toThrow(/not valid JSON/);
    const empty = bytes({ ...compact, spans: [] });
    const r3 = new CompactReader();
    for (let k = 1; k <= empty.length; k++) r3.feed(empty, k);
    expect(r3.end(empty).spans).toEqual([]);
  });
});

describe("a bigger compact trace", () => {
  // 3,000 spans: a chain of parents, attributes of every kind, some events; announced as
  // fewer spans than it holds (the reader's rows grow).
  const hex = (i: number) => (0x1000000000 + i * 7919).toString(16).padStart(16, "0");
  const table = ["", "service.name", "svc", "op", "k", "v", "error", "ev"];
  const spans = Array.from({ length: 3000 }, (_, i) => [
    hex(i), i === 0 ? "" : hex(Math.floor((i - 1) / 3)), 3, i % 6, i * 10, 5 + (i % 7), i % 11 === 0 ? 2 : 0, 0, 0, 0,
    i % 5 === 0 ? [4, 0, 5, 6, 3, i % 2] : [4, 1, i, 4, 2, i / 4],
    i % 13 === 0 ? [[i * 10 + 1, 7, [4, 3, 1], 0]] : [],
    [], 0, 0, i % 3, [0, 0, 0],
  ]);
  const big = { format: "compact-1", traceId: "f".repeat(32), spanCount: 10, startTimeUnixNano: "1000", endTimeUnixNano: "99999", strings: table, resources: [[[1, 0, 2], 0, 0]], scopes: [], spans };

  it("reads the same with the fast reader as with JSON.parse", () => {
    const a = buildModel(fromCompactBytes(bytes(big), "weft", 0));
    const b = buildModel(fromCompact(structuredClone(big)));
    const view = (m: ReturnType<typeof buildModel>) =>
      m.spans.map((s) => [s.spanId, s.parent, s.depth, s.start, s.duration, s.error, s.kind, s.attributes, s.events, s.rpcId]);
    expect(view(a)).toEqual(view(b));
    expect(a.spans.length).toBe(3000);
    expect(a.errorCount).toBe(b.errorCount);
    expect(a.errorCount).toBeGreaterThan(0);
  });
});
