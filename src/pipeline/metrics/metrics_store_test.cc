#include "metrics/metrics_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "metrics/internal/segment_file.h"
#include "store/testing/temp_dir.h"

namespace weft::pipeline::metrics {
namespace {

using model::SpanKind;
constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kS = 1'000'000'000;
constexpr uint64_t kT0 = 1'700'000'040'000'000'000ULL;  // on a minute boundary
constexpr uint64_t kHour = 3600 * kS;

model::TraceId tid(uint64_t n) {
  model::TraceId t;
  for (int i = 0; i < 8; ++i) t.bytes[15 - i] = static_cast<uint8_t>(n >> (8 * i));
  t.bytes[0] = 1;
  return t;
}

class MetricsStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<MetricsStore> open(MetricsStoreOptions o = {}) {
    o.clock = &clock_;
    if (o.data_dir.empty()) o.data_dir = dir_.path();
    auto s = MetricsStore::open(o);
    EXPECT_TRUE(s.is_ok()) << s.status().to_string();
    return s.is_ok() ? std::move(*s) : nullptr;
  }
  // One span of `service`/`op` ending at `end`.
  static void span(BatchAggregate& b, const std::string& service, const std::string& op,
                   uint64_t end, uint64_t dur, bool error = false, uint64_t trace = 1,
                   SpanKind kind = SpanKind::kServer) {
    b.add_span(service, op, kind, error, end, dur, tid(trace));
  }
  static const SeriesPoints* find(const QueryResult& r, const std::string& service,
                                  const std::string& op = "") {
    for (const auto& s : r.series)
      if (s.key.service() == service && s.key.operation() == op) return &s;
    return nullptr;
  }
  static uint64_t total_calls(const SeriesPoints& s) {
    uint64_t n = 0;
    for (const auto& p : s.points) n += p.stats.calls;
    return n;
  }

  store::testing::TempDir dir_;
  ManualClock clock_{kT0 + 5 * kS};
};

TEST_F(MetricsStoreTest, RecordsAndQueriesPerStepAndGroup) {
  auto st = open();
  BatchAggregate b;
  for (uint64_t i = 1; i <= 100; ++i)
    span(b, "checkout", "pay", kT0 + 1 * kS, i * kMs, i % 10 == 0, i);
  span(b, "checkout", "cart", kT0 + 12 * kS, 5 * kMs);
  span(b, "checkout", "cart", kT0 + 12 * kS, 7 * kMs, false, 1, SpanKind::kClient);
  span(b, "search", "find", kT0 + 25 * kS, 3 * kMs);
  st->record(b);

  auto r = st->query(Family::kSpans, {}, GroupBy::kOperation, kT0, kT0 + 30 * kS, 10 * kS);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->resolution_nanos, kTenSeconds);
  ASSERT_EQ(r->series.size(), 3u);
  const SeriesPoints* pay = find(*r, "checkout", "pay");
  ASSERT_NE(pay, nullptr);
  ASSERT_EQ(pay->points.size(), 3u);
  EXPECT_EQ(pay->points[0].start_unix_nano, kT0);
  EXPECT_EQ(pay->points[0].stats.calls, 100u);
  EXPECT_EQ(pay->points[0].stats.errors, 10u);
  EXPECT_NEAR(pay->points[0].stats.durations.quantile(0.5), 50 * kMs, 0.5 * kMs);
  EXPECT_NEAR(pay->points[0].stats.durations.quantile(0.99), 99 * kMs, 0.99 * kMs);
  EXPECT_EQ(pay->points[1].stats.calls, 0u);
  // Exemplars: the slowest trace, then the latest errors.
  auto ex = pay->points[0].stats.exemplars.all();
  ASSERT_FALSE(ex.empty());
  EXPECT_EQ(ex[0].trace_id, tid(100));
  EXPECT_EQ(ex.size(), kMaxExemplars);
  // Statuses and kinds merge under kOperation; kinds stay apart under kOperationAndKind.
  EXPECT_EQ(total_calls(*find(*r, "checkout", "cart")), 2u);
  auto k = st->query(Family::kSpans, {.services = {"checkout"}, .operation = "cart"},
                     GroupBy::kOperationAndKind, kT0, kT0 + 30 * kS, 30 * kS);
  ASSERT_TRUE(k.is_ok());
  EXPECT_EQ(k->series.size(), 2u);
  auto svc =
      st->query(Family::kSpans, {.services = {"checkout"}, .span_kinds = {SpanKind::kServer}},
                GroupBy::kService, kT0, kT0 + 30 * kS, 30 * kS);
  ASSERT_EQ(svc->series.size(), 1u);
  EXPECT_EQ(svc->series[0].points[0].stats.calls, 101u);

  EXPECT_EQ(st->services(), (std::vector<std::string>{"checkout", "search"}));
  EXPECT_EQ(st->operations("checkout"), (std::vector<std::string>{"cart", "pay"}));
  EXPECT_FALSE(st->query(Family::kSpans, {}, GroupBy::kService, kT0, kT0 + kS, 0).is_ok());
  EXPECT_FALSE(st->query(Family::kSpans, {}, GroupBy::kService, kT0, kT0 + kHour, 1).is_ok());
}

