#pragma once
// A classic bloom filter over 64-bit hashes (xxh3), k probes by double hashing
// (h1 + i*h2, h2 = upper half | 1), as the block footer stores it (docs/format/block.md).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/ids.h"
#include "store/block/column_streams.h"

namespace weft::store::block {

using namespace weft::model;

uint64_t hash_bytes(std::string_view data);
inline uint64_t hash_trace_id(const TraceId& id) { return hash_bytes(id.as_bytes()); }
// The raw-value filter's key: xxh3(key | 0 | value).
uint64_t hash_key_value(std::string_view key, std::string_view value);

class BloomFilter {
 public:
  BloomFilter() = default;
  // Builds a filter holding `hashes` (duplicates allowed) with about `bits_per_key` bits
  // per distinct hash.
  static BloomFilter build(std::vector<uint64_t> hashes, int bits_per_key);

  // An empty filter (no bits) contains nothing.
  bool may_contain(uint64_t hash) const;
  bool empty() const { return bits_.empty(); }
  size_t byte_size() const { return bits_.size(); }

  // varint k | varint n_bytes | bytes
  void encode(std::string* out) const;
  bool decode(Cursor* in);

 private:
  uint32_t k_ = 0;
  std::string bits_;
};

}  // namespace weft::store::block
