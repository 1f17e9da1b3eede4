#pragma once
// An owned attribute value of any OTLP AnyValue type. Used where values are kept (resource
// attributes, the in-memory exporter's SpanData); the span hot path writes values straight
// into the span's buffer instead and never builds one of these.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace weft {

struct Value;
using KeyValueList = std::vector<std::pair<std::string, Value>>;
using ValueArray = std::vector<Value>;
struct Bytes {
  std::string data;
  friend bool operator==(const Bytes&, const Bytes&) = default;
};

struct Value {
  // monostate = OTLP's empty AnyValue.
  std::variant<std::monostate, bool, int64_t, double, std::string, Bytes, ValueArray, KeyValueList>
      v;

  Value() = default;
  Value(bool b) : v(b) {}
  template <typename I>
  requires(std::is_integral_v<I> && !std::is_same_v<I, bool>) Value(I i)
      : v(static_cast<int64_t>(i)) {}
  Value(double d) : v(d) {}
  Value(const char* s) : v(std::string(s)) {}
  Value(std::string s) : v(std::move(s)) {}
  Value(std::string_view s) : v(std::string(s)) {}
  Value(Bytes b) : v(std::move(b)) {}
  Value(ValueArray a) : v(std::move(a)) {}
  Value(KeyValueList kv) : v(std::move(kv)) {}

  template <typename T>
  bool is() const {
    return std::holds_alternative<T>(v);
  }
  template <typename T>
  const T& as() const {
    return std::get<T>(v);
  }
  // JSON-ish rendering for logs and test failure messages.
  std::string ToString() const;
  friend bool operator==(const Value&, const Value&) = default;
};

}  // namespace weft
