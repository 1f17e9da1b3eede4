// The only way the UI creates DOM. Every string child becomes a Text node and every
// attribute is set with setAttribute, so text from spans (names, attributes, events —
// all untrusted) can never become markup. Nothing in src/ may use innerHTML,
// outerHTML, insertAdjacentHTML or document.write; `npm test` checks that.

export type Child = Node | string | number | null | undefined | false | Child[];
export type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

const SVG_NS = "http://www.w3.org/2000/svg";

function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child) append(parent, c);
  } else if (child instanceof Node) {
    parent.appendChild(child);
  } else {
    parent.appendChild(document.createTextNode(String(child)));
  }
}

function setAttrs(el: Element, attrs: Attrs | undefined): void {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === "function") {
      el.addEventListener(k.startsWith("on") ? k.slice(2) : k, v);
    } else if (k === "href" || k === "src" || k === "xlink:href") {
      el.setAttribute(k, safeUrl(String(v)));
    } else {
      el.setAttribute(k, v === true ? "" : String(v));
    }
  }
}

// Builds an HTML element: h("a", {href: "/trace/1", class: "x"}, "text", child).
// Event handlers are attributes named on<event>: h("button", {onclick: f}, "Go").
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs ?? undefined);
  append(el, children);
  return el;
}

// Builds an SVG element (svg, g, circle, line, path, rect, text, title, …).
export function s(tag: string, attrs?: Attrs | null, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag) as SVGElement;
  setAttrs(el, attrs ?? undefined);
  append(el, children);
  return el;
}

// Replaces all children of `el`.
export function mount(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

// Only same-origin paths and http(s) URLs may be links; anything else (javascript:,
// data:, vbscript:, …) becomes "#". Span data never reaches an href unchecked.
export function safeUrl(url: string): string {
  const t = url.trim();
  if (t.startsWith("/") && !t.startsWith("//")) return t;
  if (t.startsWith("#") || t.startsWith("?")) return t;
  if (/^https?:\/\//i.test(t)) return t;
  if (t.startsWith("blob:")) return t;
  return "#";
}
