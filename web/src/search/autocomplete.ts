// Autocomplete for the tags box: keys from /api/v1/attributes while the word under the
// caret has no "=", then values from /api/v1/attributes/{key}/values. A small listbox
// under the box; arrows move, Enter or Tab accepts, Escape closes.
import { h, mount } from "../dom";
import { quoteValue, splitWords } from "./search_state";

export interface CompletionContext {
  start: number; // the word's range in the text (end exclusive)
  end: number;
  mode: "key" | "value";
  key: string; // value mode: the word's key
  prefix: string; // what is typed of the key or the value (unquoted)
}

// The word the caret is in (or right after), and whether a key or a value is being typed.
export function completionContext(text: string, caret: number): CompletionContext {
  for (const w of splitWords(text)) {
    if (caret < w.start || caret > w.end) continue;
    const eq = w.value.indexOf("=");
    if (eq < 0) return { start: w.start, end: w.end, mode: "key", key: "", prefix: w.value };
    return { start: w.start, end: w.end, mode: "value", key: w.value.slice(0, eq), prefix: w.value.slice(eq + 1) };
  }
  return { start: caret, end: caret, mode: "key", key: "", prefix: "" };
}

function quoteKey(key: string): string {
  return /[\s"\\=]/.test(key) ? `"${key.replace(/[\\"]/g, (c) => `\\${c}`)}"` : key;
}

// The text after choosing `choice` (a key, or a value of ctx.key) and where the caret goes.
export function applyCompletion(
  text: string,
  ctx: CompletionContext,
  choice: string,
): { text: string; caret: number } {
  const word = ctx.mode === "key" ? `${quoteKey(choice)}=` : `${quoteKey(ctx.key)}=${quoteValue(choice)}`;
  const before = text.slice(0, ctx.start);
  const after = text.slice(ctx.end);
  if (ctx.mode === "key") return { text: before + word + after, caret: ctx.start + word.length };
  // A value ends the word: a separator follows, and the caret goes past it.
  const sep = /^\s/.test(after) ? "" : " ";
  return { text: before + word + sep + after, caret: ctx.start + word.length + 1 };
}

// Candidates for a prefix: those starting with it first, then those containing it.
export function rank(candidates: string[], prefix: string, max = 12): string[] {
  const p = prefix.toLowerCase();
  const starts: string[] = [];
  const contains: string[] = [];
  for (const c of candidates) {
    const l = c.toLowerCase();
    if (l === p) continue;
    if (l.startsWith(p)) starts.push(c);
    else if (p && l.includes(p)) contains.push(c);
  }
  return [...starts, ...contains].slice(0, max);
}

export interface AutocompleteSource {
  keys: () => Promise<string[]>;
  values: (key: string) => Promise<string[]>;
}

let nextId = 0;

// Wires the listbox to a textarea: both go in a positioned wrapper, the list under the box.
export function attachTagAutocomplete(box: HTMLTextAreaElement, src: AutocompleteSource): () => void {
  const id = `ac-${++nextId}`;
  const list = h("ul", { class: "ac-list", role: "listbox", id, hidden: true, "data-testid": "tags-suggestions" });
  const wrap = h("div", { class: "ac-wrap" });
  box.replaceWith(wrap);
  wrap.append(box, list);
  box.setAttribute("role", "combobox");
  box.setAttribute("aria-autocomplete", "list");
  box.setAttribute("aria-controls", id);
  box.setAttribute("aria-expanded", "false");
  let items: string[] = [];
  let active = -1;
  let ctx: CompletionContext | null = null;
  let seq = 0;
  let dead = false;

  const close = () => {
    list.hidden = true;
    items = [];
    active = -1;
    box.setAttribute("aria-expanded", "false");
    box.removeAttribute("aria-activedescendant");
  };

  const highlight = (k: number) => {
    active = k;
    list.querySelectorAll("li").forEach((li, i) => {
      li.classList.toggle("active", i === k);
      li.setAttribute("aria-selected", String(i === k));
      if (i === k) li.scrollIntoView({ block: "nearest" });
    });
    if (k >= 0) box.setAttribute("aria-activedescendant", `${id}-${k}`);
    else box.removeAttribute("aria-activedescendant");
  };

  const accept = (k: number) => {
    if (!ctx || k < 0 || k >= items.length) return;
    const r = applyCompletion(box.value, ctx, items[k]);
    box.value = r.text;
    box.setSelectionRange(r.caret, r.caret);
    const wasValue = ctx.mode === "value";
    box.dispatchEvent(new Event("input", { bubbles: true }));
    box.focus();
    if (wasValue) {
      seq++; // drop the lookup the input event started
      close();
    }
  };

  const show = (c: CompletionContext, found: string[]) => {
    ctx = c;
    items = found;
    if (!found.length || document.activeElement !== box) return close();
    mount(
      list,
      found.map((v, i) => {
        const pos = c.prefix ? v.toLowerCase().indexOf(c.prefix.toLowerCase()) : -1;
        const label =
          pos >= 0
            ? [v.slice(0, pos), h("mark", null, v.slice(pos, pos + c.prefix.length)), v.slice(pos + c.prefix.length)]
            : [v === "" ? h("span", { class: "muted" }, "(empty)") : v];
        return h(
          "li",
          {
            id: `${id}-${i}`,
            role: "option",
            "aria-selected": "false",
            onmousedown: (e: Event) => {
              e.preventDefault(); // keep the focus in the box
              accept(i);
            },
          },
          c.mode === "value" ? h("span", { class: "ac-key" }, `${c.key}=`) : null,
          label,
        );
      }),
    );
    list.hidden = false;
    box.setAttribute("aria-expanded", "true");
    highlight(-1);
  };

  const update = async () => {
    const my = ++seq;
    const c = completionContext(box.value, box.selectionStart ?? box.value.length);
    try {
      const cands = c.mode === "key" ? await src.keys() : await src.values(c.key);
      if (my !== seq || dead) return;
      show(c, rank(cands, c.prefix));
    } catch {
      if (my === seq) close();
    }
  };

  const onKey = (e: KeyboardEvent) => {
    if (list.hidden) {
      if (e.key === "ArrowDown" && (e.altKey || e.ctrlKey)) void update();
      return;
    }
    if (e.key === "ArrowDown") {
      e.preventDefault();
      highlight((active + 1) % items.length);
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      highlight(active <= 0 ? items.length - 1 : active - 1);
    } else if ((e.key === "Enter" || e.key === "Tab") && active >= 0) {
      e.preventDefault();
      accept(active);
    } else if (e.key === "Tab" && items.length === 1) {
      e.preventDefault();
      accept(0);
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      close();
    }
  };
  const onInput = () => void update();
  const onFocus = () => void update();
  const onBlur = () => close();
  const onClick = () => void update();
  box.addEventListener("keydown", onKey);
  box.addEventListener("input", onInput);
  box.addEventListener("focus", onFocus);
  box.addEventListener("blur", onBlur);
  box.addEventListener("click", onClick);
  return () => {
    dead = true;
    box.removeEventListener("keydown", onKey);
    box.removeEventListener("input", onInput);
    box.removeEventListener("focus", onFocus);
    box.removeEventListener("blur", onBlur);
    box.removeEventListener("click", onClick);
    list.remove();
    wrap.replaceWith(box);
  };
}
