#include "store/block/block_dictionary.h"

#include "store/wal/span_codec.h"

namespace weft::store::block {

using namespace weft::model;

std::optional<uint32_t> StringDictBuilder::code(std::string_view s) {
  auto it = index_.find(s);
  if (it != index_.end()) return it->second;
  if (values_.size() >= max_values_ || s.size() > max_length_) {
    overflowed_ = true;
    return std::nullopt;
  }
  uint32_t c = static_cast<uint32_t>(values_.size());
  values_.emplace_back(s);
  index_.emplace(std::string(s), c);
  return c;
}

uint32_t SlotDictBuilder::slot(std::string_view key, uint8_t type) {
  auto it = index_.find(key);
  if (it == index_.end()) {
    std::array<uint32_t, kNumValueTypes> none;
    none.fill(UINT32_MAX);
    it = index_.emplace(std::string(key), none).first;
  }
  uint32_t& s = it->second[type];
  if (s == UINT32_MAX) {
    s = static_cast<uint32_t>(slots_.size());
    slots_.push_back(SlotEntry{std::string(key), type, false, {}});
    values_.emplace_back(type == kTypeString ? max_values_ : 0, kMaxDictStringBytes);
  }
  return s;
}

std::vector<SlotEntry> SlotDictBuilder::entries() const {
  std::vector<SlotEntry> out = slots_;
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].values = values_[i].values();
    out[i].overflowed = values_[i].overflowed();
  }
  return out;
}

namespace {
void encode_object(const Resource& r, std::string* out) { store::encode_resource(r, out); }
void encode_object(const InstrumentationScope& s, std::string* out) { store::encode_scope(s, out); }
}  // namespace

template <typename T>
uint32_t InternTable<T>::code(const std::shared_ptr<const T>& p) {
  if (!p) return 0;
  CacheEntry& e = cache_[(reinterpret_cast<uintptr_t>(p.get()) >> 4) % kCacheSize];
  if (e.ptr == p) return e.code;
  scratch_.clear();
  encode_object(*p, &scratch_);
  auto it = index_.find(scratch_);
  uint32_t c;
  if (it != index_.end()) {
    c = it->second;
  } else {
    values_.push_back(p);
    c = static_cast<uint32_t>(values_.size());
    index_.emplace(scratch_, c);
  }
  e.ptr = p;
  e.code = c;
  return c;
}

template class InternTable<Resource>;
template class InternTable<InstrumentationScope>;

}  // namespace weft::store::block
