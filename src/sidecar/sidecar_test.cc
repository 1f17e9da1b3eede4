// End-to-end tests of the sidecar against a real upstream (Beast, port 0) with spans recorded
// in memory.
#include "sidecar/sidecar.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "sidecar/sidecar_test_util.h"

namespace weft::sidecar {
namespace {

using namespace testing;  // NOLINT
using std::chrono::milliseconds;

std::string Hex(const TraceId& id) { return id.hex(); }
std::string Hex(const SpanId& id) { return id.hex(); }

class SidecarTest : public ::testing::Test {
 protected:
  void StartSidecar(const std::function<void(SidecarOptions&)>& tweak = {}) {
    spans_ = std::make_shared<InMemoryExporter>();
    SidecarOptions o;
    o.listen = "127.0.0.1:0";
    o.upstream = upstream_.address();
    o.service = "orders";
    o.admin_addr = "127.0.0.1:0";
    o.threads = 2;
    o.exporter = std::make_unique<RecordingExporter>(spans_);
    if (tweak) tweak(o);
    sidecar_ = std::make_unique<Sidecar>(std::move(o));
    const StartResult r = sidecar_->Start();
    ASSERT_TRUE(r.ok) << r.message;
  }

  // Flushes until at least `want` spans arrived (spans end just after the response is sent).
  std::vector<SpanData> Spans(size_t want) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      sidecar_->FlushSpans(milliseconds(2000));
      if (spans_->size() >= want) break;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return spans_->spans();
  }

  tcp::socket Client() { return Dial(io_, sidecar_->listen_address()); }

  net::io_context io_;
  TestUpstream upstream_;
  std::unique_ptr<Sidecar> sidecar_;
  std::shared_ptr<InMemoryExporter> spans_;
};

TEST_F(SidecarTest, ServerSpanPerRequestWithAttributes) {
  StartSidecar();
  tcp::socket s = Client();
  auto req = Get("/items/42?color=red", "shop.example:8080");
  req.set(http::field::user_agent, "curl/8.0");
  req.set("X-Forwarded-For", "203.0.113.7, 10.0.0.1");
  auto res = Send(s, req);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "ok GET /items/42 0");

  auto spans = Spans(1);
  ASSERT_EQ(spans.size(), 1u);
  const SpanData& sp = spans[0];
  EXPECT_EQ(sp.name, "GET /items/42");
  EXPECT_EQ(sp.kind, SpanKind::kServer);
  EXPECT_FALSE(sp.parent_span_id.valid());
  EXPECT_EQ(Attr(sp, "http.request.method"), "GET");
  EXPECT_EQ(Attr(sp, "url.path"), "/items/42");
  EXPECT_EQ(Attr(sp, "url.query"), "color=red");
  EXPECT_EQ(Attr(sp, "server.address"), "shop.example");
  EXPECT_EQ(Attr(sp, "server.port"), "8080");
  EXPECT_EQ(Attr(sp, "network.peer.address"), "127.0.0.1");
  EXPECT_EQ(Attr(sp, "network.peer.port"), std::to_string(s.local_endpoint().port()));
  EXPECT_EQ(Attr(sp, "client.address"), "203.0.113.7");
  EXPECT_EQ(Attr(sp, "user_agent.original"), "curl/8.0");
  EXPECT_EQ(Attr(sp, "http.response.status_code"), "200");
  EXPECT_EQ(Attr(sp, "http.request.body.size"), "0");
  EXPECT_EQ(Attr(sp, "http.response.body.size"), std::to_string(res.body().size()));
  EXPECT_EQ(sp.status, StatusCode::kUnset);
  EXPECT_EQ(spans_->resource().service_name(), "orders");

  // The upstream got the SERVER span's context.
  SeenRequest seen = upstream_.last();
  const std::string tp = seen.headers["traceparent"];
  EXPECT_EQ(tp, "00-" + Hex(sp.trace_id) + "-" + Hex(sp.span_id) + "-01");
  EXPECT_EQ(seen.headers["host"], "shop.example:8080");
  EXPECT_EQ(seen.headers["user-agent"], "curl/8.0");
}

