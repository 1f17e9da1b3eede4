#include "store/head/head_index.h"

#include <algorithm>

namespace weft::store {

using namespace weft::model;

void HeadIndex::add_trace(const TimeKey& key, std::string_view service) {
  auto it = by_service_.find(service);
  if (it == by_service_.end()) it = by_service_.emplace(std::string(service), TimeIndex{}).first;
  it->second.insert(key);
}

void HeadIndex::remove_trace(const TimeKey& key, std::string_view service) {
  auto it = by_service_.find(service);
  if (it != by_service_.end()) it->second.erase(key);
}

void HeadIndex::add_span_terms(const Span& span) {
  std::string_view svc = span.service_name();
  auto it = operations_.find(svc);
  if (it == operations_.end()) it = operations_.emplace(std::string(svc), OperationSet{}).first;
  OperationSet& ops = it->second;
  if (!ops.contains(OpView{span.name, span.kind})) ops.insert(OperationInfo{span.name, span.kind});
  for (const KeyValue& kv : span.attributes) add_attribute(kv);
  for (const SpanEvent& e : span.events)
    for (const KeyValue& kv : e.attributes)
      if (!event_keys_.contains(kv.key)) event_keys_.insert(kv.key);
}

void HeadIndex::add_resource_terms(const Resource& resource) {
  for (const KeyValue& kv : resource.attributes) add_attribute(kv);
}

void HeadIndex::add_attribute(const KeyValue& kv) {
  auto found = attribute_lookup_.find(kv.key);
  Values* vals;
  if (found != attribute_lookup_.end()) {
    vals = found->second;
  } else {
    auto it = attributes_.emplace(kv.key, Values{}).first;
    vals = &it->second;
    attribute_lookup_.emplace(it->first, vals);
  }
  // Once a key has overflowed, nothing more is kept for it: skip the lookup too
  // (high-cardinality keys like URLs and user IDs would otherwise cost one per span).
  if (vals->overflowed) return;
  if (const std::string* s = kv.value.as_string()) return add_value(*vals, *s);
  add_value(*vals, kv.value.to_string());
}

void HeadIndex::add_value(Values& vals, std::string_view v) {
  if (vals.seen.contains(v)) return;
  if (vals.values.size() >= kMaxValuesPerKey) {
    vals.overflowed = true;
    return;
  }
  vals.seen.insert(*vals.values.emplace(v).first);
}

const TimeOrderedTraces* HeadIndex::traces_of(std::string_view service) const {
  auto it = by_service_.find(service);
  return it == by_service_.end() ? nullptr : &it->second;
}

bool HeadIndex::has_operation(std::string_view service, std::string_view name,
                              const std::optional<SpanKind>& kind) const {
  auto check = [&](const OperationSet& ops) {
    for (const auto& op : ops)
      if ((name.empty() || op.name == name) && (!kind || op.kind == *kind)) return true;
    return false;
  };
  if (!service.empty()) {
    auto it = operations_.find(service);
    return it != operations_.end() && check(it->second);
  }
  for (const auto& [svc, ops] : operations_)
    if (check(ops)) return true;
  return false;
}

bool HeadIndex::may_have_tag(std::string_view key, std::string_view value) const {
  if (event_keys_.contains(key)) return true;
  auto it = attributes_.find(key);
  if (it == attributes_.end()) return false;
  return it->second.overflowed || it->second.values.contains(value);
}

std::vector<std::string> HeadIndex::services() const {
  std::vector<std::string> out;
  out.reserve(by_service_.size());
  for (const auto& [svc, traces] : by_service_) out.push_back(svc);
  return out;
}

std::vector<OperationInfo> HeadIndex::operations(std::string_view service) const {
  std::set<OperationInfo> all;
  for (const auto& [svc, ops] : operations_)
    if (service.empty() || svc == service) all.insert(ops.begin(), ops.end());
  return {all.begin(), all.end()};
}

std::vector<std::string> HeadIndex::attribute_keys() const {
  std::vector<std::string> out;
  out.reserve(attributes_.size());
  for (const auto& [key, vals] : attributes_) out.push_back(key);
  return out;
}

std::vector<std::string> HeadIndex::attribute_values(std::string_view key, size_t limit) const {
  std::vector<std::string> out;
  auto it = attributes_.find(key);
  if (it == attributes_.end()) return out;
  for (const auto& v : it->second.values) {
    if (out.size() >= limit) break;
    out.push_back(v);
  }
  return out;
}

}  // namespace weft::store
