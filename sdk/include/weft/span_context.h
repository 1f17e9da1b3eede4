#pragma once
// What identifies a span across process boundaries (W3C Trace Context's traceparent plus
// tracestate), and weft's debug flag.
#include <cstdint>
#include <memory>
#include <string>

#include "weft/ids.h"

namespace weft {

// W3C trace-flags bit 0.
inline constexpr uint8_t kTraceFlagSampled = 0x01;
// Not a W3C bit: set when the trace was forced by a debug header (B3 "X-B3-Flags: 1",
// Jaeger flag 0x02, weft's X-Weft-Debug). Propagators write it in the formats that have a
// debug flag and strip it from traceparent. Debug traces are always sampled.
inline constexpr uint8_t kTraceFlagDebug = 0x80;

struct SpanContext {
  TraceId trace_id;
  SpanId span_id;
  uint8_t flags = 0;
  bool remote = false;  // extracted from a carrier rather than made in this process
  // W3C tracestate, verbatim; null when empty (the common case costs no allocation).
  std::shared_ptr<const std::string> trace_state;

  bool valid() const { return trace_id.valid() && span_id.valid(); }
  bool sampled() const { return flags & kTraceFlagSampled; }
  bool debug() const { return flags & kTraceFlagDebug; }
};

}  // namespace weft
