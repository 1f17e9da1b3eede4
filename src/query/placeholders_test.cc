#include "query/placeholders.h"

#include <gtest/gtest.h>

#include <map>

#include "store/testing/span_builder.h"

namespace weft::query {

using namespace weft::model;

namespace {

using store::testing::make_span;

Span with(Span s, SpanKind kind, std::string rpc, bool placeholder = false) {
  s.kind = kind;
  s.rpc_id = std::move(rpc);
  if (placeholder) s.attributes.push_back({"weft.placeholder", true});
  return s;
}

TEST(PlaceholdersTest, GiveWayToTheSpansTheyStandFor) {
  // SDK spans: request 0.1 (span 1) calling 0.2 (span 2). Log-built: placeholders for both
  // (10, 11), the callee's request 0.2.1 (12) under the call placeholder, and an orphan
  // placeholder call 0.5 (13) with its callee (14).
  Trace t;
  t.spans.push_back(with(make_span(1, 1, 0, "frontend", "GET /", 1, 10), SpanKind::kServer, "0.1"));
  t.spans.push_back(
      with(make_span(1, 2, 1, "frontend", "GET /stock", 2, 9), SpanKind::kClient, "0.2"));
  t.spans.push_back(
      with(make_span(1, 10, 0, "", "(missing request 0.1)", 3, 8), SpanKind::kServer, "0.1", true));
  t.spans.push_back(
      with(make_span(1, 11, 10, "", "(missing call 0.2)", 3, 8), SpanKind::kClient, "0.2", true));
  t.spans.push_back(
      with(make_span(1, 12, 11, "inventory", "GET /stock", 4, 7), SpanKind::kServer, "0.2.1"));
  t.spans.push_back(
      with(make_span(1, 13, 10, "", "(missing call 0.5)", 5, 6), SpanKind::kClient, "0.5", true));
  t.spans.push_back(
      with(make_span(1, 14, 13, "inventory", "GET /x", 5, 6), SpanKind::kServer, "0.5.1"));
  EXPECT_EQ(resolve_placeholders(&t), 2u);
  ASSERT_EQ(t.spans.size(), 5u);
  std::map<uint64_t, uint64_t> parent;
  for (const Span& s : t.spans) parent[s.span_id.low64()] = s.parent_span_id.low64();
  EXPECT_EQ(parent.at(12), 2u);  // under the SDK's call
  EXPECT_EQ(parent.at(13), 1u);  // the unmatched placeholder stays, under the real request
  EXPECT_EQ(parent.at(14), 13u);
  EXPECT_EQ(t.spans[0].span_id.low64(), 1u);  // order kept
  EXPECT_EQ(t.spans[4].span_id.low64(), 14u);
}

TEST(PlaceholdersTest, TracesWithoutAMatchAreLeftAlone) {
  Trace t;
  t.spans.push_back(
      with(make_span(1, 10, 0, "", "(missing request 0.1)", 3, 8), SpanKind::kServer, "0.1", true));
  t.spans.push_back(
      with(make_span(1, 12, 10, "inventory", "GET /stock", 4, 7), SpanKind::kServer, "0.1.1"));
  // Same RpcId, other kind: not the span the placeholder stands for.
  t.spans.push_back(with(make_span(1, 2, 12, "inventory", "call", 4, 7), SpanKind::kClient, "0.1"));
  Trace before = t;
  EXPECT_EQ(resolve_placeholders(&t), 0u);
  ASSERT_EQ(t.spans.size(), before.spans.size());
  for (size_t i = 0; i < t.spans.size(); ++i) EXPECT_TRUE(same_span(t.spans[i], before.spans[i]));
}

}  // namespace
}  // namespace weft::query