TEST_F(MetricsStoreTest, LateAndFutureSpansAreCountedAtNow) {
  auto st = open();
  EXPECT_EQ(st->ten_second_horizon(), kT0 - 6 * kHour);  // floor_to_minute(now - 6 h)
  BatchAggregate b;
  span(b, "a", "op", kT0 - 7 * kHour, kMs);     // before the 6 h window
  span(b, "a", "op", kT0 + 10 * 60 * kS, kMs);  // 10 min ahead
  span(b, "a", "op", kT0 + 4 * 60 * kS, kMs);   // 4 min ahead: its own bucket
  span(b, "a", "op", kT0 - 5 * kHour, kMs);     // old but in the window: its own bucket
  st->record(b);
  EXPECT_EQ(st->late_spans(), 1u);
  EXPECT_EQ(st->future_spans(), 1u);
  auto r = st->query(Family::kSpans, {}, GroupBy::kService, kT0, kT0 + 10 * kS, 10 * kS);
  EXPECT_EQ(r->series[0].points[0].stats.calls, 2u);  // the late and the future one, at now
  r = st->query(Family::kSpans, {}, GroupBy::kService, kT0 - 6 * kHour, kT0 + 6 * 60 * kS, 10 * kS);
  EXPECT_EQ(total_calls(r->series[0]), 4u);
}

TEST_F(MetricsStoreTest, CardinalityCapSendsNewSeriesToOverflow) {
  MetricsStoreOptions o;
  o.max_series_per_family = 3;
  o.max_overflow_series_per_family = 1;
  auto st = open(o);
  BatchAggregate b;
  for (int i = 0; i < 10; ++i) span(b, "svc", "GET /item/" + std::to_string(i), kT0, kMs);
  span(b, "other-svc", "x", kT0, kMs);
  st->record(b);
  EXPECT_EQ(st->overflowed_calls(Family::kSpans), 8u);
  auto r = st->query(Family::kSpans, {}, GroupBy::kOperation, kT0, kT0 + 10 * kS, 10 * kS);
  uint64_t total = 0;
  for (const auto& s : r->series) total += total_calls(s);
  EXPECT_EQ(total, 11u);  // nothing lost
  // 3 regular, "svc"/__other__ (the one overflow series allowed), then __other__/__other__.
  EXPECT_EQ(st->series_count(Family::kSpans), 5u);
  const SeriesPoints* other = find(*r, "svc", "__other__");
  const SeriesPoints* global = find(*r, "__other__", "__other__");
  ASSERT_NE(other, nullptr);
  ASSERT_NE(global, nullptr);
  EXPECT_EQ(total_calls(*other) + total_calls(*global), 8u);
}

TEST_F(MetricsStoreTest, GracefulRestartLosesNothing) {
  {
    auto st = open();
    BatchAggregate b;
    span(b, "a", "op", kT0 + 1 * kS, 10 * kMs, true, 7);
    span(b, "a", "op", kT0 + 5 * kS, 20 * kMs);  // the open bucket at close
    st->record(b);
    ASSERT_TRUE(st->close().is_ok());
  }
  auto st = open();
  auto r = st->query(Family::kSpans, {}, GroupBy::kSeries, kT0, kT0 + 10 * kS, 10 * kS);
  ASSERT_EQ(r->series.size(), 2u);
  uint64_t calls = 0, errors = 0;
  for (const auto& s : r->series) calls += total_calls(s), errors += s.points[0].stats.errors;
  EXPECT_EQ(calls, 2u);
  EXPECT_EQ(errors, 1u);
  EXPECT_EQ(r->series[1].points[0].stats.exemplars.all()[0].trace_id, tid(7));
}

TEST_F(MetricsStoreTest, FlushPersistsClosedBucketsAndLateDeltasCountOnce) {
  auto copy_of_disk = [&](const std::string& to) {
    std::filesystem::copy(dir_.path(), to, std::filesystem::copy_options::recursive);
  };
  store::testing::TempDir crash1, crash2;
  {
    auto st = open();
    BatchAggregate b;
    span(b, "a", "op", kT0 + 1 * kS, kMs);
    span(b, "a", "op", kT0 + 11 * kS, kMs);  // still open at the flush below
    st->record(b);
    clock_.set(kT0 + 15 * kS);
    ASSERT_TRUE(st->flush(clock_.now_unix_nanos()).is_ok());
    std::filesystem::remove_all(crash1.path());
    copy_of_disk(crash1.path());  // as a kill -9 would leave it
    BatchAggregate more;          // a late span into the already persisted bucket
    span(more, "a", "op", kT0 + 2 * kS, kMs);
    st->record(more);
    clock_.set(kT0 + 25 * kS);
    ASSERT_TRUE(st->flush(clock_.now_unix_nanos()).is_ok());
    std::filesystem::remove_all(crash2.path());
    copy_of_disk(crash2.path());
  }
  auto calls_in = [&](const std::string& dir) {
    MetricsStoreOptions o;
    o.data_dir = dir;
    auto st = open(o);
    auto r = st->query(Family::kSpans, {}, GroupBy::kService, kT0, kT0 + 20 * kS, 10 * kS);
    std::vector<uint64_t> out;
    for (const auto& p : r->series.at(0).points) out.push_back(p.stats.calls);
    return out;
  };
  EXPECT_EQ(calls_in(crash1.path()), (std::vector<uint64_t>{1, 0}));
  EXPECT_EQ(calls_in(crash2.path()), (std::vector<uint64_t>{2, 1}));
}

