import { describe, expect, it } from "vitest";
import { SpanIndex } from "./model";
import { readBytes } from "../api";
import { formatCount } from "../format";

describe("SpanIndex", () => {
  it("maps 16-hex-digit IDs and any other string, keeps distinct what a Map keeps distinct", () => {
    const ix = new SpanIndex(4);
    const ids = ["b7ad6b7169203331", "0000000000000000", "ffffffffffffffff", "B7AD6B7169203331", "short", "", "b7ad6b716920333g", "b7ad6b71692033310"];
    ids.forEach((id, i) => expect(ix.set(id, i)).toBe(-1));
    ids.forEach((id, i) => expect(ix.get(id)).toBe(i));
    expect(ix.get("b7ad6b7169203332")).toBeUndefined();
    expect(ix.get("nope")).toBeUndefined();
    expect(ix.set("b7ad6b7169203331", 9)).toBe(0); // the value it had
    expect(ix.set("short", 8)).toBe(4);
    ix.remap(Int32Array.from({ length: 10 }, (_, v) => 100 + v));
    expect(ix.get("b7ad6b7169203331")).toBe(109);
    expect(ix.get("short")).toBe(108);
    expect(ix.get("ffffffffffffffff")).toBe(102);
  });

  it("holds many more IDs than it was sized for", () => {
    const ix = new SpanIndex(10);
    const hex = (i: number) => (i * 2654435761).toString(16).padStart(16, "0").slice(-16);
    for (let i = 0; i < 5000; i++) ix.set(hex(i), i);
    for (let i = 0; i < 5000; i++) expect(ix.get(hex(i))).toBe(i);
  });
});

describe("readBytes", () => {
  const stream = (parts: string[]) =>
    new ReadableStream<Uint8Array>({
      start(c) {
        for (const p of parts) c.enqueue(new TextEncoder().encode(p));
        c.close();
      },
    });
  it("joins the chunks, with or without a length, and reports progress", async () => {
    const seen: [number, number][] = [];
    const r1 = new Response(stream(["{\"a\":", "1}"]), { headers: { "Content-Length": "7" } });
    expect(new TextDecoder().decode(await readBytes(r1, (a, b) => seen.push([a, b])))).toBe('{"a":1}');
    expect(seen).toEqual([[5, 7], [7, 7]]);
    const r2 = new Response(stream(["ab", "cd", "e"]));
    expect(new TextDecoder().decode(await readBytes(r2))).toBe("abcde");
    // A length that is wrong either way still gives what came.
    const r3 = new Response(stream(["abc", "def"]), { headers: { "Content-Length": "4" } });
    expect(new TextDecoder().decode(await readBytes(r3))).toBe("abcdef");
    const r4 = new Response(stream(["ab"]), { headers: { "Content-Length": "9" } });
    expect(new TextDecoder().decode(await readBytes(r4))).toBe("ab");
  });
});

describe("formatCount", () => {
  it("groups thousands", () => {
    expect([0, 7, 999, 1000, 12345, 1234567, -4321, 1.5].map(formatCount)).toEqual(["0", "7", "999", "1,000", "12,345", "1,234,567", "-4,321", "1.5"]);
  });
});
