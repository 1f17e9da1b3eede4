#pragma once
// HeadIndex: the head's search indexes.
//
//  * traces by start time, newest first (ties by trace ID), overall and per service: the
//    order search returns, so a newest-first search stops after `limit` matches;
//  * (service, span name, kind) operations;
//  * attribute keys (span and resource) with their first kMaxValuesPerKey distinct values
//    (autocomplete), and event attribute keys: enough to prove that a tag condition cannot
//    match without scanning.
//
// Service names, operations, keys and values are "seen since open" and are not forgotten
// when traces are evicted: they stay a superset of what the head holds.
//
// Thread-safety: none of its own; guarded by the Head's lock.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "model/query.h"
#include "model/span.h"
#include "store/head/time_index.h"
#include "store/string_hash.h"

namespace weft::store {

using namespace weft::model;

using TimeOrderedTraces = TimeIndex;

class HeadIndex {
 public:
  static constexpr size_t kMaxValuesPerKey = 1000;

  // Trace membership. A trace's key changes when an earlier span arrives: remove with the
  // old start, add with the new one.
  void add_trace(const TimeKey& key, std::string_view service);
  void remove_trace(const TimeKey& key, std::string_view service);
  void add_global(const TimeKey& key) { by_time_.insert(key); }
  // REQUIRES: the key is held.
  void remove_global(const TimeKey& key) { by_time_.erase(key); }

  // Operations and attributes of one span (its resource indexed separately, once).
  void add_span_terms(const Span& span);
  void add_resource_terms(const Resource& resource);

  const TimeOrderedTraces& all_traces() const { return by_time_; }
  // nullptr if the service was never seen.
  const TimeOrderedTraces* traces_of(std::string_view service) const;
  bool has_operation(std::string_view service, std::string_view name,
                     const std::optional<SpanKind>& kind) const;
  // False only if no span, resource or event attribute can have `key` = `value`.
  bool may_have_tag(std::string_view key, std::string_view value) const;

  std::vector<std::string> services() const;
  std::vector<OperationInfo> operations(std::string_view service) const;
  std::vector<std::string> attribute_keys() const;
  std::vector<std::string> attribute_values(std::string_view key, size_t limit) const;

 private:
  // Operations ordered as OperationInfo's operator<=>, searchable by a view (no copy of the
  // name per span).
  struct OpView {
    std::string_view name;
    SpanKind kind;
  };
  struct OpLess {
    using is_transparent = void;
    static std::pair<std::string_view, SpanKind> key(const OperationInfo& o) {
      return {o.name, o.kind};
    }
    static std::pair<std::string_view, SpanKind> key(const OpView& o) { return {o.name, o.kind}; }
    bool operator()(const auto& a, const auto& b) const { return key(a) < key(b); }
  };
  using OperationSet = std::set<OperationInfo, OpLess>;
  struct Values {
    std::set<std::string, std::less<>> values;
    // The same values, hashed: the per-span "seen already?" test (views into `values`).
    std::unordered_set<std::string_view, StringHash> seen;
    bool overflowed = false;  // some distinct values were not kept
  };
  void add_attribute(const KeyValue& kv);
  void add_value(Values& vals, std::string_view v);

  TimeOrderedTraces by_time_;
  std::map<std::string, TimeOrderedTraces, std::less<>> by_service_;
  std::map<std::string, OperationSet, std::less<>> operations_;
  std::map<std::string, Values, std::less<>> attributes_;
  // attributes_ by hash, for add_attribute (views into attributes_' keys).
  std::unordered_map<std::string_view, Values*, StringHash> attribute_lookup_;
  std::set<std::string, std::less<>> event_keys_;
};

}  // namespace weft::store
