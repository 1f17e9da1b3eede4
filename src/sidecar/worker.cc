#include "sidecar/worker.h"

#include <sys/socket.h>

#include "sidecar/egress.h"
#include "sidecar/ingress.h"
#include "sidecar/session.h"

namespace weft::sidecar {

Worker::Worker(const Shared& shared, int index)
    : shared_(shared), index_(index), pool_(shared.cfg.max_idle_upstream, shared.cfg.idle_timeout) {}

Worker::~Worker() {
  Stop();
  error_code ec;
  for (auto& a : acceptors_)
    if (a) a->close(ec);
  pool_.Clear();  // its sockets go before the io_context
}

bool Worker::Listen(Direction dir, const tcp::endpoint& ep, tcp::endpoint* bound,
                    std::string* error) {
  auto acc = std::make_unique<Acceptor>(io_.get_executor());
  error_code ec;
  acc->open(ep.protocol(), ec);
  if (!ec) acc->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) {
    const int one = 1;
    if (::setsockopt(acc->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
      ec = error_code(errno, boost::system::system_category());
  }
  if (!ec) acc->bind(ep, ec);
  if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = "cannot listen on " + ep.address().to_string() + ":" + std::to_string(ep.port()) +
             ": " + ec.message();
    return false;
  }
  *bound = acc->local_endpoint(ec);
  acceptors_[static_cast<size_t>(dir)] = std::move(acc);
  return true;
}

void Worker::Start() {
  work_.emplace(io_.get_executor());
  for (size_t d = 0; d < kDirections; ++d)
    if (acceptors_[d])
      asio::co_spawn(io_.get_executor(), AcceptLoop(acceptors_[d].get(), static_cast<Direction>(d)),
                     asio::detached);
  thread_ = std::thread([this] { io_.run(); });
}

Task<void> Worker::AcceptLoop(Acceptor* acceptor, Direction dir) {
  error_code ec;
  for (;;) {
    Socket socket(io_.get_executor());
    co_await acceptor->async_accept(socket, Await(ec));
    if (ec) {
      if (!acceptor->is_open() || ec == asio::error::operation_aborted) co_return;
      // Out of descriptors or the like: back off a moment instead of spinning.
      Timer t(io_.get_executor());
      t.expires_after(std::chrono::milliseconds(50));
      co_await t.async_wait(Await(ec));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    stats_[dir].connections_accepted.Add();
    std::shared_ptr<Session> s;
    if (dir == Direction::kIngress)
      s = std::make_shared<IngressSession>(*this, std::move(socket));
    else
      s = std::make_shared<EgressSession>(*this, std::move(socket));
    Session::Start(std::move(s));
  }
}

void Worker::Attach(Session* s) {
  s->prev = nullptr;
  s->next = sessions_;
  if (sessions_) sessions_->prev = s;
  sessions_ = s;
  live_.fetch_add(1, std::memory_order_release);
}

void Worker::Detach(Session* s) {
  if (s->prev) s->prev->next = s->next;
  if (s->next) s->next->prev = s->prev;
  if (sessions_ == s) sessions_ = s->next;
  s->prev = s->next = nullptr;
  live_.fetch_sub(1, std::memory_order_release);
}

void Worker::BeginDrain() { CloseAll(/*abort=*/false); }

void Worker::ForceClose() { CloseAll(/*abort=*/true); }

void Worker::CloseAll(bool abort) {
  asio::post(io_, [this, abort] {
    draining_ = true;
    error_code ec;
    for (auto& a : acceptors_)
      if (a) a->close(ec);
    pool_.Clear();
    for (Session* s = sessions_; s; s = s->next) abort ? s->Abort() : s->OnDrain();
  });
}

void Worker::Stop() {
  if (!thread_.joinable()) return;
  work_.reset();
  io_.stop();
  thread_.join();
  pool_.Clear();
}

}  // namespace weft::sidecar
