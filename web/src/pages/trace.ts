import { h, mount } from "../dom";
import { markReady, type RouteContext } from "../router";

export function tracePage(root: HTMLElement, _ctx: RouteContext): void {
  mount(root, h("p", null, "TODO trace"));
  markReady("trace");
}
