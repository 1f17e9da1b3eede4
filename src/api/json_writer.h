#pragma once
// A small streaming JSON writer that tracks commas, so renderers read as the shape they
// produce. `raw()` and `out()` let codec functions (wire/otlp_json.h, wire/zipkin_json.h)
// append a value in place.
//
// Not thread-safe; one writer per response.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// Strings are escaped by append_json_string (common/json_escape.h: invalid UTF-8 becomes
// U+FFFD, so the output is always valid JSON); renderers may call it directly.
#include "common/json_escape.h"

namespace weft::api {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);

  JsonWriter& str(std::string_view v);
  JsonWriter& i64(int64_t v);
  JsonWriter& u64(uint64_t v);
  // A 64-bit integer as a JSON string ("123"), as proto3 JSON writes int64/fixed64.
  JsonWriter& u64_string(uint64_t v);
  // Shortest round-trip form; NaN and infinities become the strings "NaN", "Infinity",
  // "-Infinity" (as proto3 JSON does), since JSON has no literal for them.
  JsonWriter& dbl(double v);
  JsonWriter& boolean(bool v);
  JsonWriter& null();
  // A complete JSON value produced elsewhere.
  JsonWriter& raw(std::string_view json);
  // For appending a value directly: call before_value(), then append to out().
  void before_value();
  std::string& out() { return out_; }

  // Shorthands for a key followed by a value.
  JsonWriter& kv(std::string_view k, std::string_view v) { return key(k).str(v); }
  JsonWriter& kv(std::string_view k, const char* v) { return key(k).str(v); }
  JsonWriter& kv_i64(std::string_view k, int64_t v) { return key(k).i64(v); }
  JsonWriter& kv_u64(std::string_view k, uint64_t v) { return key(k).u64(v); }
  JsonWriter& kv_bool(std::string_view k, bool v) { return key(k).boolean(v); }

  std::string take() { return std::move(out_); }

 private:
  std::string out_;
  std::vector<bool> first_;  // per open container: nothing written yet
  bool after_key_ = false;
};

}  // namespace weft::api
