// Block search: the same queries on a Head and on a block holding the
// same spans must give the same results (model/query.h semantics), and the dictionaries
// must prove absence without reading pages.
#include <gtest/gtest.h>

#include <functional>

#include "store/block/block_test_traces.h"
#include "store/head/head.h"
#include "store/testing/temp_dir.h"

namespace weft::store {

using namespace weft::model;

namespace {

using namespace testing;

std::vector<Trace> fixture_traces() {
  Span t2_back = make_span(2, 2, 1, "back", "query", 12, 5, SpanKind::kClient);
  t2_back.status.code = SpanStatusCode::kError;
  t2_back.events.push_back({kT0 + 13 * kMs, "exception", {{"exception.type", "Timeout"}}, 0});
  Span t3 = make_span(3, 1, 0, "front", "POST /", 20, 300);
  t3.resource = resource("front", {{"env", "prod"}});
  return {
      {trace_id(1),
       {make_span(1, 1, 0, "front", "GET /", 0, 100, SpanKind::kServer, {{"http.status", 200}}),
        make_span(1, 2, 1, "back", "query", 10, 50, SpanKind::kClient, {{"db", "pg"}})}},
      {trace_id(2), {make_span(2, 1, 0, "front", "GET /", 10, 20), t2_back}},
      {trace_id(3), {t3}},
      {trace_id(4), {make_span(4, 1, 0, "back", "query", 30, 200, SpanKind::kServer)}},
      {trace_id(5), {make_span(5, 1, 0, "front", "GET /", 30, 10)}},
  };
}

std::unique_ptr<Head> head_of(const std::vector<Trace>& traces) {
  auto head = std::make_unique<Head>(1ull << 32);
  SpanBatch b;
  for (const Trace& t : traces)
    for (const Span& s : t.spans) b.spans.push_back(s);
  std::vector<SpanBatch> batches{std::move(b)};
  head->apply(batches, 1);
  return head;
}

std::vector<TraceSummary> block_search(const BlockReader& r, const TraceQuery& q) {
  BlockSearchState st;
  st.limit = q.limit;
  Status s = r.search(q, &st);
  EXPECT_TRUE(s.is_ok()) << s.to_string();
  return st.out;
}

::testing::AssertionResult same_results(const std::vector<TraceSummary>& want,
                                        const std::vector<TraceSummary>& got) {
  if (want.size() != got.size())
    return ::testing::AssertionFailure() << got.size() << " results, want " << want.size();
  for (size_t i = 0; i < want.size(); ++i) {
    const TraceSummary &a = want[i], &b = got[i];
    if (a.trace_id != b.trace_id || a.start_unix_nano != b.start_unix_nano ||
        a.end_unix_nano != b.end_unix_nano || a.root_service != b.root_service ||
        a.root_name != b.root_name || a.span_count != b.span_count ||
        a.error_count != b.error_count || a.services != b.services)
      return ::testing::AssertionFailure()
             << "result " << i << ": trace " << b.trace_id.to_hex() << " root " << b.root_service
             << "/" << b.root_name << " spans " << b.span_count << " errors " << b.error_count
             << "; want " << a.trace_id.to_hex() << " root " << a.root_service << "/" << a.root_name
             << " spans " << a.span_count << " errors " << a.error_count;
  }
  return ::testing::AssertionSuccess();
}

TraceQuery Q(std::function<void(TraceQuery&)> f) {
  TraceQuery q;
  f(q);
  return q;
}

struct Row {
  const char* name;
  TraceQuery q;
  std::vector<uint64_t> want;
};

// The rows of head/search_test.cc.
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
      {"int attribute, not a number",
       Q([](auto& q) {
         q.tags = {{"http.status", "2x"}};
       }),
       {}},
      {"limit 0 is unlimited", Q([](auto& q) { q.limit = 0; }), {4, 5, 3, 2, 1}},
  };
}

TEST(BlockSearch, SemanticsTableLikeHead) {
  TempDir dir;
  const std::string path = dir.path() + "/f.blk";
  auto traces = fixture_traces();
  BlockWriterOptions o;
  o.page_spans = 2;  // several pages
  write_block(path, traces, o);
  auto r = open_block(path);
  ASSERT_TRUE(r);
  ASSERT_GT(r->pages(), 1u);
  auto head = head_of(traces);
  for (const Row& row : rows()) {
    std::vector<uint64_t> got;
    auto res = block_search(*r, row.q);
    for (const TraceSummary& s : res) got.push_back(s.trace_id.low64());
    std::vector<uint64_t> want;
    for (uint64_t n : row.want) want.push_back(trace_id(n).low64());
    EXPECT_EQ(got, want) << row.name;
    EXPECT_TRUE(same_results(head->search(row.q), res)) << row.name;
  }
}

