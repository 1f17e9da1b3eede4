#include "sampling/predicate.h"

#include <cassert>

#include "sampling/trace_summary.h"

namespace weft::pipeline::sampling {

using namespace weft::model;

SpanPredicate SpanPredicate::numeric(std::string key, int64_t min, int64_t max) {
  SpanPredicate p;
  p.kind_ = Kind::kNumeric;
  p.key_ = std::move(key);
  p.min_ = min;
  p.max_ = max;
  return p;
}

SpanPredicate SpanPredicate::string(std::string key, std::vector<std::string> values,
                                    bool regex) {
  SpanPredicate p;
  p.kind_ = Kind::kString;
  p.key_ = std::move(key);
  for (std::string& v : values) {
    if (regex)
      p.regexes_.emplace_back(v, std::regex::ECMAScript | std::regex::optimize);
    else
      p.exact_.insert(std::move(v));
  }
  return p;
}

SpanPredicate SpanPredicate::boolean(std::string key, bool value) {
  SpanPredicate p;
  p.kind_ = Kind::kBoolean;
  p.key_ = std::move(key);
  p.bool_value_ = value;
  return p;
}

SpanPredicate SpanPredicate::trace_state(std::string key, std::vector<std::string> values) {
  SpanPredicate p;
  p.kind_ = Kind::kTraceState;
  p.key_ = std::move(key);
  for (std::string& v : values) p.exact_.insert(std::move(v));
  return p;
}

bool SpanPredicate::matches_value(const AnyValue& v) const {
  switch (kind_) {
    case Kind::kNumeric:
      if (const int64_t* i = v.as_int()) return *i >= min_ && *i <= max_;
      if (const double* d = v.as_double())
        return *d >= static_cast<double>(min_) && *d <= static_cast<double>(max_);
      return false;
    case Kind::kString: {
      const std::string* s = v.as_string();
      if (!s) return false;
      if (regexes_.empty()) return exact_.count(*s) > 0;
      for (const std::regex& r : regexes_)
        if (std::regex_search(*s, r)) return true;
      return false;
    }
    case Kind::kBoolean: {
      const bool* b = v.as_bool();
      return b && *b == bool_value_;
    }
    case Kind::kTraceState:
      return false;
  }
  return false;
}

bool trace_state_value(std::string_view ts, std::string_view key, std::string_view* value) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  while (!ts.empty()) {
    size_t comma = ts.find(',');
    std::string_view member = trim(ts.substr(0, comma));
    ts = comma == std::string_view::npos ? std::string_view() : ts.substr(comma + 1);
    size_t eq = member.find('=');
    if (eq == std::string_view::npos) continue;
    if (member.substr(0, eq) == key) {
      *value = member.substr(eq + 1);
      return true;
    }
  }
  return false;
}

bool SpanPredicate::matches_span(const Span& span) const {
  if (kind_ == Kind::kTraceState) {
    if (span.trace_state.empty()) return false;
    std::string_view v;
    return trace_state_value(span.trace_state, key_, &v) && exact_.count(std::string(v)) > 0;
  }
  const AnyValue* v = find_attribute(span.attributes, key_);
  return v && matches_value(*v);
}

bool SpanPredicate::matches_resource(const Resource& resource) const {
  if (kind_ == Kind::kTraceState) return false;
  const AnyValue* v = find_attribute(resource.attributes, key_);
  return v && matches_value(*v);
}

size_t PredicateSet::add(SpanPredicate p) {
  assert(predicates_.size() < kMaxPredicates);
  const size_t bit = predicates_.size();
  if (p.kind() != SpanPredicate::Kind::kTraceState) resource_capable_ |= uint64_t{1} << bit;
  predicates_.push_back(std::move(p));
  return bit;
}

uint64_t PredicateSet::span_bits(const Span& span, uint64_t known) const {
  uint64_t bits = 0;
  for (size_t i = 0; i < predicates_.size(); ++i) {
    const uint64_t bit = uint64_t{1} << i;
    if ((known & bit) == 0 && predicates_[i].matches_span(span)) bits |= bit;
  }
  return bits;
}

uint64_t PredicateSet::resource_bits(const Resource& resource) const {
  uint64_t bits = 0;
  for (size_t i = 0; i < predicates_.size(); ++i) {
    const uint64_t bit = uint64_t{1} << i;
    if ((resource_capable_ & bit) && predicates_[i].matches_resource(resource)) bits |= bit;
  }
  return bits;
}

}  // namespace weft::pipeline::sampling
