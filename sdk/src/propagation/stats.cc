// PropagationStats: two process-wide counters. Relaxed atomics: they are monotonic tallies
// read for metrics, never used to order anything.
#include <atomic>

#include "propagation/util.h"
#include "weft/propagation.h"

namespace weft {
namespace {
std::atomic<uint64_t> g_extracted{0};
std::atomic<uint64_t> g_malformed{0};
}  // namespace

namespace propagation {
void CountExtracted() { g_extracted.fetch_add(1, std::memory_order_relaxed); }
void CountMalformed() { g_malformed.fetch_add(1, std::memory_order_relaxed); }
}  // namespace propagation

PropagationStats GetPropagationStats() {
  PropagationStats s;
  s.extracted = g_extracted.load(std::memory_order_relaxed);
  s.malformed = g_malformed.load(std::memory_order_relaxed);
  return s;
}

}  // namespace weft
