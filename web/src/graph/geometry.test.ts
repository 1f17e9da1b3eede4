import { describe, expect, it } from "vitest";
import { arrowHead, compact, edgeColor, edgePath, edgeWidth, fit, placeLabel, pointOnSegment, shortenEnd, zoomAt } from "./geometry";

describe("edgePath", () => {
  it("curves between columns and runs straight through them", () => {
    expect(edgePath([{ x: 0, y: 0 }, { x: 100, y: 50 }])).toBe("M0,0 C50,0 50,50 100,50");
    expect(edgePath([{ x: 0, y: 0 }, { x: 10, y: 0 }])).toBe("M0,0 L10,0");
    expect(edgePath([{ x: 0, y: 0 }])).toBe("");
  });
});

describe("arrows", () => {
  it("points the way the edge arrives", () => {
    expect(arrowHead([{ x: 0, y: 0 }, { x: 100, y: 0 }])).toBe("M100,0 L92,-4.5 L92,4.5 Z");
    expect(arrowHead([{ x: 100, y: 0 }, { x: 0, y: 10 }])).toBe("M0,10 L8,5.5 L8,14.5 Z");
    const s = shortenEnd([{ x: 100, y: 0 }, { x: 0, y: 10 }], 6);
    expect(s[1]).toEqual({ x: 6, y: 10 });
  });
});

describe("labels", () => {
  it("sits on the curve", () => {
    const p = { x: 0, y: 0 };
    const q = { x: 100, y: 40 };
    expect(pointOnSegment(p, q, 0)).toEqual(p);
    expect(pointOnSegment(p, q, 1)).toEqual(q);
    expect(pointOnSegment(p, q, 0.5)).toEqual({ x: 50, y: 20 });
  });
  it("avoids what is taken", () => {
    const taken = [{ x: 40, y: 10, width: 20, height: 20 }];
    const b = placeLabel([{ x: 0, y: 20 }, { x: 100, y: 20 }], 16, 10, taken);
    expect(b.x + b.width <= 40 || b.x >= 60).toBe(true);
    expect(taken).toHaveLength(2);
  });
  it("prefers a step between columns", () => {
    // 0→1 gap, 1→2 through a column, 2→3 gap: the label is on a gap.
    const pts = [{ x: 0, y: 0 }, { x: 100, y: 0 }, { x: 200, y: 0 }, { x: 300, y: 0 }];
    const b = placeLabel(pts, 10, 10, []);
    const cx = b.x + 5;
    expect((cx > 0 && cx < 100) || (cx > 200 && cx < 300)).toBe(true);
  });
});

describe("styling", () => {
  it("scales width with calls", () => {
    expect(edgeWidth(100, 100)).toBeCloseTo(4.25);
    expect(edgeWidth(1, 100)).toBeLessThan(edgeWidth(50, 100));
    expect(edgeWidth(5, 0)).toBe(1.5);
  });
  it("tints errors red", () => {
    expect(edgeColor(10, 0)).toBe("#9aa6b2");
    expect(edgeColor(10, 10)).toBe("rgb(211,47,47)");
    expect(edgeColor(1000, 1)).not.toBe("#9aa6b2");
  });
  it("compacts counts", () => {
    expect(compact(950)).toBe("950");
    expect(compact(1200)).toBe("1.2k");
    expect(compact(1000)).toBe("1k");
    expect(compact(34_400)).toBe("34k");
    expect(compact(1_250_000)).toBe("1.3M");
  });
});

describe("view", () => {
  it("fits and centers", () => {
    expect(fit(100, 50, 400, 300)).toEqual({ k: 1, x: 150, y: 125 });
    const v = fit(2000, 500, 1000, 600, 0);
    expect(v.k).toBe(0.5);
  });
  it("zooms about a point", () => {
    const v = zoomAt({ k: 1, x: 0, y: 0 }, 2, 100, 100);
    expect(v).toEqual({ k: 2, x: -100, y: -100 });
    expect(zoomAt({ k: 4, x: 0, y: 0 }, 2, 0, 0).k).toBe(4);
  });
});
