// The service map's nodes from the dependency list: calls in and out per service, and
// which nodes are "virtual" (peers without spans of their own, e.g. a database named by
// peer.service): as the server's graph marks them (Dependency.virtual), else those not in
// the service list. Pure.
import type { Dependency } from "../types";

export interface NodeInfo {
  name: string;
  virtual: boolean;
  inCalls: number;
  inErrors: number;
  outCalls: number;
  outErrors: number;
  parents: Dependency[];
  children: Dependency[];
}

export function buildNodes(deps: Dependency[], services: Set<string> | null): Map<string, NodeInfo> {
  const nodes = new Map<string, NodeInfo>();
  const get = (name: string) => {
    let n = nodes.get(name);
    if (!n) {
      n = { name, virtual: false, inCalls: 0, inErrors: 0, outCalls: 0, outErrors: 0, parents: [], children: [] };
      nodes.set(name, n);
    }
    return n;
  };
  for (const d of deps) {
    const p = get(d.parent);
    const c = get(d.child);
    p.outCalls += d.callCount;
    p.outErrors += d.errorCount;
    p.children.push(d);
    c.inCalls += d.callCount;
    c.inErrors += d.errorCount;
    c.parents.push(d);
  }
  // A parent has spans (it made the call). A node that is only ever called is virtual when
  // the server's graph says so, or (older servers, no such field) when it has no spans of
  // its own: it is not in the service list. Without either nothing is.
  for (const n of nodes.values()) {
    if (n.children.length > 0) continue;
    const marked = n.parents.some((d) => d.virtual !== undefined);
    n.virtual = marked
      ? n.parents.some((d) => d.virtual === true)
      : services !== null && !services.has(n.name);
  }
  return nodes;
}
