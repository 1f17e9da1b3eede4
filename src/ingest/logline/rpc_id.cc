#include "logline/rpc_id.h"

#include <charconv>
#include <string>

namespace weft::logline {

bool parse_rpc_id(std::string_view text, size_t max_depth, std::vector<uint32_t>* out,
                  std::string* error) {
  out->clear();
  if (text.empty()) {
    *error = "is empty";
    return false;
  }
  size_t i = 0;
  while (true) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9') {
      *error = "is not dotted decimal numbers";
      return false;
    }
    uint64_t v = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      v = v * 10 + static_cast<uint64_t>(text[i] - '0');
      if (v > kMaxRpcIdComponent) {
        *error = "has a component over " + std::to_string(kMaxRpcIdComponent);
        return false;
      }
      ++i;
    }
    if (out->size() >= max_depth) {
      *error = "has more than " + std::to_string(max_depth) + " components";
      return false;
    }
    out->push_back(static_cast<uint32_t>(v));
    if (i == text.size()) return true;
    if (text[i] != '.') {
      *error = "is not dotted decimal numbers";
      return false;
    }
    ++i;
  }
}

void format_rpc_id_to(std::span<const uint32_t> rpc, std::string* out) {
  out->clear();
  char buf[16];
  for (size_t i = 0; i < rpc.size(); ++i) {
    if (i) out->push_back('.');
    const auto r = std::to_chars(buf, buf + sizeof buf, rpc[i]);
    out->append(buf, r.ptr);
  }
}

std::string format_rpc_id(std::span<const uint32_t> rpc) {
  std::string s;
  format_rpc_id_to(rpc, &s);
  return s;
}

std::string format_rpc_id(std::span<const uint32_t> rpc, uint32_t last) {
  std::string s = format_rpc_id(rpc);
  if (!s.empty()) s.push_back('.');
  s += std::to_string(last);
  return s;
}

}  // namespace weft::logline
