// Zipkin v2 JSON codec: lossless Zipkin round trips, the OTel -> Zipkin mapping, errors.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "wire/test_spans.h"
#include "wire/zipkin_json.h"

namespace weft::wire {

using namespace weft::model;

namespace {

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

// Zipkin -> model -> Zipkin, compared as JSON values (member order aside).
void expect_lossless(const std::string& zipkin) {
  DecodeResult r;
  Status st = decode_zipkin_json(zipkin, &r);
  ASSERT_TRUE(st.is_ok()) << st.message();
  ASSERT_EQ(r.rejected_spans, 0u) << r.summary();
  std::string back = encode_zipkin_json(r.batch.spans);
  EXPECT_TRUE(parse(zipkin) == parse(back)) << "in:  " << zipkin << "\nout: " << back;
}

TEST(ZipkinJson, RoundTripIsLossless) {
  expect_lossless(R"([{
    "traceId":"5af7183fb1d4cf5f","parentId":"6b221d5bc9e6496c","id":"352bff9a74ca9ad2",
    "kind":"CLIENT","name":"get /api","timestamp":1556604172355737,"duration":1431,
    "debug":true,"shared":true,
    "localEndpoint":{"serviceName":"frontend","ipv4":"192.168.99.1","ipv6":"::1","port":8080},
    "remoteEndpoint":{"serviceName":"backend","ipv4":"172.19.0.2","port":9000},
    "annotations":[{"timestamp":1556604172355800,"value":"ws"},
                   {"timestamp":1556604172356000,"value":"wr"}],
    "tags":{"http.method":"GET","http.path":"/api","error":"timeout",
            "w3c.tracestate":"a=b","otel.scope.name":"kept as a tag"}},
   {"traceId":"463ac35c9f6413ad48485a3953bb6124","id":"a2fb4a1d1a96d312","name":"s",
    "kind":"SERVER","timestamp":1,"localEndpoint":{"serviceName":"frontend","ipv4":"192.168.99.1",
    "ipv6":"::1","port":8080},"remoteEndpoint":{"ipv6":"2001:db8::c001"},
    "tags":{"otel.status_code":"OK"}},
   {"traceId":"463ac35c9f6413ad48485a3953bb6124","id":"a2fb4a1d1a96d313","kind":"PRODUCER"},
   {"traceId":"463ac35c9f6413ad48485a3953bb6124","id":"a2fb4a1d1a96d314","kind":"CONSUMER",
    "duration":5,"tags":{"otel.status_code":"ERROR","otel.status_description":"d"}}])");
}

TEST(ZipkinJson, MapsOntoTheModel) {
  DecodeResult r;
  ASSERT_TRUE(decode_zipkin_json(R"([
    {"traceId":"5af7183fb1d4cf5f","id":"352bff9a74ca9ad2","name":"get",
     "timestamp":10,"duration":3,"debug":true,"kind":"SERVER",
     "localEndpoint":{"serviceName":"frontend","ipv4":"10.0.0.1","port":80},
     "remoteEndpoint":{"serviceName":"client","ipv6":"::2"},
     "annotations":[{"timestamp":11,"value":"cache.miss"}],"tags":{"error":""}},
    {"traceId":"5af7183fb1d4cf5f","id":"352bff9a74ca9ad3",
     "localEndpoint":{"serviceName":"frontend","ipv4":"10.0.0.1","port":80}}])",
                                 &r)
                  .is_ok());
  ASSERT_EQ(r.batch.spans.size(), 2u);
  const Span& s = r.batch.spans[0];
  EXPECT_EQ(s.trace_id.to_hex(), "00000000000000005af7183fb1d4cf5f");
  EXPECT_EQ(s.start_time_unix_nano, 10000u);
  EXPECT_EQ(s.end_time_unix_nano, 13000u);
  EXPECT_EQ(s.kind, SpanKind::kServer);
  EXPECT_TRUE(s.flags & kZipkinDebugFlag);
  EXPECT_EQ(s.service_name(), "frontend");
  EXPECT_EQ(*find_attribute(s.resource->attributes, "net.host.ip")->as_string(), "10.0.0.1");
  EXPECT_EQ(*find_attribute(s.resource->attributes, "net.host.port")->as_int(), 80);
  EXPECT_EQ(*find_attribute(s.attributes, "peer.service")->as_string(), "client");
  EXPECT_EQ(*find_attribute(s.attributes, "net.sock.peer.addr")->as_string(), "::2");
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].name, "cache.miss");
  EXPECT_EQ(s.events[0].time_unix_nano, 11000u);
  EXPECT_TRUE(s.is_error());
  EXPECT_EQ(r.batch.spans[0].resource, r.batch.spans[1].resource);  // same endpoint, shared
  EXPECT_EQ(r.batch.spans[1].kind, SpanKind::kUnspecified);
}

