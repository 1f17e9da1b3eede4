#pragma once
// The value syntax of alert rules: durations ("300ms", "5m", "1m30s", "0") and fractions
// ("1%", "0.01"), parsed and printed back. Shared by the config parser, the notifications
// and the API so a threshold reads the same everywhere.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weft::pipeline::alerts {

// A duration: "0", or one or more <number><unit> groups with unit ns, us (or µs), ms, s, m,
// h, d ("1m30s", "1.5s"). nullopt for anything else, a bare number other than 0 included
// (is "300" ms or s?), and for values over ~292 years.
std::optional<uint64_t> parse_duration_ns(std::string_view text);

// A fraction in [0, 1]: "0.01", or a percentage in [0, 100] with a '%' ("1%", "0.5 %").
std::optional<double> parse_fraction(std::string_view text);

// The shortest exact form in the largest fitting unit: 300000000 -> "300ms", 90 s -> "90s",
// 5 min -> "5m", 0 -> "0s", 1500 us -> "1500us".
std::string format_duration(uint64_t ns);

// A fraction as a percentage without trailing zeros: 0.01 -> "1%", 0.005 -> "0.5%".
std::string format_percent(double fraction);

// Milliseconds with up to three decimals, no trailing zeros: 312.5 -> "312.5ms".
std::string format_millis(double ns);

// RFC 3339 in UTC with nanoseconds when not whole seconds: "2023-11-14T22:13:20Z",
// "2023-11-14T22:13:20.5Z".
std::string format_rfc3339(uint64_t unix_ns);

}  // namespace weft::pipeline::alerts
