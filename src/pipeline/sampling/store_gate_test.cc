// Tail sampling's hold on the store (store_gate.h, tail_sampler.h "The store's side"): what
// a cut is told about each trace, how long decisions are kept for it, and the WAL replay.
#include "sampling/store_gate.h"

#include <gtest/gtest.h>

#include "sampling/testing/spans.h"

namespace weft::pipeline::sampling {
namespace {

using namespace testing;
using Fate = TraceGate::Fate;
constexpr uint64_t kSecond = 1'000'000'000ULL;

// decision_cache_size 0: the LRU keeps nothing, so what the store is told comes from the
// records kept for it alone.
const char* kConfig = R"(
tail_sampling:
  decision_wait: 10s
  root_grace: 2s
  decision_cache_size: 0
  policies:
    - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
)";

Span error_span(uint64_t t, uint64_t n, bool root) {
  Span s = span(t, n, root, 0, 5);
  s.status.code = model::SpanStatusCode::kError;
  return s;
}

struct Fixture {
  ManualClock clock;
  std::shared_ptr<TailSampler> sampler{sampler_from(kConfig, clock)};
  TailSamplingGate gate{sampler};
  uint64_t now() const { return clock.now_unix_nanos(); }
};

TEST(StoreGateTest, PendingTracesWaitUnlessForcedAndDecidedOnesAreKeptOrDropped) {
  Fixture f;
  feed(*f.sampler, batch({error_span(1, 1, true), span(2, 2, true, 0, 5)}));
  EXPECT_EQ(f.gate.fate(trace_id(1), false), Fate::kWait);
  EXPECT_EQ(f.gate.fate(trace_id(2), false), Fate::kWait);
  EXPECT_EQ(f.sampler->decide(f.now() + 2 * kSecond).size(), 2u);
  EXPECT_EQ(f.gate.fate(trace_id(1), false), Fate::kKeep);
  EXPECT_EQ(f.gate.fate(trace_id(2), false), Fate::kDrop);
  // Forced, a pending trace is decided on what has been seen; an unknown one is kept.
  feed(*f.sampler, batch({error_span(3, 3, false)}));
  EXPECT_EQ(f.gate.fate(trace_id(3), true), Fate::kKeep);
  EXPECT_EQ(f.gate.fate(trace_id(4), false), Fate::kWait);
  EXPECT_EQ(f.gate.fate(trace_id(4), true), Fate::kKeep);
  TailSamplerStats st = f.sampler->stats();
  EXPECT_EQ(st.decided_for_cut, 1u);
  EXPECT_EQ(st.kept_unknown, 1u);
  EXPECT_EQ(st.pending_traces, 0u);
  EXPECT_EQ(st.kept, 2u);
  EXPECT_EQ(st.dropped, 1u);
}

TEST(StoreGateTest, DecisionsLastUntilTheHeadsHoldingTheirSpansAreWritten) {
  Fixture f;
  feed(*f.sampler, batch({span(1, 1, true, 0, 5)}));
  f.sampler->decide(f.now() + 2 * kSecond);  // dropped, in head 0
  f.gate.head_frozen();                      // head 0 frozen; head 1 takes spans
  feed(*f.sampler, batch({span(1, 2, false, 0, 5)}));  // a late span, in head 1
  EXPECT_EQ(f.sampler->stats().late_spans, 1u);
  EXPECT_EQ(f.sampler->stats().pending_traces, 0u);  // it followed the decision
  f.gate.head_written();  // head 0
  EXPECT_EQ(f.gate.fate(trace_id(1), false), Fate::kDrop);  // head 1 still needs it
  f.gate.head_frozen();
  f.gate.head_written();  // head 1
  EXPECT_EQ(f.sampler->stats().store_records, 0u);
  EXPECT_EQ(f.gate.fate(trace_id(1), false), Fate::kWait);  // forgotten: no head holds it
}

TEST(StoreGateTest, ReplayedSpansAreDecidedAgainDecisionWaitAfterTheReplay) {
  Fixture f;
  f.gate.replayed(batch({error_span(1, 1, false)}));
  f.gate.replayed(batch({span(1, 2, true, 0, 9), span(2, 3, true, 0, 9)}));
  EXPECT_EQ(f.sampler->stats().pending_traces, 2u);
  EXPECT_EQ(f.sampler->stats().pending_spans, 3u);
  EXPECT_TRUE(f.sampler->decide(f.now() + kSecond).empty());
  EXPECT_EQ(f.sampler->decide(f.now() + 2 * kSecond).size(), 2u);
  EXPECT_EQ(f.gate.fate(trace_id(1), false), Fate::kKeep);
  EXPECT_EQ(f.gate.fate(trace_id(2), false), Fate::kDrop);
}

TEST(StoreGateTest, MaxWaitIsTheDecisionWaitAndTwoDecideRounds) {
  Fixture f;
  EXPECT_EQ(f.gate.max_wait_nanos(), 12 * kSecond);
}

}  // namespace
}  // namespace weft::pipeline::sampling