TEST_F(SidecarTest, ContinuesIncomingTraceparent) {
  StartSidecar();
  tcp::socket s = Client();
  auto req = Get("/pay");
  req.set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  req.set("tracestate", "vendor=abc");
  req.set("baggage", "user=alice");
  auto res = Send(s, req);
  EXPECT_EQ(res.result_int(), 200);
  auto spans = Spans(1);
  ASSERT_EQ(spans.size(), 1u);
  const SpanData& sp = spans[0];
  EXPECT_EQ(Hex(sp.trace_id), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(Hex(sp.parent_span_id), "b7ad6b7169203331");
  EXPECT_TRUE(sp.parent_remote);
  EXPECT_EQ(sp.trace_state, "vendor=abc");
  SeenRequest seen = upstream_.last();
  EXPECT_EQ(seen.headers["traceparent"],
            "00-0af7651916cd43dd8448eb211c80319c-" + Hex(sp.span_id) + "-01");
  EXPECT_EQ(seen.headers["tracestate"], "vendor=abc");
  EXPECT_EQ(seen.headers["baggage"], "user=alice");
  EXPECT_EQ(sidecar_->Stats().malformed_total(), 0u);
}

TEST_F(SidecarTest, UnsampledParentIsFollowedAndPropagated) {
  StartSidecar();
  tcp::socket s = Client();
  auto req = Get("/x");
  req.set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
  EXPECT_EQ(Send(s, req).result_int(), 200);
  EXPECT_EQ(upstream_.last().headers["traceparent"],
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
  sidecar_->FlushSpans();
  EXPECT_EQ(spans_->size(), 0u);
  EXPECT_EQ(sidecar_->Stats().spans_unsampled, 1u);
}

TEST_F(SidecarTest, MalformedTraceparentStartsNewTraceAndIsCounted) {
  StartSidecar();
  tcp::socket s = Client();
  auto req = Get("/x");
  req.set("traceparent", "00-not-a-trace-01");
  auto res = Send(s, req);
  EXPECT_EQ(res.result_int(), 200);
  auto spans = Spans(1);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_FALSE(spans[0].parent_span_id.valid());
  EXPECT_TRUE(spans[0].trace_id.valid());
  const std::string tp = upstream_.last().headers["traceparent"];
  EXPECT_EQ(tp, "00-" + Hex(spans[0].trace_id) + "-" + Hex(spans[0].span_id) + "-01");
  const StatsSnapshot st = sidecar_->Stats();
  EXPECT_EQ(st.malformed[static_cast<size_t>(TraceFormat::kTraceContext)], 1u);
  EXPECT_NE(sidecar_->MetricsText().find(
                "weft_sidecar_malformed_trace_headers_total{format=\"tracecontext\"} 1"),
            std::string::npos);
}

TEST_F(SidecarTest, B3AndJaegerInAreContinuedAndInjectedInKind) {
  StartSidecar();
  tcp::socket s = Client();
  auto req = Get("/b3");
  req.set("b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1");
  EXPECT_EQ(Send(s, req).result_int(), 200);
  auto spans = Spans(1);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(Hex(spans[0].trace_id), "80f198ee56343ba864fe8b2a57d3eff7");
  EXPECT_EQ(Hex(spans[0].parent_span_id), "e457b5a2e4d86bd1");
  SeenRequest seen = upstream_.last();
  EXPECT_EQ(seen.headers["b3"], Hex(spans[0].trace_id) + "-" + Hex(spans[0].span_id) + "-1");
  EXPECT_EQ(seen.headers["traceparent"],
            "00-" + Hex(spans[0].trace_id) + "-" + Hex(spans[0].span_id) + "-01");

  auto req2 = Get("/jaeger");
  req2.set("uber-trace-id", "5b8aa5a2d2c872e8321cf37308d69df2:051581bf3cb55c13:0:1");
  EXPECT_EQ(Send(s, req2).result_int(), 200);
  spans = Spans(2);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(Hex(spans[1].trace_id), "5b8aa5a2d2c872e8321cf37308d69df2");
  EXPECT_EQ(Hex(spans[1].parent_span_id), "051581bf3cb55c13");
  seen = upstream_.last();
  EXPECT_EQ(seen.headers["uber-trace-id"],
            Hex(spans[1].trace_id) + ":" + Hex(spans[1].span_id) + ":0:1");
}

TEST_F(SidecarTest, ChunkedRequestAndResponse) {
  StartSidecar();
  tcp::socket s = Client();
  const std::string raw =
      "POST /upload HTTP/1.1\r\nHost: svc\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  net::write(s, net::buffer(raw));
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(s, buf, res);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "ok POST /upload 11");
  EXPECT_EQ(upstream_.last().body, "hello world");

  auto res2 = Send(s, Get("/chunked?n=3"), &buf);
  EXPECT_EQ(res2.result_int(), 200);
  EXPECT_TRUE(res2.chunked());
  EXPECT_EQ(res2.body(), "chunk-0;chunk-1;chunk-2;");
  auto spans = Spans(2);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(Attr(spans[0], "http.request.body.size"), "11");
  EXPECT_EQ(Attr(spans[1], "http.response.body.size"), "24");
}

TEST_F(SidecarTest, KeepAliveReusesOneUpstreamConnection) {
  StartSidecar([](SidecarOptions& o) { o.threads = 1; });
  tcp::socket s = Client();
  beast::flat_buffer buf;
  for (int i = 0; i < 20; ++i) EXPECT_EQ(Send(s, Get("/k" + std::to_string(i)), &buf).result_int(), 200);
  EXPECT_EQ(upstream_.connections(), 1);
  // A second client connection also reuses the pooled upstream connection.
  tcp::socket s2 = Client();
  EXPECT_EQ(Send(s2, Get("/again")).result_int(), 200);
  EXPECT_EQ(upstream_.connections(), 1);
  const StatsSnapshot st = sidecar_->Stats();
  EXPECT_EQ(st[Direction::kIngress].upstream_new, 1u);
  EXPECT_EQ(st[Direction::kIngress].upstream_reused, 20u);
  EXPECT_EQ(st[Direction::kIngress].requests, 21u);
  EXPECT_EQ(st[Direction::kIngress].connections_accepted, 2u);
}

TEST_F(SidecarTest, UpstreamConnectionClosedByUpstreamIsNotReused) {
  StartSidecar([](SidecarOptions& o) { o.threads = 1; });
  tcp::socket s = Client();
  beast::flat_buffer buf;
  auto r1 = Send(s, Get("/close"), &buf);
  EXPECT_EQ(r1.result_int(), 200);
  EXPECT_TRUE(r1.keep_alive());  // the client's connection stays open
  EXPECT_EQ(Send(s, Get("/after"), &buf).result_int(), 200);
  EXPECT_EQ(upstream_.connections(), 2);
}

TEST_F(SidecarTest, PooledConnectionClosedWhileIdleIsRetriedOrSkipped) {
  StartSidecar([](SidecarOptions& o) { o.threads = 1; });
  tcp::socket s = Client();
  beast::flat_buffer buf;
  EXPECT_EQ(Send(s, Get("/then-close"), &buf).result_int(), 200);
  std::this_thread::sleep_for(milliseconds(150));
  // Body-less: sent on the pooled (dead) connection, retried on a fresh one.
  EXPECT_EQ(Send(s, Get("/then-close"), &buf).result_int(), 200);
  std::this_thread::sleep_for(milliseconds(150));
  // With a body (not retryable): the pooled connection is checked first and skipped.
  auto post = Get("/post");
  post.method(http::verb::post);
  post.body() = "payload";
  auto res = Send(s, post, &buf);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "ok POST /post 7");
  EXPECT_EQ(upstream_.connections(), 3);
  EXPECT_EQ(sidecar_->Stats()[Direction::kIngress].upstream_retries, 1u);
}

