import { h, mount } from "../dom";
import { markReady, type RouteContext } from "../router";

export function searchPage(root: HTMLElement, _ctx: RouteContext): void {
  mount(root, h("p", null, "TODO search"));
  markReady("search");
}
