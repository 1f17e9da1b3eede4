#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>

#include "server/serve_options.h"

namespace weft::server {

Result<uint64_t> parse_byte_size(std::string_view what, std::string_view text) {
  auto bad = [&] {
    return invalid_argument(std::string(what) + ": \"" + std::string(text) +
                            "\" is not a size (e.g. 1073741824, 512MiB, 10GB)");
  };
  std::string t(text);
  size_t i = 0;
  while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) || t[i] == '.')) ++i;
  if (i == 0) return bad();
  const std::string number = t.substr(0, i);  // `end` points into it: it must outlive the check
  char* end = nullptr;
  const double n = std::strtod(number.c_str(), &end);
  if (!end || *end != '\0' || !(n >= 0)) return bad();
  std::string unit;
  for (char c : t.substr(i))
    if (c != ' ') unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  double mult = 1;
  if (unit.empty() || unit == "b") mult = 1;
  else if (unit == "kb" || unit == "k") mult = 1e3;
  else if (unit == "mb" || unit == "m") mult = 1e6;
  else if (unit == "gb" || unit == "g") mult = 1e9;
  else if (unit == "tb" || unit == "t") mult = 1e12;
  else if (unit == "kib") mult = 1024.0;
  else if (unit == "mib") mult = 1024.0 * 1024;
  else if (unit == "gib") mult = 1024.0 * 1024 * 1024;
  else if (unit == "tib") mult = 1024.0 * 1024 * 1024 * 1024;
  else return bad();
  const double bytes = std::floor(n * mult);
  if (bytes > 1.8e19) return bad();
  return static_cast<uint64_t>(bytes);
}

}  // namespace weft::server
