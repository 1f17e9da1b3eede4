#include "metrics/red_processor.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "metrics/prometheus_text.h"
#include "pipeline/pipeline.h"
#include "store/testing/span_builder.h"

namespace weft::pipeline::metrics {
namespace {

using namespace weft::model;
using store::testing::kMs;
using store::testing::kT0;
using store::testing::make_span;

// A sink that answers with a fixed status.
class FixedSink : public SpanSink {
 public:
  explicit FixedSink(Status answer) : answer_(std::move(answer)) {}
  void write(SpanBatch, std::function<void(Status)> done) override { done(answer_); }

 private:
  Status answer_;
};

class RedProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MetricsStoreOptions o;  // memory only
    o.clock = &clock_;
    store_ = MetricsStore::open(o).value();
  }
  std::unique_ptr<Pipeline> pipeline_to(SpanSink& sink) {
    std::vector<std::unique_ptr<Processor>> chain;
    chain.push_back(std::make_unique<RedProcessor>(*store_));
    return std::make_unique<Pipeline>(sink, std::move(chain));
  }
  static SpanBatch batch() {
    SpanBatch b;
    for (uint64_t i = 1; i <= 20; ++i) {
      Span s = make_span(i, 1, 0, "checkout", "POST /pay", 0, i * 10);
      if (i % 4 == 0) s.status.code = SpanStatusCode::kError;
      b.spans.push_back(std::move(s));
    }
    b.spans.push_back(make_span(99, 2, 1, "checkout", "SELECT", 0, 3, SpanKind::kClient));
    return b;
  }
  Result<QueryResult> query(GroupBy g) const {
    return store_->query(Family::kSpans, {}, g, kT0, kT0 + 10'000 * kMs, 10'000 * kMs);
  }

  ManualClock clock_{kT0 + 20'000 * kMs};
  std::unique_ptr<MetricsStore> store_;
};

TEST_F(RedProcessorTest, AcknowledgedBatchIsRecordedPerSeries) {
  FixedSink ok(Status::ok());
  auto p = pipeline_to(ok);
  EXPECT_EQ(p->processors()[0]->name(), "red_metrics");
  Status answer = unavailable("not called");
  p->write(batch(), [&](Status s) { answer = s; });
  ASSERT_TRUE(answer.is_ok());
  auto r = query(GroupBy::kSeries);
  ASSERT_TRUE(r.is_ok());
  // (POST /pay, server, ok), (POST /pay, server, error), (SELECT, client, ok).
  ASSERT_EQ(r->series.size(), 3u);
  auto g = query(GroupBy::kOperationAndKind);
  ASSERT_EQ(g->series.size(), 2u);
  const BucketStats& pay = g->series[0].key.operation() == "POST /pay"
                               ? g->series[0].points[0].stats
                               : g->series[1].points[0].stats;
  EXPECT_EQ(pay.calls, 20u);
  EXPECT_EQ(pay.errors, 5u);
  EXPECT_NEAR(pay.durations.quantile(0.5), 100 * kMs, 1 * kMs);  // rank 9 of 10..200 ms
  EXPECT_EQ(pay.durations.max(), 200 * kMs);
  // The slowest trace (20) and the latest errors (20, 16, 12 by end time).
  auto ex = pay.exemplars.all();
  ASSERT_FALSE(ex.empty());
  EXPECT_EQ(ex[0].trace_id, store::testing::trace_id(20));
}

TEST_F(RedProcessorTest, RefusedBatchRecordsNothing) {
  FixedSink refusing(resource_exhausted("overloaded"));
  auto p = pipeline_to(refusing);
  p->write(batch(), [](Status) {});
  EXPECT_TRUE(query(GroupBy::kSeries)->series.empty());
  // Retried and acknowledged: counted once.
  FixedSink ok(Status::ok());
  auto p2 = pipeline_to(ok);
  p2->write(batch(), [](Status) {});
  auto r = query(GroupBy::kService);
  ASSERT_EQ(r->series.size(), 1u);
  EXPECT_EQ(r->series[0].points[0].stats.calls, 21u);
}

TEST_F(RedProcessorTest, PrometheusTextHasCountersAndQuantiles) {
  FixedSink ok(Status::ok());
  pipeline_to(ok)->write(batch(), [](Status) {});
  std::vector<EdgeSample> edges = {{"checkout", "postgres\"ql", PeerKind::kDatabase, true, false,
                                    kT0 + 100 * kMs, 3 * kMs, false}};
  store_->record_edges(edges);
  // now = kT0 + 20 s: the last closed bucket is [kT0 + 10 s, kT0 + 20 s): empty, so no
  // quantiles yet; at kT0 + 10 s it is the bucket holding the spans.
  std::string none = render_prometheus(*store_, {});
  EXPECT_TRUE(none.empty());
  std::string text = render_prometheus(*store_, {.spans = true, .edges = true}, kT0 + 10'000 * kMs);
  EXPECT_NE(text.find("# TYPE weft_red_calls_total counter"), std::string::npos) << text;
  EXPECT_NE(text.find("weft_red_calls_total{service=\"checkout\",operation=\"POST /pay\","
                      "span_kind=\"server\",status=\"error\"} 5\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("weft_red_errors_total{service=\"checkout\",operation=\"POST /pay\","
                      "span_kind=\"server\",status=\"error\"} 5\n"),
            std::string::npos);
  EXPECT_NE(text.find("weft_red_duration_seconds{service=\"checkout\",operation=\"SELECT\","
                      "span_kind=\"client\",status=\"ok\",quantile=\"0.99\"} 0.003"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("weft_edge_calls_total{client=\"checkout\",server=\"postgres\\\"ql\","
                      "server_kind=\"database\",virtual=\"true\",messaging=\"false\"} 1\n"),
            std::string::npos)
      << text;
}

// A rough cost figure, not a test: run with --gtest_also_run_disabled_tests.
TEST_F(RedProcessorTest, DISABLED_CostPerSpan) {
  FixedSink ok(Status::ok());
  RedProcessor proc(*store_);
  SpanBatch b;
  for (uint64_t i = 0; i < 500; ++i)
    b.spans.push_back(make_span(i + 1, 1, 0, "svc" + std::to_string(i % 10),
                                "op" + std::to_string(i % 30), 0, 1 + i % 300,
                                i % 3 ? SpanKind::kServer : SpanKind::kClient));
  constexpr int kRounds = 2000;
  auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < kRounds; ++r) proc.observe(b)->commit();
  std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - t0;
  std::printf("observe+commit: %.1f ns per span (batch of %zu, %d rounds)\n",
              took.count() / (kRounds * b.spans.size()), b.spans.size(), kRounds);
}

}  // namespace
}  // namespace weft::pipeline::metrics
