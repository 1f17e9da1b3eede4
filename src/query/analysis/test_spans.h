#pragma once
// Hand-built spans for the analysis tests: span n (ID n) of one service, child of another
// span by number, over whole milliseconds.
#include <cstdint>
#include <memory>
#include <string>

#include "model/span.h"

namespace weft::query::analysis::testing {

// Trace ID k (big-endian in the low 8 bytes).
inline model::TraceId test_trace_id(uint64_t k) {
  model::TraceId id;
  for (int i = 0; i < 8; ++i) id.bytes[15 - i] = static_cast<uint8_t>(k >> (8 * i));
  return id;
}

// Span n (ID n) of trace `trace`, service `svc`, named `name` ("op<n>" if empty), child of
// span `parent` (0: a root), over [start, end] ms.
inline model::Span test_span(uint64_t trace, uint64_t n, uint64_t parent, uint64_t start_ms,
                             uint64_t end_ms, const std::string& svc,
                             const std::string& name = "") {
  model::Span s;
  s.trace_id = test_trace_id(trace);
  for (int i = 0; i < 8; ++i) s.span_id.bytes[7 - i] = static_cast<uint8_t>(n >> (8 * i));
  for (int i = 0; i < 8; ++i)
    s.parent_span_id.bytes[7 - i] = static_cast<uint8_t>(parent >> (8 * i));
  s.name = name.empty() ? "op" + std::to_string(n) : name;
  s.start_time_unix_nano = start_ms * 1'000'000;
  s.end_time_unix_nano = end_ms * 1'000'000;
  auto r = std::make_shared<model::Resource>();
  r->attributes.push_back({"service.name", model::AnyValue(svc)});
  s.resource = r;
  return s;
}

}  // namespace weft::query::analysis::testing
