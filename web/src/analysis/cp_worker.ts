// A worker that fetches and reads a trace's critical path (GET /api/v1/traces/{id}/critical-path)
// off the page's thread: for a trace of 100,000 spans the answer is ~30 MB of JSON and
// ~180,000 segments, a second of parsing that would freeze scrolling. It answers with the
// pieces per span flattened into transferable arrays (overlay.ts flatPieces) and the self
// times (small). cp_load.ts starts it.
import { parseCriticalPath } from "./answers";
import { flatPieces } from "./overlay";

export interface CpRequest {
  url: string;
  startNs: string; // the trace view's time origin
}

export type CpReply =
  | {
      ok: true;
      durationNanos: number;
      selfTimes: ReturnType<typeof parseCriticalPath>["selfTimes"];
      ids: string[];
      offsets: Int32Array;
      pieces: Float64Array;
    }
  | { ok: false; status: number; message: string };

const scope = self as unknown as { onmessage: ((e: MessageEvent<CpRequest>) => void) | null; postMessage: (m: CpReply, transfer?: Transferable[]) => void };

scope.onmessage = async (e: MessageEvent<CpRequest>) => {
  try {
    const res = await fetch(e.data.url, { headers: { Accept: "application/json" } });
    const text = await res.text();
    if (!res.ok) {
      let message = `HTTP ${res.status}`;
      try {
        message = (JSON.parse(text) as { error?: { message?: string } })?.error?.message ?? message;
      } catch {
        /* not JSON */
      }
      scope.postMessage({ ok: false, status: res.status, message });
      return;
    }
    const cp = parseCriticalPath(JSON.parse(text));
    const f = flatPieces(cp.segments, BigInt(e.data.startNs));
    scope.postMessage(
      { ok: true, durationNanos: cp.durationNanos, selfTimes: cp.selfTimes, ids: f.ids, offsets: f.offsets, pieces: f.pieces },
      [f.offsets.buffer, f.pieces.buffer],
    );
  } catch (err) {
    scope.postMessage({ ok: false, status: 0, message: String((err as Error)?.message ?? err) });
  }
};
