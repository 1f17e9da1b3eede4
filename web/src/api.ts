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
  return responseJson<T>(fetch(path + queryString(params), { signal, headers: { Accept: "application/json" } }));
}

// getJson's handling of a request already on its way (one started before the app loaded:
// public/boot.js).
export async function responseJson<T>(pending: Promise<Response>): Promise<T> {
  const text = new TextDecoder().decode(await responseBytes(pending));
  try {
    return (text ? JSON.parse(text) : {}) as T;
  } catch {
    throw new ApiError(200, "the API answered with a body that is not JSON");
  }
}

// The same, up to the body's bytes (UTF-8), for a caller that reads them itself (errors
// and the API-down banner handled alike). `onProgress` sees the bytes arrive.
export async function responseBytes(
  pending: Promise<Response>,
  onProgress?: (received: number, total: number) => void,
): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await pending;
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
  const bytes = await readBytes(res, onProgress);
  if (!res.ok) {
    const text = new TextDecoder().decode(bytes);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      throw new ApiError(res.status, `the API answered ${res.status} with a body that is not JSON`);
    }
    const msg = (body as { error?: { message?: string } })?.error?.message ?? `HTTP ${res.status}`;
    throw new ApiError(res.status, msg);
  }
  return bytes;
}

// A response's body, read in chunks: for megabytes this is faster in Chromium than
// res.text() (~1.5× for 15 MB, decoding included), tells how much has arrived (`total` is
// the Content-Length, 0 when unknown), and lets a reader skip decoding what it does not need.
export async function readBytes(res: Response, onProgress?: (received: number, total: number) => void): Promise<Uint8Array> {
  const reader = res.body?.getReader?.();
  if (!reader) return new Uint8Array(await res.arrayBuffer());
  const total = Number(res.headers.get("Content-Length")) || 0;
  // With the length known, each chunk is copied into place as it arrives (while the rest
  // is still on its way), not all at the end.
  let bytes: Uint8Array | null = total > 0 ? new Uint8Array(total) : null;
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (bytes && received + value.length <= bytes.length) bytes.set(value, received);
    else {
      if (bytes) chunks.push(bytes.subarray(0, received)); // longer than announced
      bytes = null;
      chunks.push(value);
    }
    received += value.length;
    onProgress?.(received, total);
  }
  if (bytes) return received === bytes.length ? bytes : bytes.subarray(0, received);
  if (chunks.length === 1) return chunks[0];
  const all = new Uint8Array(received);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
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
