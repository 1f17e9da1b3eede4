// The trace-analysis answers of the native API (docs/api.md, "Trace analysis"), checked
// and turned into what the views use: durations as numbers of ns (relative values fit a
// double exactly), absolute times as bigint, counts and ratios as numbers. A field of the
// wrong type fails with its path (the answer is not from a weft that speaks this contract);
// an optional field that is absent gets its neutral value.

export class AnswerError extends Error {}

type Obj = Record<string, unknown>;

function fail(path: string, what: string): never {
  throw new AnswerError(`${path}: ${what}`);
}

function obj(v: unknown, path: string): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(path, "expected an object");
  return v as Obj;
}

function arr(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(path, "expected an array");
  return v;
}

function str(v: unknown, path: string, dflt?: string): string {
  if (v === undefined || v === null) {
    if (dflt !== undefined) return dflt;
    fail(path, "missing");
  }
  if (typeof v !== "string") fail(path, "expected a string");
  return v;
}

function num(v: unknown, path: string, dflt?: number): number {
  if (v === undefined || v === null) {
    if (dflt !== undefined) return dflt;
    fail(path, "missing");
  }
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v)) return Number(v);
  return fail(path, "expected a number");
}

// A duration or a count of ns: a decimal string (the API's form) or a JSON number.
function nanos(v: unknown, path: string, dflt?: number): number {
  return num(v, path, dflt);
}

function time(v: unknown, path: string): bigint {
  if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v);
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  return fail(path, "expected a time in ns (a decimal string)");
}

function bool(v: unknown, path: string, dflt = false): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "boolean") fail(path, "expected true or false");
  return v;
}

function ids(v: unknown, path: string): string[] {
  return arr(v, path).map((x, i) => str(x, `${path}[${i}]`));
}

// ---- critical path of one trace ----------------------------------------------------

export interface CpSegment {
  spanId: string;
  service: string;
  operation: string;
  start: bigint;
  end: bigint;
}

export interface SelfTime {
  service: string;
  operation: string;
  nanos: number;
  share: number; // of the root's duration
  segments: number;
}

export interface CriticalPath {
  traceId: string;
  rootSpanId: string;
  start: bigint;
  end: bigint;
  durationNanos: number;
  segments: CpSegment[];
  selfTimes: SelfTime[];
}

export function parseCriticalPath(json: unknown): CriticalPath {
  const j = obj(json, "critical path");
  return {
    traceId: str(j.traceId, "traceId", ""),
    rootSpanId: str(j.rootSpanId, "rootSpanId", ""),
    start: time(j.startTimeUnixNano, "startTimeUnixNano"),
    end: time(j.endTimeUnixNano, "endTimeUnixNano"),
    durationNanos: nanos(j.durationNanos, "durationNanos"),
    segments: arr(j.segments, "segments").map((x, i) => {
      const p = `segments[${i}]`;
      const s = obj(x, p);
      return {
        spanId: str(s.spanId, `${p}.spanId`),
        service: str(s.service, `${p}.service`, ""),
        operation: str(s.operation, `${p}.operation`, ""),
        start: time(s.startTimeUnixNano, `${p}.startTimeUnixNano`),
        end: time(s.endTimeUnixNano, `${p}.endTimeUnixNano`),
      };
    }),
    selfTimes: arr(j.selfTimes, "selfTimes").map((x, i) => {
      const p = `selfTimes[${i}]`;
      const s = obj(x, p);
      return {
        service: str(s.service, `${p}.service`, ""),
        operation: str(s.operation, `${p}.operation`, ""),
        nanos: nanos(s.nanos, `${p}.nanos`),
        share: num(s.share, `${p}.share`, 0),
        segments: num(s.segments, `${p}.segments`, 0),
      };
    }),
  };
}

// ---- RpcId gaps ----------------------------------------------------------------------

export interface RpcGaps {
  traceId: string;
  logBuilt: boolean;
  missingCount: number;
  parents: { rpcId: string; present: number[]; missing: number[] }[];
}

export function parseRpcGaps(json: unknown): RpcGaps {
  const j = obj(json, "rpcid gaps");
  const ints = (v: unknown, p: string) => arr(v, p).map((x, i) => num(x, `${p}[${i}]`));
  return {
    traceId: str(j.traceId, "traceId", ""),
    logBuilt: bool(j.logBuilt, "logBuilt"),
    missingCount: num(j.missingCount, "missingCount", 0),
    parents: arr(j.parents, "parents").map((x, i) => {
      const p = `parents[${i}]`;
      const o = obj(x, p);
      return { rpcId: str(o.rpcId, `${p}.rpcId`), present: ints(o.present, `${p}.present`), missing: ints(o.missing, `${p}.missing`) };
    }),
  };
}

