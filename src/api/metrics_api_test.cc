#include "api/metrics_api.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cmath>

#include "common/clock.h"
#include "metrics/batch_aggregate.h"

namespace weft::api {
namespace {

using namespace weft::model;
namespace pm = pipeline::metrics;

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kS = 1'000'000'000;
constexpr uint64_t kT0 = 1'700'000'040 * kS;  // 2023-11-14T22:14:00Z, a minute boundary

TraceId tid(uint8_t n) {
  TraceId t;
  t.bytes[0] = 1;
  t.bytes[15] = n;
  return t;
}

std::string str(const rapidjson::Value& v) {
  return v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : "<not a string>";
}

class MetricsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pm::MetricsStoreOptions o;  // memory only
    o.clock = &clock_;
    store_ = pm::MetricsStore::open(o).value();
    pm::BatchAggregate b;
    for (uint8_t i = 1; i <= 10; ++i)  // 10..100 ms, traces 3 and 6 fail
      b.add_span("checkout", "POST /pay", SpanKind::kServer, i % 3 == 0 && i < 9, kT0 + 5 * kS,
                 i * 10 * kMs, tid(i));
    for (uint8_t i = 0; i < 5; ++i)
      b.add_span("checkout", "GET /cart", SpanKind::kServer, false, kT0 + 15 * kS, 20 * kMs,
                 tid(50));
    for (uint8_t i = 0; i < 3; ++i)
      b.add_span("checkout", "SELECT", SpanKind::kClient, false, kT0 + 15 * kS, 2 * kMs, tid(60));
    for (uint8_t i = 0; i < 4; ++i)
      b.add_span("search", "find", SpanKind::kServer, false, kT0 + 25 * kS, 7 * kMs, tid(70));
    store_->record(b);
    std::vector<pipeline::EdgeSample> edges;
    for (uint64_t i = 1; i <= 10; ++i)
      edges.push_back({"frontend", "checkout", pipeline::PeerKind::kService, false, false,
                       kT0 + 5 * kS, i * 10 * kMs, i == 10});
    edges.push_back({"checkout", "redis", pipeline::PeerKind::kDatabase, true, false, kT0 + 5 * kS,
                     kMs, false});
    store_->record_edges(edges);
  }

  http::Response get(const std::string& target, const std::string& method = "GET") {
    http::Request req;
    req.method = method;
    req.target = target;
    size_t q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = http::parse_query(target.substr(q + 1));
    EXPECT_TRUE(is_metrics_route(req.path));
    return route_metrics(*store_, req).response;
  }
  static rapidjson::Document parse(const http::Response& r) {
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    EXPECT_FALSE(d.HasParseError()) << r.body;
    return d;
  }
  // Jaeger's query: the last minute, one point per minute, rates over a minute.
  static std::string spm(const std::string& what, const std::string& extra) {
    return "/api/metrics/" + what + "?endTs=" + std::to_string((kT0 + 60 * kS) / kMs) +
           "&lookback=60000&step=60000&ratePer=60000" + extra;
  }

  ManualClock clock_{kT0 + 60 * kS};
  std::unique_ptr<pm::MetricsStore> store_;
};

