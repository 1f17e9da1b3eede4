#pragma once
// Helpers shared by the samplers' Description() strings.
#include <charconv>
#include <string>

namespace weft::sampling {

// Shortest round-trip form, locale-independent ("0.25", "1", "1e-05").
inline std::string FormatNumber(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string("?");
}

}  // namespace weft::sampling
