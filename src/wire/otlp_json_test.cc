// OTLP/JSON codec: round trips, the spec's encoding rules, lenient input, errors.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "wire/otlp_json.h"
#include "wire/otlp_proto.h"
#include "wire/test_spans.h"

namespace weft::wire {

using namespace weft::model;

namespace {

using testing::full_span;
using testing::small_span;

TEST(OtlpJson, RoundTripsEveryField) {
  Span in = full_span();
  std::string text = encode_otlp_json({in, small_span(3)});
  rapidjson::Document doc;
  ASSERT_FALSE(doc.Parse(text.data(), text.size()).HasParseError()) << text;
  DecodeResult r;
  Status st = decode_otlp_json(text, &r);
  ASSERT_TRUE(st.is_ok()) << st.message();
  ASSERT_EQ(r.batch.spans.size(), 2u);
  EXPECT_TRUE(same_span(in, r.batch.spans[0])) << text;
  EXPECT_TRUE(same_span(small_span(3), r.batch.spans[1]));
}

TEST(OtlpJson, FollowsTheSpecEncoding) {
  Span s = small_span(1);
  s.parent_span_id = testing::make_span_id(0xA0);
  s.kind = SpanKind::kClient;
  s.start_time_unix_nano = 1700000000000000001ull;
  s.attributes = {{"i", AnyValue(int64_t{42})}, {"b", AnyValue(Bytes{"hi"})}};
  s.status = {SpanStatusCode::kError, ""};
  std::string text = encode_otlp_json({s});
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  const auto& span = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
  EXPECT_STREQ(span["traceId"].GetString(), "02030405060708090a0b0c0d0e0f1011");
  EXPECT_STREQ(span["spanId"].GetString(), "0203040506070809");
  EXPECT_STREQ(span["parentSpanId"].GetString(), "a1a2a3a4a5a6a7a8");
  EXPECT_EQ(span["kind"].GetInt(), 3);
  EXPECT_STREQ(span["startTimeUnixNano"].GetString(), "1700000000000000001");
  EXPECT_STREQ(span["attributes"][0]["value"]["intValue"].GetString(), "42");
  EXPECT_STREQ(span["attributes"][1]["value"]["bytesValue"].GetString(), "aGk=");
  EXPECT_EQ(span["status"]["code"].GetInt(), 2);
  EXPECT_FALSE(span.HasMember("traceState"));  // defaults omitted
  EXPECT_FALSE(span.HasMember("droppedAttributesCount"));
  EXPECT_FALSE(doc["resourceSpans"][0]["scopeSpans"][0].HasMember("scope"));
}

TEST(OtlpJson, AcceptsWhatLenientSendersWrite) {
  const char* text = R"({"resource_spans":[{"resource":{"attributes":[
      {"key":"service.name","value":{"string_value":"api"}}]},
    "scope_spans":[{"scope":{"name":"s"},"spans":[{
      "trace_id":"0102030405060708090A0B0C0D0E0F10","span_id":"A1A2A3A4A5A6A7A8",
      "parentSpanId":"","name":"n","kind":"SPAN_KIND_SERVER",
      "start_time_unix_nano":1700000000000000000,"endTimeUnixNano":"1700000000000000500",
      "attributes":[{"key":"i","value":{"intValue":7}},{"key":"d","value":{"doubleValue":"NaN"}},
                    {"key":"n","value":null},{"key":"u","value":{"futureValue":1}}],
      "status":{"code":"STATUS_CODE_ERROR","message":"m"},
      "somethingNew":{"a":[1,2]}, "droppedEventsCount": null}]}]}],"extra":true})";
  DecodeResult r;
  Status st = decode_otlp_json(text, &r);
  ASSERT_TRUE(st.is_ok()) << st.message();
  ASSERT_EQ(r.batch.spans.size(), 1u);
  const Span& s = r.batch.spans[0];
  EXPECT_EQ(s.trace_id.to_hex(), "0102030405060708090a0b0c0d0e0f10");
  EXPECT_EQ(s.kind, SpanKind::kServer);
  EXPECT_EQ(s.start_time_unix_nano, 1700000000000000000ull);
  EXPECT_EQ(s.end_time_unix_nano, 1700000000000000500ull);
  EXPECT_EQ(s.attributes[0].value, AnyValue(int64_t{7}));
  EXPECT_TRUE(std::isnan(*s.attributes[1].value.as_double()));
  EXPECT_TRUE(s.attributes[2].value.is_empty());
  EXPECT_TRUE(s.attributes[3].value.is_empty());
  EXPECT_EQ(s.status.code, SpanStatusCode::kError);
  EXPECT_EQ(s.service_name(), "api");
  EXPECT_EQ(s.scope->name, "s");
}

TEST(OtlpJson, BadIdsRejectTheSpanWithThePath) {
  const char* text = R"({"resourceSpans":[{"scopeSpans":[{"spans":[
      {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"a1a2a3a4a5a6a7a8"},
      {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"a1a2a3a4a5a6a7a8"},
      {"traceId":"0102","spanId":"a1a2a3a4a5a6a7a8"},
      {"traceId":"00000000000000000000000000000000","spanId":"a1a2a3a4a5a6a7a8"},
      {"traceId":"0102030405060708090a0b0c0d0e0f10"},
      {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"a1a2a3a4a5a6a7a8",
       "parentSpanId":"zz"},
      {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"a1a2a3a4a5a6a7a8",
       "links":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0000000000000000"}]}
  ]}]}]})";
  DecodeResult r;
  ASSERT_TRUE(decode_otlp_json(text, &r).is_ok());
  EXPECT_EQ(r.batch.spans.size(), 2u);
  ASSERT_EQ(r.errors.size(), 5u);
  const std::string p = "resourceSpans[0].scopeSpans[0].spans[";
  EXPECT_EQ(r.errors[0], "span 2: " + p + "2].traceId: not 32 hex digits");
  EXPECT_EQ(r.errors[1], "span 3: " + p + "3].traceId: must not be all zero");
  EXPECT_EQ(r.errors[2], "span 4: " + p + "4].spanId: not 16 hex digits");
  EXPECT_EQ(r.errors[3], "span 5: " + p + "5].parentSpanId: not 16 hex digits");
  EXPECT_EQ(r.errors[4], "span 6: " + p + "6].links[0].spanId: must not be all zero");
}

