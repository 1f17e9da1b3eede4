import { afterEach, describe, expect, it, vi } from "vitest";
import { FIRST, loadTrace, mergePages, RAW_SPANS } from "./load";
import type { NativeSpan, NativeTrace } from "../types";

const res = (svc: string) => ({ attributes: [{ key: "service.name", value: { stringValue: svc } }], droppedAttributesCount: 0, schemaUrl: "" });
const scope = (name: string) => ({ name, version: "1", attributes: [] });
const span = (id: string, service: string, resourceIndex: number, scopeIndex = 0): NativeSpan => ({
  traceId: "t",
  spanId: id,
  parentSpanId: "",
  name: id,
  kind: "internal",
  startTimeUnixNano: "1",
  endTimeUnixNano: "2",
  durationNanos: "1",
  attributes: [],
  events: [],
  links: [],
  status: { code: "unset", message: "" },
  service,
  resourceIndex,
  scopeIndex,
});
const page = (offset: number, resources: string[], scopes: string[], spans: NativeSpan[], next?: number): NativeTrace => ({
  traceId: "t",
  spanCount: 4,
  startTimeUnixNano: "1",
  endTimeUnixNano: "9",
  resources: resources.map(res),
  scopes: scopes.map(scope),
  spans,
  returnedSpanCount: spans.length,
  offset,
  nextOffset: next,
});

describe("mergePages", () => {
  it("rewrites per-page resource and scope indices onto shared tables", () => {
    const merged = mergePages([
      page(0, ["a", "b"], ["s1"], [span("1", "a", 0), span("2", "b", 1)], 2),
      page(2, ["b", "c"], ["s2", "s1"], [span("3", "b", 0, 1), span("4", "c", 1, 0)]),
    ]);
    expect(merged.resources.map((r) => r.attributes[0].value.stringValue)).toEqual(["a", "b", "c"]);
    expect(merged.scopes.map((s) => s.name)).toEqual(["s1", "s2"]);
    expect(merged.spans.map((s) => [s.spanId, s.resourceIndex, s.scopeIndex])).toEqual([
      ["1", 0, 0],
      ["2", 1, 0],
      ["3", 1, 0],
      ["4", 2, 1],
    ]);
    expect(merged.spanCount).toBe(4);
    expect(merged.nextOffset).toBeUndefined();
    expect(merged.offset).toBeUndefined();
  });
  it("drops a span that two pages both returned", () => {
    const merged = mergePages([
      page(0, ["a"], ["s1"], [span("1", "a", 0), span("2", "a", 0)], 2),
      page(2, ["a"], ["s1"], [span("2", "a", 0), span("3", "a", 0)]),
    ]);
    expect(merged.spans.map((s) => s.spanId)).toEqual(["1", "2", "3"]);
  });
  it("returns a single page as it is, without the paging fields", () => {
    const p = page(0, ["a"], ["s1"], [span("1", "a", 0)]);
    const merged = mergePages([p]);
    expect(merged.spans.length).toBe(1);
    expect("returnedSpanCount" in merged).toBe(false);
  });
});

describe("loadTrace", () => {
  const T = "0af7651916cd43dd8448eb211c80319c";
  const compact = {
    format: "compact-1",
    traceId: T,
    spanCount: 2,
    startTimeUnixNano: "1700000000000000000",
    endTimeUnixNano: "1700000000300000000",
    strings: ["", "service.name", "frontend", "GET /", "child"],
    resources: [[[1, 0, 2], 0, 0]],
    scopes: [],
    spans: [
      ["b7ad6b7169203331", "", 3, 2, 0, 300000000, 0, 0, 0, -1, [], [], [], 0, 0, 0, [0, 0, 0]],
      ["00f067aa0ba902b7", "b7ad6b7169203331", 4, 1, 10, 20, 0, 0, 0, -1, [], [], [], 0, 0, 0, [0, 0, 0]],
    ],
  };
  const nativeOf = (ids: string[], offset?: number, next?: number): NativeTrace => ({
    ...page(offset ?? 0, ["frontend"], ["s"], ids.map((id) => span(id, "frontend", 0)), next),
    spanCount: 2,
  });
  let calls: string[] = [];
  const serve = (answer: (url: string) => Response) => {
    calls = [];
    vi.stubGlobal("document", { getElementById: () => null });
    vi.stubGlobal("fetch", async (url: string) => {
      calls.push(url);
      return answer(url);
    });
  };
  const json = (v: unknown, status = 200) => new Response(JSON.stringify(v), { status, headers: { "Content-Type": "application/json" } });
  afterEach(() => vi.unstubAllGlobals());

  it("asks for the compact JSON, and reads it", async () => {
    serve(() => json(compact));
    const t = await loadTrace(T, new AbortController().signal);
    expect(calls).toEqual([`/api/v1/traces/${T}?format=compact`]);
    expect(t.format).toBe("compact");
    expect(t.raw.spans.map((s) => [s.spanId, s.name, s.service])).toEqual([
      ["b7ad6b7169203331", "GET /", "frontend"],
      ["00f067aa0ba902b7", "child", "frontend"],
    ]);
    // The raw view and the download ask for the native JSON then.
    serve((url) => (url.includes("limit=") ? json(nativeOf(["1", "2"], 0)) : new Response('{"whole":true}')));
    expect((await t.head()).json.spans.length).toBe(2);
    expect(calls[0]).toBe(`/api/v1/traces/${T}?limit=${RAW_SPANS}`);
    expect(await (await t.file()).text()).toBe('{"whole":true}');
  });

  it("falls back to native pages when the server does not know the format", async () => {
    serve((url) =>
      url.includes("format=")
        ? json({ error: { code: 400, message: "format: must be native" } }, 400)
        : url.includes(`offset=${FIRST}`)
          ? json(nativeOf([], FIRST))
          : json(nativeOf(["1", "2"], 0)),
    );
    const t = await loadTrace(T, new AbortController().signal);
    expect(t.format).toBe("native");
    expect(t.raw.spans.map((s) => s.spanId)).toEqual(["1", "2"]);
    expect(calls.some((u) => u.includes(`offset=0&limit=${FIRST}`))).toBe(true);
    expect((await t.head()).json.spans.length).toBe(2);
  });

  it("uses a native answer to format=compact as it is (a server that ignores the parameter)", async () => {
    serve(() => json(nativeOf(["1", "2"])));
    const t = await loadTrace(T, new AbortController().signal);
    expect(t.format).toBe("native");
    expect(calls.length).toBe(1);
    expect(t.raw.spans.map((s) => s.spanId)).toEqual(["1", "2"]);
    expect(JSON.parse(await (await t.file()).text()).spans.length).toBe(2);
  });

  it("reports a trace that does not exist", async () => {
    serve(() => json({ error: { code: 404, message: "no such trace" } }, 404));
    await expect(loadTrace(T, new AbortController().signal)).rejects.toMatchObject({ status: 404, message: "no such trace" });
  });
});
