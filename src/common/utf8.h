#pragma once
// UTF-8 validation: the one validator of src/ (the JSON escaper uses it; the SDK keeps its
// own). "Valid" is Unicode's well-formed UTF-8 (Unicode 15, table 3-7): no overlong forms,
// no surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequence.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace weft::utf8 {

// Length (1..4) of the well-formed sequence that starts at p, or 0 if the bytes at [p, end)
// do not start one (a stray continuation byte, an invalid lead byte, an overlong form, a
// surrogate, a code point above U+10FFFF, or a sequence cut short by `end`). p < end.
inline size_t sequence_length(const char* p, const char* end) {
  const auto c = static_cast<uint8_t>(p[0]);
  if (c < 0x80) return 1;
  size_t n;
  uint8_t lo = 0x80, hi = 0xBF;  // the range of the second byte (table 3-7)
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong below U+0800
    if (c == 0xED) hi = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;  // overlong below U+10000
    if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;  // 0x80..0xC1 (continuation, overlong 2-byte lead), 0xF5..0xFF
  }
  if (static_cast<size_t>(end - p) < n) return 0;
  const auto c1 = static_cast<uint8_t>(p[1]);
  if (c1 < lo || c1 > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if ((static_cast<uint8_t>(p[k]) & 0xC0) != 0x80) return 0;
  return n;
}

// Length of the longest well-formed prefix of s (s.size() if s is valid). ASCII is checked
// eight bytes at a time.
size_t valid_prefix(std::string_view s);

// True if s is well-formed UTF-8.
inline bool is_valid(std::string_view s) { return valid_prefix(s) == s.size(); }

}  // namespace weft::utf8
