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
                                  uint64_t end, std::vector<uint64_t> steps = {}) {
    if (steps.empty()) steps = {kMin, 7 * kMin, kHour, end - start};
    for (uint64_t step : steps) {
      SCOPED_TRACE("range [" + std::to_string(start) + ", " + std::to_string(end) + ") step " +
                   std::to_string(step));
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

// Spans of `services` x 2 operations in each 10-second bucket of the minute before `t` (every
// series every bucket: the 10-second tier at its fullest), plus two edges per bucket.
// Distinct durations and end times: exemplars never tie.
BatchAggregate minute_batch(uint64_t t, uint64_t seq, int services) {
  BatchAggregate b;
  for (uint64_t k = 0; k < 6; ++k) {
    const uint64_t bucket_end = t - k * 10 * kS;
    for (int s = 0; s < services; ++s)
      for (int op = 0; op < 2; ++op)
        for (uint64_t i = 0; i < 2; ++i) {
          const uint64_t n = (seq * 6 + k) * 1000 + static_cast<uint64_t>(s) * 10 + op * 2 + i;
          b.add_span("svc" + std::to_string(s), "op" + std::to_string(op),
                     i == 1 ? SpanKind::kClient : SpanKind::kServer, n % 5 == 0,
                     bucket_end - (i + 1) * kS - static_cast<uint64_t>(s * 2 + op) * kMs,
                     (n % 991 + 1) * kMs + n, tid(n));
        }
    b.add_edge({"svc0", "svc1", PeerKind::kService, false, false, bucket_end - kS,
                (seq % 50 + k + 1) * kMs, (seq + k) % 3 == 0});
    b.add_edge({"svc1", "postgres", PeerKind::kDatabase, true, false, bucket_end - 2 * kS,
                (seq % 40 + k + 2) * kMs, false});
  }
  return b;
}

// Late spans: every series, in the 10-second bucket starting at `bucket` (long evicted from
// the budgeted store's memory, but within the 10-second window).
BatchAggregate late_batch(uint64_t bucket, uint64_t seq, int services) {
  BatchAggregate b;
  for (int s = 0; s < services; ++s)
    for (int op = 0; op < 2; ++op) {
      const uint64_t n = 900'000'000 + seq * 1000 + static_cast<uint64_t>(s) * 10 + op;
      b.add_span("svc" + std::to_string(s), "op" + std::to_string(op), SpanKind::kServer,
                 n % 3 == 0, bucket + 5 * kS + n % 1000, (n % 997 + 1) * kMs + n, tid(n));
    }
  b.add_edge({"svc0", "svc1", PeerKind::kService, false, false, bucket + 4 * kS,
              (seq % 30 + 1) * kMs, true});
  return b;
}

// The 10-second tier under the budget: with the default 6 h of 10-second buckets, a budget
// far below one hour of them; answers equal an unlimited store's everywhere (10-second steps
// over the whole window, minute steps over days, edges, across both horizons), late spans of
// evicted buckets included, before and after their roll and across a restart.
TEST_F(MetricsBudgetTest, TenSecondTierIsEvictedAndReadBack) {
  store::testing::TempDir dir;
  MetricsStoreOptions o;  // default retentions: 6 h of 10 s buckets, 7 d of minutes
  o.segment_max_bytes = 256 << 10;
  o.ten_second_in_memory_nanos = kMin;
  constexpr int kServices = 8;  // 32 span series (status split), 2 edges
  constexpr uint64_t kBudget = 160 << 10;
  constexpr uint64_t kTenSlack = 4 * kSlack;
  MetricsStoreOptions mo = o;
  mo.clock = &clock_;
  mo.memory_budget_bytes = kUnlimited;  // the reference: memory only, never evicts
  auto opened = MetricsStore::open(mo);
  ASSERT_TRUE(opened.is_ok());
  std::unique_ptr<MetricsStore> full = std::move(*opened);
  auto tiny = open(dir.path(), kBudget, o);
  ASSERT_TRUE(tiny);
  uint64_t seq = 0, t = kT0, late_bucket = 0;
  auto step_both = [&](uint64_t now) {
    clock_.set(now);
    BatchAggregate b = minute_batch(now, seq++, kServices);
    full->record(b);
    tiny->record(b);
    ASSERT_TRUE(full->flush(now).is_ok());
    ASSERT_TRUE(tiny->flush(now).is_ok());
    ASSERT_LE(tiny->bytes_held(), kBudget + kTenSlack) << "at " << (now - kT0) / kMin << " min";
  };
  for (t = kT0 + kMin; t <= kT0 + 8 * kHour; t += kMin) {
    step_both(t);
    if (HasFatalFailure()) return;
    if (t == kT0 + 5 * kHour) {
      // Late spans for a bucket evicted long ago (3.5 h old, in the window): counted in
      // their own bucket (a pending part in memory, then a delta on disk), as unlimited.
      late_bucket = kT0 + 90 * kMin + 20 * kS;
      ASSERT_LT(late_bucket, tiny->ten_second_memory_horizon(Family::kSpans));
      BatchAggregate late = late_batch(late_bucket, seq, kServices);
      full->record(late);
      tiny->record(late);
      EXPECT_EQ(tiny->late_spans(), 0u);
      expect_same_answers(*full, *tiny, late_bucket - 10 * kMin, late_bucket + 10 * kMin,
                          {10 * kS, kMin, 20 * kMin});
    }
  }
  t -= kMin;
  EXPECT_GT(full->bytes_held(), 50 * kBudget);
  EXPECT_GT(tiny->evicted_ten_second_buckets(), 90'000u);
  EXPECT_GT(tiny->evicted_buckets(), tiny->evicted_ten_second_buckets());  // minutes too
  const uint64_t ten_h = tiny->ten_second_horizon();
  EXPECT_EQ(ten_h, t - 6 * kHour);
  EXPECT_EQ(full->ten_second_horizon(), ten_h);
  EXPECT_GT(tiny->ten_second_memory_horizon(Family::kSpans), t - 10 * kMin);
  EXPECT_GT(tiny->ten_second_memory_horizon(Family::kEdges), t - 10 * kMin);
  EXPECT_EQ(full->ten_second_memory_horizon(Family::kSpans), ten_h);
  EXPECT_GT(tiny->minute_horizon(Family::kSpans), kT0 + kHour);
  // The late bucket was rolled into its minute with its late spans (read back from disk).
  EXPECT_LT(late_bucket, ten_h);

  auto all_answers = [&](const MetricsStore& x) {
    const uint64_t mh = x.ten_second_memory_horizon(Family::kSpans);
    // 10-second steps over the whole 10-second window, aligned and not.
    expect_same_answers(*full, x, ten_h, t, {10 * kS, kMin, 7 * kMin});
    expect_same_answers(*full, x, ten_h + 3 * kS, t + kMin, {10 * kS, 30 * kS});
    // Minute steps over days; hours; the whole range.
    expect_same_answers(*full, x, t - 2 * kDay, t + kDay, {kMin, kHour, 3 * kDay});
    // Across the 10-second horizon (minutes on one side, evicted 10 s buckets on the other).
    expect_same_answers(*full, x, ten_h - 30 * kMin, ten_h + 30 * kMin, {10 * kS, kMin});
    // Edges of the memory horizon: single buckets on each side, and a range across it.
    for (uint64_t b : {mh - 20 * kS, mh - 10 * kS, mh, mh + 10 * kS})
      expect_same_answers(*full, x, b, b + 10 * kS, {10 * kS});
    expect_same_answers(*full, x, mh - 3 * kMin, mh + 3 * kMin, {10 * kS, kMin});
    // The first 10-second bucket, and the last minute before the horizon.
    expect_same_answers(*full, x, ten_h, ten_h + 10 * kS, {10 * kS});
    expect_same_answers(*full, x, ten_h - kMin, ten_h, {10 * kS, kMin});
    // Prometheus' view: the last closed bucket is in memory.
    auto sa = full->snapshot(Family::kSpans, t);
    auto sb = x.snapshot(Family::kSpans, t);
    ASSERT_EQ(sa.size(), sb.size());
    for (size_t i = 0; i < sa.size(); ++i) {
      EXPECT_EQ(sa[i].key, sb[i].key);
      EXPECT_EQ(sa[i].last_closed.calls, sb[i].last_closed.calls);
      EXPECT_TRUE(sa[i].last_closed.durations == sb[i].last_closed.durations);
    }
  };
  all_answers(*tiny);
  if (HasFatalFailure()) return;

  // Late spans again, for a bucket evicted in the last hours: pending in memory, then a
  // delta written, published and dropped from memory, both answering the same.
  const uint64_t late2 = t - 4 * kHour + 30 * kS;
  ASSERT_LT(late2, tiny->ten_second_memory_horizon(Family::kSpans));
  const uint64_t evicted_before = tiny->evicted_ten_second_buckets();
  BatchAggregate late = late_batch(late2, seq, kServices);
  full->record(late);
  tiny->record(late);
  expect_same_answers(*full, *tiny, late2 - kMin, late2 + kMin, {10 * kS, kMin});
  ASSERT_TRUE(full->flush(t).is_ok());
  ASSERT_TRUE(tiny->flush(t).is_ok());
  EXPECT_EQ(tiny->evicted_ten_second_buckets(), evicted_before);  // no new eviction counted
  expect_same_answers(*full, *tiny, late2 - kMin, late2 + kMin, {10 * kS, kMin});
  EXPECT_EQ(tiny->late_spans(), 0u);
  EXPECT_LE(tiny->bytes_held(), kBudget + kTenSlack);

  // Restart: the reload evicts as it reads (within the budget) and answers the same.
  ASSERT_TRUE(tiny->close().is_ok());
  tiny.reset();
  tiny = open(dir.path(), kBudget, o);
  ASSERT_TRUE(tiny);
  EXPECT_LE(tiny->bytes_held(), kBudget + kTenSlack);
  EXPECT_GT(tiny->evicted_ten_second_buckets(), 0u);
  EXPECT_GT(tiny->ten_second_memory_horizon(Family::kSpans), ten_h + 5 * kHour);
  all_answers(*tiny);
  if (HasFatalFailure()) return;
  // And on: buckets evicted while loading are rolled from disk when they pass the horizon,
  // the late bucket among them.
  for (t += kMin; t <= kT0 + 10 * kHour + 30 * kMin; t += kMin) {
    step_both(t);
    if (HasFatalFailure()) return;
  }
  t -= kMin;
  EXPECT_LT(late2, tiny->ten_second_horizon());
  expect_same_answers(*full, *tiny, late2 - 10 * kMin, late2 + 10 * kMin, {kMin});
  expect_same_answers(*full, *tiny, t - 2 * kDay, t + kMin, {kMin, kHour});
  expect_same_answers(*full, *tiny, tiny->ten_second_horizon(), t, {10 * kS, 7 * kMin});
  EXPECT_EQ(tiny->series_count(Family::kSpans), full->series_count(Family::kSpans));
}

// Issue 12's "a cardinality explosion hits the cap, not the memory": a span name with an ID in
// it, a new series every call, with the 10-second tier at its default 6 h. The cap bounds the
// series, the budget the buckets (10-second ones included).
TEST_F(MetricsBudgetTest, CardinalityExplosionStaysWithinBudget) {
  store::testing::TempDir dir;
  MetricsStoreOptions o;
  o.max_series_per_family = 300;
  o.max_overflow_series_per_family = 10;
  o.ten_second_in_memory_nanos = kMin;
  constexpr uint64_t kBudget = 256 << 10;
  auto st = open(dir.path(), kBudget, o);
  ASSERT_TRUE(st);
  uint64_t n = 0, calls = 0;
  const uint64_t end = kT0 + 2 * kHour;
  for (uint64_t t = kT0 + kMin; t <= end; t += kMin) {
    clock_.set(t);
    BatchAggregate b;
    for (uint64_t k = 0; k < 6; ++k)
      for (int i = 0; i < 100; ++i, ++n, ++calls)
        b.add_span("checkout", "GET /order/" + std::to_string(n), SpanKind::kServer, false,
                   t - k * 10 * kS - kS, (n % 500 + 1) * kMs, tid(n));
    st->record(b);
    ASSERT_TRUE(st->flush(t).is_ok());
    ASSERT_LE(st->bytes_held(), kBudget + 4 * kSlack) << "at " << (t - kT0) / kMin << " min";
  }
  EXPECT_LE(st->series_count(Family::kSpans), 300u + 10u + 1u);
  EXPECT_GT(st->overflowed_calls(Family::kSpans), calls - 400);
  EXPECT_GT(st->evicted_ten_second_buckets(), 500u);  // the "__other__" series' tier
  // Nothing lost: every call is in the answer, most of it read back from disk.
  auto r = st->query(Family::kSpans, {}, GroupBy::kService, kT0, end, end - kT0);
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r->series.size(), 1u);
  EXPECT_EQ(r->series[0].points[0].stats.calls, calls);
}

}  // namespace
}  // namespace weft::pipeline::metrics