// Every tag a user sends comes back as that tag, and every endpoint field as that field, even
// when a tag has the name of the attribute an endpoint field maps to (or OTel's names the
// encoder maps into remoteEndpoint for OTLP spans).
TEST(ZipkinJson, TagsAndEndpointFieldsRoundTripApart) {
  const char* head = R"({"traceId":"5af7183fb1d4cf5f","id":"352bff9a74ca9ad2","kind":"CLIENT",)";
  const char* cases[] = {
      // The OTel JS Zipkin exporter: attributes as tags, no remoteEndpoint.
      R"("localEndpoint":{"serviceName":"shop"},"tags":{"db.system":"postgresql",
         "net.peer.port":"5432","otel.status_code":"ERROR","error":"timeout"})",
      R"("tags":{"peer.service":"db"})",
      R"("tags":{"net.sock.peer.addr":"10.0.0.9"})",
      R"("tags":{"net.sock.peer.addr":"::9"})",
      R"("tags":{"net.sock.peer.port":"5432"})",
      R"("tags":{"zipkin.remote.ipv6":"::9"})",
      R"("tags":{"network.peer.address":"10.0.0.9","network.peer.port":"80"})",
      R"("tags":{"net.peer.ip":"10.0.0.9","net.peer.port":"80","net.peer.name":"db"})",
      R"("tags":{"service.name":"other","net.host.ip":"10.0.0.1","net.host.port":"80",
         "zipkin.local.ipv6":"::1"})",
      R"("tags":{"zipkin.shared":"true"})",
      R"("tags":{"otel.scope.name":"s","otel.scope.version":"1","otel.dropped_events_count":"2",
         "otel.status_description":"d","w3c.tracestate":""})",
      R"("tags":{"otel.status_code":"OK"})",
      R"("tags":{"error":""})",
      // Endpoint fields next to tags of the same names.
      R"("remoteEndpoint":{"serviceName":"db"},"tags":{"peer.service":"other",
         "net.sock.peer.addr":"10.0.0.9","net.sock.peer.port":"1","net.peer.port":"2"})",
      R"("remoteEndpoint":{"ipv4":"10.0.0.9"},"tags":{"zipkin.remote.ipv6":"::9",
         "peer.service":"db"})",
      R"("remoteEndpoint":{"ipv6":"::9"},"tags":{"net.sock.peer.addr":"10.0.0.9"})",
      R"("remoteEndpoint":{"ipv4":"10.0.0.9","ipv6":"::9","port":5432},
         "tags":{"net.sock.peer.port":"5432","net.sock.peer.addr":"x","zipkin.remote.ipv6":"y"})",
      R"("remoteEndpoint":{"port":5432},"tags":{"net.peer.port":"5432"})",
      R"("remoteEndpoint":{"serviceName":"db","ipv4":"10.0.0.9","port":1},"shared":true)",
      R"("localEndpoint":{"serviceName":"shop","ipv4":"10.0.0.1","ipv6":"::1","port":8080},
         "tags":{"service.name":"other","net.host.ip":"10.0.0.2","net.host.port":"81",
         "zipkin.local.ipv6":"::2"})",
      R"("localEndpoint":{"ipv6":"::1"},"remoteEndpoint":{"ipv6":"::2","port":1})",
  };
  for (const char* c : cases) {
    SCOPED_TRACE(c);
    expect_lossless(std::string("[") + head + c + "}]");
  }
}

TEST(ZipkinJson, RemoteEndpointFieldsStayQueryableAttributes) {
  DecodeResult r;
  ASSERT_TRUE(decode_zipkin_json(R"([{"traceId":"5af7183fb1d4cf5f","id":"352bff9a74ca9ad2",
    "remoteEndpoint":{"serviceName":"db","port":5432},"tags":{"net.peer.port":"5432"}}])",
                                 &r)
                  .is_ok());
  const Span& s = r.batch.spans[0];
  EXPECT_EQ(*find_attribute(s.attributes, "peer.service")->as_string(), "db");
  EXPECT_EQ(*find_attribute(s.attributes, "net.sock.peer.port")->as_int(), 5432);
  EXPECT_EQ(*find_attribute(s.attributes, "net.peer.port")->as_string(), "5432");
  EXPECT_EQ(s.flags, kZipkinSpanFlag | kZipkinRemoteServiceFlag | kZipkinRemotePortFlag);
}

