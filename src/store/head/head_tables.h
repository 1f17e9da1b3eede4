#pragma once
// HeadTables: what the head's span records refer to by number instead of holding a copy —
// interned strings (span and event names, attribute keys, repeated short attribute values)
// and the distinct resources and scopes. One per head, dropped with it, so it only grows
// with what that head holds.
//
// Thread-safety: none of its own; guarded by the Head's lock (interning under the
// exclusive lock, lookups under either).
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/span.h"
#include "store/string_hash.h"

namespace weft::store {

using namespace weft::model;

class HeadTables {
 public:
  // A string value is interned (else stored in the record) while its key has fewer than
  // this many interned values and it is at most kMaxInternedValueBytes long: low-cardinality
  // values (http.method, region) cost a byte or two, unique ones (URLs, user IDs) do not
  // fill the table.
  static constexpr uint32_t kMaxInternedValuesPerKey = 256;
  static constexpr size_t kMaxInternedValueBytes = 64;

  // The id of `s`, interning it if new.
  uint32_t intern(std::string_view s);
  // The id of `s` if interned.
  std::optional<uint32_t> find(std::string_view s) const;
  std::string_view str(uint32_t id) const { return strings_[id]; }
  bool valid_string(uint64_t id) const { return id < strings_.size(); }

  // The id to store for string value `value` of attribute key `key_id`: interned if the
  // policy above allows, nullopt to store it inline.
  std::optional<uint32_t> intern_value(uint32_t key_id, std::string_view value);

  HeadTables();

  // Resources and scopes by value: spans of different requests that carry equal resources
  // share one id. Ids start at 1; 0 stands for a null pointer. Each call serializes the
  // value to look it up: callers cache the id per pointer while they hold the pointer.
  uint32_t resource_id(const std::shared_ptr<const Resource>& r);
  uint32_t scope_id(const std::shared_ptr<const InstrumentationScope>& s);
  const std::shared_ptr<const Resource>& resource(uint32_t id) const { return resources_[id]; }
  const std::shared_ptr<const InstrumentationScope>& scope(uint32_t id) const {
    return scopes_[id];
  }
  bool valid_resource(uint64_t id) const { return id < resources_.size(); }
  bool valid_scope(uint64_t id) const { return id < scopes_.size(); }
  // String id of a resource's service name ("unknown_service" for id 0).
  uint32_t service_of(uint32_t resource_id) const { return resource_service_[resource_id]; }
  size_t resources() const { return resources_.size(); }

  // Memory held, roughly (charged to the head's budget).
  uint64_t bytes() const { return bytes_; }

 private:
  uint32_t resource_id_by_value(const std::shared_ptr<const Resource>& r);
  uint32_t scope_id_by_value(const std::shared_ptr<const InstrumentationScope>& s);

  std::deque<std::string> strings_;  // deque: views into it stay valid as it grows
  std::unordered_map<std::string_view, uint32_t, StringHash> ids_;
  std::unordered_map<uint32_t, uint32_t> values_per_key_;
  // Index 0 is the null resource / scope.
  std::vector<std::shared_ptr<const Resource>> resources_{nullptr};
  std::vector<uint32_t> resource_service_;
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> resource_by_value_;
  std::vector<std::shared_ptr<const InstrumentationScope>> scopes_{nullptr};
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> scope_by_value_;
  std::string scratch_;
  // The last pointer looked up, and its id: spans of one request share their resource and
  // scope objects. Held (not just its address) so the address cannot be reused meanwhile.
  std::shared_ptr<const Resource> last_resource_;
  uint32_t last_resource_id_ = 0;
  std::shared_ptr<const InstrumentationScope> last_scope_;
  uint32_t last_scope_id_ = 0;
  uint64_t bytes_ = 0;
};

}  // namespace weft::store
