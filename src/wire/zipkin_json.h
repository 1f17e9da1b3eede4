#pragma once
// Zipkin v2 JSON (a list of spans), both ways. The mapping to the model is in
// docs/format/zipkin.md; it is chosen so that Zipkin -> model -> Zipkin is lossless and
// OpenTelemetry spans read back through the Zipkin API as OTel's own Zipkin exporter
// would have sent them.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "wire/decode_result.h"

namespace weft::wire {

using namespace weft::model;

// Span::flags bits that record what a Zipkin v2 span carried beyond the model's fields
// (weft-private; OTLP defines bits 0-9 only).
// "debug": true.
inline constexpr uint32_t kZipkinDebugFlag = 1u << 31;
// The span was decoded from Zipkin v2 JSON: its attributes are its tags as sent plus the
// remoteEndpoint fields the bits below name, so the encoder renders every other attribute as a
// tag unchanged (no OTel mapping of net.peer.port & co. into remoteEndpoint).
inline constexpr uint32_t kZipkinSpanFlag = 1u << 30;
// remoteEndpoint fields, each the first span attribute with its key (docs/format/zipkin.md):
// serviceName -> peer.service; ipv4 -> net.sock.peer.addr; ipv6 -> zipkin.remote.ipv6 when
// ipv4 is also set, else net.sock.peer.addr; port -> net.sock.peer.port (int).
inline constexpr uint32_t kZipkinRemoteServiceFlag = 1u << 29;
inline constexpr uint32_t kZipkinRemoteIpv4Flag = 1u << 28;
inline constexpr uint32_t kZipkinRemoteIpv6Flag = 1u << 27;
inline constexpr uint32_t kZipkinRemotePortFlag = 1u << 26;
static_assert(((kZipkinDebugFlag | kZipkinSpanFlag | kZipkinRemoteServiceFlag |
                kZipkinRemoteIpv4Flag | kZipkinRemoteIpv6Flag | kZipkinRemotePortFlag) &
               ~kWeftFlagsMask) == 0,
              "Zipkin provenance bits must lie within the bits weft keeps for itself");

// Decodes a JSON array of Zipkin v2 spans, appending to out->batch. Each span gets a resource
// built from its localEndpoint (service.name = localEndpoint.serviceName; consecutive spans
// with the same endpoint share one Resource). Per-span problems (bad or missing id) reject
// only that span: "span 2: traceId: not 16 or 32 hex digits". Invalid JSON or a member of
// the wrong type -> INVALID_ARGUMENT naming the path ("[2].timestamp: expected ...");
// *out is then left unchanged.
Status decode_zipkin_json(std::string_view json, DecodeResult* out);

// Appends one span as a Zipkin v2 JSON object.
void append_zipkin_json_span(std::string& out, const Span& span);
// A JSON array of spans.
std::string encode_zipkin_json(const std::vector<Span>& spans);

}  // namespace weft::wire