TEST_F(SidecarTest, LargeBodiesStreamWithoutBuffering) {
  StartSidecar([](SidecarOptions& o) { o.threads = 1; });
  constexpr uint64_t kBytes = 50ull << 20;
  ResetPeakRss();
  const long rss_before = PeakRssKb();
  // Upload: the upstream must see body bytes before the client has sent half of it.
  {
    tcp::socket s = Client();
    const std::string head =
        "POST /sink HTTP/1.1\r\nHost: svc\r\nContent-Length: " + std::to_string(kBytes) + "\r\n\r\n";
    net::write(s, net::buffer(head));
    std::string block(256 * 1024, 'x');
    uint64_t sent = 0;
    bool seen_early = false;
    while (sent < kBytes) {
      net::write(s, net::buffer(block));
      sent += block.size();
      if (sent == kBytes / 2) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (upstream_.body_bytes_in_progress() == 0 && std::chrono::steady_clock::now() < deadline)
          std::this_thread::sleep_for(milliseconds(5));
        seen_early = upstream_.body_bytes_in_progress() > 0;
      }
    }
    EXPECT_TRUE(seen_early);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(s, buf, res);
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_EQ(res.body(), "ok POST /sink " + std::to_string(kBytes));
  }
  // Download: the upstream stops after 1 MiB until the client has received half of that
  // through the proxy (a buffering proxy would never deliver it).
  {
    upstream_.UseGate();
    tcp::socket s = Client();
    http::write(s, Get("/big?bytes=" + std::to_string(kBytes)));
    beast::flat_buffer buf;
    http::response_parser<http::buffer_body> p;
    p.body_limit(std::numeric_limits<std::uint64_t>::max());
    http::read_header(s, buf, p);
    EXPECT_EQ(p.get().result_int(), 200);
    char chunk[64 * 1024];
    uint64_t got = 0;
    bool gate_opened = false;
    bool pattern_ok = true;
    while (!p.is_done()) {
      p.get().body().data = chunk;
      p.get().body().size = sizeof chunk;
      beast::error_code ec;
      http::read(s, buf, p, ec);
      if (ec == http::error::need_buffer) ec = {};
      ASSERT_FALSE(ec) << ec.message();
      const size_t n = sizeof chunk - p.get().body().size;
      for (size_t i = 0; i < n; ++i)
        pattern_ok = pattern_ok && chunk[i] == static_cast<char>('a' + ((got + i) % (64 * 1024)) % 26);
      got += n;
      // (Half of what the upstream sent before waiting: a reader blocks for the next chunk's
      // header once its buffer is exactly full.)
      if (!gate_opened && got >= (512u << 10)) {
        gate_opened = true;
        EXPECT_LT(upstream_.big_bytes_sent(), 2u << 20);  // the upstream was still waiting
        upstream_.OpenGate();
      }
    }
    EXPECT_EQ(got, kBytes);
    EXPECT_TRUE(pattern_ok);
  }
  const long growth_kb = PeakRssKb() - rss_before;
  EXPECT_LT(growth_kb, 24 * 1024) << "peak RSS grew by " << growth_kb << " kB for 2 x 50 MB";
  auto spans = Spans(2);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(Attr(spans[0], "http.request.body.size"), std::to_string(kBytes));
  EXPECT_EQ(Attr(spans[1], "http.response.body.size"), std::to_string(kBytes));
}

