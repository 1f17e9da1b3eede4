// The native API's JSON (docs/api.md, "Native API"). 64-bit times are decimal strings of
// nanoseconds.

export interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number | string;
  boolValue?: boolean;
  bytesValue?: string;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
}

export interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface NativeEvent {
  timeUnixNano: string;
  name: string;
  attributes: KeyValue[];
  droppedAttributesCount?: number;
}

export interface NativeLink {
  traceId: string;
  spanId: string;
  traceState?: string;
  attributes: KeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
}

export type SpanKindName = "server" | "client" | "internal" | "producer" | "consumer" | "unspecified";
export type StatusCodeName = "unset" | "ok" | "error";

export interface NativeSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState?: string;
  flags?: number;
  name: string;
  kind: SpanKindName;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  durationNanos: string;
  attributes: KeyValue[];
  droppedAttributesCount?: number;
  events: NativeEvent[];
  droppedEventsCount?: number;
  links: NativeLink[];
  droppedLinksCount?: number;
  status: { code: StatusCodeName; message: string };
  rpcId?: string;
  service: string;
  resourceIndex: number;
  scopeIndex: number;
}

export interface NativeResource {
  attributes: KeyValue[];
  droppedAttributesCount?: number;
  schemaUrl?: string;
}

export interface NativeScope {
  name: string;
  version: string;
  attributes: KeyValue[];
}

export interface NativeTrace {
  traceId: string;
  spanCount: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  resources: NativeResource[];
  scopes: NativeScope[];
  spans: NativeSpan[];
  returnedSpanCount?: number;
  offset?: number;
  nextOffset?: number;
}

export interface TraceSummary {
  traceId: string;
  startTimeUnixNano: string;
  durationNanos: string;
  rootService: string;
  rootName: string;
  spanCount: number;
  errorCount: number;
  services: { name: string; spanCount: number }[];
}

export interface Dependency {
  parent: string;
  child: string;
  callCount: number;
  errorCount: number;
  // From weft's service graph (/api/v1/dependencies): the child sent no spans and is named
  // from the caller's attributes, and what kind of peer it is.
  virtual?: boolean;
  childKind?: "service" | "database" | "messaging" | "external";
}

export interface Operation {
  name: string;
  spanKind: SpanKindName;
}
