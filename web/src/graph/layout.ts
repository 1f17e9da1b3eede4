// A layered (Sugiyama-style) layout for the service map, left to right. Pure: no DOM.
//
//  1. Cycles: a depth-first search from the sources marks back edges, which are laid out
//     reversed (and drawn the right way round), so the rest works on a DAG.
//  2. Layers: longest path from the roots (a node sits one layer right of its furthest
//     predecessor).
//  3. Edges spanning several layers get a chain of dummy points, one per layer in between,
//     so they are routed between the nodes instead of through them.
//  4. Order within layers: barycenter sweeps down and up, keeping the order with the fewest
//     crossings.
//  5. Coordinates: columns left to right; within a column, each item is pulled toward the
//     mean of its neighbours' positions, subject to a minimum gap and the order of step 4
//     (an isotonic regression solved exactly by pooling adjacent violators).

export interface LayoutNode {
  id: string;
  width: number;
  height: number;
}

export interface LayoutEdge {
  from: string;
  to: string;
}

export interface LayoutOptions {
  layerGap?: number; // horizontal space between columns
  nodeGap?: number; // vertical space between nodes in a column
  dummyGap?: number; // vertical space around an edge passing through a column
  sweeps?: number; // barycenter sweeps (each one down and one up)
  portSpacing?: number; // vertical distance between edge ends on a node's side
}

export interface Point {
  x: number;
  y: number;
}

export interface PlacedNode {
  id: string;
  x: number; // top left
  y: number;
  width: number;
  height: number;
  layer: number;
  order: number; // position within the layer, top to bottom (dummies included)
}

export interface PlacedEdge {
  index: number; // index in the input edges
  from: string;
  to: string;
  // From the `from` node's boundary to the `to` node's: the right side of `from` and the left
  // side of `to`, or the other way round for a reversed edge. Empty for a self loop.
  points: Point[];
  reversed: boolean; // goes right to left (it closed a cycle)
  self: boolean;
}

export interface Layout {
  nodes: Map<string, PlacedNode>;
  edges: PlacedEdge[];
  layers: string[][]; // node ids per layer, in order (no dummies)
  width: number;
  height: number;
  crossings: number; // edge crossings between adjacent layers after ordering
  initialCrossings: number; // … and before (for tests)
}

interface Item {
  id: string; // node id, or "" for a dummy
  node: number; // node index, or -1
  layer: number;
  height: number;
  width: number;
  y: number; // center
  order: number;
  preds: number[]; // item indices in layer-1
  succs: number[]; // item indices in layer+1
}

