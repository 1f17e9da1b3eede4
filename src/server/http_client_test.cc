#include "server/http_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

#include "server/body_decoding.h"

namespace weft::server {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// A one-thread test server on 127.0.0.1:0. Answers each request with the status in its
// x-status header (default 200) and the un-gzipped request body; "x-close: 1" makes it
// close the connection after answering; "x-hang: 1" makes it never answer.
class EchoServer {
 public:
  EchoServer() : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }
  ~EchoServer() {
    stop_ = true;
    boost::system::error_code ignored;
    tcp::socket poke(ioc_);
    poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ignored);
    thread_.join();
  }
  uint16_t port() const { return port_; }
  int connections() const { return connections_; }

 private:
  void serve() {
    while (!stop_) {
      tcp::socket socket(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stop_) return;
      ++connections_;
      boost::beast::flat_buffer buffer;
      for (;;) {
        bhttp::request<bhttp::string_body> req;
        bhttp::read(socket, buffer, req, ec);
        if (ec) break;
        if (req["x-hang"] == "1") {
          std::this_thread::sleep_for(std::chrono::milliseconds(500));
          break;
        }
        int status = req["x-status"].empty() ? 200 : std::stoi(std::string(req["x-status"]));
        auto body = decode_content_encoding(std::string(req[bhttp::field::content_encoding]),
                                            req.body(), 1 << 20);
        bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(status), 11};
        res.set("retry-after", "3");
        res.body() = body.is_ok() ? *body : "bad body";
        const bool close = req["x-close"] == "1";
        res.keep_alive(!close);
        res.prepare_payload();
        bhttp::write(socket, res, ec);
        if (ec || close) break;
      }
    }
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

TEST(HttpClientTest, KeepAliveReusesOneConnection) {
  EchoServer server;
  HttpConnection conn;
  ASSERT_TRUE(conn.connect("127.0.0.1", server.port()).is_ok());
  for (int i = 0; i < 3; ++i) {
    auto res = conn.request("POST", "/v1/traces", {{"Content-Type", "text/plain"}},
                            "hello " + std::to_string(i));
    ASSERT_TRUE(res.is_ok()) << res.status().to_string();
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "hello " + std::to_string(i));
    EXPECT_EQ(res->header("retry-after"), "3");
  }
  EXPECT_EQ(server.connections(), 1);
}

TEST(HttpClientTest, StatusIsAValueNotAnError) {
  EchoServer server;
  HttpConnection conn;
  ASSERT_TRUE(conn.connect("127.0.0.1", server.port()).is_ok());
  auto res = conn.request("GET", "/x", {{"x-status", "503"}}, "");
  ASSERT_TRUE(res.is_ok());
  EXPECT_EQ(res->status, 503);
}

TEST(HttpClientTest, GzipRequestBodies) {
  EchoServer server;
  HttpClientOptions options;
  options.gzip_requests = true;
  HttpConnection conn(options);
  ASSERT_TRUE(conn.connect("127.0.0.1", server.port()).is_ok());
  const std::string body(10'000, 'z');
  auto res = conn.request("POST", "/v1/traces", {}, body);
  ASSERT_TRUE(res.is_ok()) << res.status().to_string();
  EXPECT_EQ(res->body, body);
}

TEST(HttpClientTest, ReconnectsAfterServerClosed) {
  EchoServer server;
  HttpConnection conn;
  ASSERT_TRUE(conn.connect("127.0.0.1", server.port()).is_ok());
  auto first = conn.request("GET", "/a", {{"x-close", "1"}}, "");
  ASSERT_TRUE(first.is_ok());
  EXPECT_FALSE(conn.is_open());
  auto second = conn.request("GET", "/b", {}, "again");
  ASSERT_TRUE(second.is_ok()) << second.status().to_string();
  EXPECT_EQ(second->body, "again");
  EXPECT_EQ(server.connections(), 2);
}

TEST(HttpClientTest, TimesOut) {
  EchoServer server;
  HttpClientOptions options;
  options.request_timeout_ms = 100;
  HttpConnection conn(options);
  ASSERT_TRUE(conn.connect("127.0.0.1", server.port()).is_ok());
  auto res = conn.request("GET", "/slow", {{"x-hang", "1"}}, "");
  ASSERT_FALSE(res.is_ok());
  EXPECT_EQ(res.status().code(), ResultCode::kUnavailable);
}

TEST(HttpClientTest, ConnectRefusedIsUnavailable) {
  uint16_t port = 0;
  {
    EchoServer server;  // a port that was free, now closed again
    port = server.port();
  }
  HttpConnection conn;
  Status s = conn.connect("127.0.0.1", port);
  EXPECT_EQ(s.code(), ResultCode::kUnavailable);
}

}  // namespace
}  // namespace weft::server