TEST(ZipkinJson, FractionalMicrosecondsKeepTheirNanoseconds) {
  // What the OpenTelemetry JS Zipkin exporter sends for a start with sub-µs nanoseconds.
  DecodeResult r;
  ASSERT_TRUE(decode_zipkin_json(R"([{"traceId":"5af7183fb1d4cf5f","id":"352bff9a74ca9ad2",
    "timestamp":1795265275070000.2,"duration":40000.333,
    "annotations":[{"timestamp":1795265275075000.5,"value":"a"}],
    "tags":{"ratio":1.50,"n":-3,"big":1e3}}])",
                                 &r)
                  .is_ok());
  ASSERT_EQ(r.batch.spans.size(), 1u);
  const Span& s = r.batch.spans[0];
  EXPECT_EQ(s.start_time_unix_nano, 1795265275070000200u);
  EXPECT_EQ(s.end_time_unix_nano, 1795265275070000200u + 40000333u);
  EXPECT_EQ(s.events[0].time_unix_nano, 1795265275075000500u);
  // Non-string tags keep the text they were sent with.
  EXPECT_EQ(*find_attribute(s.attributes, "ratio")->as_string(), "1.50");
  EXPECT_EQ(*find_attribute(s.attributes, "n")->as_string(), "-3");
  EXPECT_EQ(*find_attribute(s.attributes, "big")->as_string(), "1e3");
  // Zipkin wants integer microseconds back: floored.
  auto doc = parse(encode_zipkin_json(r.batch.spans));
  EXPECT_EQ(doc[0]["timestamp"].GetUint64(), 1795265275070000u);
  EXPECT_EQ(doc[0]["duration"].GetUint64(), 40000u);
  EXPECT_EQ(doc[0]["annotations"][0]["timestamp"].GetUint64(), 1795265275075000u);
}

TEST(ZipkinJson, MicrosecondNumbersToNanoseconds) {
  struct Case {
    const char* timestamp;  // JSON text
    uint64_t nanos;
  };
  const Case cases[] = {
      {"12", 12000},
      {"0", 0},
      {"-0", 0},
      {"0.0", 0},
      {"1.5", 1500},
      {"1.5e3", 1500000},
      {"15E-1", 1500},
      {"1e-3", 1},
      {"0.0004", 0},      // 0.4 ns
      {"0.0005", 1},      // halves round up
      {"0.00149999", 1},  // rounded once, on the digits
      {"1556604172355737", 1556604172355737000},
      {"1795265275070000.2", 1795265275070000200},
      {"1795265275070000.2004999", 1795265275070000200},
      {"1795265275070000.2005", 1795265275070000201},
      {"18446744073709551.615", 18446744073709551615u},  // UINT64_MAX ns
      {"\"1556604172355737\"", 1556604172355737000},     // lenient: a decimal string
      {"\"12.5\"", 12500},
  };
  for (const Case& c : cases) {
    std::string json = std::string(R"([{"traceId":"5af7183fb1d4cf5f","id":"352bff9a74ca9ad2",)") +
                       R"("timestamp":)" + c.timestamp + "}]";
    DecodeResult r;
    Status st = decode_zipkin_json(json, &r);
    ASSERT_TRUE(st.is_ok()) << c.timestamp << ": " << st.message();
    EXPECT_EQ(r.batch.spans[0].start_time_unix_nano, c.nanos) << c.timestamp;
  }
}

Span otel_span(SpanKind kind, SpanStatus status) {
  Span s = testing::full_span();
  s.kind = kind;
  s.status = std::move(status);
  return s;
}

