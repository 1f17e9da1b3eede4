#include "store/head/head_tables.h"

#include "store/wal/span_codec.h"

namespace weft::store {

using namespace weft::model;

namespace {
constexpr uint64_t kEntryOverhead = 64;  // hash node, deque slot, vector slot
}

HeadTables::HeadTables() { resource_service_.push_back(intern("unknown_service")); }

uint32_t HeadTables::intern(std::string_view s) {
  if (auto it = ids_.find(s); it != ids_.end()) return it->second;
  const uint32_t id = static_cast<uint32_t>(strings_.size());
  strings_.emplace_back(s);
  ids_.emplace(strings_.back(), id);
  bytes_ += s.size() + sizeof(std::string) + kEntryOverhead;
  return id;
}

std::optional<uint32_t> HeadTables::find(std::string_view s) const {
  auto it = ids_.find(s);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

std::optional<uint32_t> HeadTables::intern_value(uint32_t key_id, std::string_view value) {
  if (auto id = find(value)) return id;
  if (value.size() > kMaxInternedValueBytes) return std::nullopt;
  uint32_t& n = values_per_key_[key_id];
  if (n >= kMaxInternedValuesPerKey) return std::nullopt;
  ++n;
  return intern(value);
}

uint32_t HeadTables::resource_id(const std::shared_ptr<const Resource>& r) {
  if (!r) return 0;
  if (r == last_resource_) return last_resource_id_;
  last_resource_ = r;
  last_resource_id_ = resource_id_by_value(r);
  return last_resource_id_;
}

uint32_t HeadTables::resource_id_by_value(const std::shared_ptr<const Resource>& r) {
  scratch_.clear();
  encode_resource(*r, &scratch_);
  auto [it, is_new] = resource_by_value_.try_emplace(scratch_, 0);
  if (!is_new) return it->second;
  it->second = static_cast<uint32_t>(resources_.size());
  resources_.push_back(r);
  resource_service_.push_back(intern(r->service_name()));
  bytes_ += 2 * scratch_.size() + kEntryOverhead;  // the resource and its key
  return it->second;
}

uint32_t HeadTables::scope_id(const std::shared_ptr<const InstrumentationScope>& s) {
  if (!s) return 0;
  if (s == last_scope_) return last_scope_id_;
  last_scope_ = s;
  last_scope_id_ = scope_id_by_value(s);
  return last_scope_id_;
}

uint32_t HeadTables::scope_id_by_value(const std::shared_ptr<const InstrumentationScope>& s) {
  scratch_.clear();
  encode_scope(*s, &scratch_);
  auto [it, is_new] = scope_by_value_.try_emplace(scratch_, 0);
  if (!is_new) return it->second;
  it->second = static_cast<uint32_t>(scopes_.size());
  scopes_.push_back(s);
  bytes_ += 2 * scratch_.size() + kEntryOverhead;
  return it->second;
}

}  // namespace weft::store
