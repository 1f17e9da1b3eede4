#pragma once
// Interns service and operation names to small ids so a pending trace keeps 4 bytes per
// name. Bounded: past `capacity` names, every new name maps to the overflow id (named
// "other"), so a span name with an ID in it fills the cap, not the memory. Thread-safe;
// lookups of known names take a shared lock only.
#include <cstdint>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace weft::pipeline::sampling {

class NameInterner {
 public:
  static constexpr uint32_t kOverflowId = 0;  // "other"

  explicit NameInterner(size_t capacity);
  uint32_t intern(std::string_view name);
  std::string name(uint32_t id) const;
  size_t size() const;
  uint64_t overflowed() const;  // names mapped to kOverflowId

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  mutable std::shared_mutex mu_;
  size_t capacity_;
  std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>> ids_;
  std::vector<std::string> names_;
  uint64_t overflowed_ = 0;
};

}  // namespace weft::pipeline::sampling
