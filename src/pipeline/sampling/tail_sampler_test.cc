// The sampler as a processor: decision timing, late spans, refused batches, capacity,
// counters and concurrent commits. Time is a ManualClock (arrival) and decide()'s argument.
#include "sampling/tail_sampler.h"

#include <gtest/gtest.h>

#include <thread>

#include "pipeline/pipeline.h"
#include "sampling/testing/spans.h"

namespace weft::pipeline::sampling {
namespace {

using namespace testing;
constexpr uint64_t kSecond = 1'000'000'000ULL;

const char* kConfig = R"(
tail_sampling:
  decision_wait: 30s
  root_grace: 5s
  max_traces: 1000
  policies:
    - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
)";

TEST(TailSamplerTest, DecidesDecisionWaitAfterTheLastSpanWithoutARoot) {
  ManualClock clock;
  const uint64_t t0 = clock.now_unix_nanos();
  auto s = sampler_from(kConfig, clock);
  feed(*s, batch({span(1, 1, false, 0, 5)}));
  clock.advance(20 * kSecond);
  feed(*s, batch({span(1, 2, false, 0, 5)}));  // the wait restarts from here
  EXPECT_TRUE(s->decide(t0 + 49 * kSecond).empty());
  EXPECT_EQ(s->stats().pending_traces, 1u);
  EXPECT_EQ(s->stats().pending_spans, 2u);
  auto d = s->decide(t0 + 50 * kSecond);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].trace_id, trace_id(1));
  EXPECT_FALSE(d[0].keep);
  EXPECT_EQ(d[0].policy, "");
  EXPECT_EQ(s->stats().pending_traces, 0u);
  EXPECT_EQ(s->stats().pending_spans, 0u);
}

TEST(TailSamplerTest, DecidesRootGraceAfterTheRootArrived) {
  ManualClock clock;
  const uint64_t t0 = clock.now_unix_nanos();
  auto s = sampler_from(kConfig, clock);
  feed(*s, batch({span(1, 1, false, 0, 5)}));
  clock.advance(2 * kSecond);
  feed(*s, batch({span(1, 2, true, 0, 9)}));
  clock.advance(2 * kSecond);
  feed(*s, batch({span(1, 3, false, 0, 5)}));  // a span after the root does not delay it
  EXPECT_TRUE(s->decide(t0 + 7 * kSecond - 1).empty());
  EXPECT_EQ(s->decide(t0 + 7 * kSecond).size(), 1u);
}

TEST(TailSamplerTest, LateSpansFollowTheDecision) {
  ManualClock clock;
  auto s = sampler_from(kConfig, clock);
  Span err = span(1, 1, true, 0, 5);
  err.status.code = SpanStatusCode::kError;
  feed(*s, batch({err, span(2, 2, true, 0, 5)}));
  EXPECT_FALSE(s->decided(trace_id(1)).has_value());  // still pending
  auto d = s->decide(clock.now_unix_nanos() + 5 * kSecond);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(s->decided(trace_id(1)), std::optional<bool>(true));
  EXPECT_EQ(s->decided(trace_id(2)), std::optional<bool>(false));
  // Late spans — an error on the dropped trace included — neither reopen nor change it.
  Span late_err = span(2, 3, false, 1, 2);
  late_err.status.code = SpanStatusCode::kError;
  feed(*s, batch({span(1, 4, false, 1, 2), late_err}));
  EXPECT_EQ(s->stats().pending_traces, 0u);
  EXPECT_EQ(s->stats().late_spans, 2u);
  EXPECT_TRUE(s->decide(clock.now_unix_nanos() + 100 * kSecond).empty());
  EXPECT_EQ(s->decided(trace_id(2)), std::optional<bool>(false));
}

class FixedSink : public SpanSink {
 public:
  explicit FixedSink(Status answer) : answer_(std::move(answer)) {}
  void write(SpanBatch, std::function<void(Status)> done) override { done(answer_); }

 private:
  Status answer_;
};

TEST(TailSamplerTest, RefusedBatchLeavesNoPendingTrace) {
  ManualClock clock;
  auto owned = sampler_from(kConfig, clock);
  TailSampler* s = owned.get();
  std::vector<std::unique_ptr<Processor>> chain;
  chain.push_back(std::move(owned));
  FixedSink refusing(resource_exhausted("overloaded"));
  Pipeline refused(refusing, std::move(chain));
  Status answer;
  refused.write(batch({span(1, 1, true, 0, 5)}), [&](Status st) { answer = st; });
  EXPECT_EQ(answer.code(), ResultCode::kResourceExhausted);
  EXPECT_EQ(s->stats().pending_traces, 0u);
  EXPECT_TRUE(s->decide(clock.now_unix_nanos() + 100 * kSecond).empty());

  auto owned2 = sampler_from(kConfig, clock);
  TailSampler* s2 = owned2.get();
  std::vector<std::unique_ptr<Processor>> chain2;
  chain2.push_back(std::move(owned2));
  FixedSink ok(Status::ok());
  Pipeline accepted(ok, std::move(chain2));
  accepted.write(batch({span(1, 1, true, 0, 5)}), [](Status) {});
  EXPECT_EQ(s2->stats().pending_traces, 1u);
}

