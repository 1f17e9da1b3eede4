#include "store/block/bloom_filter.h"

#include <xxhash.h>

#include <algorithm>
#include <cmath>

namespace weft::store::block {

uint64_t hash_bytes(std::string_view data) { return XXH3_64bits(data.data(), data.size()); }

uint64_t hash_key_value(std::string_view key, std::string_view value) {
  thread_local std::string buf;
  buf.assign(key);
  buf.push_back('\0');
  buf.append(value);
  uint64_t h = XXH3_64bits(buf.data(), buf.size());
  if (buf.capacity() > (1u << 20)) std::string().swap(buf);
  return h;
}

BloomFilter BloomFilter::build(std::vector<uint64_t> hashes, int bits_per_key) {
  BloomFilter f;
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
  if (hashes.empty()) return f;
  f.k_ = std::clamp(static_cast<uint32_t>(bits_per_key * 0.69), 1u, 30u);
  uint64_t bits = std::max<uint64_t>(64, hashes.size() * static_cast<uint64_t>(bits_per_key));
  uint64_t bytes = (bits + 7) / 8;
  f.bits_.assign(bytes, '\0');
  bits = bytes * 8;
  for (uint64_t h : hashes) {
    uint64_t delta = (h >> 32) | 1;
    uint64_t x = h;
    for (uint32_t i = 0; i < f.k_; ++i, x += delta) {
      uint64_t b = x % bits;
      f.bits_[b / 8] = static_cast<char>(f.bits_[b / 8] | (1 << (b % 8)));
    }
  }
  return f;
}

bool BloomFilter::may_contain(uint64_t h) const {
  if (bits_.empty()) return false;
  const uint64_t bits = bits_.size() * 8;
  uint64_t delta = (h >> 32) | 1;
  uint64_t x = h;
  for (uint32_t i = 0; i < k_; ++i, x += delta) {
    uint64_t b = x % bits;
    if (!(static_cast<uint8_t>(bits_[b / 8]) & (1 << (b % 8)))) return false;
  }
  return true;
}

void BloomFilter::encode(std::string* out) const {
  put_varint(*out, k_);
  put_string(*out, bits_);
}

bool BloomFilter::decode(Cursor* in) {
  uint64_t k;
  std::string_view bits;
  if (!in->varint(&k) || k > 30 || !in->str(&bits)) return false;
  if (bits.empty() != (k == 0)) return false;
  k_ = static_cast<uint32_t>(k);
  bits_.assign(bits);
  return true;
}

}  // namespace weft::store::block