TEST_F(SidecarTest, WebSocketUpgradePassesBytesThrough) {
  StartSidecar();
  tcp::socket s = Client();
  websocket::stream<tcp::socket&> ws(s);
  ws.handshake("svc", "/ws");
  for (int i = 0; i < 5; ++i) {
    const std::string msg = "message " + std::to_string(i) + std::string(i * 10000, '!');
    ws.text(true);
    ws.write(net::buffer(msg));
    beast::flat_buffer b;
    ws.read(b);
    EXPECT_EQ(beast::buffers_to_string(b.data()), msg);
  }
  std::string bin(70000, '\0');
  for (size_t i = 0; i < bin.size(); ++i) bin[i] = static_cast<char>(i * 7);
  ws.binary(true);
  ws.write(net::buffer(bin));
  beast::flat_buffer b;
  ws.read(b);
  EXPECT_TRUE(ws.got_binary());
  EXPECT_EQ(beast::buffers_to_string(b.data()), bin);
  ws.close(websocket::close_code::normal);
  auto spans = Spans(1);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].name, "GET /ws");
  EXPECT_EQ(Attr(spans[0], "http.response.status_code"), "101");
  EXPECT_GT(std::stoll(Attr(spans[0], "network.bytes.sent")), 70000);
  EXPECT_GT(std::stoll(Attr(spans[0], "network.bytes.received")), 70000);
  EXPECT_EQ(sidecar_->Stats()[Direction::kIngress].tunnels, 1u);
  // The upstream saw the upgrade request with the trace context.
  EXPECT_EQ(upstream_.last().headers["upgrade"], "websocket");
  EXPECT_FALSE(upstream_.last().headers["traceparent"].empty());
}

TEST_F(SidecarTest, UpstreamDownIs502) {
  uint16_t dead_port;
  {
    net::io_context io;
    tcp::acceptor a(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    dead_port = a.local_endpoint().port();
  }
  StartSidecar([&](SidecarOptions& o) { o.upstream = "127.0.0.1:" + std::to_string(dead_port); });
  tcp::socket s = Client();
  beast::flat_buffer buf;
  auto res = Send(s, Get("/x"), &buf);
  EXPECT_EQ(res.result_int(), 502);
  // The connection stays usable after a 502 for a body-less request.
  EXPECT_EQ(Send(s, Get("/y"), &buf).result_int(), 502);
  auto spans = Spans(2);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].status, StatusCode::kError);
  EXPECT_EQ(Attr(spans[0], "error.type"), "upstream_connect");
  EXPECT_EQ(Attr(spans[0], "http.response.status_code"), "502");
  EXPECT_EQ(sidecar_->Stats()[Direction::kIngress].error(ErrorKind::kUpstreamConnect), 2u);
}

