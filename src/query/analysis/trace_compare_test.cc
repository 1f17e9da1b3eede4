// Trace comparison on hand-built pairs of traces: alignment by (service, operation) path,
// merged repeated calls, one-sided nodes and their order, and a 100k-deep chain.
#include "analysis/trace_compare.h"

#include <gtest/gtest.h>

#include "analysis/test_spans.h"

namespace weft::query::analysis {
namespace {

using model::Span;
using model::Trace;

// Span n (ID n) of `svc` / `name`, child of `parent` (0: root), over [start, end] ms.
Span span(uint64_t n, uint64_t parent, uint64_t start_ms, uint64_t end_ms, const std::string& svc,
          const std::string& name) {
  return testing::test_span(1, n, parent, start_ms, end_ms, svc, name);
}

// frontend GET / -> api list -> db SELECT, then auth check.
Trace base() {
  return Trace{{},
               {span(1, 0, 0, 100, "frontend", "GET /"), span(2, 1, 10, 90, "api", "list"),
                span(3, 2, 20, 50, "db", "SELECT"), span(4, 2, 60, 70, "auth", "check")}};
}

// "depth service/operation a_count b_count" per node, in order.
std::vector<std::string> rows(const TraceComparison& c) {
  std::vector<std::string> out;
  for (const CompareNode& n : c.nodes)
    out.push_back(std::to_string(n.depth) + " " + n.service + "/" + n.operation + " " +
                  std::to_string(n.a_count) + " " + std::to_string(n.b_count));
  return out;
}

using V = std::vector<std::string>;
constexpr uint64_t kMs = 1'000'000;

TEST(TraceCompareTest, IdenticalTracesAlignNodeForNode) {
  const Trace a = base(), b = base();
  const TraceComparison c = compare_traces(SpanTree(a), SpanTree(b));
  EXPECT_EQ(rows(c),
            (V{"0 frontend/GET / 1 1", "1 api/list 1 1", "2 db/SELECT 1 1", "2 auth/check 1 1"}));
  EXPECT_EQ(c.only_a, 0u);
  EXPECT_EQ(c.only_b, 0u);
  for (const CompareNode& n : c.nodes) {
    EXPECT_EQ(n.a_duration_nanos, n.b_duration_nanos);
    EXPECT_GT(n.a_duration_nanos, 0u);
  }
  EXPECT_EQ(c.nodes[0].parent, -1);
  EXPECT_EQ(c.nodes[1].parent, 0);
  EXPECT_EQ(c.nodes[2].parent, 1);
  EXPECT_EQ(c.nodes[3].parent, 1);
}

TEST(TraceCompareTest, AnExtraCallInBIsOnlyInB) {
  const Trace a = base();
  Trace b = base();
  // b's api also calls the cache, before anything else, and the cache calls redis.
  b.spans.push_back(span(5, 2, 12, 18, "cache", "get"));
  b.spans.push_back(span(6, 5, 13, 17, "redis", "GET"));
  const TraceComparison c = compare_traces(SpanTree(a), SpanTree(b));
  // Nodes in a first (by a's start), then b-only ones, whatever their start in b.
  EXPECT_EQ(rows(c), (V{"0 frontend/GET / 1 1", "1 api/list 1 1", "2 db/SELECT 1 1",
                        "2 auth/check 1 1", "2 cache/get 0 1", "3 redis/GET 0 1"}));
  EXPECT_EQ(c.nodes[4].parent, 1);
  EXPECT_EQ(c.nodes[5].parent, 4);
  EXPECT_EQ(c.nodes[4].b_duration_nanos, 6 * kMs);
  EXPECT_EQ(c.nodes[4].a_duration_nanos, 0u);
  EXPECT_EQ(c.only_a, 0u);
  EXPECT_EQ(c.only_b, 2u);

  // The other way round: only in a.
  const TraceComparison r = compare_traces(SpanTree(b), SpanTree(a));
  EXPECT_EQ(rows(r), (V{"0 frontend/GET / 1 1", "1 api/list 1 1", "2 cache/get 1 0",
                        "3 redis/GET 1 0", "2 db/SELECT 1 1", "2 auth/check 1 1"}));
  EXPECT_EQ(r.only_a, 2u);
  EXPECT_EQ(r.only_b, 0u);
}

TEST(TraceCompareTest, RepeatedCallsAreMergedWithCounts) {
  Trace a{{}, {span(1, 0, 0, 100, "api", "list")}};
  Trace b{{}, {span(1, 0, 0, 200, "api", "list")}};
  for (uint64_t i = 0; i < 3; ++i)
    a.spans.push_back(span(10 + i, 1, 10 * i, 10 * i + 5, "db", "q"));
  for (uint64_t i = 0; i < 5; ++i)
    b.spans.push_back(span(10 + i, 1, 10 * i, 10 * i + 7, "db", "q"));
  // One db call of a goes on to a child: its path differs by one level.
  a.spans.push_back(span(20, 11, 11, 12, "disk", "read"));
  const TraceComparison c = compare_traces(SpanTree(a), SpanTree(b));
  EXPECT_EQ(rows(c), (V{"0 api/list 1 1", "1 db/q 3 5", "2 disk/read 1 0"}));
  EXPECT_EQ(c.nodes[1].a_duration_nanos, 15 * kMs);
  EXPECT_EQ(c.nodes[1].b_duration_nanos, 35 * kMs);
  EXPECT_EQ(c.nodes[0].b_duration_nanos - c.nodes[0].a_duration_nanos, 100 * kMs);
  EXPECT_EQ(c.only_a, 1u);
  EXPECT_EQ(c.only_b, 0u);
}

TEST(TraceCompareTest, RootsAlignToo) {
  // a: a root and an orphan; b: the same root twice (two root spans merge) and another.
  Trace a{{}, {span(1, 0, 0, 10, "web", "GET"), span(2, 99, 5, 8, "worker", "job")}};
  Trace b{{},
          {span(1, 0, 0, 10, "web", "GET"), span(3, 0, 20, 30, "web", "GET"),
           span(4, 0, 1, 2, "cron", "tick")}};
  const TraceComparison c = compare_traces(SpanTree(a), SpanTree(b));
  EXPECT_EQ(rows(c), (V{"0 web/GET 1 2", "0 worker/job 1 0", "0 cron/tick 0 1"}));
  for (const CompareNode& n : c.nodes) EXPECT_EQ(n.parent, -1);
  EXPECT_EQ(c.only_a, 1u);
  EXPECT_EQ(c.only_b, 1u);
}

TEST(TraceCompareTest, EmptyTraces) {
  const Trace empty, a = base();
  EXPECT_TRUE(compare_traces(SpanTree(empty), SpanTree(empty)).nodes.empty());
  const TraceComparison c = compare_traces(SpanTree(empty), SpanTree(a));
  EXPECT_EQ(c.nodes.size(), 4u);
  EXPECT_EQ(c.only_b, 4u);
}

TEST(TraceCompareTest, AHundredThousandDeepChainNeedsNoRecursion) {
  const uint64_t n = 100'000;
  Trace a, b;
  a.spans.reserve(n);
  b.spans.reserve(n + 1);
  for (uint64_t i = 1; i <= n; ++i) {
    a.spans.push_back(span(i, i - 1, i, 2 * n + 10 - i, "svc", "op"));
    b.spans.push_back(span(i, i - 1, i, 2 * n + 12 - i, "svc", "op"));
  }
  b.spans.push_back(span(n + 1, n, n + 1, n + 2, "svc", "extra"));
  const TraceComparison c = compare_traces(SpanTree(a), SpanTree(b));
  ASSERT_EQ(c.nodes.size(), n + 1);
  EXPECT_EQ(c.nodes[n - 1].depth, n - 1);
  EXPECT_EQ(c.nodes[n - 1].parent, static_cast<int32_t>(n - 2));
  EXPECT_EQ(c.nodes[n].operation, "extra");
  EXPECT_EQ(c.nodes[n].parent, static_cast<int32_t>(n - 1));
  EXPECT_EQ(c.nodes[n].depth, n);
  EXPECT_EQ(c.only_a, 0u);
  EXPECT_EQ(c.only_b, 1u);
  EXPECT_EQ(c.nodes[0].b_duration_nanos - c.nodes[0].a_duration_nanos, 2 * kMs);
}

}  // namespace
}  // namespace weft::query::analysis
