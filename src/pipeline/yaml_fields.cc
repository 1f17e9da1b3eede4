#include "pipeline/yaml_fields.h"

#include <charconv>
#include <cmath>

namespace weft::pipeline::yaml_fields {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Nanoseconds per `unit`; 0 if it is not one (d and µs only with `day_units`).
double unit_ns(std::string_view unit, bool day_units) {
  if (unit == "ns") return 1;
  if (unit == "us") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  if (unit == "m") return 60e9;
  if (unit == "h") return 3600e9;
  if (day_units && unit == "\xC2\xB5s") return 1e3;
  if (day_units && unit == "d") return 86400e9;
  return 0;
}

// `s` as an int64_t if the whole of it is one (from_chars: optional '-', digits).
std::optional<int64_t> whole_int64(std::string_view s) {
  int64_t v = 0;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (s.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

// WholeNumbers::kDigits: digits only, at most 19 of them.
std::optional<int64_t> digits_number(std::string_view s) {
  if (s.size() > 19) return std::nullopt;
  for (char c : s)
    if (!is_digit(c)) return std::nullopt;
  return whole_int64(s);
}

// WholeNumbers::kSignedWithUnderscores: '_' other than first or last is dropped.
std::optional<int64_t> underscored_number(std::string_view s) {
  std::string digits;
  for (size_t i = 0; i < s.size(); ++i)
    if (s[i] != '_' || i == 0 || i + 1 == s.size()) digits += s[i];
  return whole_int64(digits);
}

}  // namespace

Status error_at(const YAML::Node& node, const std::string& path, const std::string& what) {
  std::string msg;
  const YAML::Mark mark = node.Mark();
  if (!mark.is_null()) msg = "config line " + std::to_string(mark.line + 1) + ": ";
  return invalid_argument(msg + path + ": " + what);
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

Status check_map(const YAML::Node& node, const std::string& path, Keys allowed, Keys nullable) {
  if (!node.IsMap()) return error_at(node, path, "must be a mapping of key: value");
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
    bool known = false, may_be_null = false;
    for (std::string_view a : allowed) known = known || a == key;
    for (std::string_view a : nullable) may_be_null = may_be_null || a == key;
    if (known && it->second.IsNull() && !may_be_null)
      return error_at(it->first, path + "." + key, "has no value");
    if (known) continue;
    std::string expected;
    for (std::string_view a : allowed) expected += (expected.empty() ? "" : ", ") + std::string(a);
    return error_at(it->first, path + "." + key, "unknown key (expected one of: " + expected + ")");
  }
  return Status::ok();
}

Result<std::string> scalar(const YAML::Node& node, const std::string& path) {
  if (node.IsNull()) return error_at(node, path, "has no value");
  if (!node.IsScalar()) return error_at(node, path, "must be a single value, not a list or map");
  return node.Scalar();
}

Result<std::string> non_empty(const YAML::Node& node, const std::string& path) {
  WEFT_ASSIGN_OR_RETURN(std::string s, scalar(node, path));
  if (s.empty()) return error_at(node, path, "must not be empty");
  return s;
}

std::optional<double> parse_decimal(std::string_view text) {
  bool digit = false, dot = false;
  for (char c : text) {
    if (is_digit(c)) {
      digit = true;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      return std::nullopt;
    }
  }
  if (!digit) return std::nullopt;
  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

std::optional<uint64_t> parse_duration_ns(std::string_view text, const DurationSyntax& syntax) {
  std::string_view s = syntax.trim_blanks ? trim_blanks(text) : text;
  if (syntax.bare_zero && s == "0") return 0;
  if (s.empty()) return std::nullopt;
  double total = 0;
  while (!s.empty()) {
    size_t n = 0;
    while (n < s.size() && (is_digit(s[n]) || s[n] == '.')) ++n;
    size_t u = n;
    while (u < s.size() && !is_digit(s[u]) && s[u] != '.') ++u;
    auto number = parse_decimal(s.substr(0, n));
    double per = unit_ns(s.substr(n, u - n), syntax.day_units);
    if (!number || per == 0) return std::nullopt;
    total += *number * per;
    s.remove_prefix(u);
  }
  if (total > syntax.max_ns || total >= 0x1p63) return std::nullopt;
  return static_cast<uint64_t>(std::llround(total));
}

Result<uint64_t> duration(const YAML::Node& node, const std::string& path, DurationParser parse,
                          std::string_view example) {
  WEFT_ASSIGN_OR_RETURN(std::string s, scalar(node, path));
  auto ns = parse(s);
  if (!ns)
    return error_at(node, path,
                    quoted(s) + " is not a duration (e.g. " + std::string(example) + ")");
  return *ns;
}

Result<uint64_t> positive_duration(const YAML::Node& node, const std::string& path,
                                   DurationParser parse, std::string_view example) {
  WEFT_ASSIGN_OR_RETURN(uint64_t ns, duration(node, path, parse, example));
  if (ns == 0) return error_at(node, path, "must be more than 0");
  return ns;
}

Result<int64_t> integer(const YAML::Node& node, const std::string& path, int64_t min, int64_t max,
                        WholeNumbers syntax) {
  WEFT_ASSIGN_OR_RETURN(std::string s, scalar(node, path));
  std::optional<int64_t> v =
      syntax == WholeNumbers::kDigits ? digits_number(s) : underscored_number(s);
  if (!v || *v < min || *v > max)
    return error_at(node, path,
                    quoted(s) + " is not a whole number from " + std::to_string(min) + " to " +
                        std::to_string(max));
  return *v;
}

Result<bool> boolean(const YAML::Node& node, const std::string& path) {
  WEFT_ASSIGN_OR_RETURN(std::string s, scalar(node, path));
  const std::string_view v = s;  // (compared as a string, GCC 12 warns maybe-uninitialized)
  if (v == "true" || v == "True" || v == "TRUE") return true;
  if (v == "false" || v == "False" || v == "FALSE") return false;
  return error_at(node, path, quoted(s) + " is not true or false");
}

Result<YAML::Node> load_yaml(std::string_view text) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    std::string where =
        e.mark.is_null() ? "" : "config line " + std::to_string(e.mark.line + 1) + ": ";
    return invalid_argument(where + "not valid YAML: " + e.msg);
  }
}

}  // namespace weft::pipeline::yaml_fields
