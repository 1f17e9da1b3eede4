#pragma once
// Reading a section of the server's YAML config field by field, each mistake refused with
// the config line and the key's path (indices 0-based), e.g.
//   config line 9: alerts.rules[0].for: "soon" is not a duration (e.g. 300ms)
// Shared by the config parsers of the processor families (alerts/rules_config.cc,
// sampling/sampling_config.cc) so the same mistake reads the same in every section. Where
// the sections differ (how durations and whole numbers are written) the caller says which.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace weft::pipeline::yaml_fields {

using Keys = std::initializer_list<std::string_view>;

// INVALID_ARGUMENT "config line N: <path>: <what>", N the node's line (1-based); without
// "config line N: " if the node has no position (e.g. a key that is not there).
Status error_at(const YAML::Node& node, const std::string& path, const std::string& what);

// s in double quotes, as error messages show a value the user wrote.
std::string quoted(const std::string& s);

// OK if node is a map whose keys are all in `allowed` and all have a value. Else the first
// fault: "must be a mapping of key: value"; "<path>.<key>: unknown key (expected one of: a,
// b)"; "<path>.<key>: has no value" (`key:` alone, allowed for keys in `nullable`), named on
// the key's line since yaml-cpp marks such a null value on the next token's.
Status check_map(const YAML::Node& node, const std::string& path, Keys allowed, Keys nullable = {});

// The node's scalar text. Errors: "has no value" (null) and "must be a single value, not a
// list or map".
Result<std::string> scalar(const YAML::Node& node, const std::string& path);

// scalar(), also refusing "" with "must not be empty".
Result<std::string> non_empty(const YAML::Node& node, const std::string& path);

// A non-negative decimal: digits with at most one '.' ("12", "1.5", ".5", "1."); nullopt
// for anything else (no sign, no exponent, no blanks).
std::optional<double> parse_decimal(std::string_view text);

// How a config section writes durations: one or more <number><unit> groups ("300ms",
// "1m30s", "1.5s"; number as parse_decimal, unit ns, us, ms, s, m or h), plus:
struct DurationSyntax {
  bool trim_blanks;  // leading and trailing spaces and tabs are ignored
  bool bare_zero;    // "0" alone is 0 (any other number needs its unit)
  bool day_units;    // d (days) is a unit too, and µs another name of us
  double max_ns;     // a larger total is refused (so is one of 2^63 ns or more, always)
};

// The duration `text` in nanoseconds under `syntax`; nullopt if it is not one.
std::optional<uint64_t> parse_duration_ns(std::string_view text, const DurationSyntax& syntax);

// A section's duration parser (one that calls parse_duration_ns with its syntax).
using DurationParser = std::optional<uint64_t> (*)(std::string_view);

// The node's duration in ns as `parse` reads it. Errors: those of scalar(), and
// "\"<text>\" is not a duration (e.g. <example>)".
Result<uint64_t> duration(const YAML::Node& node, const std::string& path, DurationParser parse,
                          std::string_view example);

// duration(), also refusing 0 with "must be more than 0".
Result<uint64_t> positive_duration(const YAML::Node& node, const std::string& path,
                                   DurationParser parse, std::string_view example);

// How a config section writes whole numbers.
enum class WholeNumbers {
  kDigits,                 // digits only, at most 19 of them ("100")
  kSignedWithUnderscores,  // an optional '-'; '_' between digits ("100_000", as OTel's docs)
};

// The node's whole number in [min, max]. Errors: those of scalar(), and "\"<text>\" is not
// a whole number from <min> to <max>".
Result<int64_t> integer(const YAML::Node& node, const std::string& path, int64_t min, int64_t max,
                        WholeNumbers syntax);

// true for true, True, TRUE; false for false, False, FALSE. Errors: those of scalar(), and
// "\"<text>\" is not true or false".
Result<bool> boolean(const YAML::Node& node, const std::string& path);

// The YAML document of a config file's text (null if it is empty). Error: INVALID_ARGUMENT
// "config line N: not valid YAML: <yaml-cpp's reason>" (without the line if unknown).
// Never throws.
Result<YAML::Node> load_yaml(std::string_view text);

// parse(root[key]): a config file's top-level section. Errors: INVALID_ARGUMENT "config: must
// be a YAML mapping of key: value" if root is not a map; INTERNAL "<key> config: <what>" for
// a YAML::Exception, which past load_yaml would be a bug of ours (a wrong accessor) and may
// not cross the module boundary. Never throws.
template <typename T>
Result<T> parse_section(const YAML::Node& root, const char* key,
                        Result<T> (*parse)(const YAML::Node&)) {
  if (!root.IsMap()) return invalid_argument("config: must be a YAML mapping of key: value");
  try {
    return parse(root[key]);
  } catch (const YAML::Exception& e) {
    return internal_error(std::string(key) + " config: " + e.what());
  }
}

}  // namespace weft::pipeline::yaml_fields
