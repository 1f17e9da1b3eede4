#pragma once
// Trace and span identifiers (W3C Trace Context sizes) and the generator that makes them.
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace weft {

template <size_t N>
struct Id {
  static_assert(N % 8 == 0);
  std::array<uint8_t, N> bytes{};

  // All-zero is invalid everywhere (W3C, B3, Jaeger, OTLP).
  bool valid() const {
    uint64_t any = 0;
    for (size_t i = 0; i < N; i += 8) {
      uint64_t w;
      std::memcpy(&w, bytes.data() + i, 8);
      any |= w;
    }
    return any != 0;
  }
  // Lowercase hex, 2*N characters, into `out` (no terminator).
  void to_hex(char* out) const {
    static constexpr char kHex[] = "0123456789abcdef";
    for (size_t i = 0; i < N; ++i) {
      out[2 * i] = kHex[bytes[i] >> 4];
      out[2 * i + 1] = kHex[bytes[i] & 15];
    }
  }
  std::string hex() const {
    std::string s(2 * N, '0');
    to_hex(s.data());
    return s;
  }
  // Parses exactly 2*N hex digits (either case). Returns false, leaving *out unchanged, on
  // anything else. Shorter inputs are not padded here; propagators that allow it pad first.
  static bool from_hex(std::string_view s, Id* out) {
    if (s.size() != 2 * N) return false;
    Id id;
    for (size_t i = 0; i < N; ++i) {
      int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
      if (hi < 0 || lo < 0) return false;
      id.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    *out = id;
    return true;
  }
  // The low 8 bytes as a big-endian integer.
  uint64_t low64() const {
    uint64_t v = 0;
    for (size_t i = N >= 8 ? N - 8 : 0; i < N; ++i) v = v << 8 | bytes[i];
    return v;
  }
  friend bool operator==(const Id&, const Id&) = default;

 private:
  static int nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
};

using TraceId = Id<16>;
using SpanId = Id<8>;

namespace detail {
// xoshiro256** seeded per thread from std::random_device: a few ns per id, no locks.
struct IdRng {
  uint64_t s[4];
  IdRng();
  uint64_t next() {
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
  }
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
};
inline IdRng& id_rng() {
  static thread_local IdRng rng;
  return rng;
}
}  // namespace detail

// Random, never all-zero.
inline SpanId NewSpanId() {
  SpanId id;
  uint64_t v;
  do v = detail::id_rng().next();
  while (v == 0);
  std::memcpy(id.bytes.data(), &v, 8);
  return id;
}
inline TraceId NewTraceId() {
  TraceId id;
  uint64_t a = detail::id_rng().next(), b;
  do b = detail::id_rng().next();
  while (b == 0);
  std::memcpy(id.bytes.data(), &a, 8);
  std::memcpy(id.bytes.data() + 8, &b, 8);
  return id;
}

}  // namespace weft