export function layout(nodesIn: LayoutNode[], edgesIn: LayoutEdge[], opts: LayoutOptions = {}): Layout {
  const layerGap = opts.layerGap ?? 120;
  const nodeGap = opts.nodeGap ?? 20;
  const dummyGap = opts.dummyGap ?? 10;
  const sweeps = opts.sweeps ?? 12;
  const portSpacing = opts.portSpacing ?? 5;

  // Nodes (edges may name nodes the caller did not list).
  const nodes: LayoutNode[] = [];
  const index = new Map<string, number>();
  const addNode = (n: LayoutNode) => {
    if (index.has(n.id)) return;
    index.set(n.id, nodes.length);
    nodes.push(n);
  };
  for (const n of nodesIn) addNode(n);
  for (const e of edgesIn) {
    addNode({ id: e.from, width: 100, height: 32 });
    addNode({ id: e.to, width: 100, height: 32 });
  }
  const N = nodes.length;

  // 1. Break cycles. Adjacency without self loops and duplicates.
  const out: number[][] = Array.from({ length: N }, () => []);
  const indeg = new Array<number>(N).fill(0);
  const seen = new Set<string>();
  edgesIn.forEach((e) => {
    const a = index.get(e.from)!;
    const b = index.get(e.to)!;
    if (a === b || seen.has(`${a},${b}`)) return;
    seen.add(`${a},${b}`);
    out[a].push(b);
    indeg[b]++;
  });
  const back = new Set<string>(); // "a,b" edges reversed in the DAG
  const color = new Uint8Array(N); // 0 white, 1 on stack, 2 done
  const dfs = (root: number) => {
    const stack: [number, number][] = [[root, 0]];
    color[root] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [v, k] = top;
      if (k < out[v].length) {
        top[1]++;
        const w = out[v][k];
        if (color[w] === 1) back.add(`${v},${w}`);
        else if (color[w] === 0) {
          color[w] = 1;
          stack.push([w, 0]);
        }
      } else {
        color[v] = 2;
        stack.pop();
      }
    }
  };
  for (let v = 0; v < N; v++) if (indeg[v] === 0 && color[v] === 0) dfs(v);
  for (let v = 0; v < N; v++) if (color[v] === 0) dfs(v);

  // DAG edges (deduplicated: A→B and a reversed B→A are one edge for the layout).
  const dagOut: number[][] = Array.from({ length: N }, () => []);
  const dagIn: number[][] = Array.from({ length: N }, () => []);
  const dagSeen = new Set<string>();
  const addDag = (a: number, b: number) => {
    const k = `${a},${b}`;
    if (dagSeen.has(k)) return;
    dagSeen.add(k);
    dagOut[a].push(b);
    dagIn[b].push(a);
  };
  for (const k of seen) {
    const [a, b] = k.split(",").map(Number);
    if (back.has(k)) addDag(b, a);
    else addDag(a, b);
  }

  // 2. Longest-path layering (Kahn's order).
  const layerOf = new Array<number>(N).fill(0);
  const remaining = dagIn.map((x) => x.length);
  const queue: number[] = [];
  for (let v = 0; v < N; v++) if (remaining[v] === 0) queue.push(v);
  for (let qi = 0; qi < queue.length; qi++) {
    const v = queue[qi];
    for (const w of dagOut[v]) {
      layerOf[w] = Math.max(layerOf[w], layerOf[v] + 1);
      if (--remaining[w] === 0) queue.push(w);
    }
  }
  // Pull a source toward its successors (a root that only calls a deep service sits just
  // left of it, not in column 0 with a long edge).
  for (let qi = queue.length - 1; qi >= 0; qi--) {
    const v = queue[qi];
    if (dagIn[v].length === 0 && dagOut[v].length > 0)
      layerOf[v] = Math.min(...dagOut[v].map((w) => layerOf[w])) - 1;
  }
  const L = N ? Math.max(...layerOf) + 1 : 0;

  // 3. Items: nodes, then a dummy per layer crossed by a long edge.
  const items: Item[] = nodes.map((n, i) => ({
    id: n.id,
    node: i,
    layer: layerOf[i],
    height: n.height,
    width: n.width,
    y: 0,
    order: 0,
    preds: [],
    succs: [],
  }));
  const chains = new Map<string, number[]>(); // "a,b" (DAG edge) → item indices a … b
  const link = (a: number, b: number) => {
    items[a].succs.push(b);
    items[b].preds.push(a);
  };
  for (let a = 0; a < N; a++) {
    for (const b of dagOut[a]) {
      const chain = [a];
      let prev = a;
      for (let l = layerOf[a] + 1; l < layerOf[b]; l++) {
        const d = items.length;
        items.push({ id: "", node: -1, layer: l, height: 0, width: 0, y: 0, order: 0, preds: [], succs: [] });
        link(prev, d);
        chain.push(d);
        prev = d;
      }
      link(prev, b);
      chain.push(b);
      chains.set(`${a},${b}`, chain);
    }
  }

  // 4. Ordering. Start from a breadth-first walk from the roots (keeps related nodes close).
  const layers: number[][] = Array.from({ length: L }, () => []);
  {
    const placed = new Uint8Array(items.length);
    const bfs: number[] = [];
    for (let i = 0; i < N; i++) if (items[i].preds.length === 0) bfs.push(i), (placed[i] = 1);
    for (let qi = 0; qi < bfs.length; qi++) {
      for (const s of items[bfs[qi]].succs)
        if (!placed[s]) {
          placed[s] = 1;
          bfs.push(s);
        }
    }
    for (let i = 0; i < items.length; i++) if (!placed[i]) bfs.push(i);
    for (const i of bfs) layers[items[i].layer].push(i);
  }
  const setOrder = () => layers.forEach((ls) => ls.forEach((it, k) => (items[it].order = k)));
  setOrder();
  let best = layers.map((l) => l.slice());
  let bestCross = countAll(items, layers);
  const sortBy = (l: number, dir: "preds" | "succs") => {
    const ls = layers[l];
    const key = new Map<number, number>();
    for (const it of ls) {
      const nb = items[it][dir];
      key.set(it, nb.length ? nb.reduce((s, x) => s + items[x].order, 0) / nb.length : items[it].order);
    }
    ls.sort((a, b) => key.get(a)! - key.get(b)! || items[a].order - items[b].order);
    ls.forEach((it, k) => (items[it].order = k));
  };
  const initialCrossings = bestCross;
  for (let s = 0; s < sweeps && bestCross > 0; s++) {
    for (let l = 1; l < L; l++) sortBy(l, "preds");
    for (let l = L - 2; l >= 0; l--) sortBy(l, "succs");
    transpose(items, layers);
    const c = countAll(items, layers);
    if (c < bestCross) {
      bestCross = c;
      best = layers.map((x) => x.slice());
    }
  }
  for (let l = 0; l < L; l++) layers[l] = best[l];
  setOrder();

  // 5. Coordinates. Columns left to right.
  const colX: number[] = [];
  const colW: number[] = [];
  let x = 0;
  for (let l = 0; l < L; l++) {
    const w = Math.max(0, ...layers[l].map((i) => items[i].width));
    colX.push(x);
    colW.push(w);
    x += w + layerGap;
  }
  const width = L ? x - layerGap : 0;

  const gapBetween = (a: Item, b: Item) =>
    (a.height + b.height) / 2 + (a.node >= 0 && b.node >= 0 ? nodeGap : dummyGap);
  // Initial: stacked, each column centered on the tallest.
  const colHeight = layers.map((ls) => {
    let h = 0;
    for (let k = 1; k < ls.length; k++) h += gapBetween(items[ls[k - 1]], items[ls[k]]);
    return h;
  });
  const tallest = Math.max(0, ...colHeight);
  layers.forEach((ls, l) => {
    let y = (tallest - colHeight[l]) / 2;
    ls.forEach((it, k) => {
      if (k > 0) y += gapBetween(items[ls[k - 1]], items[it]);
      items[it].y = y;
    });
  });
  const place = (l: number, dirs: ("preds" | "succs")[]) => {
    const ls = layers[l];
    if (!ls.length) return;
    const target: number[] = [];
    const weight: number[] = [];
    for (const it of ls) {
      const nb = dirs.flatMap((d) => items[it][d]);
      target.push(nb.length ? nb.reduce((s, x) => s + items[x].y, 0) / nb.length : items[it].y);
      // Dummies pull harder: long edges come out straight.
      weight.push(nb.length ? (items[it].node < 0 ? 2 : 1) : 0.5);
    }
    const gaps = ls.slice(1).map((it, k) => gapBetween(items[ls[k]], items[it]));
    const ys = isotonicWithGaps(target, weight, gaps);
    ls.forEach((it, k) => (items[it].y = ys[k]));
  };
  for (let r = 0; r < 6; r++) {
    for (let l = 1; l < L; l++) place(l, ["preds"]);
    for (let l = L - 2; l >= 0; l--) place(l, ["succs"]);
  }
  for (let l = 0; l < L; l++) place(l, ["preds", "succs"]);

  // Shift so the top is at 0.
  let top = Infinity;
  let bottom = -Infinity;
  for (const it of items) {
    top = Math.min(top, it.y - it.height / 2);
    bottom = Math.max(bottom, it.y + it.height / 2);
  }
  if (!items.length) top = bottom = 0;
  for (const it of items) it.y -= top;
  const height = bottom - top;

  const placed = new Map<string, PlacedNode>();
  for (let i = 0; i < N; i++) {
    const it = items[i];
    const l = it.layer;
    placed.set(it.id, {
      id: it.id,
      x: colX[l] + (colW[l] - it.width) / 2,
      y: it.y - it.height / 2,
      width: it.width,
      height: it.height,
      layer: l,
      order: it.order,
    });
  }

  // Routes in DAG direction: right side of the first node, through each dummy's column,
  // left side of the last node. Ports spread the ends over a node's side, in the order of
  // where the edges go, so they do not start from one point.
  interface Route {
    pts: Point[];
    a: number; // DAG source node
    b: number; // DAG target node
  }
  const routes = new Map<string, Route>();
  for (const [k, chain] of chains) {
    const a = chain[0];
    const b = chain[chain.length - 1];
    const pts: Point[] = [];
    const pa = placed.get(nodes[a].id)!;
    const pb = placed.get(nodes[b].id)!;
    pts.push({ x: pa.x + pa.width, y: items[a].y });
    for (const d of chain.slice(1, -1)) {
      const l = items[d].layer;
      pts.push({ x: colX[l], y: items[d].y }, { x: colX[l] + colW[l], y: items[d].y });
    }
    pts.push({ x: pb.x, y: items[b].y });
    routes.set(k, { pts, a, b });
  }
  const spread = (node: number, list: Route[], side: "out" | "in") => {
    const key = (r: Route) => (side === "out" ? r.pts[1].y : r.pts[r.pts.length - 2].y);
    list.sort((p, q) => key(p) - key(q));
    const h = nodes[node].height;
    const step = list.length > 1 ? Math.min(portSpacing, (h - 8) / (list.length - 1)) : 0;
    list.forEach((r, k) => {
      const dy = (k - (list.length - 1) / 2) * step;
      if (side === "out") r.pts[0].y += dy;
      else r.pts[r.pts.length - 1].y += dy;
    });
  };
  const byOut: Route[][] = Array.from({ length: N }, () => []);
  const byIn: Route[][] = Array.from({ length: N }, () => []);
  for (const r of routes.values()) {
    byOut[r.a].push(r);
    byIn[r.b].push(r);
  }
  for (let i = 0; i < N; i++) {
    spread(i, byOut[i], "out");
    spread(i, byIn[i], "in");
  }

  // Edges as given. A pair A→B, B→A shares one route; the second is offset a little.
  const used = new Map<string, number>();
  const edges: PlacedEdge[] = edgesIn.map((e, i) => {
    const a = index.get(e.from)!;
    const b = index.get(e.to)!;
    if (a === b) return { index: i, from: e.from, to: e.to, points: [], reversed: false, self: true };
    const reversed = back.has(`${a},${b}`);
    const k = reversed ? `${b},${a}` : `${a},${b}`;
    const r = routes.get(k)!;
    const n = used.get(k) ?? 0;
    used.set(k, n + 1);
    let pts = r.pts.map((p) => ({ x: p.x, y: p.y + n * 6 }));
    if (n > 0) {
      // Keep the ends on the nodes.
      pts[0].y = Math.min(pts[0].y, placed.get(nodes[r.a].id)!.y + nodes[r.a].height - 2);
      pts[pts.length - 1].y = Math.min(pts[pts.length - 1].y, placed.get(nodes[r.b].id)!.y + nodes[r.b].height - 2);
    }
    if (reversed) pts = pts.reverse();
    return { index: i, from: e.from, to: e.to, points: pts, reversed, self: false };
  });

  return {
    nodes: placed,
    edges,
    layers: layers.map((ls) => ls.filter((i) => items[i].node >= 0).map((i) => items[i].id)),
    width,
    height,
    crossings: bestCross,
    initialCrossings,
  };
}

