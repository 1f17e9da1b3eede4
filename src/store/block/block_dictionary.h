#pragma once
// The writer's block-wide dictionaries: strings to codes (with a cap, past which values are
// stored raw), attribute slots (key, value type) each with a dictionary of its string
// values, and interning of resources and scopes by value. The footer
// (block_footer.h) stores what they hold at finish().
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "model/span.h"
#include "store/block/block_format.h"
#include "store/string_hash.h"

namespace weft::store::block {

using namespace weft::model;

using StringCodeMap = std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>>;

// Strings to dense codes in insertion order, at most `max_values` of them, none longer than
// `max_length` bytes.
class StringDictBuilder {
 public:
  explicit StringDictBuilder(uint32_t max_values = UINT32_MAX, size_t max_length = SIZE_MAX)
      : max_values_(max_values), max_length_(max_length) {}
  // The code of `s`, adding it if there is room; nullopt: store it raw.
  std::optional<uint32_t> code(std::string_view s);
  const std::vector<std::string>& values() const { return values_; }
  // True once some value was refused.
  bool overflowed() const { return overflowed_; }

 private:
  uint32_t max_values_;
  size_t max_length_;
  bool overflowed_ = false;
  StringCodeMap index_;
  std::vector<std::string> values_;
};

// One attribute slot: a key with one value type; string slots have a value dictionary.
struct SlotEntry {
  std::string key;
  uint8_t type = kTypeEmpty;  // ValueType
  bool overflowed = false;    // some string value of this slot is stored raw
  std::vector<std::string> values;
};

class SlotDictBuilder {
 public:
  explicit SlotDictBuilder(uint32_t max_values_per_key) : max_values_(max_values_per_key) {}
  uint32_t slot(std::string_view key, uint8_t type);
  const std::string& key(uint32_t slot) const { return slots_[slot].key; }
  // The value code of `value` in string slot `slot`; nullopt: store it raw.
  std::optional<uint32_t> value_code(uint32_t slot, std::string_view value) {
    return values_[slot].code(value);
  }
  size_t size() const { return slots_.size(); }
  std::vector<SlotEntry> entries() const;

 private:
  uint32_t max_values_;
  std::unordered_map<std::string, std::array<uint32_t, kNumValueTypes>, StringHash, std::equal_to<>>
      index_;
  std::vector<SlotEntry> slots_;  // values live in values_
  std::vector<StringDictBuilder> values_;
};

// Resources (or scopes) by value: equal objects get one code. Code 0 is null; object i
// of values() has code i + 1. A small cache by pointer (holding its object, so an address
// cannot be reused while cached) skips encoding for the common case of shared pointers.
template <typename T>
class InternTable {
 public:
  // `encode`: the object's span-codec bytes (the identity used for interning).
  uint32_t code(const std::shared_ptr<const T>& p);
  const std::vector<std::shared_ptr<const T>>& values() const { return values_; }

 private:
  static constexpr size_t kCacheSize = 64;
  struct CacheEntry {
    std::shared_ptr<const T> ptr;
    uint32_t code = 0;
  };
  std::array<CacheEntry, kCacheSize> cache_;
  StringCodeMap index_;
  std::vector<std::shared_ptr<const T>> values_;
  std::string scratch_;
};

extern template class InternTable<Resource>;
extern template class InternTable<InstrumentationScope>;

}  // namespace weft::store::block
