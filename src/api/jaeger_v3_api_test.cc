#include "api/jaeger_v3_api.h"

#include "api/api_test_fixture.h"

namespace weft::api::testing {
namespace {

using JaegerV3ApiTest = ApiTest;

// RFC 3339 window around the test data.
const std::string kWindow =
    "query.startTimeMin=2023-11-14T22:00:00Z&query.startTimeMax=2023-11-14T23:00:00Z";

std::vector<std::string> otlp_trace_ids(const rapidjson::Value& result) {
  std::vector<std::string> ids;
  for (const auto& rs : result["resourceSpans"].GetArray())
    for (const auto& ss : rs["scopeSpans"].GetArray())
      for (const auto& s : ss["spans"].GetArray()) {
        std::string id = str(s["traceId"]);
        if (ids.empty() || ids.back() != id) ids.push_back(id);
      }
  return ids;
}

TEST_F(JaegerV3ApiTest, TraceByIdIsOtlpJsonInResult) {
  auto r = get("/api/v3/traces/" + hex(kRich));
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = parse(r);
  ASSERT_TRUE(d.HasMember("result"));
  const auto& rs = d["result"]["resourceSpans"];
  ASSERT_TRUE(rs.IsArray());
  size_t spans = 0;
  for (const auto& one : rs.GetArray())
    for (const auto& ss : one["scopeSpans"].GetArray()) spans += ss["spans"].Size();
  EXPECT_EQ(spans, 3u);
  EXPECT_EQ(otlp_trace_ids(d["result"]), (std::vector<std::string>{hex(kRich)}));
}

TEST_F(JaegerV3ApiTest, TraceErrors) {
  auto r = get("/api/v3/traces/" + hex(999));
  EXPECT_EQ(r.status, 404);
  auto d = parse(r);
  EXPECT_EQ(d["error"]["http_code"].GetInt(), 404);
  EXPECT_EQ(str(d["error"]["message"]), "No traces found");
  r = get("/api/v3/traces/zz");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(str(parse(r)["error"]["message"]).rfind("malformed parameter trace_id: ", 0), 0u);
}

TEST_F(JaegerV3ApiTest, FindTraces) {
  auto r = get("/api/v3/traces?query.serviceName=search&" + kWindow);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(otlp_trace_ids(parse(r)["result"]),
            (std::vector<std::string>{hex(kT4), hex(kT3), hex(kT2), hex(kT1)}));
  // Deprecated snake_case names, duration and depth.
  r =
      get("/api/v3/traces?query.service_name=search&query.start_time_min=2023-11-14T22:00:00Z"
          "&query.start_time_max=2023-11-14T23:00:00Z&query.duration_min=20ms&query.num_traces=1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(otlp_trace_ids(parse(r)["result"]), (std::vector<std::string>{hex(kT4)}));
  r = get("/api/v3/traces?query.serviceName=search&query.attributes=%7B%22k2%22%3A%22v2%22%7D&" +
          kWindow);
  EXPECT_EQ(otlp_trace_ids(parse(r)["result"]), (std::vector<std::string>{hex(kT1)}));
  // Nothing found is a 404, as Jaeger's gateway answers.
  r = get("/api/v3/traces?query.serviceName=nobody&" + kWindow);
  EXPECT_EQ(r.status, 404);
}

TEST_F(JaegerV3ApiTest, FindTracesErrors) {
  auto r = get("/api/v3/traces?query.serviceName=search");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(str(parse(r)["error"]["message"]),
            "query.startTimeMin and query.startTimeMax are required");
  r = get("/api/v3/traces?query.serviceName=search&" + kWindow + "&query.durationMin=abc");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(str(parse(r)["error"]["message"]),
            "malformed parameter query.durationMin: cannot parse \"abc\" as a duration");
  r = get("/api/v3/traces?query.startTimeMin=bad&query.startTimeMax=2023-11-14T23:00:00Z");
  EXPECT_EQ(r.status, 400);
}

TEST_F(JaegerV3ApiTest, TraceSummaries) {
  auto r = get("/api/v3/trace-summaries?query.serviceName=payments&" + kWindow);
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = parse(r);
  ASSERT_EQ(d["summaries"].Size(), 1u);
  const auto& s = d["summaries"][0];
  EXPECT_EQ(str(s["traceId"]), hex(kRich));
  EXPECT_EQ(str(s["rootServiceName"]), "frontend");
  EXPECT_EQ(str(s["rootOperationName"]), "GET /checkout");
  EXPECT_EQ(str(s["minStartTimeUnixNano"]), std::to_string(kT0));
  EXPECT_EQ(str(s["maxEndTimeUnixNano"]), std::to_string(kT0 + 300 * kMs));
  EXPECT_EQ(s["spanCount"].GetInt(), 3);
  EXPECT_EQ(s["errorSpanCount"].GetInt(), 1);
  EXPECT_EQ(s["orphanSpanCount"].GetInt(), 0);
  ASSERT_EQ(s["services"].Size(), 2u);
  EXPECT_EQ(str(s["services"][0]["name"]), "frontend");
  EXPECT_EQ(s["services"][0]["spanCount"].GetInt(), 2);
  EXPECT_EQ(s["services"][0]["errorSpanCount"].GetInt(), 0);
  EXPECT_EQ(str(s["services"][1]["name"]), "payments");
  EXPECT_EQ(s["services"][1]["errorSpanCount"].GetInt(), 1);
  // No match is an empty list, not an error.
  r = get("/api/v3/trace-summaries?query.serviceName=nobody&" + kWindow);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(parse(r)["summaries"].Size(), 0u);
}

TEST_F(JaegerV3ApiTest, ServicesOperationsDependencies) {
  auto d = parse(get("/api/v3/services"));
  ASSERT_EQ(d["services"].Size(), 3u);
  EXPECT_EQ(str(d["services"][0]), "frontend");

  d = parse(get("/api/v3/operations?service=frontend"));
  ASSERT_EQ(d["operations"].Size(), 2u);
  EXPECT_EQ(str(d["operations"][0]["name"]), "GET /checkout");
  EXPECT_EQ(str(d["operations"][0]["spanKind"]), "server");
  EXPECT_EQ(str(d["operations"][1]["name"]), "render");
  EXPECT_EQ(str(d["operations"][1]["spanKind"]), "internal");
  d = parse(get("/api/v3/operations?service=frontend&spanKind=internal"));
  EXPECT_EQ(d["operations"].Size(), 1u);
  d = parse(get("/api/v3/operations?service=frontend&span_kind=client"));
  EXPECT_EQ(d["operations"].Size(), 0u);

  d = parse(
      get("/api/v3/dependencies?startTime=2023-11-14T22:00:00Z&endTime=2023-11-14T23:00:00Z"));
  ASSERT_EQ(d["dependencies"].Size(), 2u);
  EXPECT_EQ(str(d["dependencies"][0]["parent"]), "frontend");
  EXPECT_EQ(str(d["dependencies"][0]["callCount"]), "1");
  EXPECT_EQ(get("/api/v3/dependencies?startTime=2023-11-14T22:00:00Z").status, 400);
}

TEST_F(JaegerV3ApiTest, UnknownRouteAndMethod) {
  auto r = get("/api/v3/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(parse(r)["error"]["http_code"].GetInt(), 404);
  EXPECT_EQ(call(handler_, "/api/v3/services", "DELETE").status, 405);
}

}  // namespace
}  // namespace weft::api::testing
