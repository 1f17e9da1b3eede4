// Clock skew on hand-built traces with known answers (clock_skew.h).
#include "analysis/clock_skew.h"

#include <gtest/gtest.h>

namespace weft::query::analysis {
namespace {

using model::Span;
using model::Trace;

// Span n (ID n) on `host`, child of `parent` (0: root), over [start, end] ms; `kind`
// CLIENT or SERVER makes client/server pairs.
Span span(uint64_t n, uint64_t parent, uint64_t start_ms, uint64_t end_ms,
          const std::string& host, model::SpanKind kind = model::SpanKind::kInternal) {
  Span s;
  s.kind = kind;
  s.span_id.bytes[7] = static_cast<uint8_t>(n);
  s.parent_span_id.bytes[7] = static_cast<uint8_t>(parent);
  s.start_time_unix_nano = start_ms * 1'000'000;
  s.end_time_unix_nano = end_ms * 1'000'000;
  auto r = std::make_shared<model::Resource>();
  r->attributes.push_back({"service.name", model::AnyValue("svc-" + host)});
  if (!host.empty()) r->attributes.push_back({"host.name", model::AnyValue(host)});
  s.resource = r;
  return s;
}

constexpr int64_t kMs = 1'000'000;
constexpr auto kClient = model::SpanKind::kClient;
constexpr auto kServer = model::SpanKind::kServer;

std::vector<int64_t> deltas(const Trace& t) { return clock_skew_deltas(SpanTree(t)); }

TEST(ClockSkewTest, AServerAheadIsCentredInItsClientAndItsHostFollows) {
  // The server's clock is ~1 s ahead: 80 ms inside a 100 ms client call, 10 ms each way.
  Trace t{{}, {span(1, 0, 100, 200, "a", kClient), span(2, 1, 1100, 1180, "b", kServer),
               span(3, 2, 1120, 1130, "b")}};
  EXPECT_EQ(deltas(t), (std::vector<int64_t>{0, -990 * kMs, -990 * kMs}));
  EXPECT_EQ(apply_clock_skew(t, deltas(t)), 2u);
  EXPECT_EQ(t.spans[1].start_time_unix_nano, 110u * kMs);
  EXPECT_EQ(t.spans[1].end_time_unix_nano, 190u * kMs);
  EXPECT_EQ(t.spans[2].start_time_unix_nano, 130u * kMs);
  const model::AnyValue* a = model::find_attribute(t.spans[1].attributes, kSkewAttribute);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(a->as_int(), nullptr);
  EXPECT_EQ(*a->as_int(), -990 * kMs);
  EXPECT_EQ(model::find_attribute(t.spans[0].attributes, kSkewAttribute), nullptr);
}

TEST(ClockSkewTest, ASpanThatFitsIsNotMoved) {
  Trace t{{}, {span(1, 0, 100, 200, "a", kClient), span(2, 1, 120, 150, "b", kServer)}};
  EXPECT_EQ(deltas(t), (std::vector<int64_t>{0, 0}));
}

TEST(ClockSkewTest, OneHostHasOneClockSoItsSpansAreNotCentred) {
  Trace t{{}, {span(1, 0, 100, 200, "a", kClient), span(2, 1, 150, 300, "a", kServer)}};
  EXPECT_EQ(deltas(t), (std::vector<int64_t>{0, 0}));
}

TEST(ClockSkewTest, AChildLongerThanItsParentOnlyStopsStartingFirst) {
  Trace t{{}, {span(1, 0, 100, 150, "a", kClient), span(2, 1, 90, 190, "b", kServer),
               span(3, 1, 120, 300, "c", kServer)}};
  EXPECT_EQ(deltas(t), (std::vector<int64_t>{0, 10 * kMs, 0}));
}

TEST(ClockSkewTest, AServerOfUnknownHostIsCentredAndItsChildrenFollow) {
  Trace t{{}, {span(1, 0, 100, 200, "", kClient), span(2, 1, 50, 90, "", kServer),
               span(3, 2, 60, 70, "")}};
  // Span 2 centred at 130..170 (delta +80 ms); span 3, in its process, moves with it.
  EXPECT_EQ(deltas(t), (std::vector<int64_t>{0, 80 * kMs, 80 * kMs}));
}

TEST(ClockSkewTest, OnlyClientServerPairsSayAnythingAboutClocks) {
  // A fire-and-forget child outliving its parent, and a consumer starting after its
  // producer ended, on other hosts: what happened, left alone.
  Trace async{{}, {span(1, 0, 100, 200, "a"), span(2, 1, 150, 400, "")}};
  EXPECT_EQ(deltas(async), (std::vector<int64_t>{0, 0}));
  Trace queue{{}, {span(1, 0, 100, 110, "a", model::SpanKind::kProducer),
                   span(2, 1, 500, 520, "b", model::SpanKind::kConsumer)}};
  EXPECT_EQ(deltas(queue), (std::vector<int64_t>{0, 0}));
  // Under a moved server, a span of another known host is not dragged along.
  Trace hop{{}, {span(1, 0, 100, 200, "a", kClient), span(2, 1, 1100, 1180, "b", kServer),
                 span(3, 2, 1120, 1130, "c")}};
  EXPECT_EQ(deltas(hop), (std::vector<int64_t>{0, -990 * kMs, 0}));
}

TEST(ClockSkewTest, EventsMoveWithTheirSpan) {
  Trace t{{}, {span(1, 0, 100, 200, "a", kClient), span(2, 1, 1100, 1180, "b", kServer)}};
  t.spans[1].events.push_back({1150 * kMs, "retry", {}, 0});
  apply_clock_skew(t, deltas(t));
  EXPECT_EQ(t.spans[1].events[0].time_unix_nano, 160u * kMs);
}

// A log-built trace: the server's calls 0.1.2 and 0.1.3 on hosts without a name; the clock
// of 0.1.3's callee is behind, so it seems to start before 0.1.2 although the counter says
// it came after.
TEST(ClockSkewTest, RpcIdOrderMovesACallTheCounterPutsLater) {
  Trace t{{}, {span(1, 0, 100, 400, ""), span(2, 1, 150, 200, ""), span(3, 1, 120, 140, ""),
               span(4, 3, 125, 130, "")}};
  t.spans[0].rpc_id = "0.1";
  t.spans[1].rpc_id = "0.1.2";
  t.spans[2].rpc_id = "0.1.3";
  t.spans[3].rpc_id = "0.1.3.1";
  // 0.1.3 moves to start with 0.1.2 (+30 ms); its child moves with it.
  EXPECT_EQ(deltas(t), (std::vector<int64_t>{0, 0, 30 * kMs, 30 * kMs}));
}

TEST(ClockSkewTest, RpcIdOrderNeverPushesACallPastItsParentsEnd) {
  Trace t{{}, {span(1, 0, 100, 200, ""), span(2, 1, 180, 190, ""), span(3, 1, 110, 195, "")}};
  t.spans[1].rpc_id = "0.1.2";
  t.spans[2].rpc_id = "0.1.3";
  EXPECT_EQ(deltas(t), (std::vector<int64_t>{0, 0, 5 * kMs}));  // room: 200 - 195
}

TEST(ClockSkewTest, RpcIdOrderLeavesOneHostsCallsAndCallsInOrderAlone) {
  Trace same_host{{}, {span(1, 0, 100, 400, "a"), span(2, 1, 150, 200, "a"),
                       span(3, 1, 120, 140, "a")}};
  same_host.spans[1].rpc_id = "0.1.2";
  same_host.spans[2].rpc_id = "0.1.3";
  EXPECT_EQ(deltas(same_host), (std::vector<int64_t>{0, 0, 0}));
  Trace in_order{{}, {span(1, 0, 100, 400, ""), span(2, 1, 120, 140, ""),
                      span(3, 1, 150, 200, "")}};
  in_order.spans[1].rpc_id = "0.1.2";
  in_order.spans[2].rpc_id = "0.1.10";
  EXPECT_EQ(deltas(in_order), (std::vector<int64_t>{0, 0, 0}));
}

TEST(ClockSkewTest, AdjustClockSkewAppliesTheDeltas) {
  Trace t{{}, {span(1, 0, 100, 200, "a", kClient), span(2, 1, 1100, 1180, "b", kServer)}};
  EXPECT_EQ(adjust_clock_skew(t), 1u);
  EXPECT_EQ(t.spans[1].start_time_unix_nano, 110u * kMs);
}

}  // namespace
}  // namespace weft::query::analysis
