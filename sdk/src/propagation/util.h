#pragma once
// Private helpers shared by the propagators and carriers: ASCII case folding, OWS trimming,
// hex ids, percent-coding, and the process-wide PropagationStats counters. Everything here
// works on string_views and never reads outside them, whatever the input.
#include <cstdint>
#include <string>
#include <string_view>

#include "weft/context.h"
#include "weft/ids.h"
#include "weft/span_context.h"

namespace weft::propagation {

// Longest header value any propagator looks at; longer values are malformed. Baggage has
// its own, larger limit (kMaxBaggageBytes in baggage.cc).
inline constexpr size_t kMaxHeaderValue = 512;

inline char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
std::string ToLowerAscii(std::string_view s);
bool IEquals(std::string_view a, std::string_view b);
bool IStartsWith(std::string_view s, std::string_view prefix);
// Strips RFC 7230 optional white space (SP / HTAB) from both ends.
std::string_view TrimOws(std::string_view s);
// Strips SP, HTAB, CR and LF (for user-written lists such as OTEL_PROPAGATORS).
std::string_view TrimSpace(std::string_view s);

// RFC 7230 token (header names, baggage keys): one or more tchars.
bool IsToken(std::string_view s);

int HexNibble(char c);  // -1 if not a hex digit (either case)
bool IsLowerHex(std::string_view s);
bool IsAllZero(std::string_view hex);

// Parses 1..32 hex digits (either case), left-padding with zeros to 32 (B3 and Jaeger allow
// 64-bit trace ids and Jaeger drops leading zeros). False on anything else or an all-zero id.
bool ParseTraceIdPadded(std::string_view s, TraceId* out);
// Parses 1..16 hex digits, left-padded. False on anything else or an all-zero id.
bool ParseSpanIdPadded(std::string_view s, SpanId* out);

// Percent-encodes every byte outside RFC 3986's unreserved set (A-Z a-z 0-9 - . _ ~).
std::string PercentEncode(std::string_view s);
// Decodes %XY escapes (and '+' as a space when plus_is_space). With strict, a '%' not
// followed by two hex digits makes the whole decode fail (returns false); otherwise it is
// kept literally.
bool PercentDecode(std::string_view s, bool plus_is_space, bool strict, std::string* out);

// 64-bit FNV-1a.
uint64_t Fnv1a64(std::string_view s);

// `base` with its span context flagged debug and sampled, keeping its ids; when base has no
// span context this is an invalid, debug-only one, from which the tracer starts a new
// sampled debug trace (Tracer::StartSpan reads parent.debug() even for an invalid parent).
Context WithDebugFlags(const Context& base);

// The process-wide counters behind GetPropagationStats() (relaxed atomics, stats.cc).
void CountExtracted();
void CountMalformed();

}  // namespace weft::propagation
