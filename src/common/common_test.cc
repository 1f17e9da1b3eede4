#include <gtest/gtest.h>

#include "common/coding.h"
#include "common/crc32c.h"
#include "common/http_message.h"
#include "common/ids.h"
#include "common/metrics.h"
#include "common/status.h"

namespace weft {

using namespace weft::model;
namespace {

TEST(Crc32c, KnownVectors) {
  // RFC 3720 B.4 test vectors.
  std::string zeros(32, '\0');
  EXPECT_EQ(crc32c::value(zeros), 0x8a9136aau);
  std::string ff(32, '\xff');
  EXPECT_EQ(crc32c::value(ff), 0x62a8ab43u);
  EXPECT_EQ(crc32c::value("123456789"), 0xe3069283u);
  EXPECT_EQ(crc32c::unmask(crc32c::mask(0x12345678u)), 0x12345678u);
}

TEST(Ids, HexRoundTrip) {
  auto id = TraceId::from_hex("0102030405060708090a0b0c0d0e0f10");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->to_hex(), "0102030405060708090a0b0c0d0e0f10");
  EXPECT_EQ(id->high64(), 0x0102030405060708ULL);
  EXPECT_EQ(id->low64(), 0x090a0b0c0d0e0f10ULL);
  EXPECT_FALSE(TraceId::from_hex("0102"));
  EXPECT_FALSE(TraceId::from_hex("zz02030405060708090a0b0c0d0e0f10"));
  auto padded = TraceId::from_hex_padded("abc");
  ASSERT_TRUE(padded);
  EXPECT_EQ(padded->to_hex(), "00000000000000000000000000000abc");
  EXPECT_TRUE(SpanId().is_zero());
}

TEST(Coding, VarintAndFixed) {
  std::string buf;
  coding::put_varint64(buf, 300);
  coding::put_fixed32(buf, 0xdeadbeef);
  coding::put_fixed64(buf, 42);
  std::string_view in = buf;
  uint64_t v;
  uint32_t f32;
  uint64_t f64;
  ASSERT_TRUE(coding::get_varint64(in, &v));
  EXPECT_EQ(v, 300u);
  ASSERT_TRUE(coding::get_fixed32(in, &f32));
  EXPECT_EQ(f32, 0xdeadbeefu);
  ASSERT_TRUE(coding::get_fixed64(in, &f64));
  EXPECT_EQ(f64, 42u);
  EXPECT_TRUE(in.empty());
  std::string_view truncated("\x80\x80", 2);
  EXPECT_FALSE(coding::get_varint64(truncated, &v));
}

TEST(Status, OkAndErrors) {
  Status ok;
  EXPECT_TRUE(ok.is_ok());
  Status bad = invalid_argument("span 3: trace_id must be 16 bytes");
  EXPECT_EQ(bad.code(), ResultCode::kInvalidArgument);
  EXPECT_EQ(bad.with_prefix("request").message(), "request: span 3: trace_id must be 16 bytes");
  Result<int> r = 5;
  EXPECT_EQ(*r, 5);
  Result<int> e = not_found("x");
  EXPECT_FALSE(e.is_ok());
}

TEST(Http, ParseQuery) {
  auto q = http::parse_query("service=a%20b&tags=%7B%22x%22%3A1%7D&tags=y&flag");
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q[0].second, "a b");
  EXPECT_EQ(q[1].second, "{\"x\":1}");
  EXPECT_EQ(q[3].first, "flag");
}

TEST(Metrics, RenderPrometheus) {
  MetricsRegistry reg;
  reg.counter("weft_test_total", "help", {"protocol"}).with({"otlp"}).inc(3);
  reg.histogram("weft_test_seconds", "latency").get().observe(0.002);
  std::string text = reg.render();
  EXPECT_NE(text.find("weft_test_total{protocol=\"otlp\"} 3"), std::string::npos);
  EXPECT_NE(text.find("weft_test_seconds_count 1"), std::string::npos);
  EXPECT_NE(text.find("le=\"+Inf\""), std::string::npos);
}

}  // namespace
}  // namespace weft
