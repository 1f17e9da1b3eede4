#pragma once
// Little-endian fixed-width and varint encoding helpers (LevelDB's util/coding.h idea).
// Decoders take a string_view cursor and advance it; they return false on truncation (and,
// for varints, on overflow: see below).
#include <cstddef>
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

// ---- varints ---------------------------------------------------------------------------
// LEB128 as protobuf writes it: 7 bits per byte, low group first, the high bit set on every
// byte but the last. The one varint codec of src/ (store formats, protobuf, Thrift compact,
// loadgen); the SDK keeps its own.
//
// Overflow rule, the same for every decoder: a uint64 needs at most kMaxVarint64Bytes (10)
// bytes, and the 10th byte carries only bit 63, so it must be 0x00 or 0x01. A 10th byte
// above 1 (bits past 64, or a continuation bit asking for an 11th byte) is malformed and
// refused -- never silently truncated to the low 64 bits. Non-minimal encodings (0x80 0x00
// for 0) are accepted, as protobuf accepts them. Decoders that need a narrower bound (Thrift's
// i16/i32) pass a shorter range and check the value themselves.

inline constexpr size_t kMaxVarint64Bytes = 10;

// Bytes put_varint64 writes for v (1..10).
inline size_t varint64_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Writes v at dst (room for varint64_size(v) bytes); returns the end of what it wrote.
inline char* encode_varint64(char* dst, uint64_t v) {
  while (v >= 0x80) {
    *dst++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *dst++ = static_cast<char>(v);
  return dst;
}

inline void put_varint64(std::string& dst, uint64_t v) {
  if (v < 0x80) {  // tags, small lengths and counts
    dst.push_back(static_cast<char>(v));
    return;
  }
  char buf[kMaxVarint64Bytes];
  dst.append(buf, encode_varint64(buf, v));
}

// Decodes the varint at [p, end): the byte after it, with *v set; nullptr if the range ends
// inside the varint (truncated) or the varint is malformed (the rule above), *v untouched.
// Inline, one-byte fast path: the innermost loop of protobuf decoding. (An unrolled
// multi-byte path was tried: faster alone, but 60% slower in decode_otlp_proto, whose
// reader stops being inlined.)
inline const char* decode_varint64(const char* p, const char* end, uint64_t* v) {
  if (p < end && static_cast<uint8_t>(*p) < 0x80) [[likely]] {
    *v = static_cast<uint8_t>(*p);
    return p + 1;
  }
  uint64_t result = 0;
  for (int shift = 0; shift < 64 && p < end; shift += 7) {  // at most 10 bytes
    const auto b = static_cast<uint8_t>(*p++);
    if (shift == 63 && b > 1) [[unlikely]]
      return nullptr;  // bits past 64 (or an 11th byte)
    result |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *v = result;
      return p;
    }
  }
  return nullptr;
}

// decode_varint64 over a cursor: advances `in` past the varint; false (and `in` unchanged)
// if it is truncated or malformed.
inline bool get_varint64(std::string_view& in, uint64_t* v) {
  const char* p = decode_varint64(in.data(), in.data() + in.size(), v);
  if (!p) [[unlikely]]
    return false;
  in.remove_prefix(static_cast<size_t>(p - in.data()));
  return true;
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