TEST(ZipkinJson, RendersOtelSpansAsOtelsZipkinExporterWould) {
  Span s = otel_span(SpanKind::kServer, {SpanStatusCode::kError, "boom"});
  s.attributes = {{"http.status_code", AnyValue(int64_t{500})},
                  {"retry", AnyValue(true)},
                  {"ratio", AnyValue(0.25)},
                  {"list", AnyValue(ArrayValue{AnyValue("a"), AnyValue(int64_t{1})})},
                  {"peer.service", AnyValue("db")}};
  auto doc = parse(encode_zipkin_json({s}));
  const auto& z = doc[0];
  EXPECT_STREQ(z["traceId"].GetString(), "1112131415161718191a1b1c1d1e1f20");
  EXPECT_STREQ(z["parentId"].GetString(), "6162636465666768");
  EXPECT_STREQ(z["kind"].GetString(), "SERVER");
  EXPECT_EQ(z["timestamp"].GetUint64(), 1700000000123456u);  // microseconds
  EXPECT_EQ(z["duration"].GetUint64(), 100000u);
  EXPECT_STREQ(z["localEndpoint"]["serviceName"].GetString(), "checkout");
  EXPECT_STREQ(z["remoteEndpoint"]["serviceName"].GetString(), "db");
  const auto& tags = z["tags"];
  EXPECT_STREQ(tags["otel.status_code"].GetString(), "ERROR");
  EXPECT_STREQ(tags["error"].GetString(), "boom");
  EXPECT_STREQ(tags["http.status_code"].GetString(), "500");
  EXPECT_STREQ(tags["retry"].GetString(), "true");
  EXPECT_STREQ(tags["ratio"].GetString(), "0.25");
  EXPECT_STREQ(tags["list"].GetString(), R"(["a",1])");
  EXPECT_STREQ(tags["otel.scope.name"].GetString(), "io.weft.http");
  EXPECT_STREQ(tags["otel.scope.version"].GetString(), "1.2.3");
  EXPECT_STREQ(tags["host.cores"].GetString(), "8");  // resource attributes become tags
  EXPECT_STREQ(tags["w3c.tracestate"].GetString(), "vendor=a,other=b");
  EXPECT_STREQ(tags["otel.dropped_attributes_count"].GetString(), "3");
  EXPECT_FALSE(tags.HasMember("peer.service"));
  EXPECT_FALSE(tags.HasMember("service.name"));
  EXPECT_FALSE(z.HasMember("debug"));
  EXPECT_STREQ(z["annotations"][0]["value"].GetString(), R"("exception": {"exception.type": "E"})");
  EXPECT_STREQ(z["annotations"][1]["value"].GetString(), "plain");
  EXPECT_EQ(z["annotations"][0]["timestamp"].GetUint64(), 1700000000130000u);
}

TEST(ZipkinJson, OtelPeerAttributesBecomeTheRemoteEndpoint) {
  Span s = otel_span(SpanKind::kClient, {});
  s.attributes = {{"net.peer.port", AnyValue(int64_t{5432})}, {"db.system", AnyValue("pg")}};
  auto doc = parse(encode_zipkin_json({s}));
  EXPECT_EQ(doc[0]["remoteEndpoint"]["port"].GetInt(), 5432);
  EXPECT_FALSE(doc[0]["tags"].HasMember("net.peer.port"));
  s.attributes = {{"network.peer.address", AnyValue("10.0.0.9")},
                  {"network.peer.port", AnyValue("80")}};
  doc = parse(encode_zipkin_json({s}));
  EXPECT_STREQ(doc[0]["remoteEndpoint"]["ipv4"].GetString(), "10.0.0.9");
  EXPECT_EQ(doc[0]["remoteEndpoint"]["port"].GetInt(), 80);
}

TEST(ZipkinJson, StatusAndKindMapping) {
  struct Case {
    SpanKind kind;
    SpanStatusCode code;
    const char* zipkin_kind;  // nullptr: absent
    const char* status_tag;   // nullptr: absent
    bool error_tag;
  };
  const Case cases[] = {
      {SpanKind::kClient, SpanStatusCode::kOk, "CLIENT", "OK", false},
      {SpanKind::kProducer, SpanStatusCode::kUnset, "PRODUCER", nullptr, false},
      {SpanKind::kConsumer, SpanStatusCode::kError, "CONSUMER", "ERROR", true},
      {SpanKind::kInternal, SpanStatusCode::kUnset, nullptr, nullptr, false},
      {SpanKind::kUnspecified, SpanStatusCode::kError, nullptr, "ERROR", true},
  };
  for (const Case& c : cases) {
    Span s = otel_span(c.kind, {c.code, ""});
    auto doc = parse(encode_zipkin_json({s}));
    const auto& z = doc[0];
    if (c.zipkin_kind) {
      EXPECT_STREQ(z["kind"].GetString(), c.zipkin_kind);
    } else {
      EXPECT_FALSE(z.HasMember("kind"));
    }
    const auto& tags = z["tags"];
    if (c.status_tag) {
      EXPECT_STREQ(tags["otel.status_code"].GetString(), c.status_tag);
    } else {
      EXPECT_FALSE(tags.HasMember("otel.status_code"));
    }
    EXPECT_EQ(tags.HasMember("error"), c.error_tag);
    if (c.error_tag) {
      EXPECT_STREQ(tags["error"].GetString(), "");  // empty description
    }
  }
}