TEST_F(SidecarTest, UpstreamTimeoutIs504) {
  StartSidecar([](SidecarOptions& o) { o.upstream_timeout = Seconds(0.3); });
  tcp::socket s = Client();
  const auto t0 = std::chrono::steady_clock::now();
  auto res = Send(s, Get("/slow?ms=1500"));
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(res.result_int(), 504);
  EXPECT_LT(took, milliseconds(1200));
  EXPECT_GE(took, milliseconds(250));
  auto spans = Spans(1);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(Attr(spans[0], "error.type"), "upstream_timeout");
  EXPECT_EQ(spans[0].status, StatusCode::kError);
}

TEST_F(SidecarTest, Upstream5xxMarksTheSpanError) {
  StartSidecar();
  tcp::socket s = Client();
  beast::flat_buffer buf;
  EXPECT_EQ(Send(s, Get("/status?code=503"), &buf).result_int(), 503);
  EXPECT_EQ(Send(s, Get("/status?code=404"), &buf).result_int(), 404);
  auto spans = Spans(2);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].status, StatusCode::kError);
  EXPECT_EQ(Attr(spans[0], "error.type"), "503");
  EXPECT_EQ(spans[1].status, StatusCode::kUnset);  // 4xx is the client's error, not the server's
}

TEST_F(SidecarTest, HeaderTooLargeIs431) {
  StartSidecar([](SidecarOptions& o) { o.max_header_bytes = 1024; });
  tcp::socket s = Client();
  const std::string raw =
      "GET / HTTP/1.1\r\nHost: svc\r\nX-Big: " + std::string(4000, 'a') + "\r\n\r\n";
  net::write(s, net::buffer(raw));
  bool closed;
  const std::string got = ReadUntilClose(s, milliseconds(3000), &closed);
  EXPECT_EQ(got.substr(0, 12), "HTTP/1.1 431") << got;
  EXPECT_TRUE(closed);
  EXPECT_EQ(upstream_.requests().size(), 0u);
  EXPECT_EQ(sidecar_->Stats()[Direction::kIngress].error(ErrorKind::kHeaderTooLarge), 1u);
}

TEST_F(SidecarTest, MalformedRequestLineIs400) {
  StartSidecar();
  tcp::socket s = Client();
  net::write(s, net::buffer(std::string("THIS IS NOT HTTP\r\n\r\n")));
  const std::string got = ReadUntilClose(s, milliseconds(3000));
  EXPECT_EQ(got.substr(0, 12), "HTTP/1.1 400") << got;
  EXPECT_EQ(upstream_.requests().size(), 0u);
  EXPECT_EQ(sidecar_->Stats()[Direction::kIngress].error(ErrorKind::kBadRequest), 1u);
}

TEST_F(SidecarTest, BodyOverLimitIs413) {
  StartSidecar([](SidecarOptions& o) { o.max_body_bytes = 100; });
  tcp::socket s = Client();
  auto req = Get("/up");
  req.method(http::verb::post);
  req.body() = std::string(1000, 'z');
  req.prepare_payload();
  http::write(s, req);
  const std::string got = ReadUntilClose(s, milliseconds(3000));
  EXPECT_EQ(got.substr(0, 12), "HTTP/1.1 413") << got;
  // Chunked over the limit too.
  tcp::socket s2 = Client();
  const std::string raw = "POST /up HTTP/1.1\r\nHost: svc\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "c8\r\n" + std::string(200, 'y') + "\r\n0\r\n\r\n";
  net::write(s2, net::buffer(raw));
  const std::string got2 = ReadUntilClose(s2, milliseconds(3000));
  EXPECT_EQ(got2.substr(0, 12), "HTTP/1.1 413") << got2;
  EXPECT_EQ(sidecar_->Stats()[Direction::kIngress].error(ErrorKind::kBodyTooLarge), 2u);
}

TEST_F(SidecarTest, SlowlorisHeaderIsCutAtTheHeaderTimeout) {
  StartSidecar([](SidecarOptions& o) { o.header_timeout = Seconds(0.5); });
  tcp::socket s = Client();
  const auto t0 = std::chrono::steady_clock::now();
  net::write(s, net::buffer(std::string("GET / HTTP/1.1\r\nHost: svc\r\n")));
  // One header byte every 100 ms: never finishes on its own.
  std::atomic<bool> stop{false};
  std::thread dribble([&] {
    beast::error_code ec;
    for (int i = 0; i < 50 && !stop; ++i) {
      std::this_thread::sleep_for(milliseconds(100));
      net::write(s, net::buffer(std::string("X")), ec);
      if (ec) return;
    }
  });
  bool closed;
  const std::string got = ReadUntilClose(s, milliseconds(4000), &closed);
  const auto took = std::chrono::steady_clock::now() - t0;
  stop = true;
  dribble.join();
  EXPECT_EQ(got.substr(0, 12), "HTTP/1.1 408") << got;
  EXPECT_TRUE(closed);
  EXPECT_LT(took, milliseconds(2000));
  EXPECT_EQ(sidecar_->Stats()[Direction::kIngress].error(ErrorKind::kHeaderTimeout), 1u);
}

