// Client-side routes. Every view is a URL a user can share: its whole state lives in the
// path and the query string, and navigating replaces the page without a reload.
//
//   /, /search?…         search (pages/search.ts)
//   /trace/{id}[?span=]  one trace (pages/trace.ts)
//   /dependencies?…      the service map (pages/dependencies.ts)
//   /analysis?…          critical path and cohorts of an entry point (pages/analysis.ts)
//   /compare?a=&b=       two traces side by side (pages/compare.ts)
//   anything else        "not found" (pages/not_found.ts)

export interface RouteContext {
  path: string;
  params: URLSearchParams;
  // Navigates within the UI: pushes (or replaces) history and renders the new route.
  navigate: (url: string, opts?: { replace?: boolean }) => void;
  // Replaces the query string without rendering again (a page keeps its state in the URL).
  setParams: (params: URLSearchParams) => void;
  // Aborted when the user leaves the page: pass it to fetches.
  signal: AbortSignal;
}

// A page renders into `root` and may return a cleanup function, run when the user leaves.
export type Page = (root: HTMLElement, ctx: RouteContext) => void | (() => void) | Promise<void | (() => void)>;

export interface Route {
  name: string;
  page: Page;
  params: Record<string, string>;
}

export function matchRoute(
  path: string,
  pages: { search: Page; trace: Page; dependencies: Page; notFound: Page; analysis?: Page; compare?: Page },
): Route {
  if (path === "/" || path === "/search" || path === "/search/") return { name: "search", page: pages.search, params: {} };
  const t = /^\/trace\/([^/]+)\/?$/.exec(path);
  if (t) return { name: "trace", page: pages.trace, params: { traceId: decodeURIComponent(t[1]) } };
  if (path === "/dependencies" || path === "/dependencies/")
    return { name: "dependencies", page: pages.dependencies, params: {} };
  if (pages.analysis && (path === "/analysis" || path === "/analysis/")) return { name: "analysis", page: pages.analysis, params: {} };
  if (pages.compare && (path === "/compare" || path === "/compare/")) return { name: "compare", page: pages.compare, params: {} };
  return { name: "not-found", page: pages.notFound, params: {} };
}

// Marks the current page interactive: tests and the benchmark wait for
// document.documentElement.dataset.weftReady === name, and the performance timeline gets
// a mark "weft-ready:<name>".
export function markReady(name: string): void {
  document.documentElement.dataset.weftReady = name;
  performance.mark(`weft-ready:${name}`);
}

export function clearReady(): void {
  delete document.documentElement.dataset.weftReady;
}
