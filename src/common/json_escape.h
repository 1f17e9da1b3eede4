#pragma once
// JSON string escaping: the one escaper of src/ (wire's OTLP/Zipkin JSON encoders, api's
// JsonWriter, AnyValue::to_string's arrays and lists, the OTLP/HTTP error body; the SDK
// keeps its own). The output is always valid JSON text in valid UTF-8, whatever the input:
//
//  * '"' and '\\' as \" and \\; the control characters U+0000..U+001F as \b \f \n \r \t
//    where JSON has a short form, otherwise as \u00XX (lowercase hex);
//  * everything else as it is: '/' is not escaped, nor DEL (0x7F), nor U+2028/U+2029;
//    well-formed UTF-8 (common/utf8.h) is copied byte for byte;
//  * each byte that does not belong to a well-formed UTF-8 sequence (a stray continuation
//    byte, an invalid lead byte, a byte of an overlong form, of a surrogate, of a code point
//    above U+10FFFF or of a truncated sequence) becomes one U+FFFD (EF BF BD): "\xE2\x82"
//    gives two. One per byte, not one per maximal subpart, so the count of replacement
//    characters says how many bytes were bad.
#include <string>
#include <string_view>

namespace weft {

// Appends the escaped contents of s (no quotes) to out.
void append_json_escaped(std::string& out, std::string_view s);

// Appends s as a JSON string literal, quotes included. Out of line on purpose: a call per
// string at the call sites (the encoders call it for every key and value).
void append_json_string(std::string& out, std::string_view s);

}  // namespace weft
