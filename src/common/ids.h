#pragma once
// Trace and span identifiers: fixed-size byte arrays, compared and hashed by value.
// Hex form is lowercase, 32 / 16 characters, as in W3C trace context and OTLP/JSON.
#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace weft {

// Appends the lowercase hex of `data` to `out`.
void append_hex(std::string& out, const uint8_t* data, size_t n);
// Decodes hex into `out` (n bytes from 2n digits). False on a non-hex digit.
bool decode_hex(std::string_view hex, uint8_t* out);

}  // namespace weft

// Trace and span IDs are part of the span model (hence the namespace); they live in common
// because common's code reads and writes them too.
namespace weft::model {

template <size_t N>
struct FixedId {
  std::array<uint8_t, N> bytes{};

  static constexpr size_t kSize = N;
  bool is_zero() const {
    for (uint8_t b : bytes)
      if (b) return false;
    return true;
  }
  std::string to_hex() const;
  // Accepts exactly 2*N hex digits (either case). Returns nullopt otherwise.
  static std::optional<FixedId> from_hex(std::string_view hex);
  // Accepts 1..2*N hex digits, left-padding with zeros (Zipkin/Jaeger allow 64-bit trace
  // IDs and drop leading zeros).
  static std::optional<FixedId> from_hex_padded(std::string_view hex);
  // Exactly N raw bytes; nullopt otherwise.
  static std::optional<FixedId> from_bytes(std::string_view raw);
  std::string_view as_bytes() const { return {reinterpret_cast<const char*>(bytes.data()), N}; }
  // Big-endian integer of the first / last 8 bytes (for hashing and for Jaeger's high/low).
  uint64_t high64() const;
  uint64_t low64() const;

  friend bool operator==(const FixedId& a, const FixedId& b) = default;
  friend auto operator<=>(const FixedId& a, const FixedId& b) = default;
};

using TraceId = FixedId<16>;
using SpanId = FixedId<8>;

template <size_t N>
std::string FixedId<N>::to_hex() const {
  std::string s;
  s.reserve(2 * N);
  append_hex(s, bytes.data(), N);
  return s;
}
template <size_t N>
std::optional<FixedId<N>> FixedId<N>::from_hex(std::string_view hex) {
  if (hex.size() != 2 * N) return std::nullopt;
  FixedId id;
  if (!decode_hex(hex, id.bytes.data())) return std::nullopt;
  return id;
}
template <size_t N>
std::optional<FixedId<N>> FixedId<N>::from_hex_padded(std::string_view hex) {
  if (hex.empty() || hex.size() > 2 * N) return std::nullopt;
  std::string padded(2 * N - hex.size(), '0');
  padded += hex;
  return from_hex(padded);
}
template <size_t N>
std::optional<FixedId<N>> FixedId<N>::from_bytes(std::string_view raw) {
  if (raw.size() != N) return std::nullopt;
  FixedId id;
  std::memcpy(id.bytes.data(), raw.data(), N);
  return id;
}
template <size_t N>
uint64_t FixedId<N>::high64() const {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < N; ++i) v = (v << 8) | bytes[i];
  return v;
}
template <size_t N>
uint64_t FixedId<N>::low64() const {
  uint64_t v = 0;
  for (size_t i = N >= 8 ? N - 8 : 0; i < N; ++i) v = (v << 8) | bytes[i];
  return v;
}

struct FixedIdHash {
  template <size_t N>
  size_t operator()(const FixedId<N>& id) const {
    // IDs are random: the low 8 bytes are already a good hash.
    return static_cast<size_t>(id.low64() ^ (id.high64() * 0x9E3779B97F4A7C15ULL));
  }
};

}  // namespace weft::model
