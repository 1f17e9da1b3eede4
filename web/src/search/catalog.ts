// What the search form offers (services, operations, attribute keys and values), fetched
// from the API and kept for a minute, so going back and forth between searches does not
// ask again. A failed fetch is not cached.
import { api } from "../api";
import type { Operation } from "../types";

const TTL_MS = 60_000;
const cache = new Map<string, { at: number; value: Promise<unknown> }>();

function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && now - hit.at < TTL_MS) return hit.value as Promise<T>;
  const value = load();
  cache.set(key, { at: now, value });
  value.catch(() => {
    if (cache.get(key)?.value === value) cache.delete(key);
  });
  return value;
}

// Fetches are not tied to one page's AbortSignal: the answer is shared through the cache.
export const catalog = {
  services: () => cached("services", () => api.services()),
  operations: (service: string) => cached<Operation[]>(`ops:${service}`, () => api.operations(service)),
  attributeKeys: () => cached("keys", () => api.attributeKeys()),
  attributeValues: (key: string) => cached(`values:${key}`, () => api.attributeValues(key, 200)),
};

// Pseudo-tags the search understands besides attributes (docs/api.md, "Search semantics").
export const PSEUDO_TAGS: Record<string, string[]> = {
  error: ["true"],
  "span.kind": ["server", "client", "internal", "producer", "consumer", "unspecified"],
  "status.code": ["unset", "ok", "error"],
};
