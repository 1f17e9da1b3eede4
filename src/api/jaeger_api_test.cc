#include "api/jaeger_api.h"

#include <map>

#include "api/api_test_fixture.h"
#include "common/metrics.h"

namespace weft::api::testing {

using namespace weft::model;

namespace {

using JaegerApiTest = ApiTest;

// key -> {type, value as JSON text}
std::map<std::string, std::pair<std::string, std::string>> tags_of(const rapidjson::Value& tags) {
  std::map<std::string, std::pair<std::string, std::string>> out;
  for (const auto& t : tags.GetArray()) {
    std::string v;
    const auto& val = t["value"];
    if (val.IsString())
      v = str(val);
    else if (val.IsBool())
      v = val.GetBool() ? "true" : "false";
    else if (val.IsInt64())
      v = std::to_string(val.GetInt64());
    else if (val.IsDouble())
      v = std::to_string(val.GetDouble());
    out[str(t["key"])] = {str(t["type"]), v};
  }
  return out;
}

const rapidjson::Value* span_named(const rapidjson::Value& trace, const std::string& name) {
  for (const auto& s : trace["spans"].GetArray())
    if (str(s["operationName"]) == name) return &s;
  return nullptr;
}

TEST_F(JaegerApiTest, TraceByIdRendersJaegerModel) {
  auto r = get("/api/traces/" + hex(kRich));
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = parse(r);
  ASSERT_TRUE(d["errors"].IsNull());
  EXPECT_EQ(d["total"].GetInt(), 1);
  EXPECT_EQ(d["limit"].GetInt(), 0);
  EXPECT_EQ(d["offset"].GetInt(), 0);
  ASSERT_EQ(d["data"].Size(), 1u);
  const auto& t = d["data"][0];
  EXPECT_EQ(str(t["traceID"]), hex(kRich));
  EXPECT_TRUE(t["warnings"].IsNull());
  ASSERT_EQ(t["spans"].Size(), 3u);

  // Processes: frontend twice by value (two pointers) is one process; payments another.
  ASSERT_EQ(t["processes"].MemberCount(), 2u);
  EXPECT_EQ(str(t["processes"]["p1"]["serviceName"]), "frontend");
  auto p1 = tags_of(t["processes"]["p1"]["tags"]);
  EXPECT_EQ(p1.size(), 1u);  // service.name is not repeated as a tag
  EXPECT_EQ(p1["host.name"], (std::pair<std::string, std::string>{"string", "web-1"}));
  EXPECT_EQ(str(t["processes"]["p2"]["serviceName"]), "payments");
  EXPECT_EQ(tags_of(t["processes"]["p2"]["tags"])["k8s.pod.uid"],
            (std::pair<std::string, std::string>{"binary", "AQI="}));

  const auto* root = span_named(t, "GET /checkout");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(str((*root)["traceID"]), hex(kRich));
  EXPECT_EQ(str((*root)["spanID"]), span_id(1).to_hex());
  EXPECT_EQ((*root)["flags"].GetUint(), 1u);
  EXPECT_EQ((*root)["startTime"].GetUint64(), kT0 / 1000);
  EXPECT_EQ((*root)["duration"].GetUint64(), 300'000u);
  EXPECT_EQ(str((*root)["processID"]), "p1");
  EXPECT_TRUE((*root)["warnings"].IsNull());
  // The link is a FOLLOWS_FROM reference to the other trace; a root has no CHILD_OF.
  ASSERT_EQ((*root)["references"].Size(), 1u);
  EXPECT_EQ(str((*root)["references"][0]["refType"]), "FOLLOWS_FROM");
  EXPECT_EQ(str((*root)["references"][0]["traceID"]), hex(kLinked));
  EXPECT_EQ(str((*root)["references"][0]["spanID"]), span_id(77).to_hex());

  auto tags = tags_of((*root)["tags"]);
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(tags["http.method"], (P{"string", "GET"}));
  EXPECT_EQ(tags["http.status_code"], (P{"int64", "200"}));
  EXPECT_EQ(tags["ratio"], (P{"float64", std::to_string(0.25)}));
  EXPECT_EQ(tags["cached"], (P{"bool", "false"}));
  EXPECT_EQ(tags["payload"], (P{"binary", "AP8="}));
  EXPECT_EQ(tags["tags"].first, "string");
  EXPECT_EQ(tags["tags"].second, R"(["a",1])");
  EXPECT_EQ(tags["nested"].first, "string");
  EXPECT_EQ(tags["span.kind"], (P{"string", "server"}));
  EXPECT_EQ(tags["otel.status_code"], (P{"string", "OK"}));
  EXPECT_EQ(tags.count("error"), 0u);
  EXPECT_EQ(tags["otel.scope.name"], (P{"string", "io.http"}));
  EXPECT_EQ(tags["otel.scope.version"], (P{"string", "2.1"}));
  EXPECT_EQ(tags["w3c.tracestate"], (P{"string", "vendor=abc"}));
  EXPECT_EQ(tags["otel.dropped_attributes_count"], (P{"int64", "3"}));
  EXPECT_EQ(tags["otel.dropped_events_count"], (P{"int64", "4"}));
  EXPECT_EQ(tags["otel.dropped_links_count"], (P{"int64", "5"}));
  EXPECT_EQ(tags["weft.rpc_id"], (P{"string", "0"}));
  // Scope tags come first, as in OpenTelemetry's Jaeger translator.
  EXPECT_EQ(str((*root)["tags"][0]["key"]), "otel.scope.name");

  ASSERT_EQ((*root)["logs"].Size(), 1u);
  const auto& log = (*root)["logs"][0];
  EXPECT_EQ(log["timestamp"].GetUint64(), (kT0 + 5 * kMs + 1234) / 1000);
  auto fields = tags_of(log["fields"]);
  EXPECT_EQ(fields["event"], (P{"string", "cache miss"}));
  EXPECT_EQ(fields["key"], (P{"string", "cart:42"}));
  EXPECT_EQ(fields["attempt"], (P{"int64", "2"}));
  EXPECT_EQ(fields["otel.dropped_attributes_count"], (P{"int64", "1"}));

  const auto* pay = span_named(t, "charge");
  ASSERT_NE(pay, nullptr);
  EXPECT_EQ(str((*pay)["processID"]), "p2");
  EXPECT_FALSE(pay->HasMember("flags"));
  ASSERT_EQ((*pay)["references"].Size(), 1u);
  EXPECT_EQ(str((*pay)["references"][0]["refType"]), "CHILD_OF");
  EXPECT_EQ(str((*pay)["references"][0]["traceID"]), hex(kRich));
  EXPECT_EQ(str((*pay)["references"][0]["spanID"]), span_id(1).to_hex());
  auto ptags = tags_of((*pay)["tags"]);
  EXPECT_EQ(ptags["error"], (P{"bool", "true"}));
  EXPECT_EQ(ptags["otel.status_code"], (P{"string", "ERROR"}));
  EXPECT_EQ(ptags["otel.status_description"], (P{"string", "card declined"}));
  EXPECT_EQ(ptags["span.kind"], (P{"string", "client"}));
  EXPECT_EQ(ptags.count("otel.scope.version"), 0u);  // empty version is left out
  EXPECT_EQ((*pay)["logs"].Size(), 0u);

  EXPECT_EQ(str((*span_named(t, "render"))["processID"]), "p1");
}

TEST_F(JaegerApiTest, TraceByShortIdIsLeftPadded) {
  // A 64-bit trace ID renders in 16 digits and can be asked for in short form.
  TraceId id = *TraceId::from_hex_padded("abc");
  Span s = make_span(1, 9, 0, "short", "op", 0, 1);
  s.trace_id = id;
  write({s});
  auto r = get("/api/traces/abc");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = parse(r);
  EXPECT_EQ(str(d["data"][0]["traceID"]), "0000000000000abc");
}

TEST_F(JaegerApiTest, UnknownTraceIs404) {
  auto r = get("/api/traces/" + hex(999));
  EXPECT_EQ(r.status, 404);
  auto d = parse(r);
  EXPECT_TRUE(d["data"].IsNull());
  EXPECT_EQ(d["total"].GetInt(), 0);
  ASSERT_EQ(d["errors"].Size(), 1u);
  EXPECT_EQ(d["errors"][0]["code"].GetInt(), 404);
  EXPECT_EQ(str(d["errors"][0]["msg"]), "trace not found");
  EXPECT_EQ(get("/api/traces/nothex").status, 400);
}

std::vector<std::string> trace_ids(const rapidjson::Value& data) {
  std::vector<std::string> ids;
  for (const auto& t : data.GetArray()) ids.push_back(str(t["traceID"]));
  return ids;
}

TEST_F(JaegerApiTest, SearchIsOverTracesNewestFirst) {
  auto d = parse(get("/api/traces?service=search&limit=20"));
  EXPECT_EQ(trace_ids(d["data"]),
            (std::vector<std::string>{hex(kT4), hex(kT3), hex(kT2), hex(kT1)}));
  EXPECT_EQ(d["total"].GetInt(), 4);
  // Tags matched on different spans of one trace.
  d = parse(get("/api/traces?service=search&tags=%7B%22k1%22%3A%22v1%22%2C%22k2%22%3A%22v2%22%7D"));
  EXPECT_EQ(trace_ids(d["data"]), (std::vector<std::string>{hex(kT1)}));
  d = parse(get("/api/traces?service=search&tag=k1:v1&tag=k2:v2"));
  EXPECT_EQ(trace_ids(d["data"]), (std::vector<std::string>{hex(kT1)}));
  d = parse(get("/api/traces?service=search&tag=k1:v1"));
  EXPECT_EQ(trace_ids(d["data"]), (std::vector<std::string>{hex(kT2), hex(kT1)}));
  // minDuration is the trace's: kT3 lasts 250 ms though no span of it does.
  d = parse(get("/api/traces?service=search&minDuration=200ms"));
  EXPECT_EQ(trace_ids(d["data"]), (std::vector<std::string>{hex(kT3)}));
  d = parse(get("/api/traces?service=search&minDuration=50ms&maxDuration=0.1s"));
  EXPECT_EQ(trace_ids(d["data"]), (std::vector<std::string>{hex(kT4), hex(kT1)}));
  // The limit keeps the top N, newest first.
  d = parse(get("/api/traces?service=search&limit=2"));
  EXPECT_EQ(trace_ids(d["data"]), (std::vector<std::string>{hex(kT4), hex(kT3)}));
  // Operation and time range (µs).
  d = parse(get("/api/traces?service=search&operation=late"));
  EXPECT_EQ(trace_ids(d["data"]), (std::vector<std::string>{hex(kT3)}));
  std::string start = std::to_string((kT0 + 1500 * kMs) / 1000);
  std::string end = std::to_string((kT0 + 3500 * kMs) / 1000);
  d = parse(get("/api/traces?service=search&start=" + start + "&end=" + end));
  EXPECT_EQ(trace_ids(d["data"]), (std::vector<std::string>{hex(kT3), hex(kT2)}));
  // Whole traces come back.
  d = parse(get("/api/traces?service=search&operation=child"));
  ASSERT_EQ(d["data"].Size(), 1u);
  EXPECT_EQ(d["data"][0]["spans"].Size(), 2u);
}

TEST_F(JaegerApiTest, SearchByTraceIds) {
  auto d = parse(get("/api/traces?traceID=" + hex(kT2) + "&traceID=" + hex(kT1)));
  EXPECT_EQ(trace_ids(d["data"]), (std::vector<std::string>{hex(kT2), hex(kT1)}));
}

TEST_F(JaegerApiTest, SearchErrors) {
  auto r = get("/api/traces?service=search&minDuration=abc");
  EXPECT_EQ(r.status, 400);
  auto d = parse(r);
  EXPECT_TRUE(d["data"].IsNull());
  EXPECT_EQ(d["errors"][0]["code"].GetInt(), 400);
  EXPECT_EQ(str(d["errors"][0]["msg"]), "minDuration: cannot parse \"abc\" as a duration");
  r = get("/api/traces?limit=5");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(str(parse(r)["errors"][0]["msg"]), "parameter 'service' is required");
  EXPECT_EQ(get("/api/traces?service=s&minDuration=2s&maxDuration=1s").status, 400);
  EXPECT_EQ(get("/api/traces?service=s&start=yesterday").status, 400);
  EXPECT_EQ(get("/api/traces?service=s&tags=%7Bbad").status, 400);
  EXPECT_EQ(get("/api/traces?service=s&tag=novalue").status, 400);
}

TEST_F(JaegerApiTest, ServicesAndOperations) {
  auto d = parse(get("/api/services"));
  ASSERT_TRUE(d["data"].IsArray());
  std::vector<std::string> names;
  for (const auto& v : d["data"].GetArray()) names.push_back(str(v));
  EXPECT_EQ(names, (std::vector<std::string>{"frontend", "payments", "search"}));
  EXPECT_EQ(d["total"].GetInt(), 3);
  EXPECT_TRUE(d["errors"].IsNull());

  d = parse(get("/api/services/search/operations"));
  names.clear();
  for (const auto& v : d["data"].GetArray()) names.push_back(str(v));
  EXPECT_EQ(names, (std::vector<std::string>{"child", "late", "root"}));

  d = parse(get("/api/operations?service=search&spanKind=server"));
  ASSERT_EQ(d["data"].Size(), 1u);
  EXPECT_EQ(str(d["data"][0]["name"]), "root");
  EXPECT_EQ(str(d["data"][0]["spanKind"]), "server");
  d = parse(get("/api/operations?service=search"));
  EXPECT_EQ(d["data"].Size(), 3u);
  EXPECT_EQ(get("/api/operations").status, 400);
  EXPECT_EQ(get("/api/operations?service=search&spanKind=sideways").status, 400);
}

TEST_F(JaegerApiTest, Dependencies) {
  std::string end = std::to_string((kT0 + 10'000 * kMs) / kMs);
  auto d = parse(get("/api/dependencies?endTs=" + end + "&lookback=60000"));
  // frontend -> payments by parentage; payments -> bank from peer.service (a virtual node).
  ASSERT_EQ(d["data"].Size(), 2u);
  EXPECT_EQ(str(d["data"][0]["parent"]), "frontend");
  EXPECT_EQ(str(d["data"][0]["child"]), "payments");
  EXPECT_EQ(d["data"][0]["callCount"].GetUint64(), 1u);
  EXPECT_FALSE(d["data"][0].HasMember("errorCount"));
  EXPECT_EQ(str(d["data"][1]["parent"]), "payments");
  EXPECT_EQ(str(d["data"][1]["child"]), "bank");
  d = parse(get("/api/dependencies?endTs=" + end + "&lookback=60000&service=bank"));
  EXPECT_EQ(d["data"].Size(), 1u);
  // A window before the data has no edges.
  d = parse(get("/api/dependencies?endTs=" + std::to_string(kT0 / kMs - 1) + "&lookback=1000"));
  EXPECT_EQ(d["data"].Size(), 0u);
  EXPECT_EQ(get("/api/dependencies?endTs=soon").status, 400);
}

TEST_F(JaegerApiTest, UnknownRouteAndMethod) {
  auto r = get("/api/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(parse(r)["errors"][0]["code"].GetInt(), 404);
  r = call(handler_, "/api/services", "POST");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(parse(r)["errors"][0]["code"].GetInt(), 405);
}

TEST_F(JaegerApiTest, RecordsLatencyPerRoute) {
  get("/api/services");
  std::string metrics = MetricsRegistry::global().render();
  EXPECT_NE(
      metrics.find("weft_query_duration_seconds_count{api=\"jaeger\",route=\"/api/services\"}"),
      std::string::npos)
      << metrics;
}

}  // namespace
}  // namespace weft::api::testing
