// Tests of the transport layer with real sockets on 127.0.0.1, port 0.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

#include "server/body_decoding.h"
#include "server/http_server.h"
#include "server/serve_options.h"

namespace weft::server {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

TEST(HostPort, Forms) {
  auto a = parse_host_port("", "127.0.0.1", 4317);
  ASSERT_TRUE(a.is_ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 4317);
  auto b = parse_host_port(":0", "127.0.0.1", 4317);
  ASSERT_TRUE(b.is_ok());
  EXPECT_EQ(b->port, 0);
  auto c = parse_host_port("0.0.0.0:9000", "127.0.0.1", 1);
  ASSERT_TRUE(c.is_ok());
  EXPECT_EQ(c->host, "0.0.0.0");
  auto d = parse_host_port("[::1]:80", "127.0.0.1", 1);
  ASSERT_TRUE(d.is_ok());
  EXPECT_EQ(d->host, "::1");
  EXPECT_FALSE(parse_host_port("host:99999", "x", 1).is_ok());
  EXPECT_FALSE(parse_host_port("host:abc", "x", 1).is_ok());
}

TEST(BodyDecoding, GzipRoundTripAndLimits) {
  std::string data(100000, 'a');
  auto ok = decode_content_encoding("gzip", gzip_compress(data), 1 << 20);
  ASSERT_TRUE(ok.is_ok()) << ok.status().to_string();
  EXPECT_EQ(*ok, data);
  // A small body that inflates past the limit is refused, not inflated.
  auto bomb = decode_content_encoding("gzip", gzip_compress(data), 1000);
  ASSERT_FALSE(bomb.is_ok());
  EXPECT_EQ(bomb.status().code(), ResultCode::kResourceExhausted);
  auto garbage = decode_content_encoding("gzip", "not gzip at all", 1 << 20);
  ASSERT_FALSE(garbage.is_ok());
  EXPECT_EQ(garbage.status().code(), ResultCode::kInvalidArgument);
  std::string compressed = gzip_compress(data);
  auto truncated =
      decode_content_encoding("gzip", compressed.substr(0, compressed.size() / 2), 1 << 20);
  EXPECT_FALSE(truncated.is_ok());
  EXPECT_FALSE(decode_content_encoding("br", "x", 10).is_ok());
  EXPECT_TRUE(decode_content_encoding("identity", "x", 10).is_ok());
  EXPECT_FALSE(decode_content_encoding("", std::string(11, 'x'), 10).is_ok());
}

TEST(BodyDecoding, ZstdRoundTripAndLimits) {
  std::string data(100000, 'z');
  for (int i = 0; i < 1000; ++i) data[i * 97] = static_cast<char>('a' + i % 26);
  auto ok = decode_content_encoding("zstd", zstd_compress(data), 1 << 20);
  ASSERT_TRUE(ok.is_ok()) << ok.status().to_string();
  EXPECT_EQ(*ok, data);
  auto bomb = decode_content_encoding("zstd", zstd_compress(data), 1000);
  ASSERT_FALSE(bomb.is_ok());
  EXPECT_EQ(bomb.status().code(), ResultCode::kResourceExhausted);
  auto garbage = decode_content_encoding("zstd", "not zstd at all", 1 << 20);
  ASSERT_FALSE(garbage.is_ok());
  EXPECT_EQ(garbage.status().code(), ResultCode::kInvalidArgument);
  std::string compressed = zstd_compress(data);
  for (size_t cut : {size_t{0}, size_t{5}, compressed.size() / 2, compressed.size() - 1}) {
    auto truncated = decode_content_encoding("zstd", compressed.substr(0, cut), 1 << 20);
    EXPECT_FALSE(truncated.is_ok()) << cut;
  }
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServerOptions o;
    o.name = "test";
    o.max_body_bytes = 1000;
    server_ =
        std::make_unique<HttpServer>(ioc_, o, [](http::Request&& req, http::Responder respond) {
          // Answer from another thread, as the store does.
          std::thread([req = std::move(req), respond] {
            respond(http::Response::text(200, req.method + " " + req.path + " " +
                                                  req.param("q").value_or("-") + " " + req.body));
          }).detach();
        });
    auto addr = server_->start("127.0.0.1", 0);
    ASSERT_TRUE(addr.is_ok()) << addr.status().to_string();
    port_ = addr->substr(addr->rfind(':') + 1);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  void TearDown() override {
    server_->stop();
    ioc_.stop();
    thread_.join();
  }

  bhttp::response<bhttp::string_body> send(bhttp::request<bhttp::string_body> req) {
    asio::io_context ioc;
    asio::ip::tcp::resolver resolver(ioc);
    boost::beast::tcp_stream stream(ioc);
    stream.connect(resolver.resolve("127.0.0.1", port_));
    req.prepare_payload();
    bhttp::write(stream, req);
    boost::beast::flat_buffer buf;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream, buf, res);
    return res;
  }

  asio::io_context ioc_;
  std::unique_ptr<HttpServer> server_;
  std::string port_;
  std::thread thread_;
};

TEST_F(HttpServerTest, AnswersFromAnotherThread) {
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/a%20b?q=x%2By", 11};
  req.body() = "hello";
  auto res = send(req);
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), "POST /a b x+y hello");
}

TEST_F(HttpServerTest, OversizeBodyIs413) {
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/", 11};
  req.body() = std::string(5000, 'x');
  auto res = send(req);
  EXPECT_EQ(res.result_int(), 413u);
}

TEST_F(HttpServerTest, GzipBodyIsDecoded) {
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/", 11};
  req.set(bhttp::field::content_encoding, "gzip");
  req.body() = gzip_compress("zipped");
  auto res = send(req);
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), "POST / - zipped");
  bhttp::request<bhttp::string_body> bad{bhttp::verb::post, "/", 11};
  bad.set(bhttp::field::content_encoding, "gzip");
  bad.body() = "not gzip";
  EXPECT_EQ(send(bad).result_int(), 400u);
}

TEST_F(HttpServerTest, HeadHasGetsHeadersAndNoBody) {
  // HEAD then GET on one connection: a body after HEAD's headers would be read as the
  // start of the next response.
  asio::io_context ioc;
  asio::ip::tcp::resolver resolver(ioc);
  boost::beast::tcp_stream stream(ioc);
  stream.connect(resolver.resolve("127.0.0.1", port_));
  bhttp::request<bhttp::string_body> head{bhttp::verb::head, "/x", 11};
  bhttp::request<bhttp::string_body> get{bhttp::verb::get, "/x", 11};
  bhttp::write(stream, head);
  bhttp::write(stream, get);
  boost::beast::flat_buffer buf;
  bhttp::response_parser<bhttp::string_body> head_res;
  head_res.skip(true);  // a response to HEAD has no body, whatever Content-Length says
  bhttp::read(stream, buf, head_res);
  EXPECT_EQ(head_res.get().result_int(), 200u);
  EXPECT_EQ(head_res.get()[bhttp::field::content_length], "10");  // "HEAD /x - "
  bhttp::response<bhttp::string_body> get_res;
  bhttp::read(stream, buf, get_res);
  EXPECT_EQ(get_res.body(), "GET /x - ");
}

}  // namespace
}  // namespace weft::server