TEST_F(SidecarTest, IdleKeepAliveConnectionIsClosed) {
  StartSidecar([](SidecarOptions& o) { o.idle_timeout = Seconds(0.3); });
  tcp::socket s = Client();
  EXPECT_EQ(Send(s, Get("/")).result_int(), 200);
  bool closed;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(ReadUntilClose(s, milliseconds(3000), &closed), "");
  EXPECT_TRUE(closed);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, milliseconds(2000));
}

TEST_F(SidecarTest, Http10AndExpectContinue) {
  StartSidecar();
  {
    tcp::socket s = Client();
    net::write(s, net::buffer(std::string("GET /old HTTP/1.0\r\n\r\n")));
    const std::string got = ReadUntilClose(s, milliseconds(3000));
    EXPECT_NE(got.find(" 200 "), std::string::npos) << got;
    EXPECT_NE(got.find("ok GET /old"), std::string::npos) << got;
  }
  {
    tcp::socket s = Client();
    net::write(s, net::buffer(std::string(
                      "POST /e HTTP/1.1\r\nHost: svc\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")));
    char buf[64];
    const size_t n = s.read_some(net::buffer(buf));
    EXPECT_EQ(std::string(buf, n), "HTTP/1.1 100 Continue\r\n\r\n");
    net::write(s, net::buffer(std::string("body")));
    beast::flat_buffer fb;
    http::response<http::string_body> res;
    http::read(s, fb, res);
    EXPECT_EQ(res.body(), "ok POST /e 4");
    EXPECT_EQ(upstream_.last().headers.count("expect"), 0u);
  }
}

TEST_F(SidecarTest, PipelinedRequestsAreAnsweredInOrder) {
  StartSidecar();
  tcp::socket s = Client();
  net::write(s, net::buffer(std::string("GET /p1 HTTP/1.1\r\nHost: a\r\n\r\nGET /p2 HTTP/1.1\r\nHost: a\r\n\r\n")));
  beast::flat_buffer buf;
  http::response<http::string_body> r1, r2;
  http::read(s, buf, r1);
  http::read(s, buf, r2);
  EXPECT_EQ(r1.body(), "ok GET /p1 0");
  EXPECT_EQ(r2.body(), "ok GET /p2 0");
}

TEST_F(SidecarTest, EgressAbsoluteFormIsAClientSpanUnderTheServerSpan) {
  StartSidecar([](SidecarOptions& o) { o.egress = "127.0.0.1:0"; });
  // The inbound request: the service receives the SERVER span's traceparent...
  tcp::socket in = Client();
  EXPECT_EQ(Send(in, Get("/checkout")).result_int(), 200);
  const std::string given = upstream_.last().headers["traceparent"];
  ASSERT_FALSE(given.empty());
  // ...and copies it to its outgoing call through the egress proxy (HTTP_PROXY).
  tcp::socket out = Dial(io_, sidecar_->egress_address());
  http::request<http::string_body> call{http::verb::get,
                                        "http://" + upstream_.address() + "/inventory?sku=1", 11};
  call.set(http::field::host, upstream_.address());
  call.set("traceparent", given);
  call.set("Proxy-Connection", "keep-alive");
  auto res = Send(out, call);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "ok GET /inventory 0");
  auto spans = Spans(2);
  ASSERT_EQ(spans.size(), 2u);
  const SpanData& server = spans[0];
  const SpanData& client = spans[1];
  EXPECT_EQ(client.kind, SpanKind::kClient);
  EXPECT_EQ(client.name, "GET /inventory");
  EXPECT_EQ(client.trace_id, server.trace_id);
  EXPECT_EQ(client.parent_span_id, server.span_id);
  EXPECT_EQ(Attr(client, "peer.service"), "127.0.0.1");
  EXPECT_EQ(Attr(client, "server.address"), "127.0.0.1");
  EXPECT_EQ(Attr(client, "server.port"), std::to_string(upstream_.port()));
  EXPECT_EQ(Attr(client, "url.full"), "http://" + upstream_.address() + "/inventory?sku=1");
  EXPECT_EQ(Attr(client, "http.response.status_code"), "200");
  SeenRequest seen = upstream_.last();
  EXPECT_EQ(seen.target, "/inventory?sku=1");  // origin form upstream
  EXPECT_EQ(seen.headers["traceparent"],
            "00-" + Hex(client.trace_id) + "-" + Hex(client.span_id) + "-01");
  EXPECT_EQ(seen.headers.count("proxy-connection"), 0u);
}

