#include "server/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "common/clock.h"
#include "common/metrics.h"
#include "server/body_decoding.h"

namespace weft::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

struct HttpServer::State {
  asio::io_context& ioc;
  HttpServerOptions options;
  http::Handler handler;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::atomic<bool> stopping{false};
  std::atomic<int> in_flight{0};
  Histogram* latency = nullptr;
  Family<Counter>* requests = nullptr;

  State(asio::io_context& io, HttpServerOptions o, http::Handler h)
      : ioc(io), options(std::move(o)), handler(std::move(h)) {
    auto& reg = MetricsRegistry::global();
    latency =
        &reg.histogram("weft_http_request_duration_seconds",
                       "Time from reading an HTTP request to answering it, by server", {"server"})
             .with({options.name});
    requests =
        &reg.counter("weft_http_requests_total",
                     "HTTP requests answered, by server and status code", {"server", "code"});
  }
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  static constexpr size_t kReadChunkBytes = 64 * 1024;

  Session(tcp::socket socket, std::shared_ptr<HttpServer::State> state)
      : stream_(std::move(socket)), state_(std::move(state)) {
    // Beast reads max(512, free capacity) bytes per read_some: without room reserved up
    // front, a large body arrives 512 bytes per recv (and per timer re-arm).
    buffer_.reserve(kReadChunkBytes);
  }

  void start() { read_request(); }

 private:
  void read_request() {
    head_ = false;
    parser_.emplace();
    parser_->body_limit(state_->options.max_body_bytes);
    parser_->header_limit(64 * 1024);
    stream_.expires_after(first_ ? state_->options.io_timeout : state_->options.idle_timeout);
    first_ = false;
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, size_t) {
    stream_.expires_never();
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
        ec == beast::error::timeout || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset) {
      return close();
    }
    if (ec == bhttp::error::body_limit) {
      keep_alive_ = false;
      return send(http::Response::text(413, "request body exceeds the limit of " +
                                                std::to_string(state_->options.max_body_bytes) +
                                                " bytes\n"));
    }
    if (ec) {
      keep_alive_ = false;
      return send(http::Response::text(400, "malformed HTTP request: " + ec.message() + "\n"));
    }
    started_ns_ = Clock::system().monotonic_nanos();
    auto msg = parser_->release();
    keep_alive_ = msg.keep_alive() && !state_->stopping.load();
    version_ = msg.version();
    head_ = msg.method() == bhttp::verb::head;

    http::Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    std::string_view target = req.target;
    size_t q = target.find('?');
    req.path = http::percent_decode(target.substr(0, q), false);
    if (q != std::string_view::npos) req.query = http::parse_query(target.substr(q + 1));
    for (const auto& field : msg) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers[name] = std::string(field.value());
    }
    auto body = decode_content_encoding(req.header("content-encoding"), std::move(msg.body()),
                                        state_->options.max_body_bytes);
    if (!body.is_ok()) {
      int status = body.status().code() == StatusCode::kResourceExhausted ? 413
                   : body.status().message().rfind("unsupported", 0) == 0 ? 415
                                                                          : 400;
      return send(http::Response::text(status, body.status().message() + "\n"));
    }
    req.body = std::move(body).value();

    state_->in_flight.fetch_add(1);
    auto self = shared_from_this();
    state_->handler(std::move(req), [self](http::Response r) {
      asio::post(self->stream_.get_executor(), [self, r = std::move(r)]() mutable {
        self->state_->in_flight.fetch_sub(1);
        self->send(std::move(r));
      });
    });
  }

  void send(http::Response r) {
    if (started_ns_) {
      state_->latency->observe(
          static_cast<double>(Clock::system().monotonic_nanos() - started_ns_) / 1e9);
      started_ns_ = 0;
    }
    state_->requests->with({state_->options.name, std::to_string(r.status)}).inc();
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(version_);
    res->result(static_cast<unsigned>(r.status));
    res->set(bhttp::field::server, "weft");
    if (!r.content_type.empty()) res->set(bhttp::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res->set(k, v);
    res->body() = std::move(r.body);
    res->keep_alive(keep_alive_ && !state_->stopping.load());
    res->prepare_payload();
    if (head_) res->body().clear();  // HEAD: GET's headers (Content-Length too), no body
    stream_.expires_after(state_->options.io_timeout);
    bhttp::async_write(stream_, *res,
                       [self = shared_from_this(), res](beast::error_code ec, size_t) {
                         self->stream_.expires_never();
                         if (ec || !res->keep_alive()) return self->close();
                         self->read_request();
                       });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  std::shared_ptr<HttpServer::State> state_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bool keep_alive_ = true;
  bool first_ = true;
  unsigned version_ = 11;
  bool head_ = false;  // the request being answered is HEAD
  uint64_t started_ns_ = 0;
};

void accept_next(const std::shared_ptr<HttpServer::State>& state) {
  if (state->stopping.load() || !state->acceptor) return;
  state->acceptor->async_accept(asio::make_strand(state->ioc),
                                [state](beast::error_code ec, tcp::socket socket) {
                                  if (state->stopping.load()) return;
                                  if (!ec) {
                                    socket.set_option(tcp::no_delay(true), ec);
                                    std::make_shared<Session>(std::move(socket), state)->start();
                                  }
                                  accept_next(state);
                                });
}

}  // namespace

HttpServer::HttpServer(asio::io_context& ioc, HttpServerOptions options, http::Handler handler)
    : state_(std::make_shared<State>(ioc, std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { stop(); }

Result<std::string> HttpServer::start(const std::string& host, uint16_t port) {
  beast::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return invalid_argument("cannot parse listen address \"" + host + "\": " + ec.message());
  tcp::endpoint endpoint(address, port);
  auto acceptor = std::make_unique<tcp::acceptor>(asio::make_strand(state_->ioc));
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return unavailable(state_->options.name + ": cannot listen on " + host + ":" +
                       std::to_string(port) + ": " + ec.message());
  auto bound = acceptor->local_endpoint();
  state_->acceptor = std::move(acceptor);
  accept_next(state_);
  std::string h = bound.address().to_string();
  if (bound.address().is_v6()) h = "[" + h + "]";
  return h + ":" + std::to_string(bound.port());
}

void HttpServer::stop() {
  if (state_->stopping.exchange(true)) return;
  if (state_->acceptor) {
    auto state = state_;
    asio::post(state->acceptor->get_executor(), [state] {
      beast::error_code ec;
      state->acceptor->close(ec);
    });
  }
}

int HttpServer::in_flight() const { return state_->in_flight.load(); }

}  // namespace weft::server
