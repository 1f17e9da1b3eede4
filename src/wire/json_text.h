#pragma once
// Writing JSON text by hand (the encoders append to one std::string). Internal to src/wire.
#include <cstdint>
#include <string>
#include <string_view>

namespace weft::wire::json {

// Appends s as a JSON string literal: quotes, backslash and control characters escaped;
// invalid UTF-8 sequences each replaced by U+FFFD so the output is always valid JSON.
void append_string(std::string& out, std::string_view s);

// Appends "key": (the key escaped as above).
inline void append_key(std::string& out, std::string_view key) {
  append_string(out, key);
  out.push_back(':');
}

void append_uint(std::string& out, uint64_t v);
void append_int(std::string& out, int64_t v);
// Shortest round-trip form. NaN and infinities, which JSON lacks, as the strings "NaN",
// "Infinity", "-Infinity" (the protobuf JSON mapping's spelling).
void append_double(std::string& out, double d);

}  // namespace weft::wire::json
