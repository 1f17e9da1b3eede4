// MetricsStore's memory budget: old minutes evicted from memory are read back from the
// segment files, so answers do not change; the estimate stays within the budget.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "metrics/metrics_store.h"
#include "store/testing/temp_dir.h"

namespace weft::pipeline::metrics {
namespace {

using model::SpanKind;
constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kS = 1'000'000'000;
constexpr uint64_t kMin = 60 * kS;
constexpr uint64_t kHour = 3600 * kS;
constexpr uint64_t kDay = 24 * kHour;
constexpr uint64_t kT0 = 1'700'000'040'000'000'000ULL;  // on a minute boundary
constexpr uint64_t kUnlimited = UINT64_MAX;
constexpr uint64_t kSlack = 1024;  // about one bucket

model::TraceId tid(uint64_t n) {
  model::TraceId t;
  for (int i = 0; i < 8; ++i) t.bytes[15 - i] = static_cast<uint8_t>(n >> (8 * i));
  t.bytes[0] = 1;
  return t;
}

class MetricsBudgetTest : public ::testing::Test {
 protected:
  std::unique_ptr<MetricsStore> open(const std::string& dir, uint64_t budget,
                                     MetricsStoreOptions o) {
    o.clock = &clock_;
    o.data_dir = dir;
    o.memory_budget_bytes = budget;
    auto s = MetricsStore::open(o);
    EXPECT_TRUE(s.is_ok()) << s.status().to_string();
    return s.is_ok() ? std::move(*s) : nullptr;
  }

  // One batch at `t`: every series gets a few spans, some errors, and two edges. Durations
  // and end times are all distinct, so exemplars never tie (a tie is broken by merge order).
  static BatchAggregate batch(uint64_t t, uint64_t seq, int services) {
    BatchAggregate b;
    for (int s = 0; s < services; ++s)
      for (int op = 0; op < 2; ++op)
        for (uint64_t i = 0; i < 3; ++i) {
          const uint64_t n = seq * 1000 + static_cast<uint64_t>(s) * 10 + op * 3 + i;
          b.add_span("svc" + std::to_string(s), "op" + std::to_string(op),
                     i == 2 ? SpanKind::kClient : SpanKind::kServer, n % 7 == 0,
                     t - (i + 1) * kS - static_cast<uint64_t>(s * 2 + op) * kMs,
                     (n % 997 + 1) * kMs + n, tid(n));
        }
    b.add_edge({"svc0", "svc1", PeerKind::kService, false, false, t - kS, (seq % 50 + 1) * kMs,
                seq % 3 == 0});
    b.add_edge({"svc1", "postgres", PeerKind::kDatabase, true, false, t - 2 * kS,
                (seq % 40 + 2) * kMs, false});
    return b;
  }

  static void expect_same(const QueryResult& a, const QueryResult& b) {
    EXPECT_EQ(a.resolution_nanos, b.resolution_nanos);
    ASSERT_EQ(a.series.size(), b.series.size());
    for (size_t i = 0; i < a.series.size(); ++i) {
      const SeriesPoints& x = a.series[i];
      const SeriesPoints& y = b.series[i];
      ASSERT_EQ(x.key, y.key);
      ASSERT_EQ(x.points.size(), y.points.size());
      for (size_t k = 0; k < x.points.size(); ++k) {
        EXPECT_EQ(x.points[k].start_unix_nano, y.points[k].start_unix_nano);
        EXPECT_EQ(x.points[k].stats.calls, y.points[k].stats.calls) << x.key.first << " " << k;
        EXPECT_EQ(x.points[k].stats.errors, y.points[k].stats.errors);
        EXPECT_TRUE(x.points[k].stats.durations == y.points[k].stats.durations);
        EXPECT_EQ(x.points[k].stats.exemplars.slowest(), y.points[k].stats.exemplars.slowest());
        EXPECT_EQ(x.points[k].stats.exemplars.errors().size(),
                  y.points[k].stats.exemplars.errors().size());
      }
    }
  }