TEST_F(MetricsApiTest, JaegerCallRatesPerServiceAndOperation) {
  auto r = get(spm("calls", "&service=checkout"));
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = parse(r);
  EXPECT_EQ(str(d["name"]), "service_call_rate");
  EXPECT_EQ(str(d["type"]), "GAUGE");
  EXPECT_EQ(str(d["help"]), "calls/sec, grouped by service");
  ASSERT_EQ(d["metrics"].Size(), 1u);
  const auto& m = d["metrics"][0];
  ASSERT_EQ(m["labels"].Size(), 1u);
  EXPECT_EQ(str(m["labels"][0]["name"]), "service_name");
  EXPECT_EQ(str(m["labels"][0]["value"]), "checkout");
  ASSERT_EQ(m["metricPoints"].Size(), 2u);
  EXPECT_EQ(m["metricPoints"][0]["gaugeValue"]["doubleValue"].GetDouble(), 0.0);
  EXPECT_EQ(str(m["metricPoints"][0]["timestamp"]), "2023-11-14T22:14:00Z");
  // 15 server calls (the client SELECTs are not counted by default) over 60 s.
  EXPECT_DOUBLE_EQ(m["metricPoints"][1]["gaugeValue"]["doubleValue"].GetDouble(), 15.0 / 60);
  EXPECT_EQ(str(m["metricPoints"][1]["timestamp"]), "2023-11-14T22:15:00Z");

  d = parse(get(spm("calls", "&service=checkout&service=search&groupByOperation=true")));
  EXPECT_EQ(str(d["name"]), "service_operation_call_rate");
  EXPECT_EQ(str(d["help"]), "calls/sec, grouped by service & operation");
  ASSERT_EQ(d["metrics"].Size(), 3u);  // GET /cart, POST /pay, find
  EXPECT_EQ(str(d["metrics"][1]["labels"][1]["name"]), "operation");
  EXPECT_EQ(str(d["metrics"][1]["labels"][1]["value"]), "POST /pay");
  EXPECT_DOUBLE_EQ(d["metrics"][1]["metricPoints"][1]["gaugeValue"]["doubleValue"].GetDouble(),
                   10.0 / 60);
  // spanKind=client: only the SELECTs.
  d = parse(get(spm("calls", "&service=checkout&spanKind=client&groupByOperation=1")));
  ASSERT_EQ(d["metrics"].Size(), 1u);
  EXPECT_EQ(str(d["metrics"][0]["labels"][1]["value"]), "SELECT");
}

TEST_F(MetricsApiTest, JaegerErrorRatesAndLatencies) {
  auto d = parse(get(spm("errors", "&service=checkout")));
  EXPECT_EQ(str(d["name"]), "service_error_rate");
  ASSERT_EQ(d["metrics"].Size(), 1u);
  const auto& pts = d["metrics"][0]["metricPoints"];
  ASSERT_EQ(pts.Size(), 1u);  // the first minute had no calls: NaN, left out
  EXPECT_DOUBLE_EQ(pts[0]["gaugeValue"]["doubleValue"].GetDouble(), 2.0 / 15);

  d = parse(get(spm("latencies", "&service=checkout&groupByOperation=true&quantile=0.95")));
  EXPECT_EQ(str(d["name"]), "service_operation_latencies");
  EXPECT_EQ(str(d["help"]), "0.95th quantile latency, grouped by service & operation");
  ASSERT_EQ(d["metrics"].Size(), 2u);
  const auto& pay = d["metrics"][1];
  EXPECT_EQ(str(pay["labels"][1]["value"]), "POST /pay");
  ASSERT_EQ(pay["metricPoints"].Size(), 1u);
  EXPECT_NEAR(pay["metricPoints"][0]["gaugeValue"]["doubleValue"].GetDouble(), 90.0, 0.9);  // ms

  auto min = parse(get("/api/metrics/minstep"));
  EXPECT_EQ(min["data"].GetInt(), 10000);
  EXPECT_TRUE(min["errors"].IsNull());
}

TEST_F(MetricsApiTest, JaegerErrorsInJaegerShape) {
  for (std::string bad : {spm("calls", ""), spm("calls", "&service=a&spanKind=sideways"),
                          spm("latencies", "&service=a"), spm("latencies", "&service=a&quantile=x"),
                          spm("calls", "&service=a&groupByOperation=maybe"),
                          std::string("/api/metrics/calls?service=a&step=0")}) {
    auto r = get(bad);
    EXPECT_EQ(r.status, 400) << bad;
    auto d = parse(r);
    EXPECT_TRUE(d["data"].IsNull());
    ASSERT_TRUE(d["errors"].IsArray()) << r.body;
    EXPECT_EQ(d["errors"][0]["code"].GetInt(), 400);
    EXPECT_NE(str(d["errors"][0]["msg"]).find("unable to parse param"), std::string::npos)
        << r.body;
  }
  EXPECT_EQ(get("/api/metrics/calls?service=a", "POST").status, 405);
  EXPECT_EQ(get("/api/metrics/nope").status, 404);
}