TEST(TailSamplerTest, BeyondMaxTracesTheOldestIsDecidedEarly) {
  ManualClock clock;
  auto s = sampler_from(R"(
tail_sampling:
  max_traces: 3
  policies: [{name: all, type: always_sample}]
)",
                        clock, TailSamplerOptions{.shards = 1});
  for (uint64_t t = 0; t < 3; ++t) {
    feed(*s, batch({span(t, t, false, 0, 5)}));
    clock.advance(kSecond);
  }
  feed(*s, batch({span(0, 10, false, 0, 5)}));  // touching trace 0 does not make it younger
  feed(*s, batch({span(3, 3, false, 0, 5)}));
  EXPECT_EQ(s->stats().pending_traces, 3u);
  EXPECT_EQ(s->stats().decided_early, 1u);
  EXPECT_EQ(s->decided(trace_id(0)), std::optional<bool>(true));
  auto d = s->decide(clock.now_unix_nanos());  // nothing due: only the early decision
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].trace_id, trace_id(0));
  EXPECT_EQ(s->decide(clock.now_unix_nanos() + 31 * kSecond).size(), 3u);
}

TEST(TailSamplerTest, CountsPerPolicyAndPerRootService) {
  ManualClock clock;
  auto s = sampler_from(R"(
tail_sampling:
  policies:
    - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
    - {name: slow, type: latency, latency: {threshold_ms: 1000}}
)",
                        clock);
  Span err = span(1, 1, true, 0, 5, "checkout");
  err.status.code = SpanStatusCode::kError;
  feed(*s, batch({err, span(2, 2, true, 0, 2000, "checkout"), span(3, 3, true, 0, 5, "cart"),
                  span(4, 4, false, 0, 5, "db"), span(4, 5, true, 0, 5, "cart")}));
  ASSERT_EQ(s->decide(clock.now_unix_nanos() + 31 * kSecond).size(), 4u);
  const TailSamplerStats st = s->stats();
  ASSERT_EQ(st.policies.size(), 2u);
  EXPECT_EQ(st.policies[0].name, "errors");
  EXPECT_EQ(st.policies[0].sampled, 1u);
  EXPECT_EQ(st.policies[0].not_sampled, 3u);
  EXPECT_EQ(st.policies[1].sampled, 1u);
  EXPECT_EQ(st.kept, 2u);
  EXPECT_EQ(st.dropped, 2u);
  ASSERT_EQ(st.services.size(), 2u);  // trace 4 counts under its root's service, cart
  EXPECT_EQ(st.services[0].service, "cart");
  EXPECT_EQ(st.services[0].kept, 0u);
  EXPECT_EQ(st.services[0].dropped, 2u);
  EXPECT_EQ(st.services[1].service, "checkout");
  EXPECT_EQ(st.services[1].kept, 2u);
}

TEST(TailSamplerTest, ConcurrentCommitsOfHalvesOfTracesMerge) {
  ManualClock clock;
  auto s = sampler_from(R"(
tail_sampling:
  max_traces: 100000
  policies:
    - {name: whole, type: span_count, span_count: {min_spans: 8, max_spans: 8}}
    - {name: marked, type: boolean_attribute, boolean_attribute: {key: mark, value: true}}
)",
                        clock);
  constexpr uint64_t kTraces = 4000;
  // Threads 0/1 send the first/second half of even traces, threads 2/3 of odd ones; the
  // root and the `mark` attribute are in different halves.
  auto worker = [&](int w) {
    for (uint64_t t = static_cast<uint64_t>(w / 2); t < kTraces; t += 2) {
      std::vector<Span> spans;
      for (uint64_t i = 0; i < 4; ++i) {
        const uint64_t n = t * 8 + (w % 2) * 4 + i;
        Span sp = span(t, n, w % 2 == 0 && i == 0, 0, 5);
        if (w % 2 == 1 && i == 3 && t % 3 == 0) sp.attributes.push_back({"mark", AnyValue(true)});
        spans.push_back(std::move(sp));
      }
      feed(*s, batch(std::move(spans)));
    }
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) threads.emplace_back(worker, w);
  for (auto& th : threads) th.join();
  EXPECT_EQ(s->stats().pending_traces, kTraces);
  EXPECT_EQ(s->stats().pending_spans, kTraces * 8);
  auto d = s->decide(clock.now_unix_nanos() + 31 * kSecond);
  ASSERT_EQ(d.size(), kTraces);
  const TailSamplerStats st = s->stats();
  EXPECT_EQ(st.policies[0].sampled, kTraces);  // every trace whole: 8 spans
  EXPECT_EQ(st.policies[1].sampled, (kTraces + 2) / 3);
}

}  // namespace
}  // namespace weft::pipeline::sampling
