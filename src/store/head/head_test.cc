#include "store/head/head.h"

#include <gtest/gtest.h>

#include "store/testing/span_builder.h"

namespace weft::store {

using namespace weft::model;

namespace {

using namespace testing;

void apply(Head& h, std::vector<Span> spans, uint64_t segment = 1) {
  std::vector<SpanBatch> batches{batch_of(std::move(spans))};
  h.apply(batches, segment);
}

TEST(Head, TraceByIdIsInStartThenSpanIdOrder) {
  Head h(1ull << 30);
  // Arrival order unrelated to start; ties on start broken by span ID.
  std::vector<Span> spans;
  for (uint64_t id : {7, 3, 9, 1, 8, 2, 6, 4, 5})
    spans.push_back(make_span(1, id, id == 1 ? 0 : 1, "svc", "op" + std::to_string(id), id % 3, 1));
  apply(h, {spans.begin(), spans.begin() + 4});
  apply(h, {spans.begin() + 4, spans.end()});
  auto t = h.get_trace(trace_id(1));
  ASSERT_TRUE(t.has_value());
  std::vector<uint64_t> got;
  for (const Span& s : t->spans) got.push_back(s.span_id.low64());
  EXPECT_EQ(got, (std::vector<uint64_t>{3, 6, 9, 1, 4, 7, 2, 5, 8}));
  EXPECT_EQ(t->spans[1].name, "op6");  // each record decoded with its own span
}

TEST(Head, LateSpansJoinTheirTraceAndMoveItsStart) {
  Head h(1ull << 30);
  apply(h, {make_span(1, 2, 1, "back", "query", 10, 5)});
  apply(h, {make_span(2, 1, 0, "other", "x", 5, 1)});
  auto before = h.search(TraceQuery{});
  ASSERT_EQ(before.size(), 2u);
  EXPECT_EQ(before[0].trace_id, trace_id(1));                // starts at 10: newest
  apply(h, {make_span(1, 1, 0, "front", "GET /", 0, 100)});  // the root arrives late
  auto t = h.get_trace(trace_id(1));
  ASSERT_TRUE(t.has_value());
  ASSERT_EQ(t->spans.size(), 2u);
  EXPECT_EQ(t->spans[0].name, "GET /");  // sorted by start
  auto after = h.search(TraceQuery{});
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].trace_id, trace_id(2));  // trace 1 now starts at 0
  EXPECT_EQ(after[1].root_service, "front");
  EXPECT_EQ(after[1].root_name, "GET /");
  EXPECT_EQ(after[1].span_count, 2u);
  EXPECT_EQ(after[1].duration_nanos(), 100 * kMs);
  EXPECT_EQ(after[1].services,
            (std::vector<std::pair<std::string, uint32_t>>{{"back", 1}, {"front", 1}}));
  // The late root made "front" a service of trace 1: a search by it finds the trace.
  TraceQuery q;
  q.service = "front";
  ASSERT_EQ(h.search(q).size(), 1u);
}

TEST(Head, DuplicateSpanIdsAreKeptOnce) {
  Head h(1ull << 30);
  apply(h, {make_span(1, 1, 0, "a", "op", 0, 1), make_span(1, 2, 1, "a", "child", 0, 1)});
  apply(h, {make_span(1, 1, 0, "a", "op", 0, 1)});  // a retried request
  EXPECT_EQ(h.get_trace(trace_id(1))->spans.size(), 2u);
  EXPECT_EQ(h.stats().spans, 2u);
  EXPECT_EQ(h.stats().duplicate_spans, 1u);
  // Large traces switch to a hash set; duplicates are still caught.
  std::vector<Span> many;
  for (int i = 1; i <= 100; ++i) many.push_back(make_span(2, i, 0, "a", "op", i, 1));
  apply(h, many);
  apply(h, many);
  EXPECT_EQ(h.get_trace(trace_id(2))->spans.size(), 100u);
}

