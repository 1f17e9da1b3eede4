#pragma once
// AttrValue: a non-owning view of one attribute value of any OTLP type, built implicitly
// from the usual C++ types, so `span.SetAttribute("http.status_code", 200)` and
// `span.SetAttribute("tags", std::span<const std::string_view>(v))` both work. Strings are
// copied into the span when set; nothing is kept pointing at the caller's memory.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "weft/value.h"

namespace weft {

struct AttrValue {
  enum Type : uint8_t {
    kBool,
    kInt,
    kDouble,
    kString,
    kBytes,
    kBoolArray,
    kIntArray,
    kDoubleArray,
    kStringArray,
    kValue,  // any owned Value (nested arrays, kvlists)
  };
  Type type;
  union {
    bool b;
    int64_t i;
    double d;
    std::string_view s;
    std::span<const bool> ba;
    std::span<const int64_t> ia;
    std::span<const double> da;
    std::span<const std::string_view> sa;
    const Value* v;
  };

  AttrValue(bool x) : type(kBool), b(x) {}
  template <typename I>
  requires(std::is_integral_v<I> && !std::is_same_v<I, bool>) AttrValue(I x)
      : type(kInt), i(static_cast<int64_t>(x)) {}
  AttrValue(double x) : type(kDouble), d(x) {}
  AttrValue(float x) : type(kDouble), d(x) {}
  AttrValue(std::string_view x) : type(kString), s(x) {}
  AttrValue(const char* x) : type(kString), s(x) {}
  AttrValue(const std::string& x) : type(kString), s(x) {}
  static AttrValue BytesOf(std::string_view raw) {
    AttrValue a(raw);
    a.type = kBytes;
    return a;
  }
  AttrValue(std::span<const bool> x) : type(kBoolArray), ba(x) {}
  AttrValue(std::span<const int64_t> x) : type(kIntArray), ia(x) {}
  AttrValue(std::span<const double> x) : type(kDoubleArray), da(x) {}
  AttrValue(std::span<const std::string_view> x) : type(kStringArray), sa(x) {}
  AttrValue(const Value& x) : type(kValue), v(&x) {}
};

// A key and a value, for events, links and lists of attributes.
struct Attr {
  std::string_view key;
  AttrValue value;
};

}  // namespace weft
