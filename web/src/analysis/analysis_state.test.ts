import { describe, expect, it } from "vitest";
import { analysisParams, analysisStateFromParams, analysisUrl, cleanTraceId, cohortsQuery, compareUrl, criticalPathQuery } from "./analysis_state";

const q = (s: string) => new URLSearchParams(s);

describe("analysis URL state", () => {
  it("defaults", () => {
    expect(analysisStateFromParams(q(""))).toEqual({ service: "", operation: "", lookback: "1h", select: "slow", minDuration: "" });
  });
  it("round-trips", () => {
    const s = analysisStateFromParams(q("service=frontend&operation=GET+%2Fcheckout&lookback=6h&select=error"));
    expect(s).toEqual({ service: "frontend", operation: "GET /checkout", lookback: "6h", select: "error", minDuration: "" });
    expect(analysisStateFromParams(analysisParams(s))).toEqual(s);
    expect(analysisParams(s).toString()).toBe("service=frontend&operation=GET+%2Fcheckout&lookback=6h&select=error");
  });
  it("minDuration alone selects by duration", () => {
    const s = analysisStateFromParams(q("service=x&minDuration=250ms"));
    expect(s.select).toBe("min");
    expect(cohortsQuery(s)).toEqual({ query: { service: "x", lookback: "1h", minDuration: "250ms" } });
    expect(cohortsQuery({ ...s, minDuration: "fast" })).toHaveProperty("error");
  });
  it("API queries", () => {
    const s = analysisStateFromParams(q("service=frontend&lookback=15m"));
    expect(criticalPathQuery(s)).toEqual({ service: "frontend", lookback: "15m" });
    expect(cohortsQuery(s)).toEqual({ query: { service: "frontend", lookback: "15m", select: "slow" } });
    expect(criticalPathQuery({ ...s, operation: "op" })).toEqual({ service: "frontend", lookback: "15m", operation: "op" });
  });
  it("an operation without a service is dropped", () => {
    expect(analysisParams({ service: "", operation: "op", lookback: "1h", select: "slow", minDuration: "" }).toString()).toBe("lookback=1h");
  });
  it("links", () => {
    expect(analysisUrl({ service: "a b", operation: "GET /" })).toBe("/analysis?service=a+b&operation=GET+%2F&lookback=1h");
    expect(compareUrl("aa", "bb")).toBe("/compare?a=aa&b=bb");
    expect(compareUrl("aa", "")).toBe("/compare?a=aa");
  });
  it("cleans trace IDs", () => {
    expect(cleanTraceId("  0xABCdef ")).toBe("abcdef");
    expect(cleanTraceId('"0af7651916cd43dd8448eb211c80319c"')).toBe("0af7651916cd43dd8448eb211c80319c");
    expect(cleanTraceId("xyz")).toBeNull();
    expect(cleanTraceId("")).toBeNull();
    expect(cleanTraceId("1".repeat(33))).toBeNull();
  });
});
