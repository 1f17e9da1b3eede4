// The critical path of one trace for the trace view: fetched and read in a worker
// (cp_worker.ts) so a big trace's answer does not freeze the page; on the page's thread
// where workers are not available. Resolves to the pieces per span index (relative to the
// view's origin `startNs`) and the self times; rejects with ApiError for an API error.
import { ApiError } from "../api";
import { analysisApi } from "./api";
import type { SelfTime } from "./answers";
import { piecesByIndex, segmentsBySpan } from "./overlay";
import type { CpReply, CpRequest } from "./cp_worker";

export interface TraceCriticalPath {
  durationNanos: number;
  selfTimes: SelfTime[];
  pieces: Map<number, Float64Array>;
}

export function loadCriticalPath(
  traceId: string,
  adjust: boolean,
  startNs: bigint,
  indexOf: (spanId: string) => number | undefined,
  signal: AbortSignal,
): Promise<TraceCriticalPath> {
  const url = `/api/v1/traces/${encodeURIComponent(traceId)}/critical-path${adjust ? "" : "?adjust=false"}`;
  let worker: Worker;
  try {
    worker = new Worker(new URL("./cp_worker.ts", import.meta.url), { type: "module" });
  } catch {
    return analysisApi.criticalPath(traceId, adjust, signal).then((cp) => ({
      durationNanos: cp.durationNanos,
      selfTimes: cp.selfTimes,
      pieces: segmentsBySpan(cp.segments, startNs, indexOf),
    }));
  }
  return new Promise<TraceCriticalPath>((resolve, reject) => {
    const stop = () => {
      worker.terminate();
      reject(new DOMException("aborted", "AbortError"));
    };
    if (signal.aborted) return stop();
    signal.addEventListener("abort", stop, { once: true });
    const done = () => {
      signal.removeEventListener("abort", stop);
      worker.terminate();
    };
    worker.onmessage = (e: MessageEvent<CpReply>) => {
      done();
      const r = e.data;
      if (!r.ok) return reject(new ApiError(r.status, r.message));
      resolve({ durationNanos: r.durationNanos, selfTimes: r.selfTimes, pieces: piecesByIndex(r, indexOf) });
    };
    worker.onerror = (e) => {
      done();
      reject(new Error(e.message || "the critical-path worker failed"));
    };
    const req: CpRequest = { url, startNs: startNs.toString() };
    worker.postMessage(req);
  });
}
