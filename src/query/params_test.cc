#include "query/params.h"

#include <gtest/gtest.h>

namespace weft::query {

using namespace weft::model;

namespace {

constexpr uint64_t kUs = 1'000, kMs = 1'000'000, kS = 1'000'000'000;

uint64_t dur(std::string_view s) {
  auto r = parse_duration("d", s);
  EXPECT_TRUE(r.is_ok()) << s << ": " << r.status().to_string();
  return r.is_ok() ? *r : 0;
}

TEST(ParseDuration, GoForms) {
  EXPECT_EQ(dur("0"), 0u);
  EXPECT_EQ(dur("1.5ms"), 1'500'000u);
  EXPECT_EQ(dur("100us"), 100 * kUs);
  EXPECT_EQ(dur("100\xC2\xB5s"), 100 * kUs);
  EXPECT_EQ(dur("100\xCE\xBCs"), 100 * kUs);
  EXPECT_EQ(dur("250ns"), 250u);
  EXPECT_EQ(dur("2s"), 2 * kS);
  EXPECT_EQ(dur("1m"), 60 * kS);
  EXPECT_EQ(dur("1h"), 3600 * kS);
  EXPECT_EQ(dur("1h2m"), 3720 * kS);
  EXPECT_EQ(dur("1h2m3.5s"), 3723 * kS + 500 * kMs);
  EXPECT_EQ(dur(".5s"), 500 * kMs);
  EXPECT_EQ(dur("2d"), 48 * 3600 * kS);
  EXPECT_EQ(dur("1w"), 7 * 24 * 3600 * kS);
}

TEST(ParseDuration, RejectsWithParameterName) {
  for (const char* bad : {"", "abc", "10", "1x", "ms", "-1s", "1..2s", "1s2"}) {
    auto r = parse_duration("minDuration", bad);
    ASSERT_FALSE(r.is_ok()) << bad;
    EXPECT_EQ(r.status().code(), ResultCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(),
              std::string("minDuration: cannot parse \"") + bad + "\" as a duration");
  }
  EXPECT_FALSE(parse_duration("d", "99999999999999999999h").is_ok());
}

TEST(ParseScaledInt, MicrosAndMillis) {
  EXPECT_EQ(*parse_scaled_int("start", "1700000000000000", kUs), 1'700'000'000'000'000'000u);
  EXPECT_EQ(*parse_scaled_int("endTs", "1700000000000", kMs), 1'700'000'000'000'000'000u);
  EXPECT_FALSE(parse_scaled_int("start", "12a", kUs).is_ok());
  EXPECT_FALSE(parse_scaled_int("start", "-5", kUs).is_ok());
  EXPECT_FALSE(parse_scaled_int("start", "99999999999999999999", kUs).is_ok());
}

TEST(ParseRfc3339, Forms) {
  EXPECT_EQ(*parse_rfc3339("t", "1970-01-01T00:00:00Z"), 0u);
  EXPECT_EQ(*parse_rfc3339("t", "2023-11-14T22:13:20Z"), 1'700'000'000 * kS);
  EXPECT_EQ(*parse_rfc3339("t", "2023-11-14T22:13:20.123456789Z"),
            1'700'000'000 * kS + 123'456'789);
  EXPECT_EQ(*parse_rfc3339("t", "2023-11-14T22:13:20.5Z"), 1'700'000'000 * kS + 500 * kMs);
  EXPECT_EQ(*parse_rfc3339("t", "2023-11-15T00:13:20+02:00"), 1'700'000'000 * kS);
  EXPECT_EQ(*parse_rfc3339("t", "2023-11-14T21:13:20-01:00"), 1'700'000'000 * kS);
  for (const char* bad : {"2023-11-14", "2023-11-14T22:13:20", "2023-13-14T22:13:20Z",
                          "2023-11-14T22:13:20Zx", "yesterday"}) {
    auto r = parse_rfc3339("query.startTimeMin", bad);
    ASSERT_FALSE(r.is_ok()) << bad;
    EXPECT_NE(r.status().message().find("query.startTimeMin"), std::string::npos);
  }
}

TEST(ParseTimeNanos, IntegerOrRfc3339) {
  EXPECT_EQ(*parse_time_nanos("start", "1700000000000000000"), 1'700'000'000 * kS);
  EXPECT_EQ(*parse_time_nanos("start", "2023-11-14T22:13:20Z"), 1'700'000'000 * kS);
  auto r = parse_time_nanos("start", "soon");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message(),
            "start: cannot parse \"soon\" as a time (Unix nanoseconds or RFC 3339)");
}

TEST(ParseTraceId, PadsShortIds) {
  EXPECT_EQ(parse_trace_id("id", "abc")->to_hex(), "00000000000000000000000000000abc");
  EXPECT_EQ(parse_trace_id("id", "463ac35c9f6413ad")->to_hex(), "0000000000000000463ac35c9f6413ad");
  EXPECT_EQ(parse_trace_id("id", "4BF92F3577B34DA6A3CE929D0E0E4736")->to_hex(),
            "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_FALSE(parse_trace_id("id", "").is_ok());
  EXPECT_FALSE(parse_trace_id("id", "0").is_ok());
  EXPECT_FALSE(parse_trace_id("id", "xyz").is_ok());
  EXPECT_FALSE(parse_trace_id("id", std::string(33, 'a')).is_ok());
}

TEST(ParseSpanKind, NamesAndOtlpForms) {
  EXPECT_EQ(*parse_span_kind_param("spanKind", "server"), SpanKind::kServer);
  EXPECT_EQ(*parse_span_kind_param("spanKind", "CLIENT"), SpanKind::kClient);
  EXPECT_EQ(*parse_span_kind_param("spanKind", "SPAN_KIND_PRODUCER"), SpanKind::kProducer);
  auto r = parse_span_kind_param("spanKind", "sideways");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message(), "spanKind: cannot parse \"sideways\" as a span kind");
}

TEST(ParseJaegerTags, TagAndTagsJson) {
  auto r = parse_jaeger_tags({"http.url:http://x:8080/a", "error:true"},
                             {R"({"http.method":"GET","http.status_code":500})"});
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0], (TagCondition{"http.url", "http://x:8080/a"}));
  EXPECT_EQ((*r)[1], (TagCondition{"error", "true"}));
  EXPECT_EQ((*r)[2], (TagCondition{"http.method", "GET"}));
  EXPECT_EQ((*r)[3], (TagCondition{"http.status_code", "500"}));
  EXPECT_FALSE(parse_jaeger_tags({"novalue"}, {}).is_ok());
  auto bad = parse_jaeger_tags({}, {"{not json"});
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("tags"), std::string::npos);
}

TEST(ParseKeyEqualsValue, SplitsAtFirstEquals) {
  EXPECT_EQ(*parse_key_equals_value("tag", "q=a=b"), (TagCondition{"q", "a=b"}));
  EXPECT_EQ(*parse_key_equals_value("tag", "k="), (TagCondition{"k", ""}));
  EXPECT_FALSE(parse_key_equals_value("tag", "k").is_ok());
  EXPECT_FALSE(parse_key_equals_value("tag", "=v").is_ok());
}

TEST(ParseAnnotationQuery, TagsAndBareKeys) {
  auto r = parse_annotation_query("annotationQuery", "error and http.method=GET and ws");
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->tags, (std::vector<TagCondition>{{"http.method", "GET"}}));
  EXPECT_EQ(r->keys, (std::vector<std::string>{"error", "ws"}));
  auto single = parse_annotation_query("annotationQuery", "http.path=/a and b");
  ASSERT_TRUE(single.is_ok());
  EXPECT_EQ(single->tags, (std::vector<TagCondition>{{"http.path", "/a"}}));
  EXPECT_EQ(single->keys, (std::vector<std::string>{"b"}));
  EXPECT_FALSE(parse_annotation_query("annotationQuery", "a and  and b").is_ok());
}

}  // namespace
}  // namespace weft::query