TEST_F(MetricsApiTest, NativeRedSeries) {
  auto r = get("/api/v1/metrics/red?service=checkout&start=" + std::to_string(kT0) +
               "&end=" + std::to_string(kT0 + 60 * kS) + "&step=10s");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = parse(r);
  EXPECT_EQ(str(d["stepNanos"]), std::to_string(10 * kS));
  ASSERT_EQ(d["series"].Size(), 3u);
  const auto& pay = d["series"][1];
  EXPECT_EQ(str(pay["operation"]), "POST /pay");
  EXPECT_EQ(str(pay["spanKind"]), "server");
  ASSERT_EQ(pay["points"].Size(), 6u);
  const auto& p0 = pay["points"][0];
  EXPECT_EQ(str(p0["startUnixNano"]), std::to_string(kT0));
  EXPECT_EQ(p0["calls"].GetInt(), 10);
  EXPECT_EQ(p0["errors"].GetInt(), 2);
  EXPECT_NEAR(p0["p50Ms"].GetDouble(), 50, 0.5);
  EXPECT_NEAR(p0["p99Ms"].GetDouble(), 90, 0.9);  // rank floor(0.99 * 9) = 8
  EXPECT_EQ(pay["points"][1]["calls"].GetInt(), 0);
  EXPECT_FALSE(pay["points"][1].HasMember("p50Ms"));
  // Exemplars: the slowest trace, then the latest errors.
  ASSERT_GE(pay["exemplars"].Size(), 2u);
  EXPECT_EQ(str(pay["exemplars"][0]["traceId"]), tid(10).to_hex());
  EXPECT_DOUBLE_EQ(pay["exemplars"][0]["durationMs"].GetDouble(), 100);
  EXPECT_TRUE(pay["exemplars"][1]["error"].GetBool());

  // Filters and the default window (the last hour).
  d = parse(get("/api/v1/metrics/red?service=checkout&operation=SELECT&spanKind=client"));
  ASSERT_EQ(d["series"].Size(), 1u);
  EXPECT_EQ(str(d["series"][0]["spanKind"]), "client");
  d = parse(get("/api/v1/metrics/services"));
  ASSERT_EQ(d["services"].Size(), 2u);
  EXPECT_EQ(str(d["services"][1]), "search");
}

TEST_F(MetricsApiTest, NativeEdgesAndErrors) {
  auto d = parse(get("/api/v1/metrics/edges?lookback=5m"));
  ASSERT_EQ(d["edges"].Size(), 2u);
  const auto& e = d["edges"][1];
  EXPECT_EQ(str(e["client"]), "frontend");
  EXPECT_EQ(str(e["server"]), "checkout");
  EXPECT_EQ(str(e["serverKind"]), "service");
  EXPECT_EQ(e["calls"].GetInt(), 10);
  EXPECT_EQ(e["errors"].GetInt(), 1);
  EXPECT_NEAR(e["p95Ms"].GetDouble(), 90, 0.9);
  EXPECT_TRUE(d["edges"][0]["virtual"].GetBool());
  EXPECT_EQ(str(d["edges"][0]["serverKind"]), "database");

  for (std::string bad : {"/api/v1/metrics/red?step=abc", "/api/v1/metrics/red?spanKind=x",
                          "/api/v1/metrics/red?start=5&end=4", "/api/v1/metrics/red?step=1ns",
                          "/api/v1/metrics/edges?end=yesterday"}) {
    auto r = get(bad);
    EXPECT_EQ(r.status, 400) << bad;
    auto ed = parse(r);
    ASSERT_TRUE(ed.HasMember("error")) << r.body;
    EXPECT_EQ(ed["error"]["code"].GetInt(), 400);
  }
  EXPECT_EQ(get("/api/v1/metrics/nope").status, 404);
  EXPECT_FALSE(is_metrics_route("/api/traces"));
}

}  // namespace
}  // namespace weft::api
