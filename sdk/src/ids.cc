#include "weft/ids.h"

#include <random>

namespace weft::detail {

IdRng::IdRng() {
  std::random_device rd;
  for (uint64_t& x : s) {
    x = (uint64_t{rd()} << 32) ^ rd();
    if (x == 0) x = 0x9E3779B97F4A7C15ull;
  }
}

}  // namespace weft::detail
