#include "sidecar/admin.h"

#include "sidecar/byte_buffer.h"
#include "sidecar/http_head.h"

namespace weft::sidecar {

AdminServer::AdminServer(std::function<std::string()> metrics, std::function<bool()> draining)
    : metrics_(std::move(metrics)), draining_(std::move(draining)) {}

AdminServer::~AdminServer() {
  Stop();
  acceptor_.reset();
}

bool AdminServer::Listen(const tcp::endpoint& ep, tcp::endpoint* bound, std::string* error) {
  auto acc = std::make_unique<Acceptor>(io_.get_executor());
  error_code ec;
  acc->open(ep.protocol(), ec);
  if (!ec) acc->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc->bind(ep, ec);
  if (!ec) acc->listen(64, ec);
  if (ec) {
    *error = "cannot listen on " + ep.address().to_string() + ":" + std::to_string(ep.port()) +
             " (--admin-addr): " + ec.message();
    return false;
  }
  *bound = acc->local_endpoint(ec);
  acceptor_ = std::move(acc);
  return true;
}

void AdminServer::Start() {
  if (!acceptor_) return;
  work_.emplace(io_.get_executor());
  asio::co_spawn(io_.get_executor(), AcceptLoop(), asio::detached);
  thread_ = std::thread([this] { io_.run(); });
}

void AdminServer::Stop() {
  if (!thread_.joinable()) return;
  work_.reset();
  io_.stop();
  thread_.join();
}

Task<void> AdminServer::AcceptLoop() {
  error_code ec;
  for (;;) {
    Socket s(io_.get_executor());
    co_await acceptor_->async_accept(s, Await(ec));
    if (ec) {
      if (!acceptor_->is_open() || ec == asio::error::operation_aborted) co_return;
      continue;
    }
    asio::co_spawn(io_.get_executor(), Serve(std::move(s)), asio::detached);
  }
}

Task<void> AdminServer::Serve(Socket socket) {
  error_code ec;
  Timer deadline(io_.get_executor());
  deadline.expires_after(std::chrono::seconds(10));
  deadline.async_wait([&socket](const error_code& e) {
    if (!e) {
      error_code ignored;
      socket.cancel(ignored);
    }
  });
  ByteBuffer in(8192);
  HeadParser parser;
  MessageHead head;
  ParseStatus st = ParseStatus::kIncomplete;
  while (st == ParseStatus::kIncomplete && in.Room() > 0) {
    const size_t n = co_await socket.async_read_some(asio::buffer(in.WritePtr(), in.Room()), Await(ec));
    if (ec) co_return;
    in.Commit(n);
    st = parser.ParseRequest(in.data(), in.size(), in.capacity(), &head);
  }
  int status = 404;
  std::string body = "not found (try /metrics or /healthz)\n";
  std::string type = "text/plain; charset=utf-8";
  if (st != ParseStatus::kOk) {
    status = 400;
    body = "bad request\n";
  } else {
    const TargetParts t = SplitTarget(head.target);
    if (head.method != "GET" && head.method != "HEAD") {
      status = 405;
      body = "GET only\n";
    } else if (t.path == "/metrics") {
      status = 200;
      body = metrics_();
      type = "text/plain; version=0.0.4; charset=utf-8";
    } else if (t.path == "/healthz" || t.path == "/readyz") {
      const bool draining = draining_();
      status = draining ? 503 : 200;
      body = draining ? "draining\n" : "ok\n";
    }
  }
  std::string out = "HTTP/1.1 " + std::to_string(status) +
                    (status == 200 ? " OK" : status == 503 ? " Service Unavailable" : " Error") +
                    "\r\nContent-Type: " + type + "\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  if (head.method != "HEAD") out += body;
  co_await asio::async_write(socket, asio::buffer(out), Await(ec));
  socket.shutdown(tcp::socket::shutdown_send, ec);
  deadline.cancel();
}

}  // namespace weft::sidecar