TEST(BlockSearch, SummaryFields) {
  TempDir dir;
  const std::string path = dir.path() + "/f.blk";
  write_block(path, fixture_traces());
  auto r = open_block(path);
  TraceQuery q;
  q.tags = {{"error", "true"}};
  auto res = block_search(*r, q);
  ASSERT_EQ(res.size(), 1u);
  EXPECT_EQ(res[0].root_service, "front");
  EXPECT_EQ(res[0].root_name, "GET /");
  EXPECT_EQ(res[0].span_count, 2u);
  EXPECT_EQ(res[0].error_count, 1u);
  EXPECT_EQ(res[0].start_unix_nano, kT0 + 10 * kMs);
  EXPECT_EQ(res[0].end_unix_nano, kT0 + 30 * kMs);
  std::vector<std::pair<std::string, uint32_t>> services{{"back", 1}, {"front", 1}};
  EXPECT_EQ(res[0].services, services);
}

TEST(BlockSearchState, OfferKeepsTopN) {
  BlockSearchState st;
  st.limit = 2;
  auto sum = [](uint64_t id, uint64_t start, uint64_t dur) {
    TraceSummary s;
    s.trace_id = trace_id(id);
    s.start_unix_nano = start;
    s.end_unix_nano = start + dur;
    return s;
  };
  EXPECT_TRUE(st.could_take(TraceOrder::kNewestFirst, 0, 0));
  EXPECT_TRUE(st.offer(sum(1, 10, 5), TraceOrder::kNewestFirst));
  EXPECT_TRUE(st.offer(sum(2, 30, 5), TraceOrder::kNewestFirst));
  EXPECT_FALSE(st.offer(sum(3, 5, 5), TraceOrder::kNewestFirst));
  EXPECT_FALSE(st.could_take(TraceOrder::kNewestFirst, 9, 0));
  EXPECT_TRUE(st.could_take(TraceOrder::kNewestFirst, 10, 0));
  EXPECT_TRUE(st.offer(sum(0, 10, 5), TraceOrder::kNewestFirst));  // tie, smaller ID
  ASSERT_EQ(st.out.size(), 2u);
  EXPECT_EQ(st.out[0].trace_id, trace_id(2));
  EXPECT_EQ(st.out[1].trace_id, trace_id(0));

  BlockSearchState lg;
  lg.limit = 1;
  EXPECT_TRUE(lg.offer(sum(1, 10, 5), TraceOrder::kLongestFirst));
  EXPECT_FALSE(lg.could_take(TraceOrder::kLongestFirst, 0, 4));
  EXPECT_TRUE(lg.offer(sum(2, 0, 9), TraceOrder::kLongestFirst));
  EXPECT_EQ(lg.out[0].trace_id, trace_id(2));
}

// Random queries over the rich trace set: head and block agree.
TEST(BlockSearch, AgreesWithHeadOnRichTraces) {
  TempDir dir;
  const std::string path = dir.path() + "/rich.blk";
  auto traces = in_block_order(rich_traces(600));
  BlockWriterOptions o;
  o.page_spans = 100;
  o.max_dict_values_per_key = 50;  // user.id values overflow into raw
  write_block(path, traces, o);
  auto r = open_block(path);
  ASSERT_TRUE(r);
  auto head = head_of(traces);

  const std::vector<std::string> services = {"",     "svc-a",      "svc-b", "unknown_service",
                                             "nope", "svc-fresh-1"};
  const std::vector<std::string> ops = {"", "op-1", "op-3", "", "nope"};
  const std::vector<TagCondition> tags = {
      {"http.method", "GET"},
      {"http.status_code", "503"},
      {"http.status_code", "dup-as-string"},
      {"user.id", "user-7"},
      {"user.id", "user-4999"},
      {"user.id", "user-123456"},
      {"exception.type", "E2"},
      {"attempt", "1"},
      {"error", "true"},
      {"status.code", "ok"},
      {"span.kind", "producer"},
      {"host.name", "h2"},
      {"k8s.pod", "7"},
      {"team", "x"},
      {"retry", "true"},
      {"ratio", "0.5"},
      {"blob", "AAEC"},
      {"empty", ""},
      {"list", R"(["a",-3,[true,null]])"},
      {"service.name", "svc-b"},
      {"nope", "x"},
      {"long", std::string(700, 'L')},
  };
  uint64_t seed = 99;
  auto rnd = [&]() {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return seed >> 33;
  };
  int nonempty = 0;
  for (int i = 0; i < 600; ++i) {
    TraceQuery q;
    q.service = services[rnd() % services.size()];
    q.operation = ops[rnd() % ops.size()];
    if (rnd() % 4 == 0) q.span_kind = static_cast<SpanKind>(rnd() % 6);
    int ntags = static_cast<int>(rnd() % 3);
    for (int k = 0; k < ntags; ++k) q.tags.push_back(tags[rnd() % tags.size()]);
    if (rnd() % 3 == 0) q.min_duration_nanos = (rnd() % 300) * kMs;
    if (rnd() % 4 == 0) q.max_duration_nanos = (rnd() % 600) * kMs;
    q.duration_of_span = rnd() % 5 == 0;
    if (rnd() % 3 == 0) {
      q.start_unix_nano = kT0 + (rnd() % 50) * 1000 * kMs;
      q.end_unix_nano = q.start_unix_nano + (rnd() % 20) * 1000 * kMs;
    }
    q.order = rnd() % 2 ? TraceOrder::kLongestFirst : TraceOrder::kNewestFirst;
    q.limit = std::vector<size_t>{0, 1, 5, 20}[rnd() % 4];
    auto want = head->search(q);
    auto got = block_search(*r, q);
    if (!want.empty()) ++nonempty;
    ASSERT_TRUE(same_results(want, got))
        << "query " << i << " service=" << q.service << " op=" << q.operation
        << " tags=" << q.tags.size()
        << (q.tags.empty() ? "" : " " + q.tags[0].key + "=" + q.tags[0].value);
  }
  EXPECT_GT(nonempty, 100);
}

