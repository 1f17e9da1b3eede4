#include "runtime/http_server.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <cctype>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

namespace demo {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// Sessions hold the State (through their handlers) and the io_context holds the handlers;
// Stop breaks that cycle by destroying the io_context, which destroys the handlers it still
// holds and so the sessions (asio's documented way to end connection objects).
struct HttpServer::State {
  ServerOptions options;
  Handler handler;
  std::unique_ptr<asio::io_context> ioc = std::make_unique<asio::io_context>();
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::unique_ptr<asio::thread_pool> workers;
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> io_threads;
  std::atomic<bool> stopping{false};
  std::atomic<int> in_flight{0};

  State(ServerOptions o, Handler h) : options(std::move(o)), handler(std::move(h)) {}
};

namespace {

Response SafeHandle(const Handler& handler, const Request& req) {
  try {
    return handler(req);
  } catch (...) {
    return Response::Json(500, "{\"error\":\"unhandled exception\"}");
  }
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<HttpServer::State> state)
      : stream_(std::move(socket)), state_(std::move(state)) {}

  void Start() { Read(); }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(state_->options.max_body_bytes);
    stream_.expires_after(state_->options.idle_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t) {
    stream_.expires_never();
    if (ec) return Close();  // closed, timed out or malformed: nothing worth answering
    auto msg = parser_->release();
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    SplitTarget(req.target, &req.path, &req.query);
    for (const auto& field : msg) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    req.body = std::move(msg.body());
    beast::error_code ignored;
    auto remote = stream_.socket().remote_endpoint(ignored);
    if (!ignored) {
      req.client_address = remote.address().to_string();
      req.client_port = remote.port();
    }
    state_->in_flight.fetch_add(1);
    // The handler may block for a long time: run it on the worker pool, answer on the
    // connection's strand.
    asio::post(*state_->workers, [self = shared_from_this(), req = std::move(req)] {
      Response r = SafeHandle(self->state_->handler, req);
      asio::post(self->stream_.get_executor(), [self, r = std::move(r)]() mutable {
        self->state_->in_flight.fetch_sub(1);
        self->Send(std::move(r));
      });
    });
  }

  void Send(Response r) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(version_);
    res->result(static_cast<unsigned>(r.status));
    res->set(bhttp::field::server, "weft-demo/" + state_->options.name);
    if (!r.content_type.empty()) res->set(bhttp::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res->set(k, v);
    res->body() = std::move(r.body);
    res->keep_alive(keep_alive_ && !state_->stopping.load());
    res->prepare_payload();
    stream_.expires_after(state_->options.idle_timeout);
    bhttp::async_write(stream_, *res,
                       [self = shared_from_this(), res](beast::error_code ec, size_t) {
                         self->stream_.expires_never();
                         if (ec || !res->keep_alive()) return self->Close();
                         self->Read();
                       });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  std::shared_ptr<HttpServer::State> state_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bool keep_alive_ = true;
  unsigned version_ = 11;
};

void AcceptNext(const std::shared_ptr<HttpServer::State>& state) {
  if (state->stopping.load()) return;
  state->acceptor->async_accept(asio::make_strand(*state->ioc),
                                [state](beast::error_code ec, tcp::socket socket) {
                                  if (state->stopping.load()) return;
                                  if (!ec) {
                                    socket.set_option(tcp::no_delay(true), ec);
                                    std::make_shared<Session>(std::move(socket), state)->Start();
                                  }
                                  AcceptNext(state);
                                });
}

}  // namespace

HttpServer::HttpServer(ServerOptions options, Handler handler)
    : state_(std::make_shared<State>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { Stop(std::chrono::milliseconds(0)); }

uint16_t HttpServer::Listen(const std::string& host, uint16_t port) {
  tcp::endpoint endpoint(asio::ip::make_address(host), port);
  state_->acceptor.emplace(*state_->ioc);
  state_->acceptor->open(endpoint.protocol());
  state_->acceptor->set_option(asio::socket_base::reuse_address(true));
  state_->acceptor->bind(endpoint);
  state_->acceptor->listen(asio::socket_base::max_listen_connections);
  return state_->acceptor->local_endpoint().port();
}

uint16_t HttpServer::Adopt(int fd) {
  state_->acceptor.emplace(*state_->ioc);
  state_->acceptor->assign(tcp::v4(), fd);
  return state_->acceptor->local_endpoint().port();
}

void HttpServer::Start() {
  State& s = *state_;
  s.workers = std::make_unique<asio::thread_pool>(
      static_cast<size_t>(std::max(1, s.options.worker_threads)));
  s.work.emplace(s.ioc->get_executor());
  AcceptNext(state_);
  for (int i = 0; i < std::max(1, s.options.io_threads); ++i)
    s.io_threads.emplace_back([st = state_] { st->ioc->run(); });
}

void HttpServer::Stop(std::chrono::milliseconds grace) {
  State& s = *state_;
  if (s.stopping.exchange(true)) return;
  if (s.acceptor && !s.io_threads.empty()) {
    asio::post(*s.ioc, [st = state_] {
      beast::error_code ec;
      st->acceptor->close(ec);
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (s.in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  // No more I/O callbacks, then no more handlers, then drop what is still queued.
  s.work.reset();
  s.ioc->stop();
  for (auto& t : s.io_threads) t.join();
  s.io_threads.clear();
  if (s.workers) {
    s.workers->stop();
    s.workers->join();
    s.workers.reset();
  }
  s.acceptor.reset();
  s.ioc.reset();
}

}  // namespace demo