  // Every query shape over [start, end): the two stores must agree.
  static void expect_same_answers(const MetricsStore& a, const MetricsStore& b, uint64_t start,
                                  uint64_t end) {
    for (uint64_t step : {kMin, 7 * kMin, kHour, end - start}) {
      for (GroupBy g : {GroupBy::kSeries, GroupBy::kService, GroupBy::kOperationAndKind}) {
        auto x = a.query(Family::kSpans, {}, g, start, end, step);
        auto y = b.query(Family::kSpans, {}, g, start, end, step);
        ASSERT_TRUE(x.is_ok()) << x.status().to_string();
        ASSERT_TRUE(y.is_ok()) << y.status().to_string();
        expect_same(*x, *y);
      }
      auto x = a.query(Family::kSpans, {.services = {"svc2"}, .operation = "op1"},
                       GroupBy::kOperation, start, end, step);
      auto y = b.query(Family::kSpans, {.services = {"svc2"}, .operation = "op1"},
                       GroupBy::kOperation, start, end, step);
      ASSERT_TRUE(x.is_ok() && y.is_ok());
      expect_same(*x, *y);
      auto ex = a.query(Family::kEdges, {}, GroupBy::kSeries, start, end, step);
      auto ey = b.query(Family::kEdges, {}, GroupBy::kSeries, start, end, step);
      ASSERT_TRUE(ex.is_ok() && ey.is_ok());
      expect_same(*ex, *ey);
    }
    auto ea = a.edges(start, end);
    auto eb = b.edges(start, end);
    ASSERT_EQ(ea.size(), eb.size());
    for (size_t i = 0; i < ea.size(); ++i) {
      EXPECT_EQ(ea[i].key, eb[i].key);
      EXPECT_EQ(ea[i].calls, eb[i].calls);
      EXPECT_EQ(ea[i].errors, eb[i].errors);
      EXPECT_EQ(ea[i].p99_nanos, eb[i].p99_nanos);
    }
    EXPECT_EQ(a.services(), b.services());
    EXPECT_EQ(a.operations("svc1"), b.operations("svc1"));
    EXPECT_EQ(a.series_count(Family::kSpans), b.series_count(Family::kSpans));
    EXPECT_EQ(a.series_count(Family::kEdges), b.series_count(Family::kEdges));
  }

