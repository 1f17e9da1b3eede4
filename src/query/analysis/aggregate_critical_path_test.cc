// The aggregate critical path on generated traces with known answers: where slow calls spend
// their time, bands by rank, entry spans below the root, traces without the entry.
#include "analysis/aggregate_critical_path.h"

#include <gtest/gtest.h>

#include "analysis/test_spans.h"

namespace weft::query::analysis {
namespace {

using model::Span;
using model::Trace;
using model::TraceId;

using testing::test_span;
TraceId trace_id(uint64_t k) { return testing::test_trace_id(k); }

// Span n (ID n) of `svc` / `name` in trace `trace`, child of `parent` (0: root), over
// [start, end] ms.
Span span(uint64_t trace, uint64_t n, uint64_t parent, uint64_t start_ms, uint64_t end_ms,
          const std::string& svc, const std::string& name) {
  return test_span(trace, n, parent, start_ms, end_ms, svc, name);
}

// frontend "GET /" (the root) calls api "list" (the entry) at 5 ms, which calls auth "check"
// for 10 ms, then db "SELECT" for `db_ms`, and works on its own for `api_self_ms` in all.
Trace api_trace(uint64_t k, uint64_t db_ms, uint64_t api_self_ms) {
  const uint64_t entry_ms = 10 + db_ms + api_self_ms;
  Trace t;
  t.trace_id = trace_id(k);
  t.spans.push_back(span(k, 1, 0, 0, entry_ms + 20, "frontend", "GET /"));
  t.spans.push_back(span(k, 2, 1, 5, 5 + entry_ms, "api", "list"));
  t.spans.push_back(span(k, 3, 2, 6, 16, "auth", "check"));
  t.spans.push_back(span(k, 4, 2, 16, 16 + db_ms, "db", "SELECT"));
  return t;
}

const BandShare* find_share(const Band& band, const std::string& service) {
  for (const BandShare& s : band.shares)
    if (s.service == service) return &s;
  return nullptr;
}

constexpr uint64_t kMs = 1'000'000;

TEST(AggregateCriticalPathTest, TheSlowestCallsSpendTheirTimeInTheDatabase) {
  // Trace k: 100 + k ms with a 10 ms SELECT for k < 95; the slowest five wait 400 + k ms on
  // it (and take 490 + k ms). Ranks follow k.
  AggregateCriticalPathBuilder builder("api", "list");
  for (uint64_t k = 0; k < 100; ++k) {
    const bool slow = k >= 95;
    ASSERT_TRUE(builder.add(slow ? api_trace(k + 1, 400 + k, 80) : api_trace(k + 1, 10, 80 + k)));
  }
  const AggregateCriticalPath agg = std::move(builder).finish();
  EXPECT_EQ(agg.analyzed_traces, 100u);
  ASSERT_EQ(agg.bands.size(), 4u);
  EXPECT_EQ(agg.bands[0].name, "all");
  EXPECT_EQ(agg.bands[1].name, "median");
  EXPECT_EQ(agg.bands[2].name, "slowest5");
  EXPECT_EQ(agg.bands[3].name, "slowest1");

  const Band& all = agg.bands[0];
  EXPECT_EQ(all.traces, 100u);
  EXPECT_EQ(all.min_duration_nanos, 100 * kMs);
  EXPECT_EQ(all.max_duration_nanos, 589 * kMs);
  EXPECT_EQ(find_share(all, "frontend"), nullptr);  // above the entry: not on its path

  // Median: ranks 40..59 = k 40..59, all fast: api 80 + k, auth 10, db 10.
  const Band& median = agg.bands[1];
  EXPECT_EQ(median.traces, 20u);
  EXPECT_EQ(median.min_duration_nanos, 140 * kMs);
  EXPECT_EQ(median.max_duration_nanos, 159 * kMs);
  EXPECT_EQ(median.critical_path_nanos, 2990 * kMs);
  ASSERT_EQ(median.shares.size(), 3u);
  EXPECT_EQ(median.shares[0].service, "api");
  EXPECT_EQ(median.shares[0].operation, "list");
  EXPECT_EQ(median.shares[0].nanos, 2590 * kMs);
  EXPECT_EQ(median.shares[0].mean_nanos, 2590 * kMs / 20);
  // auth and db tie at 200 ms: by service.
  EXPECT_EQ(median.shares[1].service, "auth");
  EXPECT_EQ(median.shares[2].service, "db");
  EXPECT_DOUBLE_EQ(median.shares[2].share, 200.0 / 2990);
  for (const BandShare& s : median.shares) EXPECT_FALSE(s.median_share.has_value());

  // Slowest 5 %: k 95..99, db first, where it is small in the median band.
  const Band& slow5 = agg.bands[2];
  EXPECT_EQ(slow5.traces, 5u);
  EXPECT_EQ(slow5.min_duration_nanos, 585 * kMs);
  EXPECT_EQ(slow5.critical_path_nanos, (2485 + 400 + 50) * kMs);
  ASSERT_EQ(slow5.shares.size(), 3u);
  EXPECT_EQ(slow5.shares[0].service, "db");
  EXPECT_EQ(slow5.shares[0].operation, "SELECT");
  EXPECT_EQ(slow5.shares[0].nanos, 2485 * kMs);
  EXPECT_EQ(slow5.shares[0].mean_nanos, 497 * kMs);
  EXPECT_DOUBLE_EQ(slow5.shares[0].share, 2485.0 / 2935);
  ASSERT_TRUE(slow5.shares[0].median_share.has_value());
  EXPECT_DOUBLE_EQ(*slow5.shares[0].median_share, 200.0 / 2990);
  EXPECT_LT(*slow5.shares[0].median_share, 0.1);
  ASSERT_EQ(slow5.examples.size(), 5u);
  for (uint64_t i = 0; i < 5; ++i) EXPECT_EQ(slow5.examples[i], trace_id(100 - i));

  const Band& slow1 = agg.bands[3];
  EXPECT_EQ(slow1.traces, 1u);
  EXPECT_EQ(slow1.shares[0].service, "db");
  EXPECT_EQ(slow1.shares[0].nanos, 499 * kMs);
  ASSERT_EQ(slow1.examples.size(), 1u);
  EXPECT_EQ(slow1.examples[0], trace_id(100));

  // Shares add up to 1 in each band.
  for (const Band& b : agg.bands) {
    double sum = 0;
    for (const BandShare& s : b.shares) sum += s.share;
    EXPECT_NEAR(sum, 1.0, 1e-9) << b.name;
  }
}

TEST(AggregateCriticalPathTest, TracesWithoutTheEntryAreSkipped) {
  AggregateCriticalPathBuilder builder("api", "list");
  Trace other;
  other.trace_id = trace_id(7);
  other.spans.push_back(span(7, 1, 0, 0, 10, "frontend", "GET /"));
  other.spans.push_back(span(7, 2, 1, 1, 5, "api", "get"));  // another operation
  EXPECT_FALSE(builder.add(other));
  EXPECT_FALSE(builder.add(Trace{}));
  EXPECT_TRUE(builder.add(api_trace(1, 10, 10)));
  const AggregateCriticalPath agg = std::move(builder).finish();
  EXPECT_EQ(agg.analyzed_traces, 1u);
  ASSERT_EQ(agg.bands.size(), 4u);
  EXPECT_EQ(agg.bands[0].examples, (std::vector<TraceId>{trace_id(1)}));
}

TEST(AggregateCriticalPathTest, OneTraceGivesFourBandsOfOne) {
  AggregateCriticalPathBuilder builder("api", "list");
  ASSERT_TRUE(builder.add(api_trace(1, 30, 60)));
  const AggregateCriticalPath agg = std::move(builder).finish();
  ASSERT_EQ(agg.bands.size(), 4u);
  for (const Band& b : agg.bands) {
    EXPECT_EQ(b.traces, 1u) << b.name;
    EXPECT_EQ(b.min_duration_nanos, 100 * kMs);
    EXPECT_EQ(b.max_duration_nanos, 100 * kMs);
    EXPECT_EQ(b.critical_path_nanos, 100 * kMs);
    ASSERT_EQ(b.shares.size(), 3u);
    EXPECT_EQ(b.shares[0].service, "api");
    EXPECT_DOUBLE_EQ(b.shares[0].share, 0.6);
    if (b.name != "median") {
      EXPECT_DOUBLE_EQ(b.shares[0].median_share.value_or(-1), 0.6);
    }
  }
}

TEST(AggregateCriticalPathTest, NoTraceGivesNoBands) {
  AggregateCriticalPathBuilder builder("api", "list");
  const AggregateCriticalPath agg = std::move(builder).finish();
  EXPECT_EQ(agg.analyzed_traces, 0u);
  EXPECT_TRUE(agg.bands.empty());
}

TEST(AggregateCriticalPathTest, BandSizesByRank) {
  // n = 10: median ranks 4, 5; the slowest 5 % and 1 % are one trace each.
  AggregateCriticalPathBuilder builder("api", "list");
  for (uint64_t k = 0; k < 10; ++k) ASSERT_TRUE(builder.add(api_trace(k + 1, 10, 10 + k)));
  const AggregateCriticalPath agg = std::move(builder).finish();
  EXPECT_EQ(agg.bands[1].traces, 2u);
  EXPECT_EQ(agg.bands[1].min_duration_nanos, 34 * kMs);
  EXPECT_EQ(agg.bands[1].max_duration_nanos, 35 * kMs);
  EXPECT_EQ(agg.bands[2].traces, 1u);
  EXPECT_EQ(agg.bands[3].traces, 1u);
  EXPECT_EQ(agg.bands[0].examples.size(), 5u);
  // A service only in slow traces has median_share 0.
  AggregateCriticalPathBuilder b2("api", "list");
  for (uint64_t k = 0; k < 10; ++k) {
    Trace t = api_trace(k + 1, 10, 10 + k);
    if (k == 9) t.spans[3].resource = span(0, 0, 0, 0, 0, "mongo", "find").resource;
    ASSERT_TRUE(b2.add(t));
  }
  const AggregateCriticalPath agg2 = std::move(b2).finish();
  const BandShare* mongo = find_share(agg2.bands[3], "mongo");
  ASSERT_NE(mongo, nullptr);
  EXPECT_EQ(mongo->median_share, std::optional<double>(0.0));
}

TEST(FindEntrySpanTest, EarliestMatchThenSpanId) {
  Trace t;
  t.spans.push_back(span(1, 1, 0, 0, 100, "frontend", "GET /"));
  t.spans.push_back(span(1, 5, 1, 10, 20, "api", "list"));
  t.spans.push_back(span(1, 3, 1, 10, 30, "api", "list"));
  t.spans.push_back(span(1, 2, 1, 5, 30, "api", "get"));
  SpanTree tree(t);
  EXPECT_EQ(find_entry_span(tree, "api", "list"), 2u);  // start 10, span ID 3 < 5
  EXPECT_EQ(find_entry_span(tree, "api", ""), 3u);      // any operation: "get" at 5
  EXPECT_EQ(find_entry_span(tree, "frontend", "GET /"), 0u);
  EXPECT_EQ(find_entry_span(tree, "api", "delete"), SpanTree::kNone);
  EXPECT_EQ(find_entry_span(tree, "db", ""), SpanTree::kNone);
}

}  // namespace
}  // namespace weft::query::analysis
