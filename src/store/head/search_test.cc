// Search semantics of model/query.h, table-driven: each row is a query and the trace
// numbers it must return, in order.
#include <gtest/gtest.h>

#include "store/head/head.h"
#include "store/testing/span_builder.h"

namespace weft::store {

using namespace weft::model;

namespace {

using namespace testing;

// T1 starts at 0 ms, lasts 100: front "GET /" (http.status=200) -> back "query" client
//    (db=pg, 50 ms).
// T2 starts at 10, lasts 20: front "GET /" -> back "query" client, ERROR, with an event
//    exception.type=Timeout.
// T3 starts at 20, lasts 300: front "POST /", resource env=prod.
// T4 starts at 30, lasts 200: back "query" server.
// T5 starts at 30 (ties T4), lasts 10: front "GET /".
Head& fixture() {
  static Head* h = [] {
    auto* head = new Head(1ull << 30);
    Span t2_back = make_span(2, 2, 1, "back", "query", 12, 5, SpanKind::kClient);
    t2_back.status.code = SpanStatusCode::kError;
    t2_back.events.push_back({kT0 + 13 * kMs, "exception", {{"exception.type", "Timeout"}}, 0});
    Span t3 = make_span(3, 1, 0, "front", "POST /", 20, 300);
    t3.resource = resource("front", {{"env", "prod"}});
    std::vector<SpanBatch> batches{batch_of({
        make_span(1, 1, 0, "front", "GET /", 0, 100, SpanKind::kServer, {{"http.status", 200}}),
        make_span(1, 2, 1, "back", "query", 10, 50, SpanKind::kClient, {{"db", "pg"}}),
        make_span(2, 1, 0, "front", "GET /", 10, 20),
        t2_back,
        t3,
        make_span(4, 1, 0, "back", "query", 30, 200, SpanKind::kServer),
        make_span(5, 1, 0, "front", "GET /", 30, 10),
    })};
    head->apply(batches, 1);
    return head;
  }();
  return *h;
}

struct Row {
  const char* name;
  TraceQuery q;
  std::vector<uint64_t> want;
};

TraceQuery Q(std::function<void(TraceQuery&)> f) {
  TraceQuery q;
  f(q);
  return q;
}

std::vector<Row> rows() {
  const uint64_t ms = kMs;
  return {
      {"everything newest first, ties by trace id", {}, {4, 5, 3, 2, 1}},
      {"limit is the top N", Q([](auto& q) { q.limit = 2; }), {4, 5}},
      {"service", Q([](auto& q) { q.service = "front"; }), {5, 3, 2, 1}},
      {"service + operation",
       Q([](auto& q) {
         q.service = "front";
         q.operation = "GET /";
       }),
       {5, 2, 1}},
      {"service + kind",
       Q([](auto& q) {
         q.service = "back";
         q.span_kind = SpanKind::kClient;
       }),
       {2, 1}},
      {"service + operation + kind on one span",
       Q([](auto& q) {
         q.service = "back";
         q.operation = "query";
         q.span_kind = SpanKind::kServer;
       }),
       {4}},
      {"anchor fields must hold on ONE span",
       Q([](auto& q) {
         q.service = "front";
         q.operation = "query";
       }),
       {}},
      {"operation without service", Q([](auto& q) { q.operation = "query"; }), {4, 2, 1}},
      {"tags on different spans",
       Q([](auto& q) {
         q.tags = {{"http.status", "200"}, {"db", "pg"}};
       }),
       {1}},
      {"anchor and tag on different spans",
       Q([](auto& q) {
         q.service = "front";
         q.tags = {{"db", "pg"}};
       }),
       {1}},
      {"pseudo-tag error=true",
       Q([](auto& q) {
         q.tags = {{"error", "true"}};
       }),
       {2}},
      {"pseudo-tag status.code",
       Q([](auto& q) {
         q.tags = {{"status.code", "ERROR"}};
       }),
       {2}},
      {"pseudo-tag span.kind",
       Q([](auto& q) {
         q.tags = {{"span.kind", "client"}};
       }),
       {2, 1}},
      {"event attribute",
       Q([](auto& q) {
         q.tags = {{"exception.type", "Timeout"}};
       }),
       {2}},
      {"resource attribute",
       Q([](auto& q) {
         q.tags = {{"env", "prod"}};
       }),
       {3}},
      {"resource service.name as a tag",
       Q([](auto& q) {
         q.tags = {{"service.name", "back"}};
       }),
       {4, 2, 1}},
      {"min duration of the trace",
       Q([=](auto& q) { q.min_duration_nanos = 100 * ms; }),
       {4, 3, 1}},
      {"service + min duration: still the trace's duration",
       Q([=](auto& q) {
         q.service = "back";
         q.min_duration_nanos = 100 * ms;
       }),
       {4, 1}},
      {"duration_of_span: the anchor span's duration",
       Q([=](auto& q) {
         q.service = "back";
         q.min_duration_nanos = 100 * ms;
         q.duration_of_span = true;
       }),
       {4}},
      {"max duration", Q([=](auto& q) { q.max_duration_nanos = 20 * ms; }), {5, 2}},
      {"longest first", Q([](auto& q) { q.order = TraceOrder::kLongestFirst; }), {3, 4, 1, 2, 5}},
      {"longest first, top 2",
       Q([](auto& q) {
         q.order = TraceOrder::kLongestFirst;
         q.limit = 2;
       }),
       {3, 4}},
      {"longest first with service",
       Q([](auto& q) {
         q.order = TraceOrder::kLongestFirst;
         q.service = "back";
         q.limit = 1;
       }),
       {4}},
      {"time window on trace start (inclusive)",
       Q([=](auto& q) {
         q.start_unix_nano = kT0 + 10 * ms;
         q.end_unix_nano = kT0 + 20 * ms;
       }),
       {3, 2}},
      {"impossible window",
       Q([](auto& q) {
         q.start_unix_nano = 5;
         q.end_unix_nano = 4;
       }),
       {}},
      {"unknown service", Q([](auto& q) { q.service = "nope"; }), {}},
      {"unknown operation",
       Q([](auto& q) {
         q.service = "front";
         q.operation = "nope";
       }),
       {}},
      {"unseen tag value",
       Q([](auto& q) {
         q.tags = {{"db", "mysql"}};
       }),
       {}},
      {"unseen tag key",
       Q([](auto& q) {
         q.tags = {{"nope", "x"}};
       }),
       {}},
      {"int attribute matched by its decimal string",
       Q([](auto& q) {
         q.tags = {{"http.status", "200"}};
         q.service = "front";
       }),
       {1}},
  };
}

TEST(HeadSearch, Semantics) {
  for (const Row& row : rows()) {
    std::vector<uint64_t> got;
    for (const TraceSummary& s : fixture().search(row.q)) got.push_back(s.trace_id.low64());
    std::vector<uint64_t> want;
    for (uint64_t n : row.want) want.push_back(trace_id(n).low64());
    EXPECT_EQ(got, want) << row.name;
  }
}

TEST(HeadSearch, SummaryFields) {
  TraceQuery q;
  q.tags = {{"error", "true"}};
  auto r = fixture().search(q);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].root_service, "front");
  EXPECT_EQ(r[0].root_name, "GET /");
  EXPECT_EQ(r[0].span_count, 2u);
  EXPECT_EQ(r[0].error_count, 1u);
  EXPECT_EQ(r[0].start_unix_nano, kT0 + 10 * kMs);
  EXPECT_EQ(r[0].end_unix_nano, kT0 + 30 * kMs);
}

}  // namespace
}  // namespace weft::store
