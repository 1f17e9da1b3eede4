#include "api/native_api.h"

#include <algorithm>

#include "api/api_test_fixture.h"

namespace weft::api::testing {
namespace {

using NativeApiTest = ApiTest;

const rapidjson::Value* attr(const rapidjson::Value& attrs, const std::string& key) {
  for (const auto& kv : attrs.GetArray())
    if (str(kv["key"]) == key) return &kv["value"];
  return nullptr;
}

const rapidjson::Value& span_named(const rapidjson::Value& trace, const std::string& name) {
  for (const auto& s : trace["spans"].GetArray())
    if (str(s["name"]) == name) return s;
  ADD_FAILURE() << "no span " << name;
  return trace;
}

TEST_F(NativeApiTest, LargeTracesComeInPagesOrAsASubTree) {
  // Pages: spans in the trace's order (start time), with the whole trace's figures.
  auto r = get("/api/v1/traces/" + hex(kRich) + "?offset=0&limit=2");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = parse(r);
  EXPECT_EQ(d["spanCount"].GetInt(), 3);
  EXPECT_EQ(d["returnedSpanCount"].GetInt(), 2);
  EXPECT_EQ(d["offset"].GetInt(), 0);
  EXPECT_EQ(d["nextOffset"].GetInt(), 2);
  ASSERT_EQ(d["spans"].Size(), 2u);
  EXPECT_EQ(str(d["spans"][0]["name"]), "GET /checkout");
  EXPECT_EQ(str(d["endTimeUnixNano"]), std::to_string(kT0 + 300 * kMs));
  r = get("/api/v1/traces/" + hex(kRich) + "?offset=2&limit=2");
  d = parse(r);
  ASSERT_EQ(d["spans"].Size(), 1u);
  EXPECT_EQ(str(d["spans"][0]["name"]), "render");
  EXPECT_FALSE(d.HasMember("nextOffset"));
  // An offset alone: the rest of the trace (offset + "no limit" once overflowed).
  d = parse(get("/api/v1/traces/" + hex(kRich) + "?offset=1"));
  EXPECT_EQ(d["spans"].Size(), 2u);
  EXPECT_FALSE(d.HasMember("nextOffset"));
  d = parse(get("/api/v1/traces/" + hex(kRich) + "?offset=9"));
  EXPECT_EQ(d["spans"].Size(), 0u);
  EXPECT_EQ(d["offset"].GetInt(), 3);

  // Sub-tree: the span and what is below it, to a depth.
  r = get("/api/v1/traces/" + hex(kRich) + "?root=" + span_id(2).to_hex());
  ASSERT_EQ(r.status, 200) << r.body;
  d = parse(r);
  ASSERT_EQ(d["spans"].Size(), 1u);
  EXPECT_EQ(str(d["spans"][0]["name"]), "charge");
  r = get("/api/v1/traces/" + hex(kRich) + "?root=" + span_id(1).to_hex() + "&depth=1");
  EXPECT_EQ(parse(r)["spans"].Size(), 3u);
  r = get("/api/v1/traces/" + hex(kRich) + "?root=" + span_id(1).to_hex() + "&depth=0");
  EXPECT_EQ(parse(r)["spans"].Size(), 1u);

  EXPECT_EQ(get("/api/v1/traces/" + hex(kRich) + "?root=" + span_id(9).to_hex()).status, 404);
  EXPECT_EQ(get("/api/v1/traces/" + hex(kRich) + "?root=xyz").status, 400);
  EXPECT_EQ(get("/api/v1/traces/" + hex(kRich) + "?limit=0").status, 400);
  EXPECT_EQ(get("/api/v1/traces/" + hex(kRich) + "?depth=2").status, 400);
}

TEST_F(NativeApiTest, TraceIsFaithful) {
  auto r = get("/api/v1/traces/" + hex(kRich));
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = parse(r);
  EXPECT_EQ(str(d["traceId"]), hex(kRich));
  EXPECT_EQ(d["spanCount"].GetInt(), 3);
  EXPECT_EQ(str(d["startTimeUnixNano"]), std::to_string(kT0));
  EXPECT_EQ(str(d["endTimeUnixNano"]), std::to_string(kT0 + 300 * kMs));

  // Resources and scopes deduplicated by value.
  ASSERT_EQ(d["resources"].Size(), 2u);
  const auto& res0 = d["resources"][0];
  EXPECT_EQ(str((*attr(res0["attributes"], "service.name"))["stringValue"]), "frontend");
  EXPECT_EQ(str((*attr(res0["attributes"], "host.name"))["stringValue"]), "web-1");
  EXPECT_EQ(res0["droppedAttributesCount"].GetInt(), 2);
  EXPECT_EQ(str(res0["schemaUrl"]), "https://opentelemetry.io/schemas/1.21.0");
  EXPECT_EQ(str((*attr(d["resources"][1]["attributes"], "k8s.pod.uid"))["bytesValue"]), "AQI=");
  ASSERT_EQ(d["scopes"].Size(), 2u);
  EXPECT_EQ(str(d["scopes"][0]["name"]), "io.http");
  EXPECT_EQ(str(d["scopes"][0]["version"]), "2.1");
  EXPECT_TRUE((*attr(d["scopes"][0]["attributes"], "lib.flag"))["boolValue"].GetBool());
  EXPECT_EQ(d["scopes"][0]["droppedAttributesCount"].GetInt(), 0);
  EXPECT_EQ(str(d["scopes"][0]["schemaUrl"]), "");
  EXPECT_EQ(str(d["scopes"][1]["name"]), "io.db");

  const auto& root = span_named(d, "GET /checkout");
  EXPECT_EQ(str(root["traceId"]), hex(kRich));
  EXPECT_EQ(str(root["spanId"]), span_id(1).to_hex());
  EXPECT_EQ(str(root["parentSpanId"]), "");
  EXPECT_EQ(str(root["traceState"]), "vendor=abc");
  EXPECT_EQ(root["flags"].GetInt(), 0x101);
  EXPECT_EQ(str(root["kind"]), "server");
  EXPECT_EQ(str(root["startTimeUnixNano"]), std::to_string(kT0));
  EXPECT_EQ(str(root["endTimeUnixNano"]), std::to_string(kT0 + 300 * kMs));
  EXPECT_EQ(str(root["durationNanos"]), std::to_string(300 * kMs));
  const auto& a = root["attributes"];
  EXPECT_EQ(str((*attr(a, "http.method"))["stringValue"]), "GET");
  EXPECT_EQ(str((*attr(a, "http.status_code"))["intValue"]), "200");
  EXPECT_EQ((*attr(a, "ratio"))["doubleValue"].GetDouble(), 0.25);
  EXPECT_FALSE((*attr(a, "cached"))["boolValue"].GetBool());
  EXPECT_EQ(str((*attr(a, "payload"))["bytesValue"]), "AP8=");
  const auto& arr = (*attr(a, "tags"))["arrayValue"]["values"];
  ASSERT_EQ(arr.Size(), 2u);
  EXPECT_EQ(str(arr[0]["stringValue"]), "a");
  EXPECT_EQ(str(arr[1]["intValue"]), "1");
  const auto& kvl = (*attr(a, "nested"))["kvlistValue"]["values"];
  ASSERT_EQ(kvl.Size(), 1u);
  EXPECT_EQ(str(kvl[0]["key"]), "inner");
  EXPECT_EQ(root["droppedAttributesCount"].GetInt(), 3);
  ASSERT_EQ(root["events"].Size(), 1u);
  const auto& ev = root["events"][0];
  EXPECT_EQ(str(ev["timeUnixNano"]), std::to_string(kT0 + 5 * kMs + 1234));
  EXPECT_EQ(str(ev["name"]), "cache miss");
  EXPECT_EQ(str((*attr(ev["attributes"], "attempt"))["intValue"]), "2");
  EXPECT_EQ(ev["droppedAttributesCount"].GetInt(), 1);
  EXPECT_EQ(root["droppedEventsCount"].GetInt(), 4);
  ASSERT_EQ(root["links"].Size(), 1u);
  const auto& link = root["links"][0];
  EXPECT_EQ(str(link["traceId"]), hex(kLinked));
  EXPECT_EQ(str(link["spanId"]), span_id(77).to_hex());
  EXPECT_EQ(str(link["traceState"]), "l=1");
  EXPECT_EQ(str((*attr(link["attributes"], "link.kind"))["stringValue"]), "batch");
  EXPECT_EQ(link["droppedAttributesCount"].GetInt(), 0);
  EXPECT_EQ(link["flags"].GetInt(), 1);
  EXPECT_EQ(root["droppedLinksCount"].GetInt(), 5);
  EXPECT_EQ(str(root["status"]["code"]), "ok");
  EXPECT_EQ(str(root["status"]["message"]), "");
  EXPECT_EQ(str(root["rpcId"]), "0");
  EXPECT_EQ(str(root["service"]), "frontend");
  EXPECT_EQ(root["resourceIndex"].GetInt(), 0);
  EXPECT_EQ(root["scopeIndex"].GetInt(), 0);

  const auto& pay = span_named(d, "charge");
  EXPECT_EQ(str(pay["parentSpanId"]), span_id(1).to_hex());
  EXPECT_EQ(str(pay["kind"]), "client");
  EXPECT_EQ(str(pay["status"]["code"]), "error");
  EXPECT_EQ(str(pay["status"]["message"]), "card declined");
  EXPECT_EQ(str(pay["rpcId"]), "0.1");
  EXPECT_EQ(str(pay["service"]), "payments");
  EXPECT_EQ(pay["resourceIndex"].GetInt(), 1);
  EXPECT_EQ(pay["scopeIndex"].GetInt(), 1);
  const auto& render = span_named(d, "render");
  EXPECT_EQ(render["resourceIndex"].GetInt(), 0);  // same value, other pointer
  EXPECT_EQ(str(render["kind"]), "internal");
  EXPECT_EQ(str(render["status"]["code"]), "unset");
}

TEST_F(NativeApiTest, TraceErrors) {
  auto r = get("/api/v1/traces/" + hex(999));
  EXPECT_EQ(r.status, 404);
  auto d = parse(r);
  EXPECT_EQ(d["error"]["code"].GetInt(), 404);
  EXPECT_EQ(str(d["error"]["message"]), "trace " + hex(999) + " not found");
  r = get("/api/v1/traces/xyz");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(parse(r)["error"]["code"].GetInt(), 400);
}

std::vector<std::string> ids(const rapidjson::Value& d) {
  std::vector<std::string> out;
  for (const auto& t : d["traces"].GetArray()) out.push_back(str(t["traceId"]));
  return out;
}

TEST_F(NativeApiTest, Search) {
  auto d = parse(get("/api/v1/search?service=search"));
  EXPECT_EQ(ids(d), (std::vector<std::string>{hex(kT4), hex(kT3), hex(kT2), hex(kT1)}));
  d = parse(get("/api/v1/search?service=search&tag=k1=v1&tag=k2=v2"));
  EXPECT_EQ(ids(d), (std::vector<std::string>{hex(kT1)}));
  d = parse(get("/api/v1/search?service=search&minDuration=200ms"));
  EXPECT_EQ(ids(d), (std::vector<std::string>{hex(kT3)}));
  d = parse(get("/api/v1/search?service=search&minDuration=200ms&durationOf=span"));
  EXPECT_EQ(ids(d).size(), 0u);
  d = parse(get("/api/v1/search?service=search&order=longest&limit=2"));
  EXPECT_EQ(ids(d), (std::vector<std::string>{hex(kT3), hex(kT1)}));
  d = parse(get("/api/v1/search?service=search&spanKind=client"));
  EXPECT_EQ(ids(d), (std::vector<std::string>{hex(kT1)}));
  d = parse(get("/api/v1/search?start=" + std::to_string(kT0 + 1500 * kMs) +
                "&end=2023-11-14T22:13:23.5Z"));
  EXPECT_EQ(ids(d), (std::vector<std::string>{hex(kT3), hex(kT2)}));
  d = parse(get("/api/v1/search?tag=error=true"));
  EXPECT_EQ(ids(d), (std::vector<std::string>{hex(kRich)}));

  d = parse(get("/api/v1/search?service=payments"));
  ASSERT_EQ(d["traces"].Size(), 1u);
  const auto& t = d["traces"][0];
  EXPECT_EQ(str(t["startTimeUnixNano"]), std::to_string(kT0));
  EXPECT_EQ(str(t["durationNanos"]), std::to_string(300 * kMs));
  EXPECT_EQ(str(t["rootService"]), "frontend");
  EXPECT_EQ(str(t["rootName"]), "GET /checkout");
  EXPECT_EQ(t["spanCount"].GetInt(), 3);
  EXPECT_EQ(t["errorCount"].GetInt(), 1);
  ASSERT_EQ(t["services"].Size(), 2u);
  EXPECT_EQ(str(t["services"][0]["name"]), "frontend");
  EXPECT_EQ(t["services"][0]["spanCount"].GetInt(), 2);
}

TEST_F(NativeApiTest, SearchErrors) {
  struct Case {
    std::string query, message;
  } cases[] = {
      {"minDuration=abc", "minDuration: cannot parse \"abc\" as a duration"},
      {"tag=novalue", "tag: cannot parse \"novalue\" as key=value"},
      {"durationOf=forever", "durationOf: must be \"trace\" or \"span\", got \"forever\""},
      {"order=random", "order: must be \"newest\" or \"longest\", got \"random\""},
      {"limit=0", "limit: must be between 1 and 10000"},
      {"spanKind=x", "spanKind: cannot parse \"x\" as a span kind"},
      {"start=soon", "start: cannot parse \"soon\" as a time (Unix nanoseconds or RFC 3339)"},
  };
  for (const Case& c : cases) {
    auto r = get("/api/v1/search?" + c.query);
    EXPECT_EQ(r.status, 400) << c.query;
    auto d = parse(r);
    EXPECT_EQ(d["error"]["code"].GetInt(), 400);
    EXPECT_EQ(str(d["error"]["message"]), c.message);
  }
}

TEST_F(NativeApiTest, ServicesOperationsDependenciesAttributes) {
  auto d = parse(get("/api/v1/services"));
  ASSERT_EQ(d["services"].Size(), 3u);
  EXPECT_EQ(str(d["services"][2]), "search");

  d = parse(get("/api/v1/services/search/operations"));
  ASSERT_EQ(d["operations"].Size(), 3u);
  EXPECT_EQ(str(d["operations"][0]["name"]), "child");
  EXPECT_EQ(str(d["operations"][0]["spanKind"]), "client");

  d = parse(get("/api/v1/dependencies?start=2023-11-14T22:00:00Z&end=2023-11-14T23:00:00Z"));
  ASSERT_EQ(d["dependencies"].Size(), 2u);
  const auto& dep = d["dependencies"][0];
  EXPECT_EQ(str(dep["parent"]), "frontend");
  EXPECT_EQ(str(dep["child"]), "payments");
  EXPECT_EQ(dep["callCount"].GetInt(), 1);
  EXPECT_EQ(dep["errorCount"].GetInt(), 1);
  // Default window: the last 24 h before now (the clock is an hour after the data).
  d = parse(get("/api/v1/dependencies"));
  EXPECT_EQ(d["dependencies"].Size(), 2u);

  d = parse(get("/api/v1/attributes"));
  std::vector<std::string> keys;
  for (const auto& k : d["keys"].GetArray()) keys.push_back(str(k));
  EXPECT_NE(std::find(keys.begin(), keys.end(), "http.method"), keys.end());
  d = parse(get("/api/v1/attributes/http.method/values?limit=5"));
  ASSERT_EQ(d["values"].Size(), 1u);
  EXPECT_EQ(str(d["values"][0]), "GET");
  EXPECT_EQ(get("/api/v1/attributes/http.method/values?limit=x").status, 400);
}

TEST_F(NativeApiTest, UnknownRouteAndMethod) {
  auto r = get("/api/v1/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(parse(r)["error"]["code"].GetInt(), 404);
  r = call(handler_, "/api/v1/search", "POST");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(parse(r)["error"]["code"].GetInt(), 405);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Allow");
}

}  // namespace
}  // namespace weft::api::testing
