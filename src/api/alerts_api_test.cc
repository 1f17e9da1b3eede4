#include "api/alerts_api.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>

namespace weft::api {
namespace {

using namespace weft::pipeline::alerts;

constexpr uint64_t kSec = 1'000'000'000ULL;
constexpr uint64_t kT0 = 1'700'000'000ULL * kSec;  // 2023-11-14T22:13:20Z

// Answers each service with canned stats.
class CannedReader final : public MetricsReader {
 public:
  std::map<std::string, WindowStats> stats;
  WindowStats window(const RuleSelector& sel, uint64_t, uint64_t) const override {
    auto it = stats.find(sel.service);
    return it == stats.end() ? WindowStats{} : it->second;
  }
};

std::vector<Rule> rules() {
  Rule latency;
  latency.name = "checkout-p99";
  latency.service = "checkout";
  latency.operation = "POST /checkout";
  latency.quantile = 0.99;
  latency.threshold = 300e6;
  latency.for_ns = 10 * kSec;
  latency.labels = {{"team", "shop"}};
  Rule errors;
  errors.name = "payments-errors";
  errors.service = "payments";
  errors.signal = SignalKind::kErrorRate;
  errors.threshold = 0.01;
  errors.min_calls = 5;
  return {latency, errors};
}

http::Request get(std::string path, std::string method = "GET") {
  http::Request r;
  r.method = std::move(method);
  r.path = path;
  r.target = std::move(path);
  return r;
}

rapidjson::Document parse(const http::Response& r) {
  rapidjson::Document d;
  d.Parse(r.body.c_str());
  EXPECT_FALSE(d.HasParseError()) << r.body;
  return d;
}

std::string str(const rapidjson::Value& v) {
  return v.IsString() ? v.GetString() : "<not a string>";
}

class AlertsApiTest : public ::testing::Test {
 protected:
  CannedReader reader_;
  AlertEngine engine_{rules(), reader_, nullptr};
};

TEST_F(AlertsApiTest, BeforeTheFirstTickEverythingIsInactive) {
  RouteResult r = route_alerts(engine_, get("/api/v1/alerts"));
  EXPECT_EQ(r.route, "/api/v1/alerts");
  ASSERT_EQ(r.response.status, 200);
  auto d = parse(r.response);
  EXPECT_EQ(d["rules"].GetUint(), 2u);
  ASSERT_EQ(d["alerts"].Size(), 2u);
  const auto& a = d["alerts"][0];
  EXPECT_EQ(str(a["state"]), "inactive");
  EXPECT_TRUE(a["value"].IsNull());
  EXPECT_TRUE(a["activeAt"].IsNull());
  EXPECT_TRUE(a["lastEvaluation"].IsNull());
  EXPECT_EQ(a["exemplarTraceIds"].Size(), 0u);
}

TEST_F(AlertsApiTest, ShowsPendingAndFiringWithExemplars) {
  model::TraceId id;
  id.bytes.fill(0xab);
  WindowStats slow;
  slow.calls = 100;
  slow.quantile_ns = 450e6;
  slow.exemplars = {id};
  reader_.stats["checkout"] = slow;
  WindowStats errors;
  errors.calls = 3;  // below min_calls
  errors.errors = 3;
  reader_.stats["payments"] = errors;
  engine_.tick(kT0);

  auto d = parse(route_alerts(engine_, get("/api/v1/alerts/")).response);
  const auto& a = d["alerts"][0];
  EXPECT_EQ(str(a["name"]), "checkout-p99");
  EXPECT_EQ(str(a["state"]), "pending");
  EXPECT_EQ(str(a["service"]), "checkout");
  EXPECT_EQ(str(a["operation"]), "POST /checkout");
  EXPECT_EQ(str(a["spanKind"]), "server");
  EXPECT_EQ(str(a["signal"]), "latency_p99");
  EXPECT_EQ(str(a["comparison"]), ">");
  EXPECT_DOUBLE_EQ(a["threshold"].GetDouble(), 300);
  EXPECT_EQ(str(a["unit"]), "ms");
  EXPECT_DOUBLE_EQ(a["value"].GetDouble(), 450);
  EXPECT_EQ(a["calls"].GetUint64(), 100u);
  EXPECT_EQ(str(a["activeAt"]), "2023-11-14T22:13:20Z");
  EXPECT_TRUE(a["firedAt"].IsNull());
  EXPECT_EQ(str(a["lastEvaluation"]), "2023-11-14T22:13:20Z");
  ASSERT_EQ(a["exemplarTraceIds"].Size(), 1u);
  EXPECT_EQ(str(a["exemplarTraceIds"][0]), "abababababababababababababababab");

  const auto& b = d["alerts"][1];
  EXPECT_EQ(str(b["state"]), "inactive");
  EXPECT_EQ(str(b["signal"]), "error_rate");
  EXPECT_EQ(str(b["unit"]), "ratio");
  EXPECT_DOUBLE_EQ(b["threshold"].GetDouble(), 0.01);
  EXPECT_TRUE(b["value"].IsNull());  // too few calls to judge

  engine_.tick(kT0 + 10 * kSec);
  d = parse(route_alerts(engine_, get("/api/v1/alerts")).response);
  EXPECT_EQ(str(d["alerts"][0]["state"]), "firing");
  EXPECT_EQ(str(d["alerts"][0]["firedAt"]), "2023-11-14T22:13:30Z");
}

TEST_F(AlertsApiTest, ListsTheRules) {
  RouteResult r = route_alerts(engine_, get("/api/v1/alerts/rules"));
  EXPECT_EQ(r.route, "/api/v1/alerts/rules");
  auto d = parse(r.response);
  ASSERT_EQ(d["rules"].Size(), 2u);
  const auto& a = d["rules"][0];
  EXPECT_EQ(str(a["name"]), "checkout-p99");
  EXPECT_DOUBLE_EQ(a["quantile"].GetDouble(), 0.99);
  EXPECT_EQ(str(a["for"]), "10s");
  EXPECT_EQ(str(a["window"]), "1m");
  EXPECT_EQ(a["minCalls"].GetUint64(), 1u);
  EXPECT_EQ(str(a["severity"]), "warning");
  EXPECT_EQ(str(a["labels"]["team"]), "shop");
  EXPECT_TRUE(a["annotations"].IsObject());
  const auto& b = d["rules"][1];
  EXPECT_FALSE(b.HasMember("quantile"));
  EXPECT_EQ(str(b["for"]), "0s");
  EXPECT_EQ(b["minCalls"].GetUint64(), 5u);
}

TEST_F(AlertsApiTest, NativeErrors) {
  RouteResult r = route_alerts(engine_, get("/api/v1/alerts", "POST"));
  EXPECT_EQ(r.response.status, 405);
  auto d = parse(r.response);
  EXPECT_EQ(d["error"]["code"].GetInt(), 405);
  r = route_alerts(engine_, get("/api/v1/alerts/nope"));
  EXPECT_EQ(r.route, "unknown");
  EXPECT_EQ(r.response.status, 404);
  EXPECT_TRUE(parse(r.response)["error"]["message"].IsString());
}

}  // namespace
}  // namespace weft::api