// Searching several blocks with one state gives the head's answer over all of them.
TEST(BlockSearch, StateAcrossBlocks) {
  TempDir dir;
  auto traces = in_block_order(rich_traces(300));
  std::vector<Trace> a(traces.begin(), traces.begin() + 150), b(traces.begin() + 150, traces.end());
  write_block(dir.path() + "/a.blk", a);
  write_block(dir.path() + "/b.blk", b);
  auto ra = open_block(dir.path() + "/a.blk"), rb = open_block(dir.path() + "/b.blk");
  auto head = head_of(traces);
  for (TraceOrder order : {TraceOrder::kNewestFirst, TraceOrder::kLongestFirst}) {
    TraceQuery q;
    q.order = order;
    q.limit = 7;
    q.tags = {{"http.method", "GET"}};
    BlockSearchState st;
    st.limit = q.limit;
    ASSERT_TRUE(ra->search(q, &st).is_ok());
    ASSERT_TRUE(rb->search(q, &st).is_ok());
    EXPECT_TRUE(same_results(head->search(q), st.out));
  }
}

TEST(BlockSearch, DictionaryOverflowStillSearchable) {
  TempDir dir;
  const std::string path = dir.path() + "/o.blk";
  std::vector<Trace> traces;
  for (uint64_t t = 1; t <= 200; ++t)
    traces.push_back(
        Trace{trace_id(t),
              {make_span(t, 1, 0, "svc", "op", t, 1, SpanKind::kServer,
                         {{"user.id", "u" + std::to_string(t)}, {"env", t % 2 ? "a" : "b"}})}});
  BlockWriterOptions o;
  o.max_dict_values_per_key = 10;
  o.page_spans = 16;
  write_block(path, traces, o);
  auto r = open_block(path);
  ASSERT_TRUE(r);
  for (uint64_t t : {uint64_t{3}, uint64_t{10}, uint64_t{11}, uint64_t{150}, uint64_t{200}}) {
    TraceQuery q;
    q.tags = {{"user.id", "u" + std::to_string(t)}};
    auto res = block_search(*r, q);
    ASSERT_EQ(res.size(), 1u) << t;
    EXPECT_EQ(res[0].trace_id, trace_id(t));
  }
  TraceQuery q;
  q.tags = {{"user.id", "u999"}};
  EXPECT_TRUE(block_search(*r, q).empty());
  auto values = r->attribute_values("user.id", 100);
  EXPECT_EQ(values.size(), 10u);  // dictionary values only
  EXPECT_EQ(r->attribute_values("user.id", 3).size(), 3u);
  EXPECT_EQ(r->attribute_values("env", 100), (std::vector<std::string>{"a", "b"}));
}

TEST(BlockDictionaries, ServicesOperationsKeysValues) {
  TempDir dir;
  const std::string path = dir.path() + "/d.blk";
  auto traces = fixture_traces();
  write_block(path, traces);
  auto r = open_block(path);
  auto head = head_of(traces);
  EXPECT_EQ(r->services(), head->services());
  for (const char* svc : {"front", "back", "", "nope"})
    EXPECT_EQ(r->operations(svc), head->operations(svc)) << svc;
  auto keys = r->attribute_keys();
  EXPECT_EQ(keys, (std::vector<std::string>{"db", "env", "exception.type", "http.status",
                                            "service.name"}));
  EXPECT_EQ(r->attribute_values("service.name", 10), head->attribute_values("service.name", 10));
  EXPECT_EQ(r->attribute_values("db", 10), head->attribute_values("db", 10));
  EXPECT_EQ(r->attribute_values("exception.type", 10), std::vector<std::string>{"Timeout"});
}

}  // namespace
}  // namespace weft::store
