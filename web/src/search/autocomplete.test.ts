import { describe, expect, it } from "vitest";
import { applyCompletion, completionContext, rank } from "./autocomplete";

describe("completionContext", () => {
  it("finds the key being typed", () => {
    expect(completionContext("http.me", 7)).toEqual({ start: 0, end: 7, mode: "key", key: "", prefix: "http.me" });
    expect(completionContext("a=1 ho", 6)).toMatchObject({ start: 4, mode: "key", prefix: "ho" });
  });
  it("finds the value being typed", () => {
    expect(completionContext("a=1 http.method=PO", 18)).toEqual({
      start: 4,
      end: 18,
      mode: "value",
      key: "http.method",
      prefix: "PO",
    });
    expect(completionContext('u="/a b', 7)).toMatchObject({ mode: "value", key: "u", prefix: "/a b" });
  });
  it("starts a new key between words", () => {
    expect(completionContext("a=1  b=2", 4)).toEqual({ start: 4, end: 4, mode: "key", key: "", prefix: "" });
    expect(completionContext("", 0)).toMatchObject({ mode: "key", prefix: "" });
  });
});

describe("applyCompletion", () => {
  it("completes a key", () => {
    const t = "a=1 ht";
    expect(applyCompletion(t, completionContext(t, 6), "http.method")).toEqual({ text: "a=1 http.method=", caret: 16 });
  });
  it("completes a value and moves past it", () => {
    const t = "http.method=P b=2";
    const r = applyCompletion(t, completionContext(t, 13), "POST");
    expect(r).toEqual({ text: "http.method=POST b=2", caret: 17 });
    const t2 = "region=e";
    expect(applyCompletion(t2, completionContext(t2, 8), "eu west")).toEqual({ text: 'region="eu west" ', caret: 17 });
  });
});

describe("rank", () => {
  it("puts prefix matches first", () => {
    expect(rank(["a.http", "http.method", "host", "xhttp"], "http")).toEqual(["http.method", "a.http", "xhttp"]);
    expect(rank(["b", "a"], "")).toEqual(["b", "a"]);
    expect(rank(["x"], "x")).toEqual([]);
  });
});
