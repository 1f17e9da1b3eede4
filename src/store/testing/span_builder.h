#pragma once
// Test helpers: terse construction of spans and batches. Header-only, tests only.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/span.h"

namespace weft::store::testing {

using namespace weft::model;

inline TraceId trace_id(uint64_t n) {
  TraceId id;
  for (int i = 0; i < 8; ++i) id.bytes[15 - i] = static_cast<uint8_t>(n >> (8 * i));
  id.bytes[0] = 0x01;  // never zero
  return id;
}
inline SpanId span_id(uint64_t n) {
  SpanId id;
  for (int i = 0; i < 8; ++i) id.bytes[7 - i] = static_cast<uint8_t>(n >> (8 * i));
  return id;
}

inline std::shared_ptr<const Resource> resource(const std::string& service,
                                                KeyValueList extra = {}) {
  auto r = std::make_shared<Resource>();
  r->attributes.push_back({"service.name", service});
  for (auto& kv : extra) r->attributes.push_back(std::move(kv));
  return r;
}

inline std::shared_ptr<const InstrumentationScope> scope() {
  static auto s = [] {
    auto sc = std::make_shared<InstrumentationScope>();
    sc->name = "test";
    sc->version = "1.0";
    return sc;
  }();
  return s;
}

constexpr uint64_t kT0 = 1'700'000'000'000'000'000ULL;
constexpr uint64_t kMs = 1'000'000;

// A span of trace `trace`, id `id`, child of `parent` (0: root), in `service`, starting at
// kT0 + start_ms, lasting dur_ms.
inline Span make_span(uint64_t trace, uint64_t id, uint64_t parent, const std::string& service,
                      const std::string& name, uint64_t start_ms, uint64_t dur_ms,
                      SpanKind kind = SpanKind::kServer, KeyValueList attrs = {}) {
  Span s;
  s.trace_id = trace_id(trace);
  s.span_id = span_id(id);
  if (parent) s.parent_span_id = span_id(parent);
  s.name = name;
  s.kind = kind;
  s.start_time_unix_nano = kT0 + start_ms * kMs;
  s.end_time_unix_nano = s.start_time_unix_nano + dur_ms * kMs;
  s.attributes = std::move(attrs);
  s.resource = resource(service);
  s.scope = scope();
  return s;
}

inline SpanBatch batch_of(std::vector<Span> spans) { return SpanBatch{std::move(spans)}; }

}  // namespace weft::store::testing