// The missing calls as RpcIds ("0.1.3"), at most `max` of them; `more` is how many were
// left out.
export function missingCalls(g: RpcGaps, max = 20): { ids: string[]; more: number } {
  const all: string[] = [];
  for (const p of g.parents) for (const m of p.missing) all.push(p.rpcId ? `${p.rpcId}.${m}` : String(m));
  const total = Math.max(all.length, g.missingCount);
  const shown = all.slice(0, max);
  return { ids: shown, more: total - shown.length };
}

// ---- the aggregate critical path -------------------------------------------------------

export type BandName = "all" | "median" | "slowest5" | "slowest1" | string;

export interface BandShare {
  service: string;
  operation: string;
  nanos: number;
  share: number;
  meanNanos: number;
  medianShare: number | null; // null in the median band (and when absent)
}

export interface Band {
  band: BandName;
  traces: number;
  minDurationNanos: number;
  maxDurationNanos: number;
  criticalPathNanos: number;
  shares: BandShare[];
  exampleTraceIds: string[];
}

export interface AggregateCriticalPath {
  service: string;
  operation: string;
  matchedTraces: number;
  analyzedTraces: number;
  sampled: boolean;
  bands: Band[];
}

export function parseAggregate(json: unknown): AggregateCriticalPath {
  const j = obj(json, "aggregate critical path");
  return {
    service: str(j.service, "service", ""),
    operation: str(j.operation, "operation", ""),
    matchedTraces: num(j.matchedTraces, "matchedTraces", 0),
    analyzedTraces: num(j.analyzedTraces, "analyzedTraces", 0),
    sampled: bool(j.sampled, "sampled"),
    bands: arr(j.bands, "bands").map((x, i) => {
      const p = `bands[${i}]`;
      const b = obj(x, p);
      return {
        band: str(b.band, `${p}.band`),
        traces: num(b.traces, `${p}.traces`, 0),
        minDurationNanos: nanos(b.minDurationNanos, `${p}.minDurationNanos`, 0),
        maxDurationNanos: nanos(b.maxDurationNanos, `${p}.maxDurationNanos`, 0),
        criticalPathNanos: nanos(b.criticalPathNanos, `${p}.criticalPathNanos`, 0),
        shares: arr(b.shares, `${p}.shares`).map((y, k) => {
          const q = `${p}.shares[${k}]`;
          const s = obj(y, q);
          return {
            service: str(s.service, `${q}.service`, ""),
            operation: str(s.operation, `${q}.operation`, ""),
            nanos: nanos(s.nanos, `${q}.nanos`, 0),
            share: num(s.share, `${q}.share`, 0),
            meanNanos: nanos(s.meanNanos, `${q}.meanNanos`, 0),
            medianShare: s.medianShare === undefined || s.medianShare === null ? null : num(s.medianShare, `${q}.medianShare`),
          };
        }),
        exampleTraceIds: ids(b.exampleTraceIds, `${p}.exampleTraceIds`),
      };
    }),
  };
}

// ---- cohorts ------------------------------------------------------------------------------

export interface CohortFeature {
  kind: string; // attribute | service | operation | structure
  name: string;
  value: string | null;
  selectedCount: number;
  baselineCount: number;
  selectedRatio: number;
  baselineRatio: number;
  lift: number | null; // null: the baseline never has it
  zScore: number;
  pValue: number;
  exampleTraceIds: string[];
}

export interface Cohorts {
  service: string;
  operation: string;
  select: string;
  thresholdNanos: number | null;
  matchedTraces: number;
  selectedTraces: number;
  baselineTraces: number;
  selectedAnalyzed: number;
  baselineAnalyzed: number;
  selectedSampled: boolean;
  baselineSampled: boolean;
  features: CohortFeature[];
}

