#pragma once
// Little-endian fixed-width and varint encoding helpers (LevelDB's util/coding.h idea).
// Decoders take a string_view cursor and advance it; they return false on truncation.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace weft::coding {

// Signed integers as varints: 0, -1, 1, -2, ... -> 0, 1, 2, 3, ...
inline uint64_t zigzag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t unzigzag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

inline void put_fixed32(std::string& dst, uint32_t v) {
  char buf[4];
  for (int i = 0; i < 4; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  dst.append(buf, 4);
}
inline void put_fixed64(std::string& dst, uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  dst.append(buf, 8);
}
inline uint32_t decode_fixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
inline uint64_t decode_fixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
inline void put_varint64(std::string& dst, uint64_t v) {
  char buf[10];
  int n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  dst.append(buf, n);
}
inline bool get_varint64(std::string_view& in, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && !in.empty(); shift += 7) {
    uint8_t b = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    result |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *v = result;
      return true;
    }
  }
  return false;
}
inline bool get_fixed32(std::string_view& in, uint32_t* v) {
  if (in.size() < 4) return false;
  *v = decode_fixed32(in.data());
  in.remove_prefix(4);
  return true;
}
inline bool get_fixed64(std::string_view& in, uint64_t* v) {
  if (in.size() < 8) return false;
  *v = decode_fixed64(in.data());
  in.remove_prefix(8);
  return true;
}

}  // namespace weft::coding
