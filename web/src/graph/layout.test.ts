import { describe, expect, it } from "vitest";
import { inversions, isotonicWithGaps, layout, type Layout, type LayoutEdge, type LayoutNode } from "./layout";

// A deterministic pseudo-random generator (tests must not flake).
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

// A microservice-like graph: a few entry services, tiers calling deeper tiers, shared
// databases, and some back edges (cycles).
function generated(n: number, seed: number): { nodes: LayoutNode[]; edges: LayoutEdge[] } {
  const r = rng(seed);
  const nodes: LayoutNode[] = [];
  for (let i = 0; i < n; i++) nodes.push({ id: `svc-${i}`, width: 80 + Math.floor(r() * 80), height: 36 });
  const edges: LayoutEdge[] = [];
  const have = new Set<string>();
  const add = (a: number, b: number) => {
    const k = `${a}->${b}`;
    if (a === b || have.has(k)) return;
    have.add(k);
    edges.push({ from: nodes[a].id, to: nodes[b].id });
  };
  for (let i = 3; i < n; i++) {
    const parents = 1 + Math.floor(r() * 3);
    for (let k = 0; k < parents; k++) add(Math.floor(r() * i), i);
  }
  for (let k = 0; k < 6; k++) add(Math.floor(r() * n), Math.floor(r() * n)); // cycles
  return { nodes, edges };
}

function overlaps(l: Layout): [string, string][] {
  const ns = [...l.nodes.values()];
  const bad: [string, string][] = [];
  for (let i = 0; i < ns.length; i++)
    for (let j = i + 1; j < ns.length; j++) {
      const a = ns[i];
      const b = ns[j];
      if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height)
        bad.push([a.id, b.id]);
    }
  return bad;
}

function checkEdges(l: Layout, edges: LayoutEdge[]): void {
  expect(l.edges.length).toBe(edges.length);
  l.edges.forEach((e, i) => {
    expect(e.from).toBe(edges[i].from);
    expect(e.to).toBe(edges[i].to);
    if (e.self) return;
    expect(e.points.length).toBeGreaterThanOrEqual(2);
    for (const p of e.points) {
      expect(Number.isFinite(p.x)).toBe(true);
      expect(Number.isFinite(p.y)).toBe(true);
    }
    const a = l.nodes.get(e.from)!;
    const b = l.nodes.get(e.to)!;
    const first = e.points[0];
    const last = e.points[e.points.length - 1];
    // Starts on the parent's side and ends on the child's side (left/right by direction).
    expect(first.x).toBeCloseTo(e.reversed ? a.x : a.x + a.width);
    expect(last.x).toBeCloseTo(e.reversed ? b.x + b.width : b.x);
    expect(first.y).toBeGreaterThanOrEqual(a.y);
    expect(first.y).toBeLessThanOrEqual(a.y + a.height);
    expect(last.y).toBeGreaterThanOrEqual(b.y);
    expect(last.y).toBeLessThanOrEqual(b.y + b.height);
    // Forward edges go right, reversed ones go left.
    if (e.reversed) expect(a.layer).toBeGreaterThan(b.layer);
    else expect(a.layer).toBeLessThan(b.layer);
  });
}

