#pragma once
// Reading a RapidJSON DOM leniently, the way OTLP/JSON and Zipkin senders write it.
// Internal to src/wire.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

namespace weft::wire::json {

using Value = rapidjson::Value;

inline std::string_view view(const Value& v) { return {v.GetString(), v.GetStringLength()}; }

// True if `key` is `camel` (lowerCamelCase) or its snake_case form ("traceId", "trace_id").
bool key_matches(std::string_view key, std::string_view camel);

// Parses `text` (iteratively: deep nesting cannot overflow the stack). On failure returns
// false and sets *error to "invalid JSON at offset N: <reason>".
bool parse(std::string_view text, rapidjson::Document* doc, std::string* error);

// Where in the document a decoder is, for error messages: "resourceSpans[0].scopeSpans[1]".
// Frames are cheap to push; the string is built only when asked for.
class Path {
 public:
  void push(const char* name, int index = -1) { frames_.push_back({name, index}); }
  void pop() { frames_.pop_back(); }
  std::string str() const;
  // "<path>.<member>", "<member>" at the top, "<path>" for an empty member.
  std::string member(std::string_view name) const;

 private:
  struct Frame {
    const char* name;
    int index;
  };
  std::vector<Frame> frames_;
};

// Scalar readers. Each returns false when the JSON value has a type it cannot take;
// null is not handled here (callers treat null as "absent").
bool read_string(const Value& v, std::string* out);
// A non-negative integer given as a JSON number or a decimal string.
bool read_uint64(const Value& v, uint64_t* out);
bool read_int64(const Value& v, int64_t* out);
bool read_uint32(const Value& v, uint32_t* out);
// A number, or the strings "NaN", "Infinity", "-Infinity", or a decimal string.
bool read_double(const Value& v, double* out);
bool read_bool(const Value& v, bool* out);

}  // namespace weft::wire::json
