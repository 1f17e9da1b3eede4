import { describe, expect, it } from "vitest";
import { AnswerError, missingCalls, parseAggregate, parseCohorts, parseCompare, parseCriticalPath, parseRpcGaps } from "./answers";

describe("parseCriticalPath", () => {
  const doc = {
    traceId: "0af7651916cd43dd8448eb211c80319c",
    rootSpanId: "b7ad6b7169203331",
    startTimeUnixNano: "1700000000000000000",
    endTimeUnixNano: "1700000000300000000",
    durationNanos: "300000000",
    segments: [
      { spanId: "b7ad6b7169203331", service: "frontend", operation: "GET /", startTimeUnixNano: "1700000000000000000", endTimeUnixNano: "1700000000010000000" },
    ],
    selfTimes: [{ service: "frontend", operation: "GET /", nanos: "10000000", share: 0.0333, segments: 2 }],
  };
  it("reads the documented answer", () => {
    const cp = parseCriticalPath(doc);
    expect(cp.durationNanos).toBe(300e6);
    expect(cp.start).toBe(1700000000000000000n);
    expect(cp.segments[0]).toEqual({
      spanId: "b7ad6b7169203331",
      service: "frontend",
      operation: "GET /",
      start: 1700000000000000000n,
      end: 1700000000010000000n,
    });
    expect(cp.selfTimes[0]).toEqual({ service: "frontend", operation: "GET /", nanos: 10e6, share: 0.0333, segments: 2 });
  });
  it("names the field that is wrong", () => {
    expect(() => parseCriticalPath({ ...doc, segments: [{ spanId: 3 }] })).toThrow(AnswerError);
    expect(() => parseCriticalPath({ ...doc, segments: [{ spanId: 3 }] })).toThrow(/segments\[0\]\.spanId/);
    expect(() => parseCriticalPath({ ...doc, durationNanos: "x" })).toThrow(/durationNanos/);
    expect(() => parseCriticalPath([])).toThrow(/expected an object/);
  });
  it("takes absent lists as empty", () => {
    const { segments, selfTimes, ...rest } = doc;
    void segments;
    void selfTimes;
    expect(parseCriticalPath(rest).segments).toEqual([]);
  });
});

describe("rpcid gaps", () => {
  it("reads them and lists missing calls as RpcIds", () => {
    const g = parseRpcGaps({ traceId: "t", logBuilt: true, missingCount: 3, parents: [
      { rpcId: "0.1", present: [1, 2, 4], missing: [3] },
      { rpcId: "0.2", present: [4], missing: [1, 2] },
    ] });
    expect(g.logBuilt).toBe(true);
    expect(missingCalls(g)).toEqual({ ids: ["0.1.3", "0.2.1", "0.2.2"], more: 0 });
    expect(missingCalls(g, 2)).toEqual({ ids: ["0.1.3", "0.2.1"], more: 1 });
  });
  it("a trace that is not log-built", () => {
    const g = parseRpcGaps({ traceId: "t", logBuilt: false });
    expect(g).toEqual({ traceId: "t", logBuilt: false, missingCount: 0, parents: [] });
    expect(missingCalls(g)).toEqual({ ids: [], more: 0 });
  });
  it("counts missing calls the answer did not list", () => {
    expect(missingCalls(parseRpcGaps({ logBuilt: true, missingCount: 5, parents: [{ rpcId: "0", present: [2], missing: [1] }] }))).toEqual({ ids: ["0.1"], more: 4 });
  });
});

describe("parseAggregate", () => {
  it("reads bands and shares", () => {
    const a = parseAggregate({
      service: "frontend", operation: "GET /checkout", start: "1", end: "2",
      matchedTraces: 12000, analyzedTraces: 2000, sampled: true,
      bands: [{ band: "slowest5", traces: 100, minDurationNanos: "800000000", maxDurationNanos: "900000000", criticalPathNanos: "85000000000",
        shares: [{ service: "db", operation: "SELECT", nanos: "40000000000", share: 0.47, meanNanos: "400000000", medianShare: 0.12 },
          { service: "frontend", operation: "GET /checkout", nanos: "1", share: 0.1, meanNanos: "1" }],
        exampleTraceIds: ["aa", "bb"] }],
    });
    expect(a.sampled).toBe(true);
    expect(a.bands[0].minDurationNanos).toBe(800e6);
    expect(a.bands[0].shares[0].medianShare).toBe(0.12);
    expect(a.bands[0].shares[1].medianShare).toBeNull();
    expect(a.bands[0].exampleTraceIds).toEqual(["aa", "bb"]);
  });
  it("an empty window", () => {
    expect(parseAggregate({ service: "x", matchedTraces: 0, bands: [] }).bands).toEqual([]);
  });
});

describe("parseCohorts", () => {
  it("reads features, null lift, sampling", () => {
    const c = parseCohorts({
      service: "frontend", operation: "GET /checkout", select: "slow", thresholdNanos: "812000000",
      matchedTraces: 12000, selectedTraces: 600, baselineTraces: 11400, selectedAnalyzed: 600, baselineAnalyzed: 5000, baselineSampled: true,
      features: [
        { kind: "attribute", name: "service.version", value: "2.4.1", selectedCount: 570, baselineCount: 210, selectedRatio: 0.95, baselineRatio: 0.042, lift: 22.6, zScore: 61.2, pValue: 0.0, exampleTraceIds: ["a"] },
        { kind: "structure", name: "repeatedCall", value: "db: SELECT ×10-19", selectedCount: 5, baselineCount: 0, selectedRatio: 0.5, baselineRatio: 0, lift: null, zScore: 3, pValue: 0.002 },
      ],
    });
    expect(c.thresholdNanos).toBe(812e6);
    expect(c.baselineSampled).toBe(true);
    expect(c.selectedSampled).toBe(false);
    expect(c.features[1].lift).toBeNull();
    expect(c.features[1].exampleTraceIds).toEqual([]);
  });
  it("service features have no value", () => {
    const c = parseCohorts({ select: "error", features: [{ kind: "service", name: "db", selectedRatio: 1, baselineRatio: 0.5, lift: 2 }] });
    expect(c.features[0].value).toBeNull();
    expect(c.thresholdNanos).toBeNull();
  });
});

describe("parseCompare", () => {
  it("reads nodes and sides", () => {
    const c = parseCompare({
      a: { traceId: "a1", spanCount: 12, durationNanos: "300", rootService: "frontend", rootOperation: "GET /" },
      b: { traceId: "b1", spanCount: 15, durationNanos: "200", rootService: "frontend", rootOperation: "GET /" },
      onlyA: 0, onlyB: 1,
      nodes: [
        { parent: -1, depth: 0, service: "frontend", operation: "GET /", side: "both", aCount: 1, bCount: 1, aDurationNanos: "300", bDurationNanos: "200", deltaNanos: "-100" },
        { parent: 0, depth: 1, service: "cache", operation: "GET", side: "onlyB", aCount: 0, bCount: 2, aDurationNanos: "0", bDurationNanos: "50" },
      ],
    });
    expect(c.nodes[0].deltaNanos).toBe(-100);
    expect(c.nodes[1].deltaNanos).toBe(50);
    expect(c.onlyB).toBe(1);
  });
  it("rejects an unknown side", () => {
    expect(() => parseCompare({ a: { traceId: "a" }, b: { traceId: "b" }, nodes: [{ side: "left" }] })).toThrow(/nodes\[0\]\.side/);
  });
});
