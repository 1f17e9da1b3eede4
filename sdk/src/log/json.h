#pragma once
// Appending JSON text to a reused std::string: strings (escaped, invalid UTF-8 replaced),
// numbers, and OTLP AnyValues read straight from their protobuf encoding.
#include <cstdint>
#include <string>
#include <string_view>

namespace weft::log {

// `s` as a JSON string literal, quotes included. Quote, backslash and control characters
// are escaped (\n \r \t \b \f, others \u00XX); each byte that is not part of a well-formed
// UTF-8 sequence (RFC 3629: no overlongs, surrogates or code points above U+10FFFF) becomes
// U+FFFD, so the output is always valid UTF-8 and valid JSON.
void AppendJsonString(std::string* out, std::string_view s);

void AppendUint(std::string* out, uint64_t v);
// ns as seconds with `digits` (1..9) decimals, truncated: 1500000000 ns, 3 -> "1.500".
void AppendSeconds(std::string* out, uint64_t ns, int digits);
// Shortest round-trip form; NaN and infinities (not JSON) become null.
void AppendDouble(std::string* out, double d);

// An OTLP AnyValue message body as JSON: string, bool, int, double as themselves, bytes as
// a base64 string, arrays as arrays, kvlists as objects, an empty AnyValue as null.
void AppendJsonAnyValue(std::string* out, std::string_view any_value);
// An AnyValue as a JSON *string* (for LOGFORMAT's string fields such as x_code): strings as
// themselves, scalars in their JSON spelling ("200", "true"), others as their JSON text.
void AppendJsonAnyValueAsString(std::string* out, std::string_view any_value);
// The AnyValue's string_value, if it is a string; else empty.
std::string_view AnyValueString(std::string_view any_value);
// True and *out set if the AnyValue is an int.
bool AnyValueInt(std::string_view any_value, int64_t* out);

}  // namespace weft::log