TEST(OtlpJson, BadJsonAndWrongTypesFailTheRequest) {
  struct Case {
    const char* json;
    const char* message;
  };
  const Case cases[] = {
      {"{\"resourceSpans\":[", "invalid JSON at offset 18: Invalid value."},
      {"[]", "expected a JSON object at the top"},
      {R"({"resourceSpans":{}})", "resourceSpans: expected an array"},
      {R"({"resourceSpans":[1]})", "resourceSpans[0]: expected an object"},
      {R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"name":5}]}]}]})",
       "resourceSpans[0].scopeSpans[0].spans[0].name: expected a string"},
      {R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"-1"}]}]}]})",
       "resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: expected an unsigned 64-bit "
       "integer"},
      {R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":"SIDEWAYS"}]}]}]})",
       "resourceSpans[0].scopeSpans[0].spans[0].kind: expected a SpanKind number or name"},
      {R"({"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"intValue":"x"}}]}}]})",
       "resourceSpans[0].resource.attributes[0].value.intValue: expected a 64-bit integer"},
      {R"({"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"bytesValue":"!!"}}]}}]})",
       "resourceSpans[0].resource.attributes[0].value.bytesValue: not valid base64"},
      {R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"events":[{"name":[]}]}]}]}]})",
       "resourceSpans[0].scopeSpans[0].spans[0].events[0].name: expected a string"},
  };
  for (const Case& c : cases) {
    DecodeResult r;
    r.batch.spans.push_back(small_span(1));
    Status st = decode_otlp_json(c.json, &r);
    EXPECT_EQ(st.code(), ResultCode::kInvalidArgument) << c.json;
    EXPECT_EQ(st.message(), c.message) << c.json;
    EXPECT_EQ(r.batch.spans.size(), 1u);
  }
}

TEST(OtlpJson, DeepNestingIsAnError) {
  std::string v = R"({"stringValue":"x"})";
  for (int i = 0; i < 100; ++i) v = R"({"arrayValue":{"values":[)" + v + "]}}";
  std::string text =
      R"({"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":)" + v + "}]}}]}";
  DecodeResult r;
  Status st = decode_otlp_json(text, &r);
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("nested deeper than 32"), std::string::npos) << st.message();
}

TEST(OtlpJson, EscapesStringsIntoValidJson) {
  Span s = small_span(1);
  s.name = std::string("q\"b\\c\x01\x1f\t\xff\xc3(ok\xe2\x82\xac", 16);
  std::string text = encode_otlp_json({s});
  rapidjson::Document doc;
  ASSERT_FALSE(
      doc.Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size()).HasParseError())
      << text;
  EXPECT_NE(text.find(R"(q\"b\\c\u0001\u001f\t)"
                      "\xEF\xBF\xBD\xEF\xBF\xBD(ok\xe2\x82\xac"),
            std::string::npos)
      << text;
}

TEST(OtlpJson, ExportResponse) {
  EXPECT_EQ(encode_otlp_json_export_response(0, ""), "{}");
  EXPECT_EQ(encode_otlp_json_export_response(2, "bad \"ids\""),
            R"({"partialSuccess":{"rejectedSpans":"2","errorMessage":"bad \"ids\""}})");
}

TEST(OtlpJson, SharedAttributeHelpers) {
  std::string out;
  append_otlp_json_attributes(out, {{"k", AnyValue(int64_t{5})}, {"e", AnyValue()}});
  EXPECT_EQ(out, R"([{"key":"k","value":{"intValue":"5"}},{"key":"e","value":{}}])");
  out.clear();
  append_otlp_json_value(out, AnyValue(ArrayValue{AnyValue(1.5), AnyValue(KeyValueList{})}));
  EXPECT_EQ(out,
            R"({"arrayValue":{"values":[{"doubleValue":1.5},{"kvlistValue":{"values":[]}}]}})");
}

TEST(OtlpJson, AgreesWithTheProtobufCodec) {
  std::vector<Span> spans = {full_span(), small_span(2)};
  DecodeResult from_json, from_proto;
  ASSERT_TRUE(decode_otlp_json(encode_otlp_json(spans), &from_json).is_ok());
  ASSERT_TRUE(decode_otlp_proto(encode_otlp_proto(spans), &from_proto).is_ok());
  ASSERT_EQ(from_json.batch.spans.size(), from_proto.batch.spans.size());
  for (size_t i = 0; i < spans.size(); ++i)
    EXPECT_TRUE(same_span(from_json.batch.spans[i], from_proto.batch.spans[i]));
}

}  // namespace
}  // namespace weft::wire

namespace weft::wire {
namespace {

TEST(OtlpJson, TruncationAtEveryOffsetNeverCrashes) {
  std::string text = encode_otlp_json({testing::full_span(), testing::small_span(2)});
  for (size_t n = 0; n < text.size(); ++n) {
    DecodeResult r;
    EXPECT_FALSE(decode_otlp_json(std::string_view(text).substr(0, n), &r).is_ok());
    EXPECT_TRUE(r.batch.spans.empty());
  }
}

}  // namespace
}  // namespace weft::wire
