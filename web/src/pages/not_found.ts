import { h, mount } from "../dom";
import { markReady, type RouteContext } from "../router";

// A clear page for a URL the UI does not know, or an ID the store does not have.
export function renderNotFound(root: HTMLElement, title: string, detail: string): void {
  mount(
    root,
    h(
      "section",
      { class: "not-found", "data-testid": "not-found" },
      h("h1", null, title),
      h("p", null, detail),
      h("p", null, h("a", { href: "/search" }, "Search traces"), " · ", h("a", { href: "/dependencies" }, "Service map")),
    ),
  );
}

export function notFoundPage(root: HTMLElement, ctx: RouteContext): void {
  renderNotFound(root, "Page not found", `weft's UI has no page at ${ctx.path}.`);
  markReady("not-found");
}
