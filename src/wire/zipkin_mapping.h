#pragma once
// Attribute keys of the Zipkin <-> model mapping (docs/format/zipkin.md), shared by the
// Zipkin decoder and encoder. Internal to src/wire.
namespace weft::wire::zipkin {

// localEndpoint -> resource attributes.
inline constexpr char kServiceName[] = "service.name";
inline constexpr char kLocalIp[] = "net.host.ip";          // ipv4, or ipv6 when alone
inline constexpr char kLocalIpv6[] = "zipkin.local.ipv6";  // ipv6 when ipv4 is also set
inline constexpr char kLocalPort[] = "net.host.port";      // int

// remoteEndpoint -> span attributes.
inline constexpr char kPeerService[] = "peer.service";
inline constexpr char kPeerIp[] = "net.sock.peer.addr";    // ipv4, or ipv6 when alone
inline constexpr char kPeerIpv6[] = "zipkin.remote.ipv6";  // ipv6 when ipv4 is also set
inline constexpr char kPeerPort[] = "net.sock.peer.port";  // int

inline constexpr char kShared[] = "zipkin.shared";  // bool true <-> "shared": true

// Tags with a meaning in the model. They are kept as attributes as well, so that the span
// renders back exactly as it came.
inline constexpr char kStatusCode[] = "otel.status_code";
inline constexpr char kStatusDescription[] = "otel.status_description";
inline constexpr char kError[] = "error";

// A non-empty tag <-> Span::trace_state (not kept as an attribute).
inline constexpr char kTraceState[] = "w3c.tracestate";

// Written for OTel spans only (OTel's Zipkin exporter mapping).
inline constexpr char kScopeName[] = "otel.scope.name";
inline constexpr char kScopeVersion[] = "otel.scope.version";
inline constexpr char kDroppedAttributes[] = "otel.dropped_attributes_count";
inline constexpr char kDroppedEvents[] = "otel.dropped_events_count";
inline constexpr char kDroppedLinks[] = "otel.dropped_links_count";

}  // namespace weft::wire::zipkin
