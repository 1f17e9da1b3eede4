#include "alerts/units.h"

#include <cstdio>
#include <ctime>

#include "pipeline/yaml_fields.h"

namespace weft::pipeline::alerts {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The duration syntax of alert rules (units.h).
constexpr yaml_fields::DurationSyntax kDurations{
    .trim_blanks = true, .bare_zero = true, .day_units = true, .max_ns = 0x1p63};

// The shortest decimal form of v with at most `decimals` decimals.
std::string trimmed_decimal(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

}  // namespace

std::optional<uint64_t> parse_duration_ns(std::string_view text) {
  return yaml_fields::parse_duration_ns(text, kDurations);
}

std::optional<double> parse_fraction(std::string_view text) {
  std::string_view s = trim(text);
  bool percent = !s.empty() && s.back() == '%';
  if (percent) s = trim(s.substr(0, s.size() - 1));
  auto v = yaml_fields::parse_decimal(s);
  if (!v) return std::nullopt;
  if (percent) {
    if (*v > 100) return std::nullopt;
    return *v / 100;
  }
  if (*v > 1) return std::nullopt;
  return *v;
}

std::string format_duration(uint64_t ns) {
  if (ns == 0) return "0s";
  struct Unit {
    uint64_t ns;
    const char* name;
  };
  static constexpr Unit kUnits[] = {
      {3'600'000'000'000ULL, "h"}, {60'000'000'000ULL, "m"}, {1'000'000'000ULL, "s"},
      {1'000'000ULL, "ms"},        {1'000ULL, "us"},         {1ULL, "ns"}};
  for (const Unit& u : kUnits)
    if (ns % u.ns == 0) return std::to_string(ns / u.ns) + u.name;
  return std::to_string(ns) + "ns";  // unreachable: every value is a whole number of ns
}

std::string format_percent(double fraction) { return trimmed_decimal(fraction * 100, 4) + "%"; }

std::string format_millis(double ns) { return trimmed_decimal(ns / 1e6, 3) + "ms"; }

std::string format_rfc3339(uint64_t unix_ns) {
  std::time_t secs = static_cast<std::time_t>(unix_ns / 1'000'000'000ULL);
  uint32_t frac = static_cast<uint32_t>(unix_ns % 1'000'000'000ULL);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  std::string out = buf;
  if (frac != 0) {
    std::snprintf(buf, sizeof buf, ".%09u", frac);
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out += 'Z';
  return out;
}

}  // namespace weft::pipeline::alerts
