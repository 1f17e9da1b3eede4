#pragma once
// Spans for the wire tests: one that uses every model field and every AnyValue type.
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "model/span.h"

namespace weft::wire::testing {

using namespace weft::model;

inline TraceId make_trace_id(uint8_t seed) {
  TraceId id;
  for (size_t i = 0; i < id.bytes.size(); ++i) id.bytes[i] = static_cast<uint8_t>(seed + i + 1);
  return id;
}
inline SpanId make_span_id(uint8_t seed) {
  SpanId id;
  for (size_t i = 0; i < id.bytes.size(); ++i) id.bytes[i] = static_cast<uint8_t>(seed + i + 1);
  return id;
}

// Every AnyValue type, nested arrays and kvlists, bytes with NULs, an empty value.
inline KeyValueList every_value_type() {
  KeyValueList nested_list{{"inner", AnyValue(int64_t{-7})}, {"empty", AnyValue()}};
  ArrayValue nested_array{AnyValue("a"), AnyValue(ArrayValue{AnyValue(true), AnyValue(2.5)})};
  return {
      {"str", AnyValue("hello \"wörld\"\n\x01")},
      {"empty_str", AnyValue("")},
      {"bool_t", AnyValue(true)},
      {"bool_f", AnyValue(false)},
      {"int", AnyValue(int64_t{-9007199254740993})},
      {"int0", AnyValue(int64_t{0})},
      {"double", AnyValue(3.141592653589793)},
      {"double_neg0", AnyValue(-0.0)},
      {"bytes", AnyValue(Bytes{std::string("\0\x01\xff", 3)})},
      {"empty_bytes", AnyValue(Bytes{})},
      {"array", AnyValue(nested_array)},
      {"empty_array", AnyValue(ArrayValue{})},
      {"kvlist", AnyValue(KeyValueList{{"l", AnyValue(nested_list)}, {"s", AnyValue("x")}})},
      {"empty_kvlist", AnyValue(KeyValueList{})},
      {"nothing", AnyValue()},
  };
}

inline Span full_span() {
  auto res = std::make_shared<Resource>();
  res->attributes = {{"service.name", AnyValue("checkout")}, {"host.cores", AnyValue(int64_t{8})}};
  res->dropped_attributes_count = 2;
  res->schema_url = "https://opentelemetry.io/schemas/1.21.0";
  auto scope = std::make_shared<InstrumentationScope>();
  scope->name = "io.weft.http";
  scope->version = "1.2.3";
  scope->attributes = {{"scope.attr", AnyValue(true)}};
  scope->dropped_attributes_count = 1;
  scope->schema_url = "https://opentelemetry.io/schemas/1.20.0";

  Span s;
  s.trace_id = make_trace_id(0x10);
  s.span_id = make_span_id(0x40);
  s.parent_span_id = make_span_id(0x60);
  s.trace_state = "vendor=a,other=b";
  s.flags = 0x301;
  s.name = "GET /api/orders/{id}";
  s.kind = SpanKind::kServer;
  s.start_time_unix_nano = 1700000000123456789ull;
  s.end_time_unix_nano = 1700000000223456789ull;
  s.attributes = every_value_type();
  s.dropped_attributes_count = 3;
  s.events = {{1700000000130000000ull, "exception", {{"exception.type", AnyValue("E")}}, 1},
              {1700000000140000000ull, "plain", {}, 0}};
  s.dropped_events_count = 4;
  s.links = {{make_trace_id(0x80),
              make_span_id(0x90),
              "k=v",
              {{"link.attr", AnyValue(int64_t{1})}},
              5,
              0x1}};
  s.dropped_links_count = 6;
  s.status = {SpanStatusCode::kError, "boom"};
  s.rpc_id = "0.1.2";
  s.resource = res;
  s.scope = scope;
  return s;
}

// A minimal valid span sharing nothing.
inline Span small_span(uint8_t seed) {
  Span s;
  s.trace_id = make_trace_id(seed);
  s.span_id = make_span_id(seed);
  s.name = "op" + std::to_string(seed);
  s.start_time_unix_nano = 1000 + seed;
  s.end_time_unix_nano = 2000 + seed;
  s.resource = std::make_shared<Resource>();
  s.scope = std::make_shared<InstrumentationScope>();
  return s;
}

}  // namespace weft::wire::testing
