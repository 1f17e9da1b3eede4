// The shared receive path against the real embedded store and the real decoders.
#include <gtest/gtest.h>

#include <future>

#include "ingest/ingestor.h"
#include "ingest/otlp_http_handler.h"
#include "store/embedded_store.h"
#include "store/testing/span_builder.h"
#include "store/testing/temp_dir.h"
#include "wire/otlp_json.h"
#include "wire/otlp_proto.h"

namespace weft::ingest {

using namespace weft::model;

namespace {

using store::testing::make_span;
using store::testing::TempDir;

class IngestorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EmbeddedStoreOptions o;
    o.data_dir = dir_.path();
    o.fsync = EmbeddedStoreOptions::Fsync::kNever;
    auto s = open_embedded_store(o);
    ASSERT_TRUE(s.is_ok()) << s.status().to_string();
    store_ = std::move(s).value();
    limits_.max_spans_per_request = 10;
    limits_.max_string_bytes = 100;
    ingestor_ = std::make_unique<Ingestor>(*store_, limits_);
  }

  IngestOutcome ingest(Encoding enc, const std::string& body) {
    std::promise<IngestOutcome> p;
    ingestor_->ingest(Protocol::kOtlpHttp, enc, body, [&p](IngestOutcome o) { p.set_value(o); });
    return p.get_future().get();
  }

  http::Response post(const std::string& content_type, const std::string& body) {
    auto handler = make_otlp_http_handler(*ingestor_);
    http::Request req;
    req.method = "POST";
    req.path = "/v1/traces";
    req.headers["content-type"] = content_type;
    req.body = body;
    std::promise<http::Response> p;
    handler(std::move(req), [&p](http::Response r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  Limits limits_;
  std::unique_ptr<Ingestor> ingestor_;
};

TEST_F(IngestorTest, StoresValidSpansAndRejectsInvalidOnesAlone) {
  Span good = make_span(1, 1, 0, "svc", "root", 1, 2);
  Span backwards = make_span(1, 2, 1, "svc", "child", 5, 1);
  backwards.end_time_unix_nano = backwards.start_time_unix_nano - 1;
  Span long_name = make_span(1, 3, 1, "svc", std::string(200, 'x'), 1, 1);
  IngestOutcome o =
      ingest(Encoding::kOtlpProto, wire::encode_otlp_proto({good, backwards, long_name}));
  ASSERT_TRUE(o.status.is_ok()) << o.status.to_string();
  EXPECT_EQ(o.accepted_spans, 1u);
  EXPECT_EQ(o.rejected_spans, 2u);
  EXPECT_NE(o.rejection_message.find("end_time_unix_nano is before start_time_unix_nano"),
            std::string::npos)
      << o.rejection_message;
  EXPECT_NE(o.rejection_message.find("more than the limit of 100"), std::string::npos);
  auto t = store_->get_trace(good.trace_id);
  ASSERT_TRUE(t.is_ok());
  ASSERT_TRUE(t->has_value());
  ASSERT_EQ((*t)->spans.size(), 1u);
  EXPECT_TRUE(same_span((*t)->spans[0], good));
}

TEST_F(IngestorTest, MalformedRequestStoresNothing) {
  IngestOutcome o = ingest(Encoding::kOtlpProto, std::string("\x0a\xff\xff", 3));
  EXPECT_EQ(o.status.code(), ResultCode::kInvalidArgument);
  EXPECT_EQ(store_->stats().spans, 0u);
}

TEST_F(IngestorTest, TooManySpansIsTooLarge) {
  std::vector<Span> spans;
  for (int i = 1; i <= 11; ++i) spans.push_back(make_span(2, i, 0, "svc", "s", 1, 2));
  IngestOutcome o = ingest(Encoding::kOtlpProto, wire::encode_otlp_proto(spans));
  EXPECT_EQ(o.status.code(), ResultCode::kResourceExhausted);
  EXPECT_TRUE(o.request_too_large);
  EXPECT_EQ(store_->stats().spans, 0u);
}

TEST_F(IngestorTest, OtlpHttpAnswersInTheRequestEncoding) {
  Span good = make_span(3, 1, 0, "svc", "root", 1, 2);
  Span bad = make_span(3, 2, 1, "svc", "child", 5, 1);
  bad.end_time_unix_nano = bad.start_time_unix_nano - 1;
  http::Response r = post("application/json", wire::encode_otlp_json({good, bad}));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_NE(r.body.find("\"rejectedSpans\":\"1\""), std::string::npos) << r.body;

  http::Response p = post("application/x-protobuf", "\x0a\x05zz");
  EXPECT_EQ(p.status, 400);
  EXPECT_EQ(p.content_type, "application/x-protobuf");

  http::Response j = post("application/json; charset=utf-8", "{not json");
  EXPECT_EQ(j.status, 400);
  EXPECT_NE(j.body.find("\"code\":3"), std::string::npos) << j.body;

  EXPECT_EQ(post("text/plain", "x").status, 415);
}

TEST_F(IngestorTest, ClosedStoreAnswersUnavailableWithRetryAfter) {
  ASSERT_TRUE(store_->close().is_ok());
  http::Response r =
      post("application/x-protobuf", wire::encode_otlp_proto({make_span(4, 1, 0, "s", "n", 1, 2)}));
  EXPECT_EQ(r.status, 503);
  bool retry_after = false;
  for (auto& [k, v] : r.headers) retry_after |= (k == "Retry-After");
  EXPECT_TRUE(retry_after);
}

}  // namespace
}  // namespace weft::ingest
