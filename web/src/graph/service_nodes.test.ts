import { describe, expect, it } from "vitest";
import { buildNodes } from "./service_nodes";

const deps = [
  { parent: "frontend", child: "checkout", callCount: 10, errorCount: 1 },
  { parent: "checkout", child: "postgresql", callCount: 7, errorCount: 0 },
  { parent: "frontend", child: "postgresql", callCount: 3, errorCount: 2 },
  { parent: "checkout", child: "mailer", callCount: 2, errorCount: 0 },
];

describe("buildNodes", () => {
  it("sums calls in and out", () => {
    const n = buildNodes(deps, new Set(["frontend", "checkout", "mailer"]));
    expect(n.get("frontend")).toMatchObject({ inCalls: 0, outCalls: 13, outErrors: 3, virtual: false });
    expect(n.get("checkout")).toMatchObject({ inCalls: 10, inErrors: 1, outCalls: 9, virtual: false });
    expect(n.get("postgresql")).toMatchObject({ inCalls: 10, inErrors: 2, outCalls: 0 });
    expect(n.get("postgresql")!.parents.map((d) => d.parent)).toEqual(["checkout", "frontend"]);
  });
  it("marks called-only nodes without spans as virtual", () => {
    const n = buildNodes(deps, new Set(["frontend", "checkout", "mailer"]));
    expect(n.get("postgresql")!.virtual).toBe(true);
    expect(n.get("mailer")!.virtual).toBe(false); // a leaf service with spans
  });
  it("follows the server's own virtual marks when the dependencies carry them", () => {
    const marked = [
      { parent: "checkout", child: "postgresql@pg-main", callCount: 5, errorCount: 0, virtual: true, childKind: "database" as const },
      { parent: "checkout", child: "mailer", callCount: 2, errorCount: 0, virtual: false, childKind: "service" as const },
    ];
    // Without a service list (or with one that misses "mailer"), the marks decide.
    const n = buildNodes(marked, null);
    expect(n.get("postgresql@pg-main")!.virtual).toBe(true);
    expect(n.get("mailer")!.virtual).toBe(false);
    expect(buildNodes(marked, new Set(["checkout"])).get("mailer")!.virtual).toBe(false);
  });
  it("never marks a caller virtual, nor anything without the service list", () => {
    expect(buildNodes(deps, new Set())!.get("checkout")!.virtual).toBe(false);
    expect([...buildNodes(deps, null).values()].some((x) => x.virtual)).toBe(false);
  });
});
