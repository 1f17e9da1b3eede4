#pragma once
// W3C Baggage: immutable name/value pairs with optional properties, carried in the Context.
// Setting an entry makes a new Baggage; the old one is shared, never changed.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weft {

class Baggage {
 public:
  struct Entry {
    std::string key;
    std::string value;
    std::string properties;  // verbatim text after the first ';', without it; often empty
  };

  Baggage() = default;
  explicit Baggage(std::vector<Entry> entries) : entries_(std::move(entries)) {}

  std::optional<std::string_view> Get(std::string_view key) const {
    for (const auto& e : entries_)
      if (e.key == key) return std::string_view(e.value);
    return std::nullopt;
  }
  // A copy with `key` set (replacing an existing entry of that key).
  Baggage With(std::string key, std::string value, std::string properties = {}) const {
    Baggage b = *this;
    for (auto& e : b.entries_)
      if (e.key == key) {
        e.value = std::move(value);
        e.properties = std::move(properties);
        return b;
      }
    b.entries_.push_back({std::move(key), std::move(value), std::move(properties)});
    return b;
  }
  Baggage Without(std::string_view key) const {
    Baggage b;
    for (const auto& e : entries_)
      if (e.key != key) b.entries_.push_back(e);
    return b;
  }
  const std::vector<Entry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

 private:
  std::vector<Entry> entries_;
};

}  // namespace weft