// Crossings between the edges of u and of v (u above v) toward one neighbouring layer.
function pairCrossings(items: Item[], u: number, v: number, dir: "preds" | "succs"): number {
  let c = 0;
  for (const a of items[u][dir]) for (const b of items[v][dir]) if (items[a].order > items[b].order) c++;
  return c;
}

// Swaps neighbours within a layer while that removes crossings.
function transpose(items: Item[], layers: number[][]): void {
  for (let round = 0; round < 4; round++) {
    let improved = false;
    for (const ls of layers) {
      for (let k = 0; k + 1 < ls.length; k++) {
        const u = ls[k];
        const v = ls[k + 1];
        const now = pairCrossings(items, u, v, "preds") + pairCrossings(items, u, v, "succs");
        const swapped = pairCrossings(items, v, u, "preds") + pairCrossings(items, v, u, "succs");
        if (swapped < now) {
          ls[k] = v;
          ls[k + 1] = u;
          items[u].order = k + 1;
          items[v].order = k;
          improved = true;
        }
      }
    }
    if (!improved) break;
  }
}

// Crossings between consecutive layers: for the edges between two layers sorted by their
// upper end, the number of inversions of their lower ends.
function countAll(items: Item[], layers: number[][]): number {
  let total = 0;
  for (let l = 0; l + 1 < layers.length; l++) {
    const pairs: [number, number][] = [];
    for (const a of layers[l]) for (const b of items[a].succs) pairs.push([items[a].order, items[b].order]);
    pairs.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
    total += inversions(pairs.map((p) => p[1]));
  }
  return total;
}

