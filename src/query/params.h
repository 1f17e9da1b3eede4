#pragma once
// Parsing of the query parameters the HTTP APIs share: durations, times, trace IDs, span
// kinds and tag conditions in the forms Jaeger, Zipkin and the native API accept.
//
// Every parser takes the parameter's name and returns INVALID_ARGUMENT with a message that
// names it, e.g. `minDuration: cannot parse "abc" as a duration`, so handlers can answer
// 400 with the message as is.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/ids.h"
#include "common/status.h"
#include "model/query.h"
#include "model/span.h"

namespace weft::query {

using namespace weft::model;

// A Go-style duration ("1.5ms", "100us", "100µs", "2s", "1m", "1h2m30s", "0") in
// nanoseconds. Also accepts "d" (24h) and "w" (7d), which Go does not, so that lookbacks
// like "2d" parse. A plain number other than 0 has no unit and is an error (as in Go).
Result<uint64_t> parse_duration(std::string_view param, std::string_view text);

// A non-negative decimal integer.
Result<uint64_t> parse_uint(std::string_view param, std::string_view text);

// A non-negative decimal integer counting `unit_nanos` (Jaeger start/end in µs, Zipkin
// endTs/lookback in ms, Zipkin minDuration in µs), converted to nanoseconds.
Result<uint64_t> parse_scaled_int(std::string_view param, std::string_view text,
                                  uint64_t unit_nanos);

// An RFC 3339 timestamp ("2024-05-01T12:00:00.123456789Z", "...+02:00") in Unix ns.
Result<uint64_t> parse_rfc3339(std::string_view param, std::string_view text);

// Unix nanoseconds as an integer, or an RFC 3339 timestamp (the native API's times).
Result<uint64_t> parse_time_nanos(std::string_view param, std::string_view text);

// A trace ID of 1..32 hex digits (shorter IDs are left-padded with zeros, as Jaeger and
// Zipkin allow for 64-bit IDs). The all-zero ID is rejected.
Result<TraceId> parse_trace_id(std::string_view param, std::string_view text);

// "server", "client", "internal", "producer", "consumer", "unspecified" in any case, or
// OTLP's "SPAN_KIND_SERVER".
Result<SpanKind> parse_span_kind_param(std::string_view param, std::string_view text);

// Jaeger's tag filters: repeated `tag=key:value` (value may hold ':') and `tags={"k":"v"}`
// JSON objects (string values; numbers and bools are taken as their JSON text).
Result<std::vector<TagCondition>> parse_jaeger_tags(const std::vector<std::string>& tag,
                                                    const std::vector<std::string>& tags_json);

// A JSON object of string values, e.g. {"http.method":"GET"}, as tag conditions.
Result<std::vector<TagCondition>> parse_tag_json(std::string_view param, std::string_view text);

// The native API's `tag=key=value` (split at the first '=').
Result<TagCondition> parse_key_equals_value(std::string_view param, std::string_view text);

// Zipkin's annotationQuery: terms joined by " and "; "key=value" is a tag condition, a bare
// term ("error", "ws") asks that some span carry that tag key or an event of that name.
struct AnnotationQuery {
  std::vector<TagCondition> tags;
  std::vector<std::string> keys;
};
Result<AnnotationQuery> parse_annotation_query(std::string_view param, std::string_view text);

}  // namespace weft::query
