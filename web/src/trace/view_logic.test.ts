import { describe, expect, it } from "vitest";
import {
  findMatches,
  formatTick,
  haystack,
  labelSide,
  nextMatchFrom,
  niceTicks,
  prettyJson,
  rowOf,
  rowRange,
  scrollTopFor,
  visibleRows,
} from "./view_logic";

// A tree in depth-first order:
//   0
//   ├─ 1
//   │  ├─ 2
//   │  └─ 3
//   └─ 4
//      └─ 5
//   6 (second root)
const SUBTREE = Int32Array.from([6, 3, 1, 1, 2, 1, 1]);

describe("visibleRows", () => {
  it("shows every span when nothing is collapsed", () => {
    expect([...visibleRows(SUBTREE, new Uint8Array(7))]).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
  it("skips the descendants of collapsed spans", () => {
    const c = new Uint8Array(7);
    c[1] = 1;
    expect([...visibleRows(SUBTREE, c)]).toEqual([0, 1, 4, 5, 6]);
    c[4] = 1;
    expect([...visibleRows(SUBTREE, c)]).toEqual([0, 1, 4, 6]);
    c[0] = 1;
    expect([...visibleRows(SUBTREE, c)]).toEqual([0, 6]);
  });
  it("ignores collapse on a leaf and reuses the output buffer", () => {
    const c = new Uint8Array(7);
    c[2] = 1;
    const buf = new Int32Array(7);
    const rows = visibleRows(SUBTREE, c, buf);
    expect([...rows]).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(rows.buffer).toBe(buf.buffer);
  });
  it("handles an empty trace and a 100k-deep chain quickly", () => {
    expect(visibleRows(new Int32Array(0), new Uint8Array(0)).length).toBe(0);
    const n = 100000;
    const sub = new Int32Array(n);
    for (let i = 0; i < n; i++) sub[i] = n - i;
    const c = new Uint8Array(n);
    c[10] = 1;
    expect(visibleRows(sub, c).length).toBe(11);
  });
});

describe("rowOf", () => {
  it("finds the row of a visible span and -1 for a hidden one", () => {
    const rows = Int32Array.from([0, 1, 4, 5, 6]);
    expect(rowOf(rows, 0)).toBe(0);
    expect(rowOf(rows, 4)).toBe(2);
    expect(rowOf(rows, 6)).toBe(4);
    expect(rowOf(rows, 2)).toBe(-1);
    expect(rowOf(rows, 99)).toBe(-1);
    expect(rowOf(new Int32Array(0), 0)).toBe(-1);
  });
});

describe("rowRange", () => {
  it("covers the viewport plus overscan, clamped to the rows", () => {
    expect(rowRange(0, 240, 24, 1000, 5)).toEqual([0, 14]);
    expect(rowRange(2400, 240, 24, 1000, 5)).toEqual([95, 114]);
    expect(rowRange(23990, 240, 24, 1000, 5)).toEqual([994, 999]);
    expect(rowRange(0, 240, 24, 3, 5)).toEqual([0, 2]);
    expect(rowRange(0, 240, 24, 0, 5)).toEqual([0, -1]);
  });
  it("handles a fractional scroll position", () => {
    const [first, last] = rowRange(12, 240, 24, 1000, 0);
    expect(first).toBe(0);
    expect(last).toBe(10); // rows 0..10 are (partly) visible
  });
});

describe("scrollTopFor", () => {
  it("centers a row", () => {
    expect(scrollTopFor(100, 24, 240, 0, "center", 1000)).toBe(100 * 24 - 108);
  });
  it("clamps to the scroll range", () => {
    expect(scrollTopFor(0, 24, 240, 500, "center", 1000)).toBe(0);
    expect(scrollTopFor(999, 24, 240, 0, "center", 1000)).toBe(1000 * 24 - 240);
  });
  it("scrolls the least in nearest mode", () => {
    expect(scrollTopFor(5, 24, 240, 0, "nearest", 1000)).toBe(0); // already in view
    expect(scrollTopFor(10, 24, 240, 0, "nearest", 1000)).toBe(11 * 24 - 240);
    expect(scrollTopFor(3, 24, 240, 240, "nearest", 1000)).toBe(72);
  });
});

describe("niceTicks", () => {
  it("uses steps of 1, 2, 2.5 or 5 times a power of ten", () => {
    expect(niceTicks(1000, 6)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(niceTicks(1e9, 5)).toEqual([0, 2.5e8, 5e8, 7.5e8, 1e9]);
    const t = niceTicks(2572103155, 8);
    expect(t[1]).toBe(5e8);
    expect(t.at(-1)).toBeLessThanOrEqual(2572103155);
    expect(t.length).toBeLessThanOrEqual(8);
  });
  it("never exceeds maxTicks and always starts at 0", () => {
    for (const d of [1, 7, 999, 123456, 9.87e9, 3.3e11]) {
      for (const m of [2, 3, 5, 10, 17]) {
        const t = niceTicks(d, m);
        expect(t[0]).toBe(0);
        expect(t.length).toBeLessThanOrEqual(m);
        if (m >= 3) expect(t.length).toBeGreaterThanOrEqual(2);
        expect(t.at(-1)!).toBeLessThanOrEqual(d * (1 + 1e-9));
      }
    }
  });
  it("has one tick for a zero-length trace", () => {
    expect(niceTicks(0, 5)).toEqual([0]);
  });
});

describe("formatTick", () => {
  it("labels every tick in the unit of the step", () => {
    expect([0, 5e7, 1e8].map((t) => formatTick(t, 5e7))).toEqual(["0ms", "50ms", "100ms"]);
    expect([0, 5e8, 1.5e9].map((t) => formatTick(t, 5e8))).toEqual(["0s", "0.5s", "1.5s"]);
    expect(formatTick(7.5e5, 2.5e5)).toBe("0.75ms");
    expect(formatTick(2500, 2500)).toBe("2.5µs");
    expect(formatTick(4, 2)).toBe("4ns");
    expect(formatTick(1.2e11, 2e10)).toBe("120s");
  });
});

describe("labelSide", () => {
  it("puts the label where there is room", () => {
    expect(labelSide(0.1, 0.3)).toBe("right");
    expect(labelSide(0.5, 0.95)).toBe("left");
    expect(labelSide(0, 1)).toBe("inside");
  });
});

describe("in-trace search", () => {
  const spans = [
    { name: "GET /checkout", service: "frontend", spanId: "aaaa000000000001", attributes: [{ key: "http.method", value: { stringValue: "GET" } }] },
    { name: "SELECT orders", service: "db", spanId: "bbbb000000000002", attributes: [{ key: "db.rows", value: { intValue: "42" } }] },
    { name: "charge", service: "Payments", spanId: "cccc000000000003", attributes: [{ key: "retry", value: { boolValue: true } }], events: [{ name: "cache.miss" }], statusMessage: "card declined" },
  ];
  const hay = spans.map(haystack);
  it("matches name, service, span ID, attribute keys and values, case-insensitively", () => {
    expect([...findMatches(hay, "checkout")]).toEqual([0]);
    expect([...findMatches(hay, "PAYMENTS")]).toEqual([2]);
    expect([...findMatches(hay, "bbbb0000")]).toEqual([1]);
    expect([...findMatches(hay, "db.rows")]).toEqual([1]);
    expect([...findMatches(hay, "42")]).toEqual([1]);
    expect([...findMatches(hay, "http.method=get")]).toEqual([0]);
    expect([...findMatches(hay, "true")]).toEqual([2]);
    expect([...findMatches(hay, "Cache.Miss")]).toEqual([2]);
    expect([...findMatches(hay, "declined")]).toEqual([2]);
    expect([...findMatches(hay, "e")].length).toBe(3);
  });
  it("matches nothing for an empty query or across fields", () => {
    expect(findMatches(hay, "  ").length).toBe(0);
    expect(findMatches(hay, "checkoutfrontend").length).toBe(0);
  });
  it("finds the next match from a span, wrapping around", () => {
    const m = Int32Array.from([3, 8, 20]);
    expect(nextMatchFrom(m, 0)).toBe(0);
    expect(nextMatchFrom(m, 8)).toBe(1);
    expect(nextMatchFrom(m, 9)).toBe(2);
    expect(nextMatchFrom(m, 21)).toBe(0);
    expect(nextMatchFrom(new Int32Array(0), 0)).toBe(-1);
  });
});

describe("prettyJson", () => {
  it("matches JSON.stringify(v, null, 2) when under the cap", () => {
    const v = { a: 1, b: [1, "x", { c: null, d: [] }], e: {}, f: "q\"<script>", g: true, h: undefined };
    expect(prettyJson(v, 1e6)).toEqual({ text: JSON.stringify(v, null, 2), truncated: false });
    expect(prettyJson([], 10).text).toBe("[]");
  });
  it("stops near the cap on a large value", () => {
    const big = { spans: Array.from({ length: 20000 }, (_, i) => ({ spanId: String(i), name: "x".repeat(50) })) };
    const t0 = Date.now();
    const r = prettyJson(big, 10000);
    expect(Date.now() - t0).toBeLessThan(100);
    expect(r.truncated).toBe(true);
    expect(r.text.length).toBe(10000);
    expect(JSON.stringify(big, null, 2).startsWith(r.text)).toBe(true);
  });
});