TEST_F(SidecarTest, EgressWithoutContextIsANewRootAndOriginFormUsesHost) {
  StartSidecar([](SidecarOptions& o) { o.egress = "127.0.0.1:0"; });
  tcp::socket out = Dial(io_, sidecar_->egress_address());
  auto res = Send(out, Get("/plain", upstream_.address()));
  EXPECT_EQ(res.result_int(), 200);
  auto spans = Spans(1);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].kind, SpanKind::kClient);
  EXPECT_FALSE(spans[0].parent_span_id.valid());
  // A call to a port nobody listens on: 502 and an error span.
  uint16_t dead_port;
  {
    net::io_context io;
    tcp::acceptor a(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    dead_port = a.local_endpoint().port();
  }
  tcp::socket out2 = Dial(io_, sidecar_->egress_address());
  auto res2 = Send(out2, Get("http://127.0.0.1:" + std::to_string(dead_port) + "/x", "ignored"));
  EXPECT_EQ(res2.result_int(), 502);
  spans = Spans(2);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[1].status, StatusCode::kError);
}

TEST_F(SidecarTest, EgressConnectTunnelIsOneClientSpanWithBytes) {
  StartSidecar([](SidecarOptions& o) { o.egress = "127.0.0.1:0"; });
  tcp::socket out = Dial(io_, sidecar_->egress_address());
  const std::string parent = "00-11111111111111111111111111111111-2222222222222222-01";
  const std::string connect = "CONNECT " + upstream_.address() + " HTTP/1.1\r\nHost: " +
                              upstream_.address() + "\r\ntraceparent: " + parent + "\r\n\r\n";
  net::write(out, net::buffer(connect));
  beast::flat_buffer buf;
  http::response_parser<http::empty_body> p;
  p.skip(true);  // a 2xx to CONNECT has no body
  http::read_header(out, buf, p);
  EXPECT_EQ(p.get().result_int(), 200);
  // Inside the tunnel: plain HTTP here (TLS in real life: the bytes are opaque either way).
  auto res = Send(out, Get("/inside"), &buf);
  EXPECT_EQ(res.body(), "ok GET /inside 0");
  out.shutdown(tcp::socket::shutdown_both);
  out.close();
  auto spans = Spans(1);
  ASSERT_EQ(spans.size(), 1u);
  const SpanData& sp = spans[0];
  EXPECT_EQ(sp.kind, SpanKind::kClient);
  EXPECT_EQ(sp.name, "CONNECT " + upstream_.address());
  EXPECT_EQ(Hex(sp.trace_id), "11111111111111111111111111111111");
  EXPECT_EQ(Hex(sp.parent_span_id), "2222222222222222");
  EXPECT_EQ(Attr(sp, "peer.service"), "127.0.0.1");
  EXPECT_GT(std::stoll(Attr(sp, "network.bytes.sent")), 20);
  EXPECT_GT(std::stoll(Attr(sp, "network.bytes.received")), 20);
  EXPECT_EQ(sidecar_->Stats()[Direction::kEgress].tunnels, 1u);
}

TEST_F(SidecarTest, SamplerAlwaysOffStillPropagates) {
  StartSidecar([](SidecarOptions& o) { o.sampler = "always_off"; });
  tcp::socket s = Client();
  EXPECT_EQ(Send(s, Get("/")).result_int(), 200);
  const std::string tp = upstream_.last().headers["traceparent"];
  EXPECT_EQ(tp.size(), 55u);
  EXPECT_EQ(tp.substr(53), "00");
  sidecar_->FlushSpans();
  EXPECT_EQ(spans_->size(), 0u);
}

TEST_F(SidecarTest, DrainFinishesInFlightRequestsAndStopsAccepting) {
  StartSidecar([](SidecarOptions& o) { o.drain_timeout = Seconds(5); });
  tcp::socket s = Client();
  http::write(s, Get("/slow?ms=400"));
  std::this_thread::sleep_for(milliseconds(100));
  tcp::socket idle = Client();  // an idle keep-alive connection is closed at once
  std::this_thread::sleep_for(milliseconds(50));
  const auto t0 = std::chrono::steady_clock::now();
  std::thread drain([&] { sidecar_->Drain(); });
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(s, buf, res);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_FALSE(res.keep_alive());  // draining: Connection: close
  bool closed;
  ReadUntilClose(idle, milliseconds(2000), &closed);
  EXPECT_TRUE(closed);
  drain.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, milliseconds(3000));
  EXPECT_EQ(spans_->size(), 1u);  // flushed by the drain
  beast::error_code ec;
  tcp::socket late(io_);
  const std::string addr = sidecar_->listen_address();
  late.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"),
                             static_cast<uint16_t>(std::stoi(addr.substr(addr.rfind(':') + 1)))),
               ec);
  EXPECT_TRUE(ec);  // refused
}

