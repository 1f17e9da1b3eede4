import { h, mount } from "../dom";
import { markReady, type RouteContext } from "../router";

export function dependenciesPage(root: HTMLElement, _ctx: RouteContext): void {
  mount(root, h("p", null, "TODO dependencies"));
  markReady("dependencies");
}
