import { describe, expect, it } from "vitest";
import { formatDuration } from "../format";
import { durationScale, linearTicks, niceStep, timeScale } from "./scale";

describe("duration axis", () => {
  it("uses nice linear steps from 0", () => {
    expect(niceStep(100, 5)).toBe(20);
    expect(niceStep(7, 5)).toBe(2);
    expect(linearTicks(0, 100, 5)).toEqual([0, 20, 40, 60, 80, 100]);
    const y = durationScale([3e6, 12e6, 32e6], [200, 0]);
    expect(y.log).toBe(false);
    expect(y.domain[0]).toBe(0);
    expect(y.domain[1]).toBeGreaterThanOrEqual(32e6);
    expect(y(0)).toBe(200);
    expect(y(y.domain[1])).toBe(0);
    expect(y.ticks.map((t) => t.label)).toEqual(["0", "10ms", "20ms", "30ms", "40ms"]);
  });

  it("goes logarithmic when durations span decades", () => {
    const y = durationScale([150e3, 2e6, 45e6, 900e6], [300, 0]);
    expect(y.log).toBe(true);
    expect(y.domain).toEqual([1e5, 1e9]);
    expect(y(1e5)).toBeCloseTo(300);
    expect(y(1e9)).toBeCloseTo(0);
    expect(y(1e7)).toBeCloseTo(150);
    expect(y.ticks.map((t) => t.label)).toEqual(["100µs", "1ms", "10ms", "100ms", "1s"]);
  });

  it("can be forced either way", () => {
    expect(durationScale([1e6, 2e6], [100, 0], "log").log).toBe(true);
    expect(durationScale([1, 1e9], [100, 0], "linear").log).toBe(false);
  });

  it("handles one value and no values", () => {
    const one = durationScale([5e6], [100, 0]);
    expect(Number.isFinite(one(5e6))).toBe(true);
    const none = durationScale([], [100, 0]);
    expect(none.ticks.length).toBeGreaterThan(0);
  });
});

describe("time axis", () => {
  it("puts ticks on round times inside the range", () => {
    const t0 = new Date(2026, 11, 4, 14, 3, 17).getTime();
    const x = timeScale(t0, t0 + 20 * 60e3, [0, 600], 5);
    expect(x.ticks.length).toBeGreaterThanOrEqual(3);
    for (const t of x.ticks) {
      expect(t.value).toBeGreaterThanOrEqual(x.domain[0]);
      expect(t.value).toBeLessThanOrEqual(x.domain[1]);
      expect(new Date(t.value).getSeconds()).toBe(0);
      expect(t.label).toMatch(/^\d\d:\d\d$/);
    }
    expect(x(x.domain[0])).toBe(0);
    expect(x(x.domain[1])).toBe(600);
  });

  it("widens a single instant", () => {
    const t0 = 1_700_000_000_000;
    const x = timeScale(t0, t0, [0, 100]);
    expect(x.domain[0]).toBeLessThan(t0);
    expect(x.domain[1]).toBeGreaterThan(t0);
    expect(x(t0)).toBeCloseTo(50);
    expect(x.ticks.every((t) => /^\d\d:\d\d:\d\d$/.test(t.label))).toBe(true);
  });
});

describe("formatDuration (axis labels)", () => {
  it("keeps the zeros of whole numbers", () => {
    expect(formatDuration(100e6)).toBe("100ms");
    expect(formatDuration(100e3)).toBe("100µs");
    expect(formatDuration(10e6)).toBe("10ms");
    expect(formatDuration(1.5e9)).toBe("1.5s");
    expect(formatDuration(2.25e6)).toBe("2.25ms");
    expect(formatDuration(120e6)).toBe("120ms");
  });
});
