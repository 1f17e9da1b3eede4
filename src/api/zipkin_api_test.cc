#include "api/zipkin_api.h"

#include <algorithm>

#include "api/api_test_fixture.h"

namespace weft::api::testing {
namespace {

using ZipkinApiTest = ApiTest;

std::vector<std::string> strings(const rapidjson::Value& arr) {
  std::vector<std::string> out;
  for (const auto& v : arr.GetArray()) out.push_back(str(v));
  return out;
}

// Trace IDs of a list of traces (each a list of spans).
std::vector<std::string> trace_ids(const rapidjson::Value& traces) {
  std::vector<std::string> out;
  for (const auto& t : traces.GetArray()) out.push_back(str(t[0]["traceId"]));
  return out;
}

// Zipkin's query window in ms around the test data.
const std::string kWindow = "endTs=" + std::to_string(kT0 / kMs + 10'000) + "&lookback=60000";

TEST_F(ZipkinApiTest, ServicesSpansRemoteServices) {
  auto d = parse(zipkin("/api/v2/services"));
  EXPECT_EQ(strings(d), (std::vector<std::string>{"frontend", "payments", "search"}));
  d = parse(zipkin("/api/v2/spans?serviceName=search"));
  EXPECT_EQ(strings(d), (std::vector<std::string>{"child", "late", "root"}));
  // Zipkin clients send lowercased names; the lookup ignores case.
  d = parse(zipkin("/api/v2/spans?serviceName=FRONTEND"));
  EXPECT_EQ(strings(d), (std::vector<std::string>{"GET /checkout", "render"}));
  d = parse(zipkin("/api/v2/remoteServices?serviceName=payments&" + kWindow));
  EXPECT_EQ(strings(d), (std::vector<std::string>{"bank"}));
  EXPECT_EQ(zipkin("/api/v2/spans").status, 400);
  EXPECT_EQ(zipkin("/api/v2/remoteServices").status, 400);
}

TEST_F(ZipkinApiTest, TraceById) {
  auto r = zipkin("/api/v2/trace/" + hex(kRich));
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = parse(r);
  ASSERT_TRUE(d.IsArray());
  ASSERT_EQ(d.Size(), 3u);
  EXPECT_EQ(str(d[0]["traceId"]), hex(kRich));
  EXPECT_EQ(str(d[0]["name"]).size() > 0, true);
  r = zipkin("/api/v2/trace/" + hex(999));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(parse(r)["error"]["code"].GetInt(), 404);
  EXPECT_EQ(zipkin("/api/v2/trace/nothex").status, 400);
}

TEST_F(ZipkinApiTest, TraceMany) {
  auto d =
      parse(zipkin("/api/v2/traceMany?traceIds=" + hex(kT1) + "," + hex(999) + "," + hex(kT2)));
  EXPECT_EQ(trace_ids(d), (std::vector<std::string>{hex(kT1), hex(kT2)}));
  EXPECT_EQ(d[0].Size(), 2u);
  EXPECT_EQ(zipkin("/api/v2/traceMany").status, 400);
  EXPECT_EQ(zipkin("/api/v2/traceMany?traceIds=zz").status, 400);
}

TEST_F(ZipkinApiTest, Traces) {
  auto r = zipkin("/api/v2/traces?serviceName=search&" + kWindow);
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = parse(r);
  EXPECT_EQ(trace_ids(d), (std::vector<std::string>{hex(kT4), hex(kT3), hex(kT2), hex(kT1)}));
  // limit keeps the newest.
  d = parse(zipkin("/api/v2/traces?serviceName=search&limit=1&" + kWindow));
  EXPECT_EQ(trace_ids(d), (std::vector<std::string>{hex(kT4)}));
  // annotationQuery: tags on different spans, and bare terms (tag key or event name).
  d = parse(zipkin("/api/v2/traces?serviceName=search&annotationQuery=k1%3Dv1%20and%20k2%3Dv2&" +
                   kWindow));
  EXPECT_EQ(trace_ids(d), (std::vector<std::string>{hex(kT1)}));
  d = parse(zipkin("/api/v2/traces?annotationQuery=ws&" + kWindow));
  EXPECT_EQ(trace_ids(d), (std::vector<std::string>{hex(kT4)}));
  d = parse(zipkin("/api/v2/traces?annotationQuery=error&" + kWindow));
  EXPECT_EQ(trace_ids(d), (std::vector<std::string>{hex(kRich)}));
  d = parse(zipkin("/api/v2/traces?annotationQuery=k2&" + kWindow));
  EXPECT_EQ(trace_ids(d), (std::vector<std::string>{hex(kT1)}));
  // Span name (case-insensitive), remote service.
  d = parse(zipkin("/api/v2/traces?serviceName=search&spanName=LATE&" + kWindow));
  EXPECT_EQ(trace_ids(d), (std::vector<std::string>{hex(kT3)}));
  d = parse(zipkin("/api/v2/traces?remoteServiceName=bank&" + kWindow));
  EXPECT_EQ(trace_ids(d), (std::vector<std::string>{hex(kRich)}));
  // minDuration (µs) bounds the matching span, as Zipkin defines it.
  d = parse(zipkin("/api/v2/traces?serviceName=search&minDuration=60000&" + kWindow));
  EXPECT_EQ(trace_ids(d), (std::vector<std::string>{hex(kT3), hex(kT1)}));
  d = parse(zipkin("/api/v2/traces?serviceName=search&minDuration=200000&" + kWindow));
  EXPECT_EQ(d.Size(), 0u);
  // Outside the window: nothing.
  d = parse(zipkin("/api/v2/traces?serviceName=search&endTs=" + std::to_string(kT0 / kMs) +
                   "&lookback=1000"));
  EXPECT_EQ(d.Size(), 0u);
}

TEST_F(ZipkinApiTest, TracesErrors) {
  auto r = zipkin("/api/v2/traces?minDuration=abc");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(str(parse(r)["error"]["message"]),
            "minDuration: cannot parse \"abc\" as a non-negative integer");
  EXPECT_EQ(zipkin("/api/v2/traces?endTs=x").status, 400);
  EXPECT_EQ(zipkin("/api/v2/traces?annotationQuery=a%20and%20%20and%20b").status, 400);
}

TEST_F(ZipkinApiTest, Dependencies) {
  auto d = parse(zipkin("/api/v2/dependencies?" + kWindow));
  ASSERT_EQ(d.Size(), 2u);
  EXPECT_EQ(str(d[0]["parent"]), "frontend");
  EXPECT_EQ(str(d[0]["child"]), "payments");
  EXPECT_EQ(d[0]["callCount"].GetInt(), 1);
  EXPECT_EQ(d[0]["errorCount"].GetInt(), 1);
  auto r = zipkin("/api/v2/dependencies");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(str(parse(r)["error"]["message"]), "endTs: parameter is required");
}

TEST_F(ZipkinApiTest, Autocomplete) {
  auto keys = strings(parse(zipkin("/api/v2/autocompleteKeys")));
  EXPECT_NE(std::find(keys.begin(), keys.end(), "http.method"), keys.end());
  EXPECT_EQ(strings(parse(zipkin("/api/v2/autocompleteValues?key=http.method"))),
            (std::vector<std::string>{"GET"}));
  EXPECT_EQ(zipkin("/api/v2/autocompleteValues").status, 400);
}

TEST_F(ZipkinApiTest, UnknownRouteAndMethod) {
  auto r = zipkin("/api/v2/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(parse(r)["error"]["code"].GetInt(), 404);
  // POST /api/v2/spans is ingest's; this handler only reads.
  EXPECT_EQ(call(zipkin_, "/api/v2/spans", "POST").status, 405);
}

}  // namespace
}  // namespace weft::api::testing
