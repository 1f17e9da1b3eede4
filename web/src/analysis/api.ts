// The trace-analysis endpoints (docs/api.md, "Trace analysis"), through api.ts's getJson
// (errors as ApiError / ApiDownError), answers checked by answers.ts.
import { getJson } from "../api";
import {
  parseAggregate,
  parseCohorts,
  parseCompare,
  parseCriticalPath,
  parseRpcGaps,
  type AggregateCriticalPath,
  type Cohorts,
  type Comparison,
  type CriticalPath,
  type RpcGaps,
} from "./answers";

const tracePath = (id: string) => `/api/v1/traces/${encodeURIComponent(id)}`;
const adjustParam = (adjust: boolean) => (adjust ? {} : { adjust: "false" });

export const analysisApi = {
  criticalPath: async (traceId: string, adjust: boolean, signal?: AbortSignal): Promise<CriticalPath> =>
    parseCriticalPath(await getJson<unknown>(`${tracePath(traceId)}/critical-path`, adjustParam(adjust), signal)),
  rpcGaps: async (traceId: string, signal?: AbortSignal): Promise<RpcGaps> =>
    parseRpcGaps(await getJson<unknown>(`${tracePath(traceId)}/rpcid-gaps`, {}, signal)),
  aggregate: async (query: Record<string, string>, signal?: AbortSignal): Promise<AggregateCriticalPath> =>
    parseAggregate(await getJson<unknown>("/api/v1/analysis/critical-path", query, signal)),
  cohorts: async (query: Record<string, string>, signal?: AbortSignal): Promise<Cohorts> =>
    parseCohorts(await getJson<unknown>("/api/v1/analysis/cohorts", query, signal)),
  compare: async (a: string, b: string, adjust: boolean, signal?: AbortSignal): Promise<Comparison> =>
    parseCompare(await getJson<unknown>("/api/v1/compare", { a, b, ...adjustParam(adjust) }, signal)),
};
