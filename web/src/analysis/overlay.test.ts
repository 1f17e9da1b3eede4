import { describe, expect, it } from "vitest";
import { findSkewed, segmentsBySpan, sharesByService, skewOf } from "./overlay";
import type { KeyValue } from "../types";

const T0 = 1_700_000_000_000_000_000n;
const seg = (spanId: string, s: number, e: number) => ({ spanId, start: T0 + BigInt(s), end: T0 + BigInt(e) });
const idx = new Map([["r", 0], ["a", 1], ["b", 2]]);

describe("segmentsBySpan", () => {
  it("groups by span, relative to the view's origin, in time order, touching ones merged", () => {
    const m = segmentsBySpan([seg("r", 0, 10), seg("a", 10, 50), seg("r", 90, 100), seg("b", 50, 90), seg("r", 100, 105), seg("zz", 0, 1)], T0 - 5n, (id) => idx.get(id));
    expect([...m.keys()].sort()).toEqual([0, 1, 2]);
    expect([...m.get(0)!]).toEqual([5, 15, 95, 110]);
    expect([...m.get(1)!]).toEqual([15, 55]);
  });
  it("closes the smallest gaps past the cap", () => {
    const segs = [seg("r", 0, 1), seg("r", 2, 3), seg("r", 10, 11), seg("r", 13, 14), seg("r", 100, 101)];
    const m = segmentsBySpan(segs, T0, (id) => idx.get(id), 3);
    expect([...m.get(0)!]).toEqual([0, 3, 10, 14, 100, 101]);
    expect([...segmentsBySpan(segs, T0, (id) => idx.get(id), 1).get(0)!]).toEqual([0, 101]);
  });
  it("skips inverted segments", () => {
    expect(segmentsBySpan([seg("a", 5, 1)], T0, (id) => idx.get(id)).size).toBe(0);
  });
});

describe("skew", () => {
  const kv = (key: string, value: KeyValue["value"]): KeyValue => ({ key, value });
  it("reads weft.skew.adjust_ns in any numeric form", () => {
    expect(skewOf([kv("x", { intValue: 1 }), kv("weft.skew.adjust_ns", { intValue: "12300000" })])).toBe(12.3e6);
    expect(skewOf([kv("weft.skew.adjust_ns", { intValue: -500 })])).toBe(-500);
    expect(skewOf([kv("weft.skew.adjust_ns", { stringValue: "7" })])).toBe(7);
    expect(skewOf([kv("weft.skew.adjust_ns", { boolValue: true })])).toBeUndefined();
    expect(skewOf([])).toBeUndefined();
  });
  it("finds skewed spans in slices", async () => {
    const attrs: KeyValue[][] = Array.from({ length: 11 }, (_, i) => (i % 5 === 2 ? [kv("weft.skew.adjust_ns", { intValue: i })] : []));
    let yields = 0;
    const m = await findSkewed(attrs.length, (i) => attrs[i], { slice: 4, yieldTo: async () => void yields++ });
    expect([...m]).toEqual([[2, 2], [7, 7]]);
    expect(yields).toBe(2);
    const stopped = await findSkewed(attrs.length, (i) => attrs[i], { slice: 4, yieldTo: async () => undefined, aborted: () => true });
    expect(stopped.size).toBe(0);
  });
});

describe("sharesByService", () => {
  it("sums operations of a service", () => {
    expect(sharesByService([
      { service: "db", nanos: 30, share: 0.3 },
      { service: "fe", nanos: 40, share: 0.4 },
      { service: "db", nanos: 20, share: 0.2 },
    ])).toEqual([{ service: "db", nanos: 50, share: 0.5 }, { service: "fe", nanos: 40, share: 0.4 }]);
  });
});

describe("findSkewed yields when told", () => {
  it("asks shouldYield every 128 spans", async () => {
    let yields = 0;
    let asked = 0;
    const m = await findSkewed(1000, () => [], { slice: 10000, yieldTo: async () => void yields++, shouldYield: () => (asked++, true) });
    expect(m.size).toBe(0);
    expect(asked).toBe(7);
    expect(yields).toBe(7);
  });
});

describe("flat pieces", () => {
  it("round-trip through span IDs", async () => {
    const { flatPieces, piecesByIndex } = await import("./overlay");
    const segs = [seg("r", 0, 10), seg("a", 10, 50), seg("r", 50, 60), seg("x", 1, 2)];
    const f = flatPieces(segs, T0);
    expect(f.ids).toEqual(["r", "a", "x"]);
    expect([...f.offsets]).toEqual([0, 4, 6, 8]);
    const m = piecesByIndex(f, (id) => idx.get(id));
    expect([...m.keys()]).toEqual([0, 1]);
    expect([...m.get(0)!]).toEqual([0, 10, 50, 60]);
    expect([...m.get(1)!]).toEqual([10, 50]);
    expect(m).toEqual(segmentsBySpan(segs, T0, (id) => idx.get(id)));
  });
});
