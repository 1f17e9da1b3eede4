// Memory per buffered span (issue 12 item 8: <= 120 B beyond the spans themselves) and, in a
// DISABLED test, CPU per span of observe + commit.
#include <gtest/gtest.h>
#include <malloc.h>

#include <chrono>
#include <cstdio>

#include "sampling/testing/spans.h"

namespace weft::pipeline::sampling {
namespace {

using namespace testing;

const char* kFivePolicies = R"(
tail_sampling:
  max_traces: 200000
  policies:
    - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
    - {name: slow, type: latency, latency: {threshold_ms: 1000}}
    - {name: vip, type: string_attribute, string_attribute: {key: tier, values: [gold]}}
    - {name: fair, type: probabilistic, probabilistic: {sampling_percentage: 10}}
    - {name: rare, type: rare, rare: {max_per_window: 5, window: 1m}}
)";

// 1M spans in 100k traces of 10, sent as batches of 1000 spans (100 traces whole).
std::vector<SpanBatch> workload(uint64_t traces) {
  std::vector<SpanBatch> batches;
  auto res = resource("svc", {KeyValue{"host.name", AnyValue("h1")}});
  for (uint64_t t = 0; t < traces; t += 100) {
    SpanBatch b;
    for (uint64_t u = t; u < t + 100 && u < traces; ++u)
      for (uint64_t i = 0; i < 10; ++i) {
        Span s = span(u, u * 10 + i, i == 0, i, 100 + i, "svc", "op" + std::to_string(i));
        s.resource = res;
        s.attributes.push_back({"http.method", AnyValue("GET")});
        s.attributes.push_back({"tier", AnyValue(u % 50 == 0 ? "gold" : "free")});
        b.spans.push_back(std::move(s));
      }
    batches.push_back(std::move(b));
  }
  return batches;
}

TEST(MemoryTest, BytesPerBufferedSpanStayUnder120) {
  ManualClock clock;
  auto s = sampler_from(kFivePolicies, clock);
  auto batches = workload(100'000);
  malloc_trim(0);
  const size_t before = mallinfo2().uordblks;
  for (const SpanBatch& b : batches) feed(*s, b);
  const size_t after = mallinfo2().uordblks;
  ASSERT_EQ(s->stats().pending_spans, 1'000'000u);
  const double per_span = static_cast<double>(after - before) / 1e6;
  std::printf("tail sampling: %.1f bytes per buffered span (1M spans, 100k traces)\n", per_span);
  EXPECT_LE(per_span, 120.0);
}

TEST(MemoryTest, DISABLED_CpuPerSpanOfObserveAndCommit) {
  ManualClock clock;
  auto s = sampler_from(kFivePolicies, clock);
  auto batches = workload(100'000);
  const auto t0 = std::chrono::steady_clock::now();
  for (const SpanBatch& b : batches) feed(*s, b);
  const auto t1 = std::chrono::steady_clock::now();
  auto decided = s->decide(clock.now_unix_nanos() + 60'000'000'000ULL);
  const auto t2 = std::chrono::steady_clock::now();
  const double ns = std::chrono::duration<double, std::nano>(t1 - t0).count();
  const double decide_ns = std::chrono::duration<double, std::nano>(t2 - t1).count();
  std::printf("observe+commit: %.1f ns per span; decide: %.1f ns per trace (%zu traces)\n",
              ns / 1e6, decide_ns / static_cast<double>(decided.size()), decided.size());
}

}  // namespace
}  // namespace weft::pipeline::sampling
