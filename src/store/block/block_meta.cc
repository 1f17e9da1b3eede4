#include "store/block/block_meta.h"

#include <cstdio>

namespace weft::store {

std::string block_file_name(uint64_t id) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx.blk", static_cast<unsigned long long>(id));
  return buf;
}

bool parse_block_file_name(const std::string& name, uint64_t* id) {
  if (name.size() != 20 || name.compare(16, 4, ".blk") != 0) return false;
  uint64_t v = 0;
  for (int i = 0; i < 16; ++i) {
    char c = name[i];
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else
      return false;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  *id = v;
  return true;
}

}  // namespace weft::store
