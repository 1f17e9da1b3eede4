#include "wire/decode_result.h"

namespace weft::wire {

std::string DecodeResult::summary() const {
  if (rejected_spans == 0) return {};
  std::string s =
      std::to_string(rejected_spans) + (rejected_spans == 1 ? " span" : " spans") + " rejected: ";
  for (size_t i = 0; i < errors.size(); ++i) {
    if (i) s += "; ";
    s += errors[i];
  }
  if (rejected_spans > errors.size()) s += "; ...";
  return s;
}

}  // namespace weft::wire
