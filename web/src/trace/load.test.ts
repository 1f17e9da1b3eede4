import { describe, expect, it } from "vitest";
import { mergePages } from "./load";
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
