// Span data is untrusted: the UI builds DOM only through dom.ts (text nodes and
// setAttribute). This test fails if any source file uses an HTML-parsing sink.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.ts$/.test(f) && !/\.test\.ts$/.test(f) ? [p] : [];
  });
}

describe("no HTML sinks", () => {
  const files = sources(join(__dirname));
  it("finds the sources", () => expect(files.length).toBeGreaterThan(3));
  for (const f of files) {
    it(f, () => {
      const text = readFileSync(f, "utf8").replace(/\/\/.*$/gm, "");
      expect(text).not.toMatch(/\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|new Function\(|\beval\(/);
    });
  }
});