TEST(Head, EvictsOldestArrivalsToStayUnderBudgetAndFreesSegments) {
  // What one more trace costs, and what the head's tables (names, the resource) cost once.
  Head probe(1ull << 30);
  apply(probe, {make_span(1, 1, 0, "a", "op", 0, 1)});
  const uint64_t one = probe.stats().bytes;
  apply(probe, {make_span(2, 1, 0, "a", "op", 0, 1)});
  const uint64_t per_trace = probe.stats().bytes - one;
  const uint64_t fixed = one - per_trace;
  Head h(fixed + per_trace * 10 + per_trace / 2);  // room for 10 such traces
  for (uint64_t i = 1; i <= 30; ++i)
    apply(h, {make_span(i, 1, 0, "a", "op", 100 - i, 1)}, i / 10 + 1);
  HeadStats st = h.stats();
  EXPECT_LE(st.bytes, st.budget_bytes);
  EXPECT_EQ(st.traces, 10u);
  EXPECT_EQ(st.evicted_traces, 20u);
  EXPECT_EQ(st.evicted_spans, 20u);
  EXPECT_FALSE(h.get_trace(trace_id(20)).has_value());  // arrival order, not start time
  EXPECT_TRUE(h.get_trace(trace_id(21)).has_value());
  EXPECT_EQ(h.search(TraceQuery{}).size(), 10u);
  // Traces 1..9 went to segment 1, 10..19 to segment 2: both dead. 3 and 4 are live.
  EXPECT_EQ(h.take_dead_segments(4), (std::vector<uint64_t>{1, 2}));
  EXPECT_TRUE(h.take_dead_segments(4).empty());  // reported once
}

TEST(Head, ActiveSegmentIsNeverReportedDead) {
  Head h(1);  // evicts everything at once
  apply(h, {make_span(1, 1, 0, "a", "op", 0, 1)}, 5);
  EXPECT_TRUE(h.take_dead_segments(5).empty());
  EXPECT_EQ(h.take_dead_segments(6), std::vector<uint64_t>{5});
}

TEST(Head, OperationsServicesAndAttributes) {
  Head h(1ull << 30);
  apply(h, {make_span(1, 1, 0, "a", "GET", 0, 1, SpanKind::kServer, {{"http.status", 200}}),
            make_span(1, 2, 1, "a", "SELECT", 0, 1, SpanKind::kClient, {{"db", "pg"}}),
            make_span(2, 1, 0, "b", "GET", 0, 1, SpanKind::kServer, {{"http.status", 404}})});
  EXPECT_EQ(h.services(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(h.operations("a"), (std::vector<OperationInfo>{{"GET", SpanKind::kServer},
                                                           {"SELECT", SpanKind::kClient}}));
  EXPECT_EQ(h.operations("").size(), 2u);  // GET/server is one operation across services
  EXPECT_TRUE(h.operations("zzz").empty());
  EXPECT_EQ(h.attribute_keys(), (std::vector<std::string>{"db", "http.status", "service.name"}));
  EXPECT_EQ(h.attribute_values("http.status", 10), (std::vector<std::string>{"200", "404"}));
  EXPECT_EQ(h.attribute_values("http.status", 1).size(), 1u);
  EXPECT_EQ(h.attribute_values("service.name", 10), (std::vector<std::string>{"a", "b"}));
}

TEST(Head, AttributeValuesAreCappedPerKey) {
  Head h(1ull << 30);
  std::vector<Span> spans;
  for (int i = 0; i < 1500; ++i)
    spans.push_back(make_span(1, i + 1, 0, "a", "op", 0, 1, SpanKind::kServer,
                              {{"user", "u" + std::to_string(i)}}));
  apply(h, spans);
  EXPECT_EQ(h.attribute_values("user", 5000).size(), HeadIndex::kMaxValuesPerKey);
  // Capped keys cannot prove absence: a search for an unkept value still scans and finds it.
  TraceQuery q;
  q.tags = {{"user", "u1499"}};
  EXPECT_EQ(h.search(q).size(), 1u);
}

}  // namespace
}  // namespace weft::store
