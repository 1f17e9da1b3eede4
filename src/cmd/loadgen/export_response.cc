#include "cmd/loadgen/export_response.h"

#include <cctype>
#include <cstdlib>
#include <string>

#include "common/coding.h"

namespace weft::cmd::loadgen {
namespace {

// Finds field `number` (wire type 2 or 0) in a message; a length-delimited field's bytes go
// to *bytes, a varint to *value.
bool find_field(std::string_view in, uint32_t number, std::string_view* bytes, uint64_t* value) {
  while (!in.empty()) {
    uint64_t key = 0, v = 0;
    if (!coding::get_varint64(in, &key)) return false;
    const uint32_t wire_type = key & 7;
    if (wire_type == 0) {
      if (!coding::get_varint64(in, &v)) return false;
      if ((key >> 3) == number) {
        *value = v;
        return true;
      }
    } else if (wire_type == 2) {
      if (!coding::get_varint64(in, &v) || v > in.size()) return false;
      if ((key >> 3) == number) {
        *bytes = in.substr(0, v);
        return true;
      }
      in.remove_prefix(v);
    } else if (wire_type == 1 || wire_type == 5) {
      const size_t n = wire_type == 1 ? 8 : 4;
      if (in.size() < n) return false;
      in.remove_prefix(n);
    } else {
      return false;
    }
  }
  return false;
}

}  // namespace

int64_t rejected_spans_in_proto_response(std::string_view body) {
  std::string_view partial;
  uint64_t unused = 0, rejected = 0;
  if (!find_field(body, 1, &partial, &unused)) return 0;
  std::string_view unused_bytes;
  if (!find_field(partial, 1, &unused_bytes, &rejected)) return 0;
  return static_cast<int64_t>(rejected);
}

int64_t rejected_spans_in_json_response(std::string_view body) {
  const size_t key = body.find("\"rejectedSpans\"");
  if (key == std::string_view::npos) return 0;
  size_t i = body.find(':', key);
  if (i == std::string_view::npos) return 0;
  ++i;
  while (i < body.size() && (std::isspace(static_cast<unsigned char>(body[i])) || body[i] == '"'))
    ++i;
  return std::strtoll(std::string(body.substr(i, 20)).c_str(), nullptr, 10);
}

}  // namespace weft::cmd::loadgen
