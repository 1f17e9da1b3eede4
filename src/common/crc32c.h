#pragma once
// CRC32C (Castagnoli), as used by the WAL. Uses the SSE4.2 instruction when the CPU has
// it, a table otherwise. `mask`/`unmask` follow LevelDB: storing the CRC of data that
// itself contains CRCs is error-prone, so stored CRCs are masked.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace weft::crc32c {

// CRC32C of data, continuing from `crc` (0 to start).
uint32_t extend(uint32_t crc, const void* data, size_t n);
inline uint32_t value(std::string_view s) { return extend(0, s.data(), s.size()); }

constexpr uint32_t kMaskDelta = 0xa282ead8u;
inline uint32_t mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
inline uint32_t unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace weft::crc32c