TEST_F(SidecarTest, DrainClosesWhatIsLeftAtTheDrainTimeout) {
  StartSidecar([](SidecarOptions& o) { o.drain_timeout = Seconds(0.3); });
  tcp::socket s = Client();
  websocket::stream<tcp::socket&> ws(s);
  ws.handshake("svc", "/ws");  // a tunnel that would stay open for ever
  const auto t0 = std::chrono::steady_clock::now();
  sidecar_->Drain();
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, milliseconds(250));
  EXPECT_LT(took, milliseconds(2000));
  bool closed;
  ReadUntilClose(s, milliseconds(2000), &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(spans_->size(), 1u);  // the tunnel's span ended when it was cut, and was flushed
}

TEST_F(SidecarTest, AdminMetricsHealthAndPortsFile) {
  const std::string ports = ::testing::TempDir() + "/sidecar-ports.json";
  std::remove(ports.c_str());
  StartSidecar([&](SidecarOptions& o) {
    o.ports_file = ports;
    o.egress = "127.0.0.1:0";
  });
  std::ifstream f(ports);
  std::stringstream text;
  text << f.rdbuf();
  EXPECT_EQ(text.str(), "{\"listen\":\"" + sidecar_->listen_address() + "\",\"egress\":\"" +
                            sidecar_->egress_address() + "\",\"admin\":\"" +
                            sidecar_->admin_address() + "\"}\n");
  tcp::socket s = Client();
  EXPECT_EQ(Send(s, Get("/m")).result_int(), 200);
  Spans(1);
  tcp::socket a = Dial(io_, sidecar_->admin_address());
  auto m = Send(a, Get("/metrics"));
  EXPECT_EQ(m.result_int(), 200);
  EXPECT_NE(m.body().find("weft_sidecar_requests_total{direction=\"ingress\"} 1"), std::string::npos)
      << m.body();
  EXPECT_NE(m.body().find("weft_sidecar_spans_exported_total 1"), std::string::npos) << m.body();
  EXPECT_NE(m.body().find("weft_sidecar_connections_open{direction=\"ingress\"} 1"), std::string::npos);
  tcp::socket h = Dial(io_, sidecar_->admin_address());
  auto health = Send(h, Get("/healthz"));
  EXPECT_EQ(health.result_int(), 200);
  EXPECT_EQ(health.body(), "ok\n");
}

TEST(SidecarOptionsTest, BadOptionsAreUsageErrors) {
  auto start = [](const std::function<void(SidecarOptions&)>& tweak) {
    SidecarOptions o;
    o.listen = "127.0.0.1:0";
    o.upstream = "127.0.0.1:1";
    o.service = "s";
    o.admin_addr = "off";
    o.threads = 1;
    o.endpoint = "none";
    tweak(o);
    Sidecar sc(std::move(o));
    return sc.Start();
  };
  EXPECT_TRUE(start([](SidecarOptions&) {}).ok);
  for (auto tweak : std::vector<std::function<void(SidecarOptions&)>>{
           [](SidecarOptions& o) { o.upstream = ""; },
           [](SidecarOptions& o) { o.upstream = "nohostport"; },
           [](SidecarOptions& o) { o.upstream = "host:99999"; },
           [](SidecarOptions& o) { o.upstream = "https://a:1"; },
           [](SidecarOptions& o) { o.service = ""; },
           [](SidecarOptions& o) { o.listen = "1.2.3.4:x"; },
           [](SidecarOptions& o) { o.sampler = "sometimes"; },
           [](SidecarOptions& o) {
             o.sampler = "traceidratio";
             o.sampler_arg = "2";
           },
           [](SidecarOptions& o) { o.propagators = "tracecontext,zipkin"; },
           [](SidecarOptions& o) { o.endpoint = "ftp://x"; },
           [](SidecarOptions& o) { o.upstream_timeout = Seconds(-1); },
       }) {
    const StartResult r = start(tweak);
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.usage_error) << r.message;
    EXPECT_FALSE(r.message.empty());
  }
}

}  // namespace
}  // namespace weft::sidecar
