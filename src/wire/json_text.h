#pragma once
// Writing JSON text by hand (the encoders append to one std::string). Internal to src/wire.
#include <cstdint>
#include <string>
#include <string_view>

// Strings: append_json_string (common/json_escape.h), the escaper every JSON writer of
// src/ shares (invalid UTF-8 becomes U+FFFD, so the output is always valid JSON).
#include "common/json_escape.h"

namespace weft::wire::json {

// Appends "key": (the key escaped by append_json_string).
inline void append_key(std::string& out, std::string_view key) {
  weft::append_json_string(out, key);
  out.push_back(':');
}

void append_uint(std::string& out, uint64_t v);
void append_int(std::string& out, int64_t v);
// Shortest round-trip form. NaN and infinities, which JSON lacks, as the strings "NaN",
// "Infinity", "-Infinity" (the protobuf JSON mapping's spelling).
void append_double(std::string& out, double d);

}  // namespace weft::wire::json