TEST_F(MetricsStoreTest, RollsIntoMinutesSurvivesRestartAndExpires) {
  MetricsStoreOptions o;
  o.ten_second_retention_nanos = 1 * kHour;
  o.minute_retention_nanos = 3 * kHour;
  o.segment_max_bytes = 1;  // a segment per flush, so retention can delete some
  {
    auto st = open(o);
    BatchAggregate b;
    for (uint64_t i = 0; i < 6; ++i) span(b, "a", "op", kT0 + i * 10 * kS + kS, (i + 1) * kMs);
    st->record(b);
    ASSERT_TRUE(st->flush(kT0 + 70 * kS).is_ok());
    clock_.set(kT0 + kHour + 2 * 60 * kS);
    ASSERT_TRUE(st->flush(clock_.now_unix_nanos()).is_ok());  // rolled
    EXPECT_GT(st->ten_second_horizon(), kT0 + 60 * kS);
    auto r = st->query(Family::kSpans, {}, GroupBy::kService, kT0, kT0 + 2 * 60 * kS, 60 * kS);
    EXPECT_EQ(r->resolution_nanos, kOneMinute);
    ASSERT_EQ(r->series.size(), 1u);
    EXPECT_EQ(r->series[0].points[0].stats.calls, 6u);
    EXPECT_NEAR(r->series[0].points[0].stats.durations.quantile(1), 6 * kMs, 1);
  }
  {
    auto st = open(o);  // the minute record supersedes the six deltas: counted once
    auto r = st->query(Family::kSpans, {}, GroupBy::kService, kT0, kT0 + 60 * kS, 60 * kS);
    ASSERT_EQ(r->series.size(), 1u);
    EXPECT_EQ(r->series[0].points[0].stats.calls, 6u);
    clock_.set(kT0 + 4 * kHour);
    ASSERT_TRUE(st->flush(clock_.now_unix_nanos()).is_ok());  // past the minute retention
    EXPECT_EQ(st->series_count(Family::kSpans), 0u);
    EXPECT_TRUE(st->query(Family::kSpans, {}, GroupBy::kService, kT0, kT0 + 60 * kS, 60 * kS)
                    ->series.empty());
  }
  auto segs = list_segments(dir_.path() + "/metrics");
  ASSERT_TRUE(segs.is_ok());
  EXPECT_LE(segs->size(), 2u);  // the expired ones are gone
}

TEST_F(MetricsStoreTest, DamagedTailIsDroppedNotFatal) {
  {
    auto st = open();
    BatchAggregate b;
    span(b, "a", "op", kT0 + 1 * kS, kMs);
    st->record(b);
    ASSERT_TRUE(st->close().is_ok());
  }
  auto segs = list_segments(dir_.path() + "/metrics");
  ASSERT_TRUE(segs.is_ok());
  ASSERT_FALSE(segs->empty());
  {
    std::ofstream f(segs->back().path, std::ios::app | std::ios::binary);
    f << "garbage that is not a record";
  }
  auto st = open();
  EXPECT_GT(st->damaged_bytes(), 0u);
  auto r = st->query(Family::kSpans, {}, GroupBy::kService, kT0, kT0 + 10 * kS, 10 * kS);
  ASSERT_EQ(r->series.size(), 1u);
  EXPECT_EQ(r->series[0].points[0].stats.calls, 1u);
}

TEST_F(MetricsStoreTest, EdgesTotals) {
  auto st = open();
  std::vector<EdgeSample> edges;
  for (uint64_t i = 1; i <= 100; ++i)
    edges.push_back(
        {"frontend", "checkout", PeerKind::kService, false, false, kT0 + kS, i * kMs, i > 95});
  edges.push_back(
      {"checkout", "postgresql", PeerKind::kDatabase, true, false, kT0 + kS, kMs, false});
  st->record_edges(edges);
  auto e = st->edges(kT0, kT0 + 60 * kS);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[1].key.client(), "frontend");
  EXPECT_EQ(e[1].calls, 100u);
  EXPECT_EQ(e[1].errors, 5u);
  EXPECT_NEAR(e[1].p95_nanos, 95 * kMs, 0.95 * kMs);
  EXPECT_TRUE(e[0].key.virtual_server());
  EXPECT_EQ(e[0].key.server_kind(), PeerKind::kDatabase);
}

TEST_F(MetricsStoreTest, BackgroundThreadStartsAndStops) {
  auto st = open();
  st->start();
  st->start();  // idempotent
  st->stop();
  st->stop();
  EXPECT_TRUE(st->close().is_ok());
}

}  // namespace
}  // namespace weft::pipeline::metrics
