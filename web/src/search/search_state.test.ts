import { describe, expect, it } from "vitest";
import {
  apiParams,
  defaultState,
  durationError,
  formatTags,
  fromLocalInput,
  lookbackLabel,
  LOOKBACK_PRESETS,
  paramsFromState,
  parseDuration,
  parseTags,
  parseTime,
  splitWords,
  stateFromParams,
  toLocalInput,
  toUrlTime,
  type SearchState,
} from "./search_state";

const q = (s: string) => new URLSearchParams(s);

describe("URL state", () => {
  it("defaults with no parameters", () => {
    const s = stateFromParams(q(""));
    expect(s).toEqual(defaultState());
    expect(s.lookback).toBe("1h");
    expect(s.limit).toBe(20);
    expect(s.order).toBe("newest");
    expect(paramsFromState(s).toString()).toBe("lookback=1h");
  });

  it("round-trips every field", () => {
    const s: SearchState = {
      service: "frontend",
      operation: "GET /checkout",
      tags: ["http.status_code=500", "http.url=/a b", 'weird key="x"=1'],
      minDuration: "5ms",
      maxDuration: "1.5s",
      lookback: "6h",
      start: "",
      end: "",
      limit: 50,
      order: "longest",
    };
    const p = paramsFromState(s);
    expect(p.getAll("tag")).toEqual(s.tags);
    expect(stateFromParams(q(p.toString()))).toEqual(s);
  });

  it("round-trips a custom range", () => {
    const s = { ...defaultState(), lookback: "custom", start: "2026-12-04T20:00:00Z", end: "1796422617272028381" };
    const p = paramsFromState(s);
    expect(p.has("lookback")).toBe(false);
    expect(stateFromParams(q(p.toString()))).toEqual(s);
  });

  it("uses the native API's names", () => {
    const s = stateFromParams(
      q("service=a&operation=op&tag=k%3Dv&tag=x%3Dy&minDuration=1ms&maxDuration=2s&lookback=15m&limit=5&order=longest"),
    );
    expect(apiParams(s)).toEqual({
      service: "a",
      operation: "op",
      tag: ["k=v", "x=y"],
      minDuration: "1ms",
      maxDuration: "2s",
      lookback: "15m",
      limit: "5",
      order: "longest",
    });
  });

  it("drops an operation without a service and 'all'", () => {
    expect(paramsFromState({ ...defaultState(), operation: "x" }).has("operation")).toBe(false);
    expect(stateFromParams(q("service=a&operation=all")).operation).toBe("");
  });

  it("falls back on unreadable values", () => {
    const s = stateFromParams(q("limit=abc&order=sideways&lookback=soon"));
    expect(s.limit).toBe(20);
    expect(s.order).toBe("newest");
    expect(s.lookback).toBe("1h");
    expect(stateFromParams(q("limit=99999")).limit).toBe(10000);
    expect(stateFromParams(q("limit=0")).limit).toBe(20);
  });

  it("keeps a lookback that is not a preset", () => {
    const s = stateFromParams(q("lookback=3h"));
    expect(s.lookback).toBe("3h");
    expect(lookbackLabel("3h")).toBe("Last 3h");
    expect(lookbackLabel("1h")).toBe("Last hour");
  });
});

describe("durations", () => {
  it("parses Go syntax", () => {
    expect(parseDuration("5ms")).toBe(5e6);
    expect(parseDuration("1.5s")).toBe(1.5e9);
    expect(parseDuration("100us")).toBe(1e5);
    expect(parseDuration("100µs")).toBe(1e5);
    expect(parseDuration("1h2m")).toBe(3720e9);
    expect(parseDuration("2d")).toBe(172800e9);
    expect(parseDuration("1w")).toBe(604800e9);
    expect(parseDuration(".5s")).toBe(0.5e9);
    expect(parseDuration("0")).toBe(0);
    expect(parseDuration("-1s")).toBe(-1e9);
    expect(parseDuration(" 3ns ")).toBe(3);
  });

  it("rejects what is not a duration", () => {
    for (const t of ["", "5", "abc", "5 ms", "ms", "1.5", "5sec", "1h 2m", "--1s", "1..5s"])
      expect(parseDuration(t)).toBeNull();
  });

  it("explains errors", () => {
    expect(durationError("")).toBeNull();
    expect(durationError("5ms")).toBeNull();
    expect(durationError("0")).toBeNull();
    expect(durationError("5")).toMatch(/no unit/);
    expect(durationError("abc")).toMatch(/not a duration/);
    expect(durationError("-5ms")).toMatch(/negative/);
  });

  it("has the presets", () => {
    expect(LOOKBACK_PRESETS.map((p) => p.value)).toEqual(["5m", "15m", "1h", "6h", "24h", "2d", "7d"]);
    for (const p of LOOKBACK_PRESETS) expect(parseDuration(p.value)).toBeGreaterThan(0);
  });
});

describe("tags", () => {
  it("splits on spaces and newlines", () => {
    expect(parseTags("a=1 b=2\nc=3\n\n  d=4 ")).toEqual({ tags: ["a=1", "b=2", "c=3", "d=4"], errors: [] });
  });

  it("keeps quoted spaces", () => {
    expect(parseTags('http.url="/a b" "my key=x y" k="say \\"hi\\""').tags).toEqual([
      "http.url=/a b",
      "my key=x y",
      'k=say "hi"',
    ]);
  });

  it("splits at the first =", () => {
    expect(parseTags("q=a=b").tags).toEqual(["q=a=b"]);
  });

  it("reports words that are not key=value", () => {
    const r = parseTags("a=1 oops =x");
    expect(r.tags).toEqual(["a=1"]);
    expect(r.errors).toHaveLength(2);
    expect(r.errors[0]).toContain("oops");
  });

  it("round-trips through formatTags", () => {
    const tags = ["a=1", "http.url=/a b", "my key=x y", 'k=say "hi"', "e=", "b=back\\slash", "t=tab\there"];
    expect(parseTags(formatTags(tags)).tags).toEqual(tags);
    expect(formatTags(["a=1", "b=x y"])).toBe('a=1 b="x y"');
  });

  it("gives word offsets", () => {
    const w = splitWords('a=1  b="x y');
    expect(w.map((x) => [x.start, x.end, x.open])).toEqual([
      [0, 3, false],
      [5, 11, true],
    ]);
  });
});

describe("times", () => {
  it("reads Unix ns and RFC 3339", () => {
    expect(parseTime("1700000000000000000")).toBe(1700000000000);
    expect(parseTime("2023-11-14T22:13:20Z")).toBe(1700000000000);
    expect(parseTime("nope")).toBeNull();
    expect(parseTime("")).toBeNull();
  });

  it("round-trips datetime-local values", () => {
    const ms = new Date(2026, 11, 4, 21, 35, 12).getTime();
    expect(toLocalInput(ms)).toBe("2026-12-04T21:35:12");
    expect(fromLocalInput("2026-12-04T21:35:12")).toBe(ms);
    expect(fromLocalInput("2026-12-04T21:35")).toBe(ms - 12000);
    expect(fromLocalInput("garbage")).toBeNull();
  });

  it("writes UTC RFC 3339", () => {
    expect(toUrlTime(1700000000000)).toBe("2023-11-14T22:13:20Z");
    expect(toUrlTime(1700000000123)).toBe("2023-11-14T22:13:20.123Z");
  });
});
