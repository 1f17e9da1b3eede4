import { describe, expect, it } from "vitest";
import { buildModel, type RawSpan, type RawTrace } from "./model";

const BASE = 1700000000000000000n;

// A span starting `start` ns after BASE and lasting `dur` ns.
function sp(spanId: string, parentSpanId: string, start: number, dur = 10, extra: Partial<RawSpan> = {}): RawSpan {
  return {
    spanId,
    parentSpanId,
    name: `op-${spanId}`,
    service: "svc",
    kind: "internal",
    start: BASE + BigInt(start),
    end: BASE + BigInt(start + dur),
    statusCode: "unset",
    statusMessage: "",
    attributes: [],
    resource: [],
    events: [],
    links: [],
    ...extra,
  };
}

const trace = (spans: RawSpan[]): RawTrace => ({ traceId: "t", spans, source: "weft" });
const ids = (m: ReturnType<typeof buildModel>) => m.spans.map((s) => s.spanId);

describe("buildModel", () => {
  it("orders spans depth-first, siblings by start", () => {
    // root ─┬ b (starts 20) ─ b1
    //       └ a (starts 10) ─┬ a2 (starts 15)
    //                        └ a1 (starts 12)
    const m = buildModel(
      trace([
        sp("b1", "b", 25),
        sp("a2", "a", 15),
        sp("b", "root", 20, 30),
        sp("root", "", 0, 100),
        sp("a1", "a", 12),
        sp("a", "root", 10, 20),
      ]),
    );
    expect(ids(m)).toEqual(["root", "a", "a1", "a2", "b", "b1"]);
    expect(m.spans.map((s) => s.depth)).toEqual([0, 1, 2, 2, 1, 2]);
    expect(m.spans.map((s) => s.subtreeSize)).toEqual([6, 3, 1, 1, 2, 1]);
    expect(m.spans.map((s) => s.childCount)).toEqual([2, 2, 0, 0, 1, 0]);
    expect(m.spans.map((s) => s.parent)).toEqual([-1, 0, 1, 1, 0, 4]);
    expect(m.spans.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(m.maxDepth).toBe(3);
    expect(m.startNs).toBe(BASE);
    expect(m.duration).toBe(100);
    expect(m.byId.get("a2")).toBe(3);
    // A subtree is the contiguous range [i, i + subtreeSize).
    const a = m.byId.get("a")!;
    expect(m.spans.slice(a, a + m.spans[a].subtreeSize).map((s) => s.spanId)).toEqual(["a", "a1", "a2"]);
  });

  it("breaks start-time ties by RpcId (numerically), then span ID", () => {
    const m = buildModel(
      trace([
        sp("r", "", 0, 100),
        sp("z", "r", 5, 1, { rpcId: "0.10" }),
        sp("y", "r", 5, 1, { rpcId: "0.9" }),
        sp("x2", "r", 6),
        sp("x1", "r", 6),
      ]),
    );
    expect(ids(m)).toEqual(["r", "y", "z", "x1", "x2"]);
  });

  it("makes a span whose parent is missing a root with missingParent", () => {
    const m = buildModel(trace([sp("root", "", 0, 100), sp("orphan", "gone", 5), sp("kid", "orphan", 6)]));
    expect(ids(m)).toEqual(["root", "orphan", "kid"]);
    const o = m.spans[m.byId.get("orphan")!];
    expect(o.parent).toBe(-1);
    expect(o.missingParent).toBe(true);
    expect(o.depth).toBe(0);
    expect(o.subtreeSize).toBe(2);
    expect(m.spans[0].missingParent).toBe(false);
    expect(m.spans[2].missingParent).toBe(false);
  });

  it("roots are ordered by start too", () => {
    const m = buildModel(trace([sp("late", "", 50), sp("early", "", 0), sp("orphan", "nope", 20)]));
    expect(ids(m)).toEqual(["early", "orphan", "late"]);
  });

  it("keeps the first of duplicate span IDs", () => {
    const m = buildModel(trace([sp("r", "", 0, 100), sp("d", "r", 10, 5, { name: "first" }), sp("d", "r", 20, 5, { name: "second" }), sp("k", "d", 11)]));
    expect(m.spans).toHaveLength(3);
    expect(ids(m)).toEqual(["r", "d", "k"]);
    expect(m.spans[1].name).toBe("first");
    expect(m.spans[1].subtreeSize).toBe(2);
    expect(m.spans[0].childCount).toBe(1);
  });

  it("a span that is its own parent becomes a root", () => {
    const m = buildModel(trace([sp("self", "self", 0)]));
    expect(ids(m)).toEqual(["self"]);
    expect(m.spans[0].parent).toBe(-1);
  });

  it("a parent cycle does not hang and keeps every span", () => {
    // a → b → c → a, plus a proper root and a child hanging off the cycle.
    const m = buildModel(trace([sp("root", "", 0, 100), sp("a", "c", 10), sp("b", "a", 11), sp("c", "b", 12), sp("d", "b", 13)]));
    expect(m.spans).toHaveLength(5);
    expect(new Set(ids(m))).toEqual(new Set(["root", "a", "b", "c", "d"]));
    expect(m.spans[0].spanId).toBe("root");
    // The cycle is shown as a tree hanging from one of its spans, marked as parentless.
    const cycleRoot = m.spans[1];
    expect(cycleRoot.parent).toBe(-1);
    expect(cycleRoot.missingParent).toBe(true);
    expect(cycleRoot.subtreeSize).toBe(4);
    expect(m.spans.every((s) => s.parent < s.index)).toBe(true);
  });

  it("counts errors by status and by the error=true attribute, per service", () => {
    const m = buildModel(
      trace([
        sp("r", "", 0, 100, { service: "front" }),
        sp("a", "r", 1, 1, { service: "pay", statusCode: "error" }),
        sp("b", "r", 2, 1, { service: "pay", attributes: [{ key: "error", value: { boolValue: true } }] }),
        sp("c", "r", 3, 1, { service: "pay" }),
      ]),
    );
    expect(m.errorCount).toBe(2);
    expect(m.services).toEqual([
      { name: "pay", spanCount: 3, errorCount: 2 },
      { name: "front", spanCount: 1, errorCount: 0 },
    ]);
  });

  it("relative times for spans and events; negative durations clamp to 0", () => {
    const m = buildModel(
      trace([
        sp("r", "", 100, 50, { events: [{ time: BASE + 120n, name: "e", attributes: [] }] }),
        { ...sp("bad", "r", 130), end: BASE + 110n },
      ]),
    );
    expect(m.startNs).toBe(BASE + 100n);
    expect(m.spans[0].start).toBe(0);
    expect(m.spans[0].events[0].time).toBe(20);
    expect(m.spans[1].start).toBe(30);
    expect(m.spans[1].duration).toBe(0);
    expect(m.duration).toBe(50);
  });

  it("an empty trace builds", () => {
    const m = buildModel(trace([]));
    expect(m.spans).toEqual([]);
    expect(m.duration).toBe(0);
    expect(m.maxDepth).toBe(0);
  });

  it("a 100,000-deep chain does not overflow the stack", () => {
    const n = 100_000;
    const spans: RawSpan[] = [];
    for (let i = 0; i < n; i++) spans.push(sp(`s${i}`, i ? `s${i - 1}` : "", i, n - i));
    const t0 = performance.now();
    const m = buildModel(trace(spans.reverse()));
    console.log(`buildModel: 100,000-deep chain in ${(performance.now() - t0).toFixed(0)} ms`);
    expect(m.spans).toHaveLength(n);
    expect(m.maxDepth).toBe(n);
    expect(m.spans[0].subtreeSize).toBe(n);
    expect(m.spans[n - 1].depth).toBe(n - 1);
    expect(m.spans[n - 1].spanId).toBe(`s${n - 1}`);
  }, 60_000);

  it("a 100,000-span wide and deep trace builds", () => {
    // Fan-out 10 down to depth 5 (11,111 spans), then chains of 8 under the leaves.
    const spans: RawSpan[] = [];
    let next = 0;
    const add = (parent: string, depth: number, start: number): void => {
      const id = (next++).toString(16).padStart(16, "0");
      spans.push(sp(id, parent, start, 1000, { service: `svc-${depth % 7}`, statusCode: next % 97 === 0 ? "error" : "unset" }));
      if (spans.length >= 100_000) return;
      if (depth < 4) for (let k = 0; k < 10 && spans.length < 100_000; k++) add(id, depth + 1, start + k * 3);
      else if (depth < 12) add(id, depth + 1, start + 1);
    };
    while (spans.length < 100_000) add("", 0, spans.length);
    // Shuffle deterministically: the order spans arrive in must not matter.
    let seed = 42;
    for (let i = spans.length - 1; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const j = seed % (i + 1);
      [spans[i], spans[j]] = [spans[j], spans[i]];
    }
    const t0 = performance.now();
    const m = buildModel(trace(spans));
    console.log(`buildModel: 100,000-span wide/deep trace in ${(performance.now() - t0).toFixed(0)} ms`);
    expect(m.spans).toHaveLength(100_000);
    let total = 0;
    let bad = 0; // one expect for all: 100k expect() calls would dwarf what is measured
    for (const s of m.spans) {
      if (s.parent >= 0) {
        if (s.parent >= s.index || s.depth !== m.spans[s.parent].depth + 1) bad++;
      } else total += s.subtreeSize;
    }
    expect(bad).toBe(0);
    expect(total).toBe(100_000);
    expect(m.maxDepth).toBe(13);
  }, 60_000);
});
