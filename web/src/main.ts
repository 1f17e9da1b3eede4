// Entry point: the top bar, the router and link interception.
import "./style.css";
import { h, mount } from "./dom";
import { clearReady, matchRoute, type RouteContext } from "./router";
import { notFoundPage } from "./pages/not_found";
import { searchPage } from "./pages/search";
import { tracePage } from "./pages/trace";
import { dependenciesPage } from "./pages/dependencies";
import { analysisPage } from "./pages/analysis";
import { comparePage } from "./pages/compare";

// When the bundle has been evaluated (the UI benchmark reports it beside the page's marks).
performance.mark("weft-app:start");

const pages = {
  search: searchPage,
  trace: tracePage,
  dependencies: dependenciesPage,
  analysis: analysisPage,
  compare: comparePage,
  notFound: notFoundPage,
};

let cleanup: (() => void) | void = undefined;
let controller = new AbortController();
let generation = 0;

function topBar(): HTMLElement {
  const jump = h("input", {
    type: "search",
    placeholder: "Trace ID",
    "aria-label": "Open a trace by ID",
    "data-testid": "jump-trace-id",
    spellcheck: "false",
  });
  const form = h(
    "form",
    {
      class: "jump",
      onsubmit: (e: Event) => {
        e.preventDefault();
        const id = jump.value.trim();
        if (id) navigate(`/trace/${encodeURIComponent(id)}`);
      },
    },
    jump,
  );
  return h(
    "nav",
    { class: "topbar" },
    h("a", { href: "/search", class: "brand" }, "weft"),
    h("a", { href: "/search", "data-nav": "search" }, "Search"),
    h("a", { href: "/dependencies", "data-nav": "dependencies" }, "Service map"),
    h("a", { href: "/analysis", "data-nav": "analysis", title: "Critical path and what slow or failed traces share" }, "Analysis"),
    h("a", { href: "/compare", "data-nav": "compare", title: "Two traces side by side" }, "Compare"),
    h("a", { href: "/trace/file", "data-nav": "file", title: "Open a trace from a JSON file" }, "Open JSON"),
    form,
  );
}

async function render(): Promise<void> {
  const my = ++generation;
  controller.abort();
  controller = new AbortController();
  if (typeof cleanup === "function") cleanup();
  cleanup = undefined;
  clearReady();
  const app = document.getElementById("app")!;
  const route = matchRoute(location.pathname, pages);
  for (const a of document.querySelectorAll<HTMLElement>("[data-nav]"))
    a.classList.toggle("active", a.dataset.nav === route.name || (a.dataset.nav === "file" && route.params.traceId === "file"));
  const params = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(route.params)) params.set(`:${k}`, v);
  const ctx: RouteContext = {
    path: location.pathname,
    params,
    navigate,
    setParams: (p) => {
      const q = p.toString();
      history.replaceState(null, "", location.pathname + (q ? `?${q}` : ""));
    },
    signal: controller.signal,
  };
  app.replaceChildren();
  try {
    const c = await route.page(app, ctx);
    if (my === generation) cleanup = c;
    else if (typeof c === "function") c();
  } catch (e) {
    if ((e as Error).name === "AbortError") return;
    console.error(e);
    mount(app, h("section", { class: "error", "data-testid": "page-error" }, h("h1", null, "Something went wrong"), h("p", null, String(e))));
  }
}

export function navigate(url: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  window.scrollTo(0, 0);
  void render();
}

// Same-origin links navigate inside the UI (a plain left click only: ctrl/middle click
// still opens a new tab).
document.addEventListener("click", (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element).closest?.("a");
  if (!a || a.target || a.hasAttribute("download")) return;
  const href = a.getAttribute("href");
  if (!href || !href.startsWith("/") || href.startsWith("//") || href.startsWith("/api/")) return;
  e.preventDefault();
  navigate(href);
});
window.addEventListener("popstate", () => void render());

mount(document.getElementById("topbar")!, topBar());
void render();
