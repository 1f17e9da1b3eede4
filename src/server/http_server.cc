#include "server/http_server.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
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

namespace {

// What a connection is waiting for; the deadline armed for it is the matching timeout.
enum Phase : int { kIdle = 0, kHeader, kBody, kWrite, kPhases };
constexpr const char* kPhaseLabel[kPhases] = {"idle", "header", "body", "write"};

// "10s", "1.5s", "250ms": how a timeout is named in a 408's message.
std::string seconds_text(std::chrono::nanoseconds d) {
  double s = std::chrono::duration<double>(d).count();
  char buf[32];
  if (s < 1)
    std::snprintf(buf, sizeof buf, "%gms", s * 1000);
  else
    std::snprintf(buf, sizeof buf, "%gs", s);
  return buf;
}

}  // namespace

struct HttpServer::State {
  asio::io_context& ioc;
  HttpServerOptions options;
  http::Handler handler;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<asio::steady_timer> accept_retry;  // on the acceptor's strand
  std::atomic<bool> stopping{false};
  std::atomic<int> in_flight{0};
  std::atomic<size_t> open{0};
  uint64_t last_accept_error_log_ns = 0;  // acceptor's strand only
  Histogram* latency = nullptr;
  Family<Counter>* requests = nullptr;
  Counter* timed_out[kPhases] = {};
  Counter* rejected = nullptr;
  Counter* accept_errors = nullptr;
  Gauge* open_gauge = nullptr;

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
    auto& timeouts = reg.counter(
        "weft_http_connections_timed_out_total",
        "HTTP connections closed by a timeout, by server and timeout: header (request headers "
        "not complete in time), body (request body not complete in time), idle (keep-alive "
        "connection unused), write (response not taken by the client)",
        {"server", "timeout"});
    for (int p = 0; p < kPhases; ++p) timed_out[p] = &timeouts.with({options.name, kPhaseLabel[p]});
    rejected = &reg.counter("weft_http_connections_rejected_total",
                            "HTTP connections answered 503 and closed at once because the "
                            "listener had --http-max-connections open, by server",
                            {"server"})
                    .with({options.name});
    accept_errors = &reg.counter("weft_http_accept_errors_total",
                                 "Failed accept() calls (e.g. out of file descriptors), by server",
                                 {"server"})
                         .with({options.name});
    open_gauge =
        &reg.gauge("weft_http_connections_open", "HTTP connections open, by server", {"server"})
             .with({options.name});
  }
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  static constexpr size_t kReadChunkBytes = 64 * 1024;

  // REQUIRES: the caller counted this connection in state->open.
  Session(tcp::socket socket, std::shared_ptr<HttpServer::State> state)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), state_(std::move(state)) {
    state_->open_gauge->add(1);
  }
  ~Session() {
    state_->open_gauge->add(-1);
    state_->open.fetch_sub(1);
  }

  // The header deadline of the first request runs from the accept.
  void start() { read_header(); }

 private:
  const HttpConnectionLimits& limits() const { return state_->options.limits; }

  // One deadline per connection, for what it waits for now. On expiry the socket's pending
  // operation is cancelled and its handler sees operation_aborted with timed_out_ set.
  void arm(Phase phase, std::chrono::nanoseconds timeout) {
    phase_ = phase;
    timed_out_ = false;
    timer_.expires_after(timeout);
    timer_.async_wait([self = shared_from_this(), gen = ++generation_](beast::error_code ec) {
      if (ec || gen != self->generation_) return;  // disarmed, or re-armed since
      self->timed_out_ = true;
      beast::error_code ignored;
      self->socket_.cancel(ignored);
    });
  }
  void disarm() {
    ++generation_;
    timer_.cancel();
  }
  bool timed_out(const beast::error_code& ec) const {
    return ec == asio::error::operation_aborted && timed_out_;
  }

  void new_parser() {
    head_ = false;
    parser_.emplace();
    parser_->body_limit(state_->options.max_body_bytes);
    parser_->header_limit(64 * 1024);
  }

  // Keep-alive: waits (without a buffer) for the next request's first byte, up to
  // idle_timeout; its headers then get header_timeout from there.
  void wait_for_next_request() {
    if (buffer_.size() > 0) return read_header();  // pipelined: already here
    buffer_.shrink_to_fit();                        // an idle connection holds no buffer
    arm(kIdle, limits().idle_timeout);
    socket_.async_wait(tcp::socket::wait_read,
                       [self = shared_from_this()](beast::error_code ec) {
                         self->disarm();
                         if (self->timed_out(ec)) return self->on_timeout();
                         if (ec) return self->close();
                         self->read_header();
                       });
  }

  void read_header() {
    new_parser();
    arm(kHeader, limits().header_timeout);
    bhttp::async_read_header(socket_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, size_t) {
    disarm();
    if (ec) return on_read_error(ec);
    if (parser_->is_done()) return on_request();
    // Beast reads max(512, free capacity) bytes per read_some: without room reserved up
    // front, a large body arrives 512 bytes per recv.
    buffer_.reserve(kReadChunkBytes);
    arm(kBody, limits().body_timeout);
    bhttp::async_read(socket_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::on_body, shared_from_this()));
  }

  void on_body(beast::error_code ec, size_t) {
    disarm();
    if (ec) return on_read_error(ec);
    on_request();
  }

  void on_read_error(beast::error_code ec) {
    if (timed_out(ec)) return on_timeout();
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
      return close();
    }
    keep_alive_ = false;
    if (ec == bhttp::error::body_limit) {
      return send(http::Response::text(413, "request body exceeds the limit of " +
                                                std::to_string(state_->options.max_body_bytes) +
                                                " bytes\n"));
    }
    send(http::Response::text(400, "malformed HTTP request: " + ec.message() + "\n"));
  }

  // A deadline passed: counted; a request begun gets 408, a connection that sent nothing
  // (new or idle) is just closed.
  void on_timeout() {
    state_->timed_out[phase_]->inc();
    bool begun = phase_ == kBody || (phase_ == kHeader && (parser_->got_some() || buffer_.size()));
    if (!begun) return close();
    keep_alive_ = false;
    std::string what = phase_ == kBody
                           ? "request body not received within " +
                                 seconds_text(limits().body_timeout) + " of its headers"
                           : "request headers not received within " +
                                 seconds_text(limits().header_timeout);
    send(http::Response::text(408, what + "\n"));
  }

  void on_request() {
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
      int status = body.status().code() == ResultCode::kResourceExhausted ? 413
                   : body.status().message().rfind("unsupported", 0) == 0 ? 415
                                                                          : 400;
      return send(http::Response::text(status, body.status().message() + "\n"));
    }
    req.body = std::move(body).value();

    state_->in_flight.fetch_add(1);
    auto self = shared_from_this();
    state_->handler(std::move(req), [self](http::Response r) {
      asio::post(self->socket_.get_executor(), [self, r = std::move(r)]() mutable {
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
    arm(kWrite, limits().write_timeout);
    bhttp::async_write(socket_, *res,
                       [self = shared_from_this(), res](beast::error_code ec, size_t) {
                         self->disarm();
                         if (self->timed_out(ec)) self->state_->timed_out[kWrite]->inc();
                         if (ec || !res->keep_alive()) return self->close();
                         self->wait_for_next_request();
                       });
  }

  void close() {
    disarm();
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    socket_.close(ec);
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  std::shared_ptr<HttpServer::State> state_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Phase phase_ = kHeader;
  bool timed_out_ = false;
  uint64_t generation_ = 0;  // of the deadline armed last
  bool keep_alive_ = true;
  unsigned version_ = 11;
  bool head_ = false;  // the request being answered is HEAD
  uint64_t started_ns_ = 0;
};

// Past --http-max-connections: a 503 written into the new socket's empty send buffer (never
// waits), then closed; the file descriptor is not kept.
void reject(tcp::socket& socket) {
  static constexpr std::string_view kBody =
      "too many connections to this port (--http-max-connections); retry later\n";
  static const std::string kResponse =
      "HTTP/1.1 503 Service Unavailable\r\nServer: weft\r\nContent-Type: text/plain\r\n"
      "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
      std::to_string(kBody.size()) + "\r\n\r\n" + std::string(kBody);
  beast::error_code ec;
  socket.non_blocking(true, ec);
  socket.write_some(asio::buffer(kResponse), ec);
  socket.shutdown(tcp::socket::shutdown_send, ec);
  socket.close(ec);
}

void accept_next(const std::shared_ptr<HttpServer::State>& state);

// accept() failing (out of file descriptors: EMFILE/ENFILE, or memory) leaves the listening
// socket readable, so accepting again at once would spin a core; wait a little instead.
void on_accept_error(const std::shared_ptr<HttpServer::State>& state, beast::error_code ec) {
  state->accept_errors->inc();
  if (ec == asio::error::connection_aborted || ec == asio::error::connection_reset)
    return accept_next(state);  // the peer gave up before the accept: nothing wrong here
  uint64_t now = Clock::system().monotonic_nanos();
  if (state->last_accept_error_log_ns == 0 ||
      now - state->last_accept_error_log_ns > 10'000'000'000ull) {
    state->last_accept_error_log_ns = now;
    std::fprintf(stderr,
                 "weft: %s: accepting a connection failed: %s (%zu open; retrying every "
                 "100 ms; logged at most every 10 s)\n",
                 state->options.name.c_str(), ec.message().c_str(), state->open.load());
  }
  state->accept_retry->expires_after(std::chrono::milliseconds(100));
  state->accept_retry->async_wait([state](beast::error_code wait_ec) {
    if (!wait_ec) accept_next(state);
  });
}

void accept_next(const std::shared_ptr<HttpServer::State>& state) {
  if (state->stopping.load() || !state->acceptor) return;
  state->acceptor->async_accept(
      asio::make_strand(state->ioc), [state](beast::error_code ec, tcp::socket socket) {
        if (state->stopping.load() || ec == asio::error::operation_aborted) return;
        if (ec) return on_accept_error(state, ec);
        if (state->open.load() >= state->options.limits.max_connections) {
          state->rejected->inc();
          reject(socket);
        } else {
          state->open.fetch_add(1);
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
  state_->accept_retry = std::make_unique<asio::steady_timer>(acceptor->get_executor());
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
      state->accept_retry->cancel();
    });
  }
}

int HttpServer::in_flight() const { return state_->in_flight.load(); }

size_t HttpServer::connections() const { return state_->open.load(); }

size_t fit_max_connections(size_t max_connections, int listeners, std::string* note) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return max_connections;
  if (rl.rlim_cur != RLIM_INFINITY && (rl.rlim_max == RLIM_INFINITY || rl.rlim_cur < rl.rlim_max)) {
    rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
  }
  if (rl.rlim_cur == RLIM_INFINITY || listeners <= 0) return max_connections;
  size_t fair = static_cast<size_t>(rl.rlim_cur / 4 * 3) / static_cast<size_t>(listeners);
  fair = std::max<size_t>(fair, 1);
  if (max_connections <= fair) return max_connections;
  if (note)
    *note = "--http-max-connections " + std::to_string(max_connections) + " lowered to " +
            std::to_string(fair) + " per HTTP listener: the open files limit is " +
            std::to_string(rl.rlim_cur) + " and " + std::to_string(listeners) +
            " listeners may use 3/4 of it (raise `ulimit -n` for more)";
  return fair;
}

}  // namespace weft::server