describe("layout", () => {
  it("lays out an empty graph", () => {
    const l = layout([], []);
    expect(l.nodes.size).toBe(0);
    expect(l.width).toBe(0);
    expect(l.height).toBe(0);
  });

  it("puts a chain left to right", () => {
    const nodes = ["a", "b", "c"].map((id) => ({ id, width: 100, height: 30 }));
    const edges = [
      { from: "a", to: "b" },
      { from: "b", to: "c" },
    ];
    const l = layout(nodes, edges);
    expect(l.layers).toEqual([["a"], ["b"], ["c"]]);
    expect(l.nodes.get("a")!.x).toBeLessThan(l.nodes.get("b")!.x);
    expect(l.nodes.get("b")!.x).toBeLessThan(l.nodes.get("c")!.x);
    // A straight chain is drawn straight.
    expect(l.nodes.get("a")!.y).toBeCloseTo(l.nodes.get("c")!.y);
    checkEdges(l, edges);
  });

  it("survives cycles and self loops", () => {
    const nodes = ["a", "b", "c", "d"].map((id) => ({ id, width: 60, height: 30 }));
    const edges = [
      { from: "a", to: "b" },
      { from: "b", to: "c" },
      { from: "c", to: "a" },
      { from: "c", to: "d" },
      { from: "d", to: "d" },
      { from: "b", to: "a" },
    ];
    const l = layout(nodes, edges);
    expect(l.nodes.size).toBe(4);
    expect(overlaps(l)).toEqual([]);
    checkEdges(l, edges);
    expect(l.edges.find((e) => e.from === "d" && e.to === "d")!.self).toBe(true);
    expect(l.edges.filter((e) => e.reversed).length).toBeGreaterThanOrEqual(2);
  });

  it("adds nodes that only edges name", () => {
    const l = layout([], [{ from: "x", to: "y" }]);
    expect([...l.nodes.keys()].sort()).toEqual(["x", "y"]);
  });

  it("routes long edges around the middle column", () => {
    const nodes = ["a", "b", "c"].map((id) => ({ id, width: 80, height: 30 }));
    const edges = [
      { from: "a", to: "b" },
      { from: "b", to: "c" },
      { from: "a", to: "c" },
    ];
    const l = layout(nodes, edges);
    const long = l.edges[2];
    expect(long.points.length).toBe(4); // two ends + through b's column
    const b = l.nodes.get("b")!;
    const y = long.points[1].y;
    expect(y < b.y || y > b.y + b.height).toBe(true);
    checkEdges(l, edges);
  });

  it("lays out 50 services readably", () => {
    for (const seed of [1, 2, 3, 42]) {
      const { nodes, edges } = generated(50, seed);
      const t0 = performance.now();
      const l = layout(nodes, edges);
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(l.nodes.size).toBe(50);
      expect(overlaps(l)).toEqual([]);
      checkEdges(l, edges);
      // Nodes in one column keep at least the node gap between them.
      for (const ids of l.layers) {
        const ys = ids.map((id) => l.nodes.get(id)!).sort((a, b) => a.y - b.y);
        for (let k = 1; k < ys.length; k++) expect(ys[k].y - (ys[k - 1].y + ys[k - 1].height)).toBeGreaterThanOrEqual(19.99);
      }
      // Everything inside the reported size.
      for (const n of l.nodes.values()) {
        expect(n.x).toBeGreaterThanOrEqual(0);
        expect(n.y).toBeGreaterThanOrEqual(-1e-6);
        expect(n.x + n.width).toBeLessThanOrEqual(l.width + 1e-6);
        expect(n.y + n.height).toBeLessThanOrEqual(l.height + 1e-6);
      }
      // Ordering removes most crossings of the initial order.
      expect(l.crossings).toBeLessThan(l.initialCrossings * 0.7);
    }
  });

  it("draws a tree without crossings", () => {
    const nodes: LayoutNode[] = [];
    const edges: LayoutEdge[] = [];
    for (let i = 0; i < 40; i++) {
      nodes.push({ id: `n${i}`, width: 90, height: 36 });
      if (i > 0) edges.push({ from: `n${Math.floor((i - 1) / 3)}`, to: `n${i}` });
    }
    // Shuffle the input order: the ordering must not depend on it.
    nodes.reverse();
    const l = layout(nodes, edges);
    expect(l.crossings).toBe(0);
    expect(overlaps(l)).toEqual([]);
    checkEdges(l, edges);
  });

  it("is deterministic", () => {
    const { nodes, edges } = generated(30, 7);
    const a = layout(nodes, edges);
    const b = layout(nodes, edges);
    expect([...a.nodes.values()]).toEqual([...b.nodes.values()]);
    expect(a.edges).toEqual(b.edges);
  });
});

describe("inversions", () => {
  it("counts", () => {
    expect(inversions([])).toBe(0);
    expect(inversions([0, 1, 2])).toBe(0);
    expect(inversions([2, 1, 0])).toBe(3);
    expect(inversions([1, 0, 1, 0])).toBe(3);
  });
});

describe("isotonicWithGaps", () => {
  it("keeps targets that already fit", () => {
    expect(isotonicWithGaps([0, 50, 100], [1, 1, 1], [10, 10])).toEqual([0, 50, 100]);
  });
  it("spreads colliding targets around their mean", () => {
    const y = isotonicWithGaps([10, 10, 10], [1, 1, 1], [10, 10]);
    expect(y).toEqual([0, 10, 20]);
  });
  it("respects the order", () => {
    const y = isotonicWithGaps([100, 0], [1, 1], [20]);
    expect(y[1] - y[0]).toBeCloseTo(20);
    expect((y[0] + y[1]) / 2).toBeCloseTo(50);
  });
});
