// The critical path on hand-built traces with known answers, and its invariants (the
// segments tile the root's duration) on random and very deep traces.
#include "analysis/critical_path.h"

#include <gtest/gtest.h>

#include "analysis/test_spans.h"

#include <random>

namespace weft::query::analysis {
namespace {

using model::Span;
using model::Trace;

// Span n (ID n) of service `svc`, child of `parent` (0: root), over [start, end] ms.
Span span(uint64_t n, uint64_t parent, uint64_t start_ms, uint64_t end_ms,
          const std::string& svc = "svc", const std::string& name = "") {
  return testing::test_span(1, n, parent, start_ms, end_ms, svc, name);
}

// "name:start-end" per segment, ms.
std::vector<std::string> path_of(const Trace& t) {
  SpanTree tree(t);
  CriticalPath p = critical_path(tree);
  std::vector<std::string> out;
  for (const PathSegment& s : p.segments)
    out.push_back(tree.span(s.span).name + ":" + std::to_string(s.start_unix_nano / 1'000'000) +
                  "-" + std::to_string(s.end_unix_nano / 1'000'000));
  return out;
}

using V = std::vector<std::string>;

TEST(CriticalPathTest, SequentialCallsAreAllOnThePath) {
  Trace t{{}, {span(1, 0, 0, 100), span(2, 1, 10, 40), span(3, 1, 40, 90)}};
  EXPECT_EQ(path_of(t), (V{"op1:0-10", "op2:10-40", "op3:40-90", "op1:90-100"}));
}

TEST(CriticalPathTest, AFanOutFollowsTheLastToFinish) {
  Trace t{{}, {span(1, 0, 0, 100), span(2, 1, 10, 60), span(3, 1, 10, 80), span(4, 1, 20, 50)}};
  EXPECT_EQ(path_of(t), (V{"op1:0-10", "op3:10-80", "op1:80-100"}));
}

TEST(CriticalPathTest, NestedCallsInterleaveWithSelfTime) {
  Trace t{{}, {span(1, 0, 0, 100), span(2, 1, 10, 90), span(3, 2, 20, 50), span(4, 2, 60, 80)}};
  EXPECT_EQ(path_of(t), (V{"op1:0-10", "op2:10-20", "op3:20-50", "op2:50-60", "op4:60-80",
                           "op2:80-90", "op1:90-100"}));
}

TEST(CriticalPathTest, AChildOverlappingTheLastOneIsNotOnThePath) {
  // After B (50-90) the walk is at 50; A ends at 70, after that: the root waited on B.
  Trace t{{}, {span(1, 0, 0, 100), span(2, 1, 10, 70), span(3, 1, 50, 90)}};
  EXPECT_EQ(path_of(t), (V{"op1:0-50", "op3:50-90", "op1:90-100"}));
}

TEST(CriticalPathTest, AnAsyncChildCountsOnlyUntilItsParentEnds) {
  // Fire-and-forget: the child outlives the root; the root did not wait for the rest.
  Trace t{{}, {span(1, 0, 0, 50), span(2, 1, 10, 200), span(3, 2, 100, 150)}};
  EXPECT_EQ(path_of(t), (V{"op1:0-10", "op2:10-50"}));
}

TEST(CriticalPathTest, ASkewedChildIsClippedToItsParent) {
  Trace t{{}, {span(1, 0, 100, 200), span(2, 1, 80, 150), span(3, 1, 300, 400)}};
  EXPECT_EQ(path_of(t), (V{"op2:100-150", "op1:150-200"}));
}

TEST(CriticalPathTest, OrphansAndOtherRootsAreNotOnThePath) {
  Trace t{{}, {span(9, 77, 0, 1000), span(1, 0, 10, 100), span(2, 1, 20, 30)}};
  EXPECT_EQ(path_of(t), (V{"op1:10-20", "op2:20-30", "op1:30-100"}));
}

TEST(CriticalPathTest, SelfTimesSumPerServiceAndOperation) {
  Trace t{{}, {span(1, 0, 0, 100, "front", "GET /"), span(2, 1, 10, 40, "db", "query"),
               span(3, 1, 40, 90, "db", "query")}};
  SpanTree tree(t);
  CriticalPath p = critical_path(tree);
  ASSERT_EQ(p.self_times.size(), 2u);
  EXPECT_EQ(p.self_times[0].service, "db");
  EXPECT_EQ(p.self_times[0].operation, "query");
  EXPECT_EQ(p.self_times[0].nanos, 80'000'000u);
  EXPECT_EQ(p.self_times[0].segments, 2u);
  EXPECT_EQ(p.self_times[1].service, "front");
  EXPECT_EQ(p.self_times[1].nanos, 20'000'000u);
}

TEST(CriticalPathTest, EmptyAndZeroLengthTraces) {
  EXPECT_EQ(critical_path(SpanTree(Trace{})).root, SpanTree::kNone);
  Trace t{{}, {span(1, 0, 5, 5)}};
  EXPECT_EQ(path_of(t), (V{"op1:5-5"}));
}

TEST(CriticalPathTest, ASubtreeHasItsOwnPath) {
  // frontend 0-100 calls api 10-80 (which calls db 20-50) and cache 80-95.
  Trace t{{}, {span(1, 0, 0, 100, "frontend", "GET /"), span(2, 1, 10, 80, "api", "list"),
               span(3, 2, 20, 50, "db", "SELECT"), span(4, 1, 80, 95, "cache", "get")}};
  SpanTree tree(t);
  CriticalPath p = critical_path(tree, 1);
  EXPECT_EQ(p.root, 1u);
  ASSERT_EQ(p.segments.size(), 3u);
  EXPECT_EQ(p.segments.front().start_unix_nano, 10'000'000u);
  EXPECT_EQ(p.segments.back().end_unix_nano, 80'000'000u);
  ASSERT_EQ(p.self_times.size(), 2u);
  EXPECT_EQ(p.self_times[0].service, "api");
  EXPECT_EQ(p.self_times[0].nanos, 40'000'000u);
  EXPECT_EQ(p.self_times[1].service, "db");
  EXPECT_EQ(p.self_times[1].nanos, 30'000'000u);
  // The main root's overload is the overload at main_root().
  CriticalPath whole = critical_path(tree), at_root = critical_path(tree, tree.main_root());
  ASSERT_EQ(whole.segments.size(), at_root.segments.size());
  for (size_t i = 0; i < whole.segments.size(); ++i) {
    EXPECT_EQ(whole.segments[i].span, at_root.segments[i].span);
    EXPECT_EQ(whole.segments[i].start_unix_nano, at_root.segments[i].start_unix_nano);
  }
  EXPECT_EQ(critical_path(tree, SpanTree::kNone).root, SpanTree::kNone);
  EXPECT_TRUE(critical_path(tree, 99).segments.empty());
}

TEST(CriticalPathTest, ASubtreeRootIsNotClippedToItsParent) {
  // The entry (span 2) outlives its caller: its own path still covers all of it.
  Trace t{{}, {span(1, 0, 0, 50), span(2, 1, 10, 200), span(3, 2, 100, 150)}};
  SpanTree tree(t);
  CriticalPath p = critical_path(tree, 1);
  ASSERT_EQ(p.segments.size(), 3u);
  EXPECT_EQ(p.segments.front().start_unix_nano, 10'000'000u);
  EXPECT_EQ(p.segments[1].span, 2u);
  EXPECT_EQ(p.segments.back().end_unix_nano, 200'000'000u);
}

void expect_tiles_the_root(const Trace& t) {
  SpanTree tree(t);
  CriticalPath p = critical_path(tree);
  ASSERT_NE(p.root, SpanTree::kNone);
  const Span& root = tree.span(p.root);
  ASSERT_FALSE(p.segments.empty());
  EXPECT_EQ(p.segments.front().start_unix_nano, root.start_time_unix_nano);
  EXPECT_EQ(p.segments.back().end_unix_nano, root.end_time_unix_nano);
  for (size_t i = 0; i < p.segments.size(); ++i) {
    EXPECT_LT(p.segments[i].start_unix_nano, p.segments[i].end_unix_nano);
    if (i) {
      EXPECT_EQ(p.segments[i - 1].end_unix_nano, p.segments[i].start_unix_nano);
    }
    // A segment lies inside its span.
    const Span& s = tree.span(p.segments[i].span);
    EXPECT_GE(p.segments[i].start_unix_nano, s.start_time_unix_nano);
    EXPECT_LE(p.segments[i].end_unix_nano, s.end_time_unix_nano);
  }
  uint64_t total = 0;
  for (const SelfTime& st : p.self_times) total += st.nanos;
  EXPECT_EQ(total, root.duration_nanos());
}

TEST(CriticalPathTest, RandomTreesAreTiledExactly) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 200; ++round) {
    Trace t;
    t.spans.push_back(span(1, 0, 0, 1000));
    const int n = 2 + static_cast<int>(rng() % 60);
    for (int i = 2; i <= n; ++i) {
      const uint64_t parent = 1 + rng() % (i - 1);
      const uint64_t start = rng() % 1100, len = rng() % 400;  // some outside their parent
      t.spans.push_back(span(i, parent, start, start + len));
    }
    expect_tiles_the_root(t);
  }
}

TEST(CriticalPathTest, AHundredThousandDeepChainNeedsNoRecursion) {
  Trace t;
  const uint64_t n = 100'000;
  for (uint64_t i = 1; i <= n; ++i) t.spans.push_back(span(i, i - 1, i, 2 * n + 10 - i));
  expect_tiles_the_root(t);
  SpanTree tree(t);
  EXPECT_EQ(critical_path(tree).segments.size(), 2 * n - 1);
}

TEST(SpanTreeTest, CyclesAndSelfParentsBecomeRoots) {
  Trace t{{}, {span(1, 2, 0, 10), span(2, 1, 0, 10), span(3, 3, 0, 10), span(4, 1, 1, 2)}};
  SpanTree tree(t);
  EXPECT_EQ(tree.roots().size(), 2u);  // the cycle cut once, and the self-parent
  EXPECT_EQ(tree.subtree(tree.roots()[0]).size() + tree.subtree(tree.roots()[1]).size(), 4u);
}

}  // namespace
}  // namespace weft::query::analysis
