// Picking two search results to compare: a checkbox on each result card and, in the
// results' head, a link to /compare?a=&b= that is live once exactly two are ticked (the
// older trace as A). Ticking a third unticks the first.
import { h } from "../dom";
import { compareUrl } from "../analysis/analysis_state";
import type { TraceSummary } from "../types";
import "./compare_pick.css";

export function comparePicker(traces: TraceSummary[], rows: Map<string, HTMLElement>): HTMLElement {
  const picked: string[] = [];
  const start = new Map(traces.map((t) => [t.traceId, BigInt(t.startTimeUnixNano)]));
  const link = h("a", { class: "cmp-pick-link disabled", "data-testid": "compare-selected", "aria-disabled": "true" }, "Compare 2 selected");
  const boxes = new Map<string, HTMLInputElement>();
  const update = () => {
    for (const [id, box] of boxes) box.checked = picked.includes(id);
    if (picked.length === 2) {
      const [a, b] = [...picked].sort((x, y) => (start.get(x)! < start.get(y)! ? -1 : start.get(x)! > start.get(y)! ? 1 : 0));
      link.setAttribute("href", compareUrl(a, b));
      link.classList.remove("disabled");
      link.removeAttribute("aria-disabled");
      link.textContent = "Compare the 2 selected";
    } else {
      link.removeAttribute("href");
      link.classList.add("disabled");
      link.setAttribute("aria-disabled", "true");
      link.textContent = picked.length === 1 ? "Select one more to compare" : "Select 2 to compare";
    }
  };
  for (const [id, row] of rows) {
    const box = h("input", { type: "checkbox", "aria-label": `Select trace ${id} to compare`, "data-testid": "compare-pick" });
    box.addEventListener("change", () => {
      const k = picked.indexOf(id);
      if (box.checked && k < 0) {
        picked.push(id);
        if (picked.length > 2) picked.shift();
      } else if (!box.checked && k >= 0) picked.splice(k, 1);
      update();
    });
    boxes.set(id, box);
    const head = row.querySelector(".result-head");
    (head ?? row).prepend(h("label", { class: "cmp-pick", title: "Select to compare with another trace" }, box));
  }
  update();
  return link;
}
