#pragma once
// Introspection of the sampler RemoteSampler() returns (for tests and diagnostics).
#include <cstdint>
#include <string>

#include "weft/sampler.h"

namespace weft::sampling {

struct RemoteSamplerStats {
  uint64_t polls = 0;     // requests made (successful or not)
  uint64_t failures = 0;  // transport errors, non-200 answers, unusable strategies
  uint64_t updates = 0;   // strategies installed (an unchanged answer installs nothing)
  std::string last_error;
  std::string strategy;  // Description() of the strategy in force
};

// False if `sampler` was not made by RemoteSampler().
bool GetRemoteSamplerStats(const Sampler& sampler, RemoteSamplerStats* out);

}  // namespace weft::sampling
