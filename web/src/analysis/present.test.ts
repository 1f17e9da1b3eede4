import { describe, expect, it } from "vitest";
import { serviceColor } from "../format";
import type { BandShare, CohortFeature } from "./answers";
import {
  OTHER_COLOR,
  bandLabel,
  bandSegments,
  deltaKind,
  distinctColors,
  featureLabel,
  featureSearchTag,
  formatDelta,
  formatLift,
  formatPercent,
  formatRelative,
  formatSkew,
  legend,
  orderBands,
  sideLabel,
  significance,
} from "./present";

const share = (service: string, operation: string, s: number, medianShare: number | null = null): BandShare => ({
  service, operation, share: s, nanos: s * 1e9, meanNanos: s * 1e7, medianShare,
});

describe("formatting", () => {
  it("percentages", () => {
    expect(formatPercent(0.41)).toBe("41%");
    expect(formatPercent(0.0333)).toBe("3.3%");
    expect(formatPercent(0.05)).toBe("5%");
    expect(formatPercent(0.0004)).toBe("<0.1%");
    expect(formatPercent(0)).toBe("0%");
    expect(formatPercent(1)).toBe("100%");
    expect(formatPercent(NaN)).toBe("–");
  });
  it("deltas carry a sign", () => {
    expect(formatDelta(12.3e6)).toBe("+12.3ms");
    expect(formatDelta(-1.2e9)).toBe("\u22121.2s");
    expect(formatDelta(0)).toBe("±0");
    expect(formatRelative(100, 125)).toBe("+25%");
    expect(formatRelative(100, 50)).toBe("\u221250%");
    expect(formatRelative(0, 5)).toBe("new");
    expect(formatRelative(0, 0)).toBe("");
  });
  it("delta kinds with a tolerance", () => {
    expect(deltaKind(100, 150)).toBe("slower");
    expect(deltaKind(100, 50)).toBe("faster");
    expect(deltaKind(100, 101)).toBe("same");
    expect(deltaKind(0, 0)).toBe("same");
  });
  it("labels say what colour shows", () => {
    expect(sideLabel("onlyA")).toBe("only in A");
    expect(sideLabel("onlyB")).toBe("only in B");
    expect(sideLabel("both")).toBe("");
  });
  it("skew", () => {
    expect(formatSkew(12.3e6)).toBe("clock adjusted by +12.3ms");
    expect(formatSkew(-5e3)).toBe("clock adjusted by \u22125µs");
  });
});

describe("bands", () => {
  it("labels and order", () => {
    expect(bandLabel("slowest5")).toBe("Slowest 5 %");
    expect(bandLabel("weird")).toBe("weird");
    const b = (band: string) => ({ band, traces: 1, minDurationNanos: 0, maxDurationNanos: 0, criticalPathNanos: 0, shares: [], exampleTraceIds: [] });
    expect(orderBands([b("slowest1"), b("x"), b("all"), b("slowest5"), b("median")]).map((x) => x.band)).toEqual(["all", "median", "slowest5", "slowest1", "x"]);
  });
  it("segments tile the bar most first, small ones as other", () => {
    const segs = bandSegments([share("svc", "b", 0.2), share("db", "SELECT", 0.7, 0.1), share("svc", "c", 0.004), share("svc", "d", 0.006)]);
    expect(segs.map((s) => s.service || "other")).toEqual(["db", "svc", "other"]);
    expect(segs[0].left).toBe(0);
    expect(segs[0].width).toBeCloseTo(70);
    expect(segs[1].left).toBeCloseTo(70);
    expect(segs[2].left).toBeCloseTo(90);
    expect(segs[2].width).toBeCloseTo(1);
    expect(segs[2].color).toBe(OTHER_COLOR);
    expect(segs[2].title).toMatch(/^2 other operations: 1% of the critical path/);
    expect(segs[0].color).toBe(serviceColor("db"));
    expect(segs[0].title).toBe("db: SELECT — 70% of the critical path (median traces: 10%), 7ms per trace");
  });
  it("caps the number of segments and never runs past 100 %", () => {
    const many = Array.from({ length: 20 }, (_, i) => share(`s${i}`, "op", 0.06));
    const segs = bandSegments(many, { max: 5 });
    expect(segs.length).toBe(6);
    expect(segs[5].other).toBe(true);
    expect(segs[5].share).toBeCloseTo(0.9);
    const last = segs[segs.length - 1];
    expect(last.left + last.width).toBeLessThanOrEqual(100 + 1e-9);
    expect(bandSegments([share("a", "x", 0)])).toEqual([]);
  });
  it("legend: each service once, in order, other last", () => {
    const b = (shares: BandShare[]) => ({ band: "all", traces: 1, minDurationNanos: 0, maxDurationNanos: 0, criticalPathNanos: 0, shares, exampleTraceIds: [] });
    expect(legend([b([share("db", "q", 0.5), share("fe", "x", 0.3)]), b([share("fe", "y", 0.6), share("cache", "z", 0.001)])]).map((x) => x.service)).toEqual(["db", "fe", "other"]);
  });
});

describe("cohorts", () => {
  const f = (o: Partial<CohortFeature>): CohortFeature => ({
    kind: "attribute", name: "k", value: "v", selectedCount: 0, baselineCount: 0, selectedRatio: 0, baselineRatio: 0, lift: 1, zScore: 0, pValue: 1, exampleTraceIds: [], ...o,
  });
  it("feature labels and search tags", () => {
    expect(featureLabel(f({}))).toBe("k=v");
    expect(featureLabel(f({ kind: "service", name: "db", value: null }))).toBe("db");
    expect(featureSearchTag(f({}))).toBe("k=v");
    expect(featureSearchTag(f({ kind: "structure" }))).toBeNull();
  });
  it("lift", () => {
    expect(formatLift(22.6)).toBe("23×");
    expect(formatLift(2.04)).toBe("2×");
    expect(formatLift(2.25)).toBe("2.3×");
    expect(formatLift(0.5)).toBe("0.5×");
    expect(formatLift(null)).toBe("only selected");
  });
  it("significance", () => {
    expect(significance(0)).toEqual({ text: "p < 0.001", level: "strong" });
    expect(significance(0.004)).toEqual({ text: "p = 0.004", level: "good" });
    expect(significance(0.03)).toEqual({ text: "p = 0.03", level: "weak" });
    expect(significance(0.5)).toEqual({ text: "p = 0.5", level: "none" });
  });
});

describe("distinctColors", () => {
  it("keeps each service's colour unless taken, then the next free one", async () => {
    const { PALETTE } = await import("../format");
    // Two names with the same colour.
    const names: string[] = [];
    const byColor = new Map<string, string>();
    for (let i = 0; names.length < 2; i++) {
      const n = `svc${i}`;
      const c = serviceColor(n);
      if (byColor.has(c)) names.push(byColor.get(c)!, n);
      else byColor.set(c, n);
    }
    const m = distinctColors(names);
    expect(m.get(names[0])).toBe(serviceColor(names[0]));
    expect(m.get(names[1])).not.toBe(m.get(names[0]));
    expect(PALETTE).toContain(m.get(names[1]));
    expect(distinctColors(["a", "a"]).size).toBe(1);
  });
  it("bandSegments and legend take a colour function", () => {
    const segs = bandSegments([share("db", "q", 0.5)], { color: () => "#000000" });
    expect(segs[0].color).toBe("#000000");
  });
});
