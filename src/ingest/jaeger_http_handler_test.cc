// POST /api/traces (Jaeger Thrift over HTTP) and the Jaeger encodings of the Ingestor, with
// a sink that stores in memory or refuses as an overloaded / full store would.
#include <gtest/gtest.h>

#include <future>

#include "ingest/ingestor.h"
#include "ingest/jaeger_http_handler.h"
#include "wire/jaeger_thrift_test_encoder.h"

namespace weft::ingest {

using namespace weft::model;

namespace {

using namespace wire::jaeger_testing;  // NOLINT(google-build-using-namespace)

class FakeSink : public SpanSink {
 public:
  void write(SpanBatch batch, std::function<void(Status)> done) override {
    if (!refuse.is_ok()) {
      done(refuse);
      return;
    }
    for (Span& s : batch.spans) spans.push_back(std::move(s));
    done(Status::ok());
  }
  Status refuse = Status::ok();
  std::vector<Span> spans;
};

JSpan jspan(int64_t id) {
  JSpan s;
  s.trace_id_low = 0xabc;
  s.span_id = id;
  s.operation_name = "op" + std::to_string(id);
  s.start_time = 1'700'000'000'000'000;
  s.duration = 10;
  s.tags = std::vector<JTag>{str_tag("span.kind", "server")};
  return s;
}

JBatch batch(std::vector<JSpan> spans) {
  JBatch b;
  b.process.service_name = "checkout";
  b.spans = std::move(spans);
  return b;
}

class JaegerHttpHandlerTest : public ::testing::Test {
 protected:
  JaegerHttpHandlerTest() {
    limits_.max_spans_per_request = 3;
    ingestor_ = std::make_unique<Ingestor>(sink_, limits_);
  }

  http::Response request(const std::string& method, const std::string& path,
                         const std::string& content_type, const std::string& body) {
    auto handler = make_jaeger_http_handler(*ingestor_);
    http::Request req;
    req.method = method;
    req.path = path;
    if (!content_type.empty()) req.headers["content-type"] = content_type;
    req.body = body;
    std::promise<http::Response> p;
    handler(std::move(req), [&p](http::Response r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }
  http::Response post(const std::string& body,
                      const std::string& content_type = "application/x-thrift") {
    return request("POST", "/api/traces", content_type, body);
  }
  static std::string header(const http::Response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return {};
  }

  FakeSink sink_;
  Limits limits_;
  std::unique_ptr<Ingestor> ingestor_;
};

TEST_F(JaegerHttpHandlerTest, AcceptsABatchWith202) {
  http::Response r = post(binary_batch(batch({jspan(1), jspan(2)})));
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.body, "");
  ASSERT_EQ(sink_.spans.size(), 2u);
  EXPECT_EQ(sink_.spans[0].service_name(), "checkout");
  EXPECT_EQ(sink_.spans[0].kind, SpanKind::kServer);
  EXPECT_EQ(sink_.spans[1].name, "op2");

  r = post(binary_batch(batch({jspan(3)})), "Application/vnd.apache.thrift.binary; charset=x");
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(sink_.spans.size(), 3u);
}

TEST_F(JaegerHttpHandlerTest, RefusesWhatItDoesNotServe) {
  std::string body = binary_batch(batch({jspan(1)}));
  http::Response r = post(body, "application/json");
  EXPECT_EQ(r.status, 415);
  EXPECT_NE(r.body.find("application/x-thrift"), std::string::npos) << r.body;
  EXPECT_EQ(post(body, "").status, 415);
  r = request("GET", "/api/traces", "", "");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(header(r, "Allow"), "POST");
  r = request("POST", "/api/v2/spans", "application/x-thrift", body);
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("POST /api/traces"), std::string::npos) << r.body;
  EXPECT_TRUE(sink_.spans.empty());
}

TEST_F(JaegerHttpHandlerTest, MalformedAndInvalid) {
  http::Response r = post(std::string("\x0c\x00\x01garbage", 10));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.rfind("cannot read the Jaeger Thrift batch: Batch", 0), 0u) << r.body;

  JSpan bad = jspan(0);  // span id 0
  r = post(binary_batch(batch({jspan(1), bad})));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("span 1: spanId must not be zero"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("the other 1 spans were stored"), std::string::npos) << r.body;
  EXPECT_EQ(sink_.spans.size(), 1u);

  r = post(binary_batch(batch({jspan(1), jspan(2), jspan(3), jspan(4)})));
  EXPECT_EQ(r.status, 413) << r.body;
}

TEST_F(JaegerHttpHandlerTest, BackpressureAsksToRetry) {
  sink_.refuse = resource_exhausted("too many bytes waiting");
  http::Response r = post(binary_batch(batch({jspan(1)})));
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(header(r, "Retry-After"), "1");
  sink_.refuse = unavailable("out of disk");
  r = post(binary_batch(batch({jspan(1)})));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(header(r, "Retry-After"), "1");
  EXPECT_NE(r.body.find("out of disk"), std::string::npos);
}

TEST_F(JaegerHttpHandlerTest, UdpEncodingsGoThroughTheIngestor) {
  auto ingest = [&](Encoding e, const std::string& body) {
    std::promise<IngestOutcome> p;
    ingestor_->ingest(Protocol::kJaeger, e, body, [&p](IngestOutcome o) { p.set_value(o); });
    return p.get_future().get();
  };
  IngestOutcome o =
      ingest(Encoding::kJaegerThriftCompactMessage, compact_emit_batch(batch({jspan(1)})));
  EXPECT_TRUE(o.status.is_ok()) << o.status.message();
  EXPECT_EQ(o.accepted_spans, 1u);
  o = ingest(Encoding::kJaegerThriftBinaryMessage, binary_emit_batch(batch({jspan(2)}), false));
  EXPECT_TRUE(o.status.is_ok()) << o.status.message();
  o = ingest(Encoding::kJaegerThriftBinaryMessage, compact_emit_batch(batch({jspan(3)})));
  EXPECT_EQ(o.status.code(), ResultCode::kInvalidArgument);
  EXPECT_EQ(sink_.spans.size(), 2u);
  EXPECT_STREQ(protocol_label(Protocol::kJaeger), "jaeger");
}

}  // namespace
}  // namespace weft::ingest
