// lay_out_times (declared in trace_shape.h): the timing half of a trace's shape.
#include <algorithm>

#include "loadgen/trace_shape.h"

namespace weft::loadgen::detail {
namespace {

// Medians in milliseconds and sigmas of the log-normal draws.
constexpr double kLeafWorkMs = 2.0, kLeafSigma = 0.8;
constexpr double kDbMs = 1.5, kDbSigma = 0.9;
constexpr double kCacheMs = 0.4, kCacheSigma = 0.6;
constexpr double kProducerMs = 0.3, kProducerSigma = 0.5;
constexpr double kOwnWorkMs = 0.25, kOwnWorkSigma = 0.7;  // a parent's work around children
constexpr double kNetworkMs = 0.15, kNetworkSigma = 0.5;  // one way, CLIENT to SERVER
constexpr double kGapMs = 0.03, kGapSigma = 0.5;          // between consecutive children
constexpr double kQueueMs = 3.0, kQueueSigma = 1.0;       // PRODUCER to CONSUMER
constexpr uint64_t kOverlapPerMille = 250;                // child starting with its sibling

uint64_t draw_nanos(Prng& rng, double median_ms, double sigma, double factor = 1.0) {
  const double ns = rng.log_normal(median_ms * 1e6, sigma) * factor;
  return ns < 1000.0 ? 1000 : static_cast<uint64_t>(ns);  // at least 1 µs
}

// Places node `i` at `start` and returns its end. Children end no later than their parent.
uint64_t lay_out(Prng& rng, TraceShape& shape, int i, uint64_t start) {
  Node& n = shape.nodes[static_cast<size_t>(i)];
  n.start = start;
  uint64_t end = start;
  switch (n.op) {
    case Op::kRpcClient: {
      const uint64_t server_end = lay_out(rng, shape, n.children.front(),
                                          start + draw_nanos(rng, kNetworkMs, kNetworkSigma));
      end = server_end + draw_nanos(rng, kNetworkMs, kNetworkSigma);
      break;
    }
    case Op::kDbClient:
      end = start + draw_nanos(rng, kDbMs, kDbSigma, n.slowdown);
      break;
    case Op::kCacheClient:
      end = start + draw_nanos(rng, kCacheMs, kCacheSigma, n.slowdown);
      break;
    case Op::kProducer:
      end = start + draw_nanos(rng, kProducerMs, kProducerSigma, n.slowdown);
      break;
    case Op::kServer:
    case Op::kInternal:
    case Op::kConsumer: {
      if (n.children.empty()) {
        end = start + draw_nanos(rng, kLeafWorkMs, kLeafSigma, n.slowdown);
        break;
      }
      uint64_t cursor = start + draw_nanos(rng, kOwnWorkMs, kOwnWorkSigma, n.slowdown);
      uint64_t previous_start = cursor;
      // Copy: lay_out of a child may not reallocate nodes, but keep `n` untouched meanwhile.
      const std::vector<int> children = n.children;
      for (size_t c = 0; c < children.size(); ++c) {
        uint64_t child_start = cursor;
        if (c > 0 && rng.below(1000) < kOverlapPerMille)
          child_start = previous_start + draw_nanos(rng, kGapMs, kGapSigma);
        const uint64_t child_end = lay_out(rng, shape, children[c], child_start);
        previous_start = child_start;
        cursor = std::max(cursor, child_end) + draw_nanos(rng, kGapMs, kGapSigma);
      }
      end = cursor + draw_nanos(rng, kOwnWorkMs, kOwnWorkSigma, n.slowdown);
      break;
    }
  }
  shape.nodes[static_cast<size_t>(i)].duration = end - start;
  return end;
}

}  // namespace

void lay_out_times(Prng& rng, TraceShape& shape) {
  lay_out(rng, shape, 0, 0);
  // In index order: a producer always precedes its consumer and is placed by then, whether
  // it hangs under the root or under an earlier consumer.
  for (size_t i = 1; i < shape.nodes.size(); ++i) {
    const Node& n = shape.nodes[i];
    if (n.op != Op::kConsumer) continue;
    const uint64_t producer_start = shape.nodes[static_cast<size_t>(n.link)].start;
    lay_out(rng, shape, static_cast<int>(i),
            producer_start + draw_nanos(rng, kQueueMs, kQueueSigma));
  }
}

}  // namespace weft::loadgen::detail
