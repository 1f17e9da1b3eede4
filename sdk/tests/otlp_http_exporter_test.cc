// OTLP/HTTP exporter against an in-test HTTP server: request shape, gzip, the retry rules
// (503 + Retry-After, 429, transport failures, final 4xx), partial success and shutdown.
#include <gtest/gtest.h>
#include <zlib.h>

#include <atomic>
#include <future>

#include "exporter_test_util.h"
#include "fake_clock.h"
#include "otlp/encode.h"
#include "test_http_server.h"
#include "weft/detail/proto.h"

namespace weft {
namespace {

using namespace std::chrono_literals;
using testing::FakeSteadyClock;
using testing::HttpResponse;
using testing::TestHttpServer;
using testing::TestRequest;
using testing::TestResponse;

std::shared_ptr<testing::RecordCapture> ThreeSpans() {
  return testing::Capture([](Sdk& sdk) {
    Tracer t = sdk.tracer("http-test");
    Span root = t.StartSpan("root", SpanKind::kServer);
    root.SetAttribute("http.request.method", "GET");
    t.StartSpan("a", SpanKind::kClient).End();
    t.StartSpan("b").End();
  });
}

std::string Inflate(const std::string& in) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out(in.size() * 20 + 1024, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

OtlpHttpExporterOptions Fast(const TestHttpServer& server) {
  OtlpHttpExporterOptions o;
  o.endpoint = server.url() + "/v1/traces";
  o.timeout = 2s;
  o.initial_backoff = 1ms;
  o.max_backoff = 20ms;
  return o;
}

TEST(OtlpHttpExporter, PostsProtobufAndCountsExported) {
  auto cap = ThreeSpans();
  std::mutex mu;
  std::vector<TestRequest> seen;
  TestHttpServer server([&](const TestRequest& r) {
    std::lock_guard lock(mu);
    seen.push_back(r);
    return TestResponse{HttpResponse(200, "")};
  });
  auto o = Fast(server);
  o.headers = {{"X-Tenant", "t1"}};
  auto exporter = MakeOtlpHttpExporter(o);
  EXPECT_EQ(exporter->Export(cap->batch()), ExportResult::kSuccess);
  EXPECT_EQ(exporter->Export(cap->batch()), ExportResult::kSuccess);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/v1/traces");
  EXPECT_NE(seen[0].head.find("Content-Type: application/x-protobuf\r\n"), std::string::npos);
  EXPECT_NE(seen[0].head.find("X-Tenant: t1\r\n"), std::string::npos);
  EXPECT_EQ(seen[0].head.find("Content-Encoding"), std::string::npos);
  std::string expected;
  otlp::EncodeExportRequest(cap->batch(), &expected);
  EXPECT_EQ(seen[0].body, expected);
  EXPECT_EQ(seen[1].body, expected);
  EXPECT_EQ(server.connections(), 1);  // kept alive
  const ExporterStats s = exporter->stats();
  EXPECT_EQ(s.exported_spans, 6u);
  EXPECT_EQ(s.failed_spans, 0u);
  EXPECT_EQ(s.retries, 0u);
}

TEST(OtlpHttpExporter, GzipBodyInflatesToTheRequest) {
  auto cap = ThreeSpans();
  TestRequest got;
  TestHttpServer server([&](const TestRequest& r) {
    got = r;
    return TestResponse{HttpResponse(200, "")};
  });
  auto o = Fast(server);
  o.gzip = true;
  auto exporter = MakeOtlpHttpExporter(o);
  for (int i = 0; i < 2; ++i) {  // twice: the deflate stream is reset and reused
    ASSERT_EQ(exporter->Export(cap->batch()), ExportResult::kSuccess);
    EXPECT_NE(got.head.find("Content-Encoding: gzip\r\n"), std::string::npos);
    std::string expected;
    otlp::EncodeExportRequest(cap->batch(), &expected);
    EXPECT_EQ(Inflate(got.body), expected);
  }
}

TEST(OtlpHttpExporter, Retries503HonouringRetryAfterUpToMaxBackoff) {
  auto cap = ThreeSpans();
  std::atomic<int> n{0};
  TestHttpServer server([&](const TestRequest&) {
    // Retry-After: 1 s, capped by max_backoff (60 ms): two waits of 60 ms, not ~1 ms.
    if (n.fetch_add(1) < 2) return TestResponse{HttpResponse(503, "", "Retry-After: 1\r\n")};
    return TestResponse{HttpResponse(200, "")};
  });
  auto o = Fast(server);
  o.max_backoff = 60ms;
  // Backoffs are simulated: each moves the clock to its end at once.
  auto clock = std::make_shared<FakeSteadyClock>(FakeSteadyClock::kJumpOnWait);
  o.clock = clock;
  auto exporter = MakeOtlpHttpExporter(o);
  EXPECT_EQ(exporter->Export(cap->batch()), ExportResult::kSuccess);
  EXPECT_EQ(clock->Elapsed(), 120ms);  // two backoffs of exactly max_backoff, no jitter
  EXPECT_EQ(clock->waits(), 2u);
  EXPECT_EQ(server.requests(), 3);
  const ExporterStats s = exporter->stats();
  EXPECT_EQ(s.retries, 2u);
  EXPECT_EQ(s.exported_spans, 3u);
  EXPECT_EQ(s.failed_spans, 0u);
}

TEST(OtlpHttpExporter, Retries429And502ThenGivesUpAfterMaxAttempts) {
  auto cap = ThreeSpans();
  std::atomic<int> n{0};
  TestHttpServer server([&](const TestRequest&) {
    return TestResponse{HttpResponse(n.fetch_add(1) % 2 ? 502 : 429, "")};
  });
  auto o = Fast(server);
  o.max_attempts = 4;
  auto exporter = MakeOtlpHttpExporter(o);
  EXPECT_EQ(exporter->Export(cap->batch()), ExportResult::kFailure);
  EXPECT_EQ(server.requests(), 4);
  const ExporterStats s = exporter->stats();
  EXPECT_EQ(s.retries, 3u);
  EXPECT_EQ(s.failed_spans, 3u);
  EXPECT_EQ(s.exported_spans, 0u);
}

TEST(OtlpHttpExporter, Final4xxIsNotRetried) {
  auto cap = ThreeSpans();
  TestHttpServer server([&](const TestRequest&) { return TestResponse{HttpResponse(400, "bad")}; });
  auto exporter = MakeOtlpHttpExporter(Fast(server));
  EXPECT_EQ(exporter->Export(cap->batch()), ExportResult::kFailure);
  EXPECT_EQ(server.requests(), 1);
  EXPECT_EQ(exporter->stats().retries, 0u);
  EXPECT_EQ(exporter->stats().failed_spans, 3u);
}

TEST(OtlpHttpExporter, ClosedConnectionIsRetriedThenSucceeds) {
  auto cap = ThreeSpans();
  std::atomic<int> n{0};
  TestHttpServer server([&](const TestRequest&) {
    if (n.fetch_add(1) < 2) return TestResponse{"", /*close_after=*/true};
    return TestResponse{HttpResponse(200, "")};
  });
  auto exporter = MakeOtlpHttpExporter(Fast(server));
  EXPECT_EQ(exporter->Export(cap->batch()), ExportResult::kSuccess);
  EXPECT_EQ(server.requests(), 3);
  EXPECT_EQ(exporter->stats().retries, 2u);
  EXPECT_EQ(exporter->stats().exported_spans, 3u);
}

TEST(OtlpHttpExporter, UnreachableCollectorFailsWithinBound) {
  auto cap = ThreeSpans();
  uint16_t port;
  {
    TestHttpServer gone([](const TestRequest&) { return TestResponse{}; });
    port = gone.port();
  }  // closed: connections are refused
  OtlpHttpExporterOptions o;
  o.endpoint = "http://127.0.0.1:" + std::to_string(port) + "/v1/traces";
  o.timeout = 200ms;
  o.max_attempts = 3;
  o.initial_backoff = 1ms;
  o.max_backoff = 5ms;
  auto exporter = MakeOtlpHttpExporter(o);
  EXPECT_EQ(exporter->Export(cap->batch()), ExportResult::kFailure);
  EXPECT_EQ(exporter->stats().retries, 2u);
  EXPECT_EQ(exporter->stats().failed_spans, 3u);
}

TEST(OtlpHttpExporter, PartialSuccessCountsRejectedAsFailed) {
  auto cap = ThreeSpans();
  uint8_t inner[8], outer[16];
  uint8_t* p = detail::PutVarint(detail::PutTag(inner, 1, detail::kVarint), 2);
  uint8_t* q = detail::PutBytes(outer, 1, inner, static_cast<uint32_t>(p - inner));
  const std::string body(reinterpret_cast<char*>(outer), q - outer);
  TestHttpServer server([&](const TestRequest&) { return TestResponse{HttpResponse(200, body)}; });
  auto exporter = MakeOtlpHttpExporter(Fast(server));
  EXPECT_EQ(exporter->Export(cap->batch()), ExportResult::kSuccess);
  EXPECT_EQ(exporter->stats().exported_spans, 1u);
  EXPECT_EQ(exporter->stats().failed_spans, 2u);
}

TEST(OtlpHttpExporter, ShutdownEndsBackoffPromptly) {
  auto cap = ThreeSpans();
  std::promise<void> first;
  std::atomic<bool> signalled{false};
  TestHttpServer server([&](const TestRequest&) {
    if (!signalled.exchange(true)) first.set_value();
    return TestResponse{HttpResponse(503, "", "Retry-After: 30\r\n")};
  });
  auto o = Fast(server);
  o.timeout = 5s;  // budget 25 s: the 10 s backoff is started, not skipped
  o.initial_backoff = 10s;
  o.max_backoff = 10s;
  // The clock does not move: only Shutdown can end the backoff.
  auto clock = std::make_shared<FakeSteadyClock>();
  o.clock = clock;
  auto exporter = MakeOtlpHttpExporter(o);
  auto result = std::async(std::launch::async, [&] { return exporter->Export(cap->batch()); });
  first.get_future().wait();
  ASSERT_TRUE(testing::Eventually([&] { return clock->waits() > 0; }));  // in the backoff
  exporter->Shutdown();
  if (result.wait_for(60s) != std::future_status::ready) {
    ADD_FAILURE() << "Shutdown did not end the backoff";
    clock->Advance(1h);
  }
  EXPECT_EQ(clock->Elapsed(), 0ns);
  EXPECT_EQ(result.get(), ExportResult::kFailure);
  EXPECT_EQ(exporter->stats().failed_spans, 3u);
  EXPECT_EQ(server.requests(), 1);
}

TEST(OtlpHttpExporter, BadEndpointThrows) {
  OtlpHttpExporterOptions o;
  o.endpoint = "https://example.com/v1/traces";
  EXPECT_THROW(MakeOtlpHttpExporter(o), std::invalid_argument);
  o.endpoint = "not a url";
  EXPECT_THROW(MakeOtlpHttpExporter(o), std::invalid_argument);
}

}  // namespace
}  // namespace weft
