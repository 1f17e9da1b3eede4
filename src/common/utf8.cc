#include "common/utf8.h"

#include <cstring>

namespace weft::utf8 {

size_t valid_prefix(std::string_view s) {
  const char* const begin = s.data();
  const char* const end = begin + s.size();
  const char* p = begin;
  while (p < end) {
    // ASCII fast path: eight bytes with no high bit set.
    while (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      if (w & 0x8080808080808080ull) break;
      p += 8;
    }
    if (p == end) break;
    if (static_cast<uint8_t>(*p) < 0x80) {
      ++p;
      continue;
    }
    const size_t n = sequence_length(p, end);
    if (n == 0) break;
    p += n;
  }
  return static_cast<size_t>(p - begin);
}

}  // namespace weft::utf8
