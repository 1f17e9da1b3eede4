#include "store/wal/span_codec.h"

#include <gtest/gtest.h>

#include <limits>

#include "store/testing/span_builder.h"

namespace weft::store {

using namespace weft::model;

namespace {

using namespace testing;

// A span with every field set, every AnyValue type, nesting, odd values.
Span full_span() {
  Span s;
  s.trace_id = trace_id(0xabcdef);
  s.span_id = span_id(42);
  s.parent_span_id = span_id(41);
  s.trace_state = "vendor=x,other=y";
  s.flags = 0x301;
  s.name = "GET /users/{id}";
  s.kind = SpanKind::kConsumer;
  s.start_time_unix_nano = kT0 + 123;
  s.end_time_unix_nano = kT0 + 100;  // ends before it starts: kept as sent
  s.attributes = {
      {"str", "value"},
      {"empty_str", ""},
      {"bool_t", true},
      {"bool_f", false},
      {"int_neg", int64_t{-5}},
      {"int_min", std::numeric_limits<int64_t>::min()},
      {"int_max", std::numeric_limits<int64_t>::max()},
      {"dbl", 3.25},
      {"dbl_nan_free", -0.0},
      {"bytes", Bytes{std::string("\0\x01\xff", 3)}},
      {"arr", ArrayValue{AnyValue(1), AnyValue("two"), AnyValue(ArrayValue{AnyValue(true)})}},
      {"kv", KeyValueList{{"inner", 2.5}, {"deeper", KeyValueList{{"x", "y"}}}}},
      {"unset", AnyValue()},
  };
  s.dropped_attributes_count = 3;
  s.events = {{kT0 + 50, "exception", {{"exception.message", "boom"}}, 1},
              {kT0 - 10, "before-start", {}, 0}};
  s.dropped_events_count = 4;
  s.links = {{trace_id(7), span_id(8), "ts=1", {{"link.attr", 9}}, 2, 1}};
  s.dropped_links_count = 5;
  s.status = {SpanStatusCode::kError, "it broke"};
  s.rpc_id = "0.1.2";
  auto r = std::make_shared<Resource>();
  r->attributes = {{"service.name", "users"}, {"host.name", "h1"}};
  r->dropped_attributes_count = 6;
  r->schema_url = "https://opentelemetry.io/schemas/1.21.0";
  s.resource = r;
  auto sc = std::make_shared<InstrumentationScope>();
  sc->name = "lib";
  sc->version = "2";
  sc->attributes = {{"scope.attr", true}};
  sc->dropped_attributes_count = 7;
  sc->schema_url = "scope-schema";
  s.scope = sc;
  return s;
}

TEST(SpanCodec, RoundTripsEveryField) {
  SpanBatch in{{full_span()}};
  std::string bytes;
  encode_span_batch(in, &bytes);
  auto out = decode_span_batch(bytes);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  ASSERT_EQ(out->spans.size(), 1u);
  EXPECT_TRUE(same_span(in.spans[0], out->spans[0]));
}

TEST(SpanCodec, RoundTripsThroughTheCompressedPayload) {
  SpanBatch in{{full_span(), full_span(), make_span(3, 3, 0, "other", "op", 1, 2)}};
  in.spans[1].span_id = span_id(43);
  auto out = decode_wal_payload(encode_wal_payload(in));
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  ASSERT_EQ(out->spans.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(same_span(in.spans[i], out->spans[i])) << i;
}

TEST(SpanCodec, SharedResourcesStaySharedAndNullStaysNull) {
  auto r1 = resource("a");
  auto r2 = resource("b");
  SpanBatch in;
  for (int i = 0; i < 4; ++i) {
    Span s = make_span(1, i + 1, 0, "x", "op", 0, 1);
    s.resource = (i % 2) ? r2 : r1;
    in.spans.push_back(s);
  }
  in.spans[3].resource = nullptr;
  in.spans[3].scope = nullptr;
  std::string bytes;
  encode_span_batch(in, &bytes);
  auto out = decode_span_batch(bytes);
  ASSERT_TRUE(out.is_ok());
  EXPECT_EQ(out->spans[0].resource, out->spans[2].resource);  // same pointer again
  EXPECT_NE(out->spans[0].resource, out->spans[1].resource);
  EXPECT_EQ(out->spans[3].resource, nullptr);
  EXPECT_EQ(out->spans[3].scope, nullptr);
  for (size_t i = 0; i < 4; ++i) EXPECT_TRUE(same_span(in.spans[i], out->spans[i]));
}

TEST(SpanCodec, EmptyBatch) {
  std::string bytes;
  encode_span_batch(SpanBatch{}, &bytes);
  auto out = decode_span_batch(bytes);
  ASSERT_TRUE(out.is_ok());
  EXPECT_TRUE(out->spans.empty());
}

TEST(SpanCodec, EveryTruncationIsRejectedNotMisread) {
  std::string bytes;
  encode_span_batch(SpanBatch{{full_span()}}, &bytes);
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto out = decode_span_batch(std::string_view(bytes).substr(0, n));
    EXPECT_FALSE(out.is_ok()) << "prefix " << n;
    if (!out.is_ok()) {
      EXPECT_EQ(out.status().code(), ResultCode::kDataLoss);
    }
  }
}

TEST(SpanCodec, UnknownVersionAndTrailingBytesAreDataLoss) {
  std::string bytes;
  encode_span_batch(SpanBatch{{full_span()}}, &bytes);
  std::string v2 = bytes;
  v2[0] = 2;
  auto out = decode_span_batch(v2);
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.status().message().find("unknown version 2"), std::string::npos);
  EXPECT_FALSE(decode_span_batch(bytes + "x").is_ok());
  EXPECT_FALSE(decode_wal_payload("not zstd").is_ok());
}

TEST(SpanCodec, GarbageNeverCrashes) {
  std::string bytes;
  encode_span_batch(SpanBatch{{full_span()}}, &bytes);
  uint32_t seed = 1;
  for (int round = 0; round < 2000; ++round) {
    std::string m = bytes;
    for (int k = 0; k < 3; ++k) {
      seed = seed * 1103515245 + 12345;
      m[(seed >> 8) % m.size()] = static_cast<char>(seed >> 16);
    }
    (void)decode_span_batch(m);  // must not crash, hang or over-read (ASan run)
  }
}

}  // namespace
}  // namespace weft::store