TEST(ZipkinJson, SubMicrosecondDurationsRoundUpToOne) {
  Span s = testing::small_span(1);
  s.start_time_unix_nano = 5000;
  s.end_time_unix_nano = 5400;
  auto doc = parse(encode_zipkin_json({s}));
  EXPECT_EQ(doc[0]["duration"].GetUint64(), 1u);
  EXPECT_FALSE(doc[0].HasMember("localEndpoint"));
}

TEST(ZipkinJson, BadIdsRejectOnlyTheirSpan) {
  DecodeResult r;
  ASSERT_TRUE(decode_zipkin_json(R"([
    {"traceId":"5af7183fb1d4cf5f","id":"352bff9a74ca9ad2"},
    {"traceId":"5af7183fb1d4cf5","id":"352bff9a74ca9ad2"},
    {"traceId":"0000000000000000","id":"352bff9a74ca9ad2"},
    {"traceId":"5af7183fb1d4cf5f"},
    {"traceId":"5af7183fb1d4cf5f","id":"0000000000000000"},
    {"traceId":"5af7183fb1d4cf5f","id":"352bff9a74ca9ad2","parentId":"xyz"}])",
                                 &r)
                  .is_ok());
  EXPECT_EQ(r.batch.spans.size(), 1u);
  ASSERT_EQ(r.errors.size(), 5u);
  EXPECT_EQ(r.errors[0], "span 1: traceId: not 16 or 32 hex digits");
  EXPECT_EQ(r.errors[1], "span 2: traceId: must not be all zero");
  EXPECT_EQ(r.errors[2], "span 3: id: not 16 hex digits");
  EXPECT_EQ(r.errors[3], "span 4: id: must not be all zero");
  EXPECT_EQ(r.errors[4], "span 5: parentId: not 16 hex digits");
}

TEST(ZipkinJson, BadJsonAndWrongTypesFailTheRequest) {
  struct Case {
    const char* json;
    const char* message;
  };
  const Case cases[] = {
      {"[{", "invalid JSON at offset 2: Missing a name for object member."},
      {"{}", "expected a JSON array of spans"},
      {"[1]", "[0]: expected an object"},
      {R"([{"id":"352bff9a74ca9ad2"},{"timestamp":"soon"}])",
       "[1].timestamp: expected microseconds (a non-negative number)"},
      {R"([{"timestamp":-1}])", "[0].timestamp: expected microseconds (a non-negative number)"},
      {R"([{"duration":-0.5}])", "[0].duration: expected microseconds (a non-negative number)"},
      {R"([{"timestamp":true}])", "[0].timestamp: expected microseconds (a non-negative number)"},
      {R"([{"timestamp":"1.5x"}])", "[0].timestamp: expected microseconds (a non-negative number)"},
      {R"([{"annotations":[{"timestamp":-2.5}]}])",
       "[0].annotations[0].timestamp: expected microseconds (a non-negative number)"},
      {R"([{"timestamp":1e30}])", "[0].timestamp: out of range"},
      {R"([{"timestamp":18446744073709551.6155}])", "[0].timestamp: out of range"},
      {R"([{"timestamp":18446744073709552}])", "[0].timestamp: out of range"},
      {R"([{"name":1.5}])", "[0].name: expected a string"},
      {R"([{"annotations":[{"value":3.5}]}])", "[0].annotations[0].value: expected a string"},
      {R"([{"localEndpoint":{"port":80.5}}])", "[0].localEndpoint.port: expected a port number"},
      {R"([{"localEndpoint":{"port":"x"}}])", "[0].localEndpoint.port: expected a port number"},
      {R"([{"annotations":[{"value":3}]}])", "[0].annotations[0].value: expected a string"},
      {R"([{"tags":{"a":{}}}])", "[0].tags.a: expected a string"},
      {R"([{"debug":"yes"}])", "[0].debug: expected true or false"},
  };
  for (const Case& c : cases) {
    DecodeResult r;
    Status st = decode_zipkin_json(c.json, &r);
    EXPECT_EQ(st.code(), ResultCode::kInvalidArgument) << c.json;
    EXPECT_EQ(st.message(), c.message) << c.json;
    EXPECT_TRUE(r.batch.spans.empty());
  }
}

TEST(ZipkinJson, TruncationAtEveryOffsetNeverCrashes) {
  std::string text = encode_zipkin_json({testing::full_span(), testing::small_span(2)});
  for (size_t n = 0; n < text.size(); ++n) {
    DecodeResult r;
    Status st = decode_zipkin_json(std::string_view(text).substr(0, n), &r);
    EXPECT_FALSE(st.is_ok());  // a truncated JSON array is never valid
  }
}

}  // namespace
}  // namespace weft::wire
