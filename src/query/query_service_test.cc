#include "query/query_service.h"

#include <gtest/gtest.h>

#include "store/embedded_store.h"
#include "store/testing/span_builder.h"
#include "store/testing/sync_write.h"
#include "store/testing/temp_dir.h"

namespace weft::query {

using namespace weft::model;

namespace {

using store::testing::kMs;
using store::testing::kT0;
using store::testing::make_span;
using store::testing::trace_id;

class QueryServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EmbeddedStoreOptions opts;
    opts.data_dir = dir_.path();
    opts.fsync = EmbeddedStoreOptions::Fsync::kNever;
    opts.clock = &clock_;
    auto s = open_embedded_store(opts);
    ASSERT_TRUE(s.is_ok()) << s.status().to_string();
    store_ = std::move(*s);
    service_ = std::make_unique<QueryService>(*store_, clock_);

    std::vector<Span> spans;
    // Trace 1: "Checkout" calls "Payments" (peer.service=bank); an event "retry".
    spans.push_back(make_span(1, 1, 0, "Checkout", "Place Order", 0, 100));
    Span pay = make_span(1, 2, 1, "Payments", "charge", 10, 50, SpanKind::kClient,
                         {{"peer.service", "bank"}});
    pay.events.push_back(SpanEvent{kT0 + 20 * kMs, "retry", {}, 0});
    pay.status.code = SpanStatusCode::kError;
    spans.push_back(pay);
    // Trace 2: later, Checkout only, tag "ws" present.
    spans.push_back(
        make_span(2, 3, 0, "Checkout", "Place Order", 1000, 10, SpanKind::kServer, {{"ws", true}}));
    // Trace 3: the spans arrive out of order; get_trace sorts them.
    spans.push_back(make_span(3, 9, 5, "Checkout", "late", 2050, 1, SpanKind::kInternal));
    spans.push_back(make_span(3, 5, 0, "Checkout", "early", 2000, 100));
    Status st = store::testing::write_and_wait(*store_, SpanBatch{std::move(spans)});
    ASSERT_TRUE(st.is_ok()) << st.to_string();
  }
  void TearDown() override {
    if (store_) {
      EXPECT_TRUE(store_->close().is_ok());
    }
  }

  store::testing::TempDir dir_;
  ManualClock clock_{kT0 + 3'600'000 * kMs};
  std::unique_ptr<Store> store_;
  std::unique_ptr<QueryService> service_;
};

TEST_F(QueryServiceTest, GetTraceSortsSpansAndAnswersUnknown) {
  auto t = service_->get_trace(trace_id(3));
  ASSERT_TRUE(t.is_ok());
  ASSERT_TRUE(t->has_value());
  ASSERT_EQ((*t)->spans.size(), 2u);
  EXPECT_EQ((*t)->spans[0].name, "early");
  EXPECT_EQ((*t)->spans[1].name, "late");
  auto none = service_->get_trace(trace_id(42));
  ASSERT_TRUE(none.is_ok());
  EXPECT_FALSE(none->has_value());
}

TEST_F(QueryServiceTest, GetTracesKeepsOrderAndSkipsUnknown) {
  auto ts = service_->get_traces({trace_id(2), trace_id(42), trace_id(1)});
  ASSERT_TRUE(ts.is_ok());
  ASSERT_EQ(ts->size(), 2u);
  EXPECT_EQ((*ts)[0].trace_id, trace_id(2));
  EXPECT_EQ((*ts)[1].trace_id, trace_id(1));
}

TEST_F(QueryServiceTest, SearchFilterIsASecondPass) {
  TraceQuery q;
  q.service = "Checkout";
  SearchFilter f;
  f.keys = {"retry"};  // an event name
  auto r = service_->search_traces(q, f);
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r->traces.size(), 1u);
  EXPECT_EQ(r->summaries[0].trace_id, trace_id(1));
  f.keys = {"ws"};  // an attribute key
  auto s = service_->search(q, f);
  ASSERT_TRUE(s.is_ok());
  ASSERT_EQ(s->size(), 1u);
  EXPECT_EQ((*s)[0].trace_id, trace_id(2));
  f.keys = {"error"};  // status ERROR
  s = service_->search(q, f);
  ASSERT_EQ(s->size(), 1u);
  EXPECT_EQ((*s)[0].trace_id, trace_id(1));
  f.keys = {"ws", "retry"};  // both must hold
  EXPECT_EQ(service_->search(q, f)->size(), 0u);
  // The limit still applies after filtering, newest first.
  q.limit = 1;
  auto all = service_->search_traces(q);
  ASSERT_EQ(all->traces.size(), 1u);
  EXPECT_EQ(all->traces[0].trace_id, trace_id(3));
}

TEST_F(QueryServiceTest, OperationsFilterByKind) {
  auto ops = service_->operations("Checkout", SpanKind::kInternal);
  ASSERT_TRUE(ops.is_ok());
  ASSERT_EQ(ops->size(), 1u);
  EXPECT_EQ((*ops)[0].name, "late");
  EXPECT_EQ(service_->operations("Checkout")->size(), 3u);
}

TEST_F(QueryServiceTest, ResolvesNamesIgnoringCase) {
  EXPECT_EQ(*service_->resolve_service("checkout"), "Checkout");
  EXPECT_EQ(*service_->resolve_service("Checkout"), "Checkout");
  EXPECT_EQ(*service_->resolve_service("nobody"), "nobody");
  EXPECT_EQ(*service_->resolve_operation("Checkout", "place order"), "Place Order");
  EXPECT_EQ(*service_->resolve_operation("Checkout", "nothing"), "nothing");
}

TEST_F(QueryServiceTest, RemoteServicesFromPeerService) {
  auto r = service_->remote_services("Payments", 0, clock_.now_unix_nanos());
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(*r, (std::vector<std::string>{"bank"}));
  EXPECT_TRUE(service_->remote_services("Checkout", 0, clock_.now_unix_nanos())->empty());
}

TEST_F(QueryServiceTest, DependenciesComeFromTheSourceSorted) {
  uint64_t asked_start = 0, asked_end = 0;
  QueryService with_graph(*store_, clock_, [&](uint64_t start, uint64_t end) {
    asked_start = start;
    asked_end = end;
    return Result<std::vector<DependencyLink>>(std::vector<DependencyLink>{
        {"b", "c", 1, 0}, {"a", "z", 2, 1}, {"a", "b", 3, 0}});
  });
  auto d = with_graph.dependencies(5, 9);
  ASSERT_TRUE(d.is_ok());
  EXPECT_EQ(asked_start, 5u);
  EXPECT_EQ(asked_end, 9u);
  ASSERT_EQ(d->size(), 3u);
  EXPECT_EQ((*d)[0].child, "b");
  EXPECT_EQ((*d)[1].child, "z");
  EXPECT_EQ((*d)[2].parent, "b");
}

TEST_F(QueryServiceTest, DependenciesWithoutTheGraphSayWhy) {
  auto d = service_->dependencies(0, clock_.now_unix_nanos());
  ASSERT_FALSE(d.is_ok());
  EXPECT_EQ(d.status().code(), ResultCode::kUnavailable);
  EXPECT_NE(d.status().message().find("--red-metrics"), std::string::npos);
}

}  // namespace
}  // namespace weft::query
