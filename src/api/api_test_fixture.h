#pragma once
// Shared by the API tests: a real embedded store in a temp dir holding
//  * trace kRich: three spans covering every field the model has (every attribute type,
//    events, links, status, trace state, flags, dropped counts, RpcId, two resources where
//    two spans share a resource by value but not by pointer, two scopes);
//  * traces kT1..kT4 of service "search" for search semantics;
//  * the service graph's edges of the rich trace (frontend -> payments, payments -> the
//    virtual node bank) in a memory-only RED metrics store: the dependency endpoints read
//    them as the server's do (the graph's pairing is tested in src/pipeline/graph);
// and the two handlers, called as the server would call them.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <memory>
#include <optional>
#include <string>

#include "api/dependency_source.h"
#include "api/query_api.h"
#include "api/zipkin_api.h"
#include "common/clock.h"
#include "store/embedded_store.h"
#include "store/testing/span_builder.h"
#include "store/testing/sync_write.h"
#include "store/testing/temp_dir.h"

namespace weft::api::testing {

using namespace weft::model;

using store::testing::kMs;
using store::testing::kT0;
using store::testing::make_span;
using store::testing::span_id;
using store::testing::trace_id;

constexpr uint64_t kRich = 100;
constexpr uint64_t kLinked = 555;  // a trace ID that only appears in a link
// Search traces (service "search"), starting kT0 + 1s, 2s, 3s, 4s.
constexpr uint64_t kT1 = 1, kT2 = 2, kT3 = 3, kT4 = 4;

inline std::string hex(uint64_t trace) { return trace_id(trace).to_hex(); }

inline std::string str(const rapidjson::Value& v) {
  return v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : "<not a string>";
}

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EmbeddedStoreOptions opts;
    opts.data_dir = dir_.path();
    opts.fsync = EmbeddedStoreOptions::Fsync::kNever;
    opts.clock = &clock_;
    auto s = open_embedded_store(opts);
    ASSERT_TRUE(s.is_ok()) << s.status().to_string();
    store_ = std::move(*s);
    pipeline::metrics::MetricsStoreOptions mo;  // no data_dir: memory only
    mo.clock = &clock_;
    auto m = pipeline::metrics::MetricsStore::open(mo);
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    metrics_ = std::move(*m);
    metrics_->record_edges(rich_trace_edges());
    service_ = std::make_unique<query::QueryService>(*store_, clock_,
                                                     make_dependency_source(*metrics_));
    handler_ = make_query_api_handler(*service_, nullptr, {metrics_.get(), nullptr});
    zipkin_ = make_zipkin_query_handler(*service_);
    write(rich_trace());
    write(search_traces());
  }
  void TearDown() override {
    if (store_) {
      EXPECT_TRUE(store_->close().is_ok());
    }
  }

  void write(std::vector<Span> spans) {
    Status st = store::testing::write_and_wait(*store_, SpanBatch{std::move(spans)});
    ASSERT_TRUE(st.is_ok()) << st.to_string();
  }

  static std::vector<Span> rich_trace() {
    auto frontend = std::make_shared<Resource>();
    frontend->attributes = {{"service.name", "frontend"}, {"host.name", "web-1"}};
    frontend->dropped_attributes_count = 2;
    frontend->schema_url = "https://opentelemetry.io/schemas/1.21.0";
    auto frontend_copy = std::make_shared<Resource>(*frontend);  // equal value, other pointer
    auto payments = std::make_shared<Resource>();
    payments->attributes = {{"service.name", "payments"}, {"k8s.pod.uid", Bytes{"\x01\x02"}}};

    auto http_scope = std::make_shared<InstrumentationScope>();
    http_scope->name = "io.http";
    http_scope->version = "2.1";
    http_scope->attributes = {{"lib.flag", true}};
    auto db_scope = std::make_shared<InstrumentationScope>();
    db_scope->name = "io.db";

    Span root = make_span(kRich, 1, 0, "frontend", "GET /checkout", 0, 300, SpanKind::kServer);
    root.resource = frontend;
    root.scope = http_scope;
    root.attributes = {
        {"http.method", "GET"},
        {"http.status_code", int64_t{200}},
        {"ratio", 0.25},
        {"cached", false},
        {"payload", Bytes{std::string("\x00\xff", 2)}},
        {"tags", ArrayValue{AnyValue("a"), AnyValue(int64_t{1})}},
        {"nested", KeyValueList{{"inner", "x"}}},
    };
    root.dropped_attributes_count = 3;
    root.trace_state = "vendor=abc";
    root.flags = 0x101;
    root.status.code = SpanStatusCode::kOk;
    root.rpc_id = "0";
    SpanEvent ev;
    ev.time_unix_nano = kT0 + 5 * kMs + 1234;
    ev.name = "cache miss";
    ev.attributes = {{"key", "cart:42"}, {"attempt", int64_t{2}}};
    ev.dropped_attributes_count = 1;
    root.events.push_back(ev);
    root.dropped_events_count = 4;
    SpanLink link;
    link.trace_id = trace_id(kLinked);
    link.span_id = span_id(77);
    link.trace_state = "l=1";
    link.attributes = {{"link.kind", "batch"}};
    link.flags = 1;
    root.links.push_back(link);
    root.dropped_links_count = 5;

    Span pay = make_span(kRich, 2, 1, "payments", "charge", 10, 100, SpanKind::kClient);
    pay.resource = payments;
    pay.scope = db_scope;
    pay.status.code = SpanStatusCode::kError;
    pay.status.message = "card declined";
    pay.attributes = {{"peer.service", "bank"}};
    pay.rpc_id = "0.1";

    Span render = make_span(kRich, 3, 1, "frontend", "render", 150, 20, SpanKind::kInternal);
    render.resource = frontend_copy;
    render.scope = http_scope;
    return {root, pay, render};
  }

  // What the service graph makes of rich_trace() with a frontend CLIENT span paired with
  // the payments SERVER span: one call each, both errors (the payments span failed).
  static std::vector<pipeline::EdgeSample> rich_trace_edges() {
    pipeline::EdgeSample pay;
    pay.client = "frontend";
    pay.server = "payments";
    pay.end_unix_nano = kT0 + 100 * kMs;
    pay.duration_nanos = 90 * kMs;
    pay.error = true;
    pipeline::EdgeSample bank = pay;
    bank.client = "payments";
    bank.server = "bank";
    bank.virtual_server = true;
    return {pay, bank};
  }

  static std::vector<Span> search_traces() {
    std::vector<Span> v;
    // kT1: 100 ms; k1 on the root, k2 on the child (different spans of one trace).
    v.push_back(
        make_span(kT1, 11, 0, "search", "root", 1000, 100, SpanKind::kServer, {{"k1", "v1"}}));
    v.push_back(
        make_span(kT1, 12, 11, "search", "child", 1010, 50, SpanKind::kClient, {{"k2", "v2"}}));
    // kT2: 10 ms, only k1.
    v.push_back(
        make_span(kT2, 21, 0, "search", "root", 2000, 10, SpanKind::kServer, {{"k1", "v1"}}));
    // kT3: no span lasts 200 ms, but the trace does (3000..3250).
    v.push_back(make_span(kT3, 31, 0, "search", "root", 3000, 100));
    v.push_back(make_span(kT3, 32, 31, "search", "late", 3150, 100, SpanKind::kInternal));
    // kT4: 50 ms, with an event named "ws".
    Span s = make_span(kT4, 41, 0, "search", "root", 4000, 50);
    s.events.push_back(SpanEvent{kT0 + 4001 * kMs, "ws", {}, 0});
    v.push_back(s);
    return v;
  }

  static http::Request request(const std::string& target, const std::string& method = "GET") {
    http::Request r;
    r.method = method;
    r.target = target;
    size_t q = target.find('?');
    r.path = http::percent_decode(target.substr(0, q), false);
    if (q != std::string::npos) r.query = http::parse_query(target.substr(q + 1));
    return r;
  }

  static http::Response call(const http::Handler& h, const std::string& target,
                             const std::string& method = "GET") {
    std::optional<http::Response> out;
    int calls = 0;
    h(request(target, method), [&](http::Response r) {
      ++calls;
      out = std::move(r);
    });
    EXPECT_EQ(calls, 1) << target;
    return out.value_or(http::Response{});
  }
  http::Response get(const std::string& target) { return call(handler_, target); }
  http::Response zipkin(const std::string& target) { return call(zipkin_, target); }

  // The body parsed; fails the test if it is not JSON.
  static rapidjson::Document parse(const http::Response& r) {
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    EXPECT_FALSE(d.HasParseError()) << r.body;
    EXPECT_EQ(r.content_type, "application/json");
    return d;
  }

  store::testing::TempDir dir_;
  ManualClock clock_{kT0 + 3600ULL * 1'000'000'000};  // an hour after the data
  std::unique_ptr<Store> store_;
  std::unique_ptr<pipeline::metrics::MetricsStore> metrics_;
  std::unique_ptr<query::QueryService> service_;
  http::Handler handler_, zipkin_;
};

}  // namespace weft::api::testing