export function inversions(xs: number[]): number {
  // Fenwick tree over values.
  const max = xs.reduce((m, x) => Math.max(m, x), 0) + 2;
  const tree = new Array<number>(max + 1).fill(0);
  let inv = 0;
  for (let i = xs.length - 1; i >= 0; i--) {
    for (let j = xs[i]; j > 0; j -= j & -j) inv += tree[j];
    for (let j = xs[i] + 1; j <= max; j += j & -j) tree[j]++;
  }
  return inv;
}

// Positions y[0..n) closest (weighted least squares) to `target`, subject to
// y[k+1] − y[k] ≥ gaps[k]. With o[k] = gaps[0] + … + gaps[k−1], z = y − o must be
// non-decreasing: an isotonic regression, solved by pooling adjacent violators.
export function isotonicWithGaps(target: number[], weight: number[], gaps: number[]): number[] {
  const n = target.length;
  const off: number[] = [0];
  for (let k = 1; k < n; k++) off.push(off[k - 1] + gaps[k - 1]);
  const blocks: { sum: number; w: number; count: number }[] = [];
  for (let k = 0; k < n; k++) {
    const w = Math.max(weight[k], 1e-6);
    blocks.push({ sum: (target[k] - off[k]) * w, w, count: 1 });
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1];
      const a = blocks[blocks.length - 2];
      if (a.sum / a.w <= b.sum / b.w) break;
      blocks.pop();
      a.sum += b.sum;
      a.w += b.w;
      a.count += b.count;
    }
  }
  const out: number[] = [];
  for (const b of blocks) for (let c = 0; c < b.count; c++) out.push(b.sum / b.w + off[out.length]);
  return out;
}
