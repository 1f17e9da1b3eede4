#include "server/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>

#include "server/body_decoding.h"

namespace weft::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

std::string HttpResponse::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers)
    if (name == lower_name) return value;
  return {};
}

// Every operation is asynchronous on a private io_context that is run to completion, so
// the tcp_stream's expiry bounds it: a synchronous Beast call would ignore timeouts.
struct HttpConnection::Impl {
  explicit Impl(HttpClientOptions o) : options(o) {}

  // Runs the queued operation until its handler ran.
  void run() {
    ioc.restart();
    ioc.run();
  }

  Status connect() {
    close();
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (ec) return unavailable("resolve " + host + ": " + ec.message());
    stream.expires_after(std::chrono::milliseconds(options.connect_timeout_ms));
    stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    run();
    if (ec) {
      close();
      return unavailable("connect " + host + ":" + std::to_string(port) + ": " + ec.message());
    }
    stream.socket().set_option(tcp::no_delay(true), ec);
    open = true;
    exchanges = 0;
    return Status::ok();
  }

  void close() {
    beast::error_code ignored;
    if (stream.socket().is_open()) {
      stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream.socket().close(ignored);
    }
    buffer.clear();
    open = false;
  }

  struct Attempt {
    Result<HttpResponse> response = unavailable("not sent");
    bool may_resend = false;  // failed before any byte of a response arrived
  };

  Attempt exchange(bhttp::verb verb, std::string_view method, std::string_view target,
                   const HttpHeaders& headers, std::string_view body) {
    Attempt attempt;
    bhttp::request<bhttp::span_body<const char>> req;
    if (verb == bhttp::verb::unknown) {
      req.method_string(beast::string_view(method.data(), method.size()));
    } else {
      req.method(verb);
    }
    req.target(beast::string_view(target.data(), target.size()));
    req.version(11);
    req.set(bhttp::field::host, host + ":" + std::to_string(port));
    req.set(bhttp::field::user_agent, "weft/0.1");
    for (const auto& [name, value] : headers) req.set(name, value);
    req.body() = bhttp::span_body<const char>::value_type(body.data(), body.size());
    req.keep_alive(true);
    req.prepare_payload();

    beast::error_code ec;
    stream.expires_after(std::chrono::milliseconds(options.request_timeout_ms));
    bhttp::async_write(stream, req, [&](beast::error_code e, size_t) { ec = e; });
    run();
    if (ec) {
      attempt.may_resend = true;
      attempt.response = unavailable("write " + std::string(target) + ": " + ec.message());
      close();
      return attempt;
    }

    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(options.max_response_bytes);
    bhttp::async_read(stream, buffer, parser, [&](beast::error_code e, size_t) { ec = e; });
    run();
    if (ec) {
      attempt.may_resend = !parser.got_some();
      attempt.response =
          unavailable((ec == beast::error::timeout ? std::string("timed out reading response to ")
                                                   : "read response to ") +
                      std::string(target) + ": " + ec.message());
      close();
      return attempt;
    }
    stream.expires_never();
    ++exchanges;
    auto res = parser.release();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    out.body = std::move(res.body());
    if (!res.keep_alive()) close();
    attempt.response = std::move(out);
    return attempt;
  }

  HttpClientOptions options;
  asio::io_context ioc{1};
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  std::string host;
  uint16_t port = 0;
  bool open = false;
  uint64_t exchanges = 0;  // completed on the current connection
};

HttpConnection::HttpConnection(HttpClientOptions options)
    : impl_(std::make_unique<Impl>(options)) {}

HttpConnection::~HttpConnection() { impl_->close(); }

Status HttpConnection::connect(const std::string& host, uint16_t port) {
  impl_->host = host;
  impl_->port = port;
  return impl_->connect();
}

void HttpConnection::close() { impl_->close(); }

bool HttpConnection::is_open() const { return impl_->open; }

Result<HttpResponse> HttpConnection::request(std::string_view method, std::string_view target,
                                             const HttpHeaders& headers, std::string_view body) {
  if (impl_->host.empty()) return internal_error("HttpConnection::request before connect");
  const bhttp::verb verb = bhttp::string_to_verb(beast::string_view(method.data(), method.size()));
  std::string compressed;
  HttpHeaders all = headers;
  if (impl_->options.gzip_requests && !body.empty()) {
    compressed = gzip_compress(body);
    body = compressed;
    all.emplace_back("Content-Encoding", "gzip");
  }
  if (!impl_->open) WEFT_RETURN_IF_ERROR(impl_->connect());
  const bool reused = impl_->exchanges > 0;
  Impl::Attempt attempt = impl_->exchange(verb, method, target, all, body);
  if (!attempt.response.is_ok() && reused && attempt.may_resend) {
    // The server most likely closed the idle kept-alive connection: one fresh try.
    WEFT_RETURN_IF_ERROR(impl_->connect());
    attempt = impl_->exchange(verb, method, target, all, body);
  }
  return std::move(attempt.response);
}

}  // namespace weft::server
