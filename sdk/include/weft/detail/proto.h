#pragma once
// Minimal protobuf wire-format writing, inline for the span hot path. The span buffer holds
// OTLP `Span` message fields already encoded, so export is a copy, not a conversion.
#include <cstdint>
#include <cstring>
#include <string_view>

namespace weft::detail {

enum WireType : uint8_t { kVarint = 0, kFixed64 = 1, kLen = 2, kFixed32 = 5 };

constexpr uint32_t VarintSize(uint64_t v) {
  uint32_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
constexpr uint32_t TagSize(uint32_t field) { return VarintSize(uint64_t{field} << 3); }
// Size of a length-delimited field holding `len` bytes.
constexpr uint32_t LenFieldSize(uint32_t field, uint32_t len) {
  return TagSize(field) + VarintSize(len) + len;
}

inline uint8_t* PutVarint(uint8_t* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<uint8_t>(v);
  return p;
}
inline uint8_t* PutTag(uint8_t* p, uint32_t field, WireType wt) {
  return PutVarint(p, uint64_t{field} << 3 | wt);
}
inline uint8_t* PutLenHeader(uint8_t* p, uint32_t field, uint32_t len) {
  return PutVarint(PutTag(p, field, kLen), len);
}
inline uint8_t* PutBytes(uint8_t* p, uint32_t field, const void* data, uint32_t len) {
  p = PutLenHeader(p, field, len);
  std::memcpy(p, data, len);
  return p + len;
}
inline uint8_t* PutString(uint8_t* p, uint32_t field, std::string_view s) {
  return PutBytes(p, field, s.data(), static_cast<uint32_t>(s.size()));
}
inline uint8_t* PutFixed64(uint8_t* p, uint32_t field, uint64_t v) {
  p = PutTag(p, field, kFixed64);
  std::memcpy(p, &v, 8);  // little-endian hosts only (x86-64, aarch64)
  return p + 8;
}
inline uint8_t* PutFixed32(uint8_t* p, uint32_t field, uint32_t v) {
  p = PutTag(p, field, kFixed32);
  std::memcpy(p, &v, 4);
  return p + 4;
}

}  // namespace weft::detail
