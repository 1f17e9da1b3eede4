#include "sampling/interner.h"

#include <mutex>

namespace weft::pipeline::sampling {

NameInterner::NameInterner(size_t capacity) : capacity_(capacity) { names_.push_back("other"); }

uint32_t NameInterner::intern(std::string_view name) {
  {
    std::shared_lock lock(mu_);
    auto it = ids_.find(name);
    if (it != ids_.end()) return it->second;
  }
  std::unique_lock lock(mu_);
  auto it = ids_.find(name);
  if (it != ids_.end()) return it->second;
  if (ids_.size() >= capacity_) {
    ++overflowed_;
    return kOverflowId;
  }
  const auto id = static_cast<uint32_t>(names_.size());
  names_.emplace_back(name);
  ids_.emplace(std::string(name), id);
  return id;
}

std::string NameInterner::name(uint32_t id) const {
  std::shared_lock lock(mu_);
  return id < names_.size() ? names_[id] : names_[kOverflowId];
}

size_t NameInterner::size() const {
  std::shared_lock lock(mu_);
  return ids_.size();
}

uint64_t NameInterner::overflowed() const {
  std::shared_lock lock(mu_);
  return overflowed_;
}

}  // namespace weft::pipeline::sampling
