#pragma once
// Attribute values: every OTLP AnyValue type (string, bool, int64, double, bytes, array,
// key-value list), so that nothing a client sent is lost.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace weft::model {

struct AnyValue;
struct KeyValue;

// Raw bytes, kept apart from strings so encoders can tell them apart.
struct Bytes {
  std::string data;
  friend bool operator==(const Bytes&, const Bytes&) = default;
};
using ArrayValue = std::vector<AnyValue>;
using KeyValueList = std::vector<KeyValue>;

struct AnyValue {
  // monostate = an AnyValue with no value set (OTLP allows it).
  std::variant<std::monostate, std::string, bool, int64_t, double, Bytes, ArrayValue, KeyValueList>
      v;

  // Defined below KeyValue: constructing the variant needs every alternative complete
  // (clang with libstdc++ insists; GCC does not).
  AnyValue() = default;
  AnyValue(std::string s);   // NOLINT(google-explicit-constructor)
  AnyValue(const char* s);   // NOLINT(google-explicit-constructor)
  AnyValue(bool b);          // NOLINT(google-explicit-constructor)
  AnyValue(int64_t i);       // NOLINT(google-explicit-constructor)
  AnyValue(int i);           // NOLINT(google-explicit-constructor)
  AnyValue(double d);        // NOLINT(google-explicit-constructor)
  AnyValue(Bytes b);         // NOLINT(google-explicit-constructor)
  AnyValue(ArrayValue a);    // NOLINT(google-explicit-constructor)
  AnyValue(KeyValueList l);  // NOLINT(google-explicit-constructor)

  bool is_empty() const { return v.index() == 0; }
  const std::string* as_string() const { return std::get_if<std::string>(&v); }
  const int64_t* as_int() const { return std::get_if<int64_t>(&v); }
  const double* as_double() const { return std::get_if<double>(&v); }
  const bool* as_bool() const { return std::get_if<bool>(&v); }

  // The value as a search matches it and Jaeger/Zipkin show it: strings as is, ints in
  // decimal, doubles shortest round-trip, bools "true"/"false", bytes as base64, arrays
  // and lists as JSON (strings in it escaped by common/json_escape.h: valid UTF-8).
  std::string to_string() const;

  friend bool operator==(const AnyValue& a, const AnyValue& b);
};

struct KeyValue {
  std::string key;
  AnyValue value;
  friend bool operator==(const KeyValue& a, const KeyValue& b) = default;
};

inline AnyValue::AnyValue(std::string s) : v(std::move(s)) {}
inline AnyValue::AnyValue(const char* s) : v(std::string(s)) {}
inline AnyValue::AnyValue(bool b) : v(b) {}
inline AnyValue::AnyValue(int64_t i) : v(i) {}
inline AnyValue::AnyValue(int i) : v(static_cast<int64_t>(i)) {}
inline AnyValue::AnyValue(double d) : v(d) {}
inline AnyValue::AnyValue(Bytes b) : v(std::move(b)) {}
inline AnyValue::AnyValue(ArrayValue a) : v(std::move(a)) {}
inline AnyValue::AnyValue(KeyValueList l) : v(std::move(l)) {}

inline bool operator==(const AnyValue& a, const AnyValue& b) { return a.v == b.v; }

// The first attribute named `key`, or nullptr.
const AnyValue* find_attribute(const KeyValueList& attrs, std::string_view key);

// Approximate heap bytes held (for memory budgets).
size_t approx_bytes(const AnyValue& v);
size_t approx_bytes(const KeyValueList& l);

std::string base64_encode(std::string_view data);
// False if `in` is not valid base64 (standard alphabet, padding optional).
bool base64_decode(std::string_view in, std::string* out);

}  // namespace weft::model