export function parseCohorts(json: unknown): Cohorts {
  const j = obj(json, "cohorts");
  const selectedTraces = num(j.selectedTraces, "selectedTraces", 0);
  const selectedAnalyzed = num(j.selectedAnalyzed, "selectedAnalyzed", selectedTraces);
  return {
    service: str(j.service, "service", ""),
    operation: str(j.operation, "operation", ""),
    select: str(j.select, "select", ""),
    thresholdNanos: j.thresholdNanos === undefined || j.thresholdNanos === null ? null : nanos(j.thresholdNanos, "thresholdNanos"),
    matchedTraces: num(j.matchedTraces, "matchedTraces", 0),
    selectedTraces,
    baselineTraces: num(j.baselineTraces, "baselineTraces", 0),
    selectedAnalyzed,
    baselineAnalyzed: num(j.baselineAnalyzed, "baselineAnalyzed", 0),
    selectedSampled: bool(j.selectedSampled, "selectedSampled", selectedAnalyzed < selectedTraces),
    baselineSampled: bool(j.baselineSampled, "baselineSampled"),
    features: arr(j.features, "features").map((x, i) => {
      const p = `features[${i}]`;
      const f = obj(x, p);
      return {
        kind: str(f.kind, `${p}.kind`),
        name: str(f.name, `${p}.name`),
        value: f.value === undefined || f.value === null ? null : typeof f.value === "string" ? f.value : String(f.value),
        selectedCount: num(f.selectedCount, `${p}.selectedCount`, 0),
        baselineCount: num(f.baselineCount, `${p}.baselineCount`, 0),
        selectedRatio: num(f.selectedRatio, `${p}.selectedRatio`, 0),
        baselineRatio: num(f.baselineRatio, `${p}.baselineRatio`, 0),
        lift: f.lift === undefined || f.lift === null ? null : num(f.lift, `${p}.lift`),
        zScore: num(f.zScore, `${p}.zScore`, 0),
        pValue: num(f.pValue, `${p}.pValue`, 1),
        exampleTraceIds: ids(f.exampleTraceIds, `${p}.exampleTraceIds`),
      };
    }),
  };
}

// ---- compare --------------------------------------------------------------------------------

export interface CompareSide {
  traceId: string;
  spanCount: number;
  durationNanos: number;
  rootService: string;
  rootOperation: string;
}

export type NodeSide = "both" | "onlyA" | "onlyB";

export interface CompareNode {
  parent: number;
  depth: number;
  service: string;
  operation: string;
  side: NodeSide;
  aCount: number;
  bCount: number;
  aDurationNanos: number;
  bDurationNanos: number;
  deltaNanos: number;
}

export interface Comparison {
  a: CompareSide;
  b: CompareSide;
  onlyA: number;
  onlyB: number;
  nodes: CompareNode[];
}

export function parseCompare(json: unknown): Comparison {
  const j = obj(json, "compare");
  const side = (v: unknown, p: string): CompareSide => {
    const s = obj(v, p);
    return {
      traceId: str(s.traceId, `${p}.traceId`),
      spanCount: num(s.spanCount, `${p}.spanCount`, 0),
      durationNanos: nanos(s.durationNanos, `${p}.durationNanos`, 0),
      rootService: str(s.rootService, `${p}.rootService`, ""),
      rootOperation: str(s.rootOperation, `${p}.rootOperation`, ""),
    };
  };
  const nodes = arr(j.nodes, "nodes").map((x, i): CompareNode => {
    const p = `nodes[${i}]`;
    const n = obj(x, p);
    const sd = str(n.side, `${p}.side`, "both");
    if (sd !== "both" && sd !== "onlyA" && sd !== "onlyB") fail(`${p}.side`, `unknown side "${sd}"`);
    const a = nanos(n.aDurationNanos, `${p}.aDurationNanos`, 0);
    const b = nanos(n.bDurationNanos, `${p}.bDurationNanos`, 0);
    return {
      parent: num(n.parent, `${p}.parent`, -1),
      depth: num(n.depth, `${p}.depth`, 0),
      service: str(n.service, `${p}.service`, ""),
      operation: str(n.operation, `${p}.operation`, ""),
      side: sd,
      aCount: num(n.aCount, `${p}.aCount`, 0),
      bCount: num(n.bCount, `${p}.bCount`, 0),
      aDurationNanos: a,
      bDurationNanos: b,
      deltaNanos: n.deltaNanos === undefined ? b - a : nanos(n.deltaNanos, `${p}.deltaNanos`),
    };
  });
  return {
    a: side(j.a, "a"),
    b: side(j.b, "b"),
    onlyA: num(j.onlyA, "onlyA", nodes.filter((n) => n.side === "onlyA").length),
    onlyB: num(j.onlyB, "onlyB", nodes.filter((n) => n.side === "onlyB").length),
    nodes,
  };
}
