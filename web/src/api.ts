// The UI's only door to weft: the documented HTTP API (docs/api.md). Every call goes
// through getJson, which turns failures into ApiError (the API answered with an error)
// or ApiDownError (it did not answer); the latter also raises the "API down" banner.
import type { Dependency, NativeTrace, Operation, TraceSummary } from "./types";
import { showApiDown, hideApiDown } from "./banner";

export class ApiError extends Error {
  constructor(
    public readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class ApiDownError extends Error {}

export type Params = Record<string, string | number | undefined | null | (string | number)[]>;

export function queryString(params: Params): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === "") continue;
    if (Array.isArray(v)) for (const x of v) q.append(k, String(x));
    else q.append(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

export async function getJson<T>(path: string, params: Params = {}, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path + queryString(params), { signal, headers: { Accept: "application/json" } });
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    showApiDown(`weft's API does not answer (${(e as Error).message}). Is weft serve running?`);
    throw new ApiDownError(String(e));
  }
  if (res.status >= 502 && res.status <= 504) {
    showApiDown(`weft's API answered ${res.status} ${res.statusText}.`);
    throw new ApiDownError(`HTTP ${res.status}`);
  }
  hideApiDown();
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    throw new ApiError(res.status, `the API answered ${res.status} with a body that is not JSON`);
  }
  if (!res.ok) {
    const msg = (body as { error?: { message?: string } })?.error?.message ?? `HTTP ${res.status}`;
    throw new ApiError(res.status, msg);
  }
  return body as T;
}

// Raw text of a response (the trace's JSON for the raw view and download).
export async function getText(path: string, params: Params = {}): Promise<string> {
  const res = await fetch(path + queryString(params));
  if (!res.ok) throw new ApiError(res.status, `HTTP ${res.status}`);
  return res.text();
}

export const api = {
  services: (signal?: AbortSignal) =>
    getJson<{ services: string[] }>("/api/v1/services", {}, signal).then((r) => r.services),
  operations: (service: string, signal?: AbortSignal) =>
    getJson<{ operations: Operation[] }>(
      `/api/v1/services/${encodeURIComponent(service)}/operations`,
      {},
      signal,
    ).then((r) => r.operations),
  attributeKeys: (signal?: AbortSignal) =>
    getJson<{ keys: string[] }>("/api/v1/attributes", {}, signal).then((r) => r.keys),
  attributeValues: (key: string, limit = 100, signal?: AbortSignal) =>
    getJson<{ values: string[] }>(
      `/api/v1/attributes/${encodeURIComponent(key)}/values`,
      { limit },
      signal,
    ).then((r) => r.values),
  search: (params: Params, signal?: AbortSignal) =>
    getJson<{ traces: TraceSummary[] }>("/api/v1/search", params, signal).then((r) => r.traces),
  trace: (traceId: string, params: Params = {}, signal?: AbortSignal) =>
    getJson<NativeTrace>(`/api/v1/traces/${encodeURIComponent(traceId)}`, params, signal),
  traceExists: async (traceId: string): Promise<boolean> => {
    try {
      await getJson<NativeTrace>(`/api/v1/traces/${encodeURIComponent(traceId)}`, { limit: 1 });
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return false;
      throw e;
    }
  },
  dependencies: (params: Params, signal?: AbortSignal) =>
    getJson<{ dependencies: Dependency[] }>("/api/v1/dependencies", params, signal).then(
      (r) => r.dependencies,
    ),
};