  ManualClock clock_{kT0};
};

TEST_F(MetricsBudgetTest, TinyBudgetAnswersLikeUnlimitedAndAfterRestart) {
  store::testing::TempDir full_dir, tiny_dir;
  MetricsStoreOptions o;
  o.ten_second_retention_nanos = kHour;
  o.segment_max_bytes = 32 << 10;  // many segments: the per-segment time index skips most
  constexpr uint64_t kBudget = 96 << 10;
  auto full = open(full_dir.path(), kUnlimited, o);
  auto tiny = open(tiny_dir.path(), kBudget, o);
  ASSERT_TRUE(full && tiny);
  const uint64_t end = kT0 + 3 * kDay + 2 * kHour;
  uint64_t seq = 0;
  // A retired series: data only on the first day (kept known while its minutes last).
  for (uint64_t t = kT0 + 10 * kMin; t <= end; t += 10 * kMin, ++seq) {
    clock_.set(t);
    BatchAggregate b = batch(t, seq, 4);
    if (t < kT0 + kDay) b.add_span("retired", "old", SpanKind::kServer, false, t - kS, kMs, tid(1));
    full->record(b);
    tiny->record(b);
    ASSERT_TRUE(full->flush(t).is_ok());
    ASSERT_TRUE(tiny->flush(t).is_ok());
    EXPECT_LE(tiny->bytes_held(), kBudget + kSlack) << "at " << (t - kT0) / kMin << " min";
  }
  EXPECT_GT(tiny->evicted_buckets(), 0u);
  EXPECT_EQ(full->evicted_buckets(), 0u);
  EXPECT_GT(tiny->minute_horizon(Family::kSpans), kT0 + 2 * kDay);
  EXPECT_GT(tiny->minute_horizon(Family::kEdges), kT0);
  EXPECT_EQ(full->minute_horizon(Family::kSpans), 0u);
  EXPECT_GT(full->bytes_held(), 10 * kBudget);
  // Three days, before and across the horizon; and a range wholly before it.
  expect_same_answers(*full, *tiny, kT0, kT0 + 3 * kDay);
  expect_same_answers(*full, *tiny, kT0 + 7 * kMin, kT0 + kDay + 3 * kMin);
  expect_same_answers(*full, *tiny, end - 3 * kDay, end);
  EXPECT_EQ(tiny->services(),
            (std::vector<std::string>{"retired", "svc0", "svc1", "svc2", "svc3"}));

  // Restart: the reload keeps to the budget too, and old ranges still read right.
  ASSERT_TRUE(tiny->close().is_ok());
  tiny.reset();
  tiny = open(tiny_dir.path(), kBudget, o);
  ASSERT_TRUE(tiny);
  EXPECT_LE(tiny->bytes_held(), kBudget + kSlack);
  EXPECT_GT(tiny->evicted_buckets(), 0u);
  EXPECT_GT(tiny->minute_horizon(Family::kSpans), kT0);
  expect_same_answers(*full, *tiny, kT0, kT0 + 3 * kDay);
  expect_same_answers(*full, *tiny, end - 3 * kDay, end);
  // And with an unlimited budget the reload holds everything, the same again.
  ASSERT_TRUE(tiny->close().is_ok());
  tiny.reset();
  auto reloaded = open(tiny_dir.path(), kUnlimited, o);
  ASSERT_TRUE(reloaded);
  EXPECT_EQ(reloaded->evicted_buckets(), 0u);
  expect_same_answers(*full, *reloaded, kT0, kT0 + 3 * kDay);
}

TEST_F(MetricsBudgetTest, EstimateStaysWithinBudgetAndReturnsToZero) {
  store::testing::TempDir dir;
  MetricsStoreOptions o;
  o.ten_second_retention_nanos = kMin;
  o.minute_retention_nanos = 12 * kHour;
  constexpr uint64_t kBudget = 1 << 20;
  constexpr int kServices = 100;  // 200 (service, operation), ~600 span series
  auto st = open(dir.path(), kBudget, o);
  ASSERT_TRUE(st);
  uint64_t seq = 0, peak = 0;
  const uint64_t end = kT0 + 30 * kHour;
  for (uint64_t t = kT0 + 5 * kMin; t <= end; t += 5 * kMin, ++seq) {
    clock_.set(t);
    st->record(batch(t, seq, kServices));
    ASSERT_TRUE(st->flush(t).is_ok());
    peak = std::max(peak, st->bytes_held());
    ASSERT_LE(st->bytes_held(), kBudget + kSlack) << "at " << (t - kT0) / kMin << " min";
  }
  EXPECT_GT(peak, kBudget / 2);
  EXPECT_GT(st->evicted_buckets(), 10'000u);
  EXPECT_GE(st->series_count(Family::kSpans), 2u * kServices);
  // Nothing lost: the last 11 hours (mostly on disk only) hold every span written in them.
  const uint64_t from = end - 11 * kHour;  // on a minute boundary
  uint64_t expected = 0;
  for (uint64_t t = kT0 + 5 * kMin; t <= end; t += 5 * kMin)
    if (t - 3 * kS >= from) expected += 6 * kServices;
  auto r = st->query(Family::kSpans, {}, GroupBy::kService, from, end + kMin, end + kMin - from);
  ASSERT_TRUE(r.is_ok());
  uint64_t calls = 0;
  for (const auto& s : r->series) calls += s.points[0].stats.calls;
  EXPECT_EQ(calls, expected);
  // Everything expires: the estimate comes back to exactly zero (no drift).
  clock_.set(end + 13 * kHour);
  ASSERT_TRUE(st->flush(end + 13 * kHour).is_ok());
  EXPECT_EQ(st->series_count(Family::kSpans), 0u);
  EXPECT_EQ(st->series_count(Family::kEdges), 0u);
  EXPECT_EQ(st->bytes_held(), 0u);
}

TEST_F(MetricsBudgetTest, EvictsOnlyWhatIsDurablyWritten) {
  store::testing::TempDir full_dir, dir;
  MetricsStoreOptions o;
  o.ten_second_retention_nanos = kHour;
  o.segment_max_bytes = 1;  // every flush creates a segment: fails while the directory is gone
  constexpr uint64_t kBudget = 64 << 10;
  auto full = open(full_dir.path(), kUnlimited, o);
  auto st = open(dir.path(), kBudget, o);
  ASSERT_TRUE(full && st);
  const std::string metrics_dir = dir.path() + "/metrics";
  std::filesystem::remove_all(metrics_dir);
  uint64_t seq = 0, t = kT0;
  for (t = kT0 + 10 * kMin; t <= kT0 + 8 * kHour; t += 10 * kMin, ++seq) {
    clock_.set(t);
    BatchAggregate b = batch(t, seq, 4);
    full->record(b);
    st->record(b);
    ASSERT_TRUE(full->flush(t).is_ok());
    EXPECT_FALSE(st->flush(t).is_ok());
  }
  EXPECT_EQ(st->evicted_buckets(), 0u);  // nothing durable: nothing evicted
  EXPECT_GT(st->bytes_held(), kBudget);
  expect_same_answers(*full, *st, kT0, t);
  std::filesystem::create_directories(metrics_dir);
  clock_.set(t);
  ASSERT_TRUE(full->flush(t).is_ok());
  ASSERT_TRUE(st->flush(t).is_ok());  // writes everything kept; now it may evict
  EXPECT_GT(st->evicted_buckets(), 0u);
  EXPECT_LE(st->bytes_held(), kBudget + kSlack);
  expect_same_answers(*full, *st, kT0, t);
}

TEST_F(MetricsBudgetTest, MemoryOnlyStoreNeverEvicts) {
  MetricsStoreOptions o;
  o.clock = &clock_;
  o.ten_second_retention_nanos = kMin;
  o.memory_budget_bytes = 1;
  auto st = MetricsStore::open(o);
  ASSERT_TRUE(st.is_ok());
  for (uint64_t t = kT0 + 10 * kMin, seq = 0; t <= kT0 + 2 * kHour; t += 10 * kMin, ++seq) {
    clock_.set(t);
    (*st)->record(batch(t, seq, 2));
    ASSERT_TRUE((*st)->flush(t).is_ok());
  }
  EXPECT_EQ((*st)->evicted_buckets(), 0u);
  auto r = (*st)->query(Family::kSpans, {}, GroupBy::kService, kT0, kT0 + 2 * kHour, 2 * kHour);
  ASSERT_TRUE(r.is_ok());
  uint64_t calls = 0;
  for (const auto& s : r->series) calls += s.points[0].stats.calls;
  EXPECT_EQ(calls, 12u * 12);  // 12 batches of 2 services x 6 spans
}

}  // namespace
}  // namespace weft::pipeline::metrics
