#pragma once
// Span predicates: the attribute and trace_state tests of the configured policies, evaluated
// once per span at observe time so a pending trace keeps one bit per predicate instead of
// its spans. A predicate holds when any span of the trace — or that span's resource, for
// attribute tests — matches (OTel's hasResourceOrSpanWithCondition); an inverted policy
// reads the same bit and negates it at decision time.
#include <cstdint>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "model/span.h"

namespace weft::pipeline::sampling {

class SpanPredicate {
 public:
  enum class Kind : uint8_t { kNumeric, kString, kBoolean, kTraceState };

  // numeric: min <= value <= max, for int and double attribute values.
  static SpanPredicate numeric(std::string key, int64_t min, int64_t max);
  // string: the string value equals one of `values`, or with `regex` matches one of them
  // as a regular expression (ECMAScript, unanchored search, as Go's MatchString).
  // Precondition: every value compiles as a regex when `regex` (the config checks).
  static SpanPredicate string(std::string key, std::vector<std::string> values, bool regex);
  static SpanPredicate boolean(std::string key, bool value);
  // trace_state: the W3C tracestate of the span has `key` with one of `values`.
  static SpanPredicate trace_state(std::string key, std::vector<std::string> values);

  Kind kind() const { return kind_; }
  // Whether the span's own attributes (or its trace_state) match.
  bool matches_span(const model::Span& span) const;
  // Whether the resource's attributes match (never for trace_state).
  bool matches_resource(const model::Resource& resource) const;

 private:
  bool matches_value(const model::AnyValue& v) const;

  Kind kind_ = Kind::kNumeric;
  std::string key_;
  int64_t min_ = 0, max_ = 0;
  bool bool_value_ = false;
  std::unordered_set<std::string> exact_;
  std::vector<std::regex> regexes_;
};

// Looks `key` up in a W3C tracestate header value ("k1=v1,k2=v2"); false if absent.
bool trace_state_value(std::string_view trace_state, std::string_view key, std::string_view* value);

// The predicates of all configured policies; bit i of a summary is predicates()[i].
class PredicateSet {
 public:
  // Returns the bit index of the added predicate. Precondition: size() < kMaxPredicates.
  size_t add(SpanPredicate p);
  size_t size() const { return predicates_.size(); }
  bool empty() const { return predicates_.empty(); }

  // The bits of the span's own attributes/trace_state, skipping bits already in `known`.
  uint64_t span_bits(const model::Span& span, uint64_t known) const;
  // The bits of a resource's attributes.
  uint64_t resource_bits(const model::Resource& resource) const;

 private:
  std::vector<SpanPredicate> predicates_;
  uint64_t resource_capable_ = 0;  // bits of predicates that can match a resource
};

}  // namespace weft::pipeline::sampling
