#pragma once
// One I/O thread: its own io_context, its own acceptors (SO_REUSEPORT: the kernel spreads
// connections over the threads), its own upstream connection pool and counters, and the
// sessions it runs. Nothing on a request's path is shared with another thread except the
// read-only Shared state and the SDK's per-thread span ring.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sidecar/io.h"
#include "sidecar/metrics.h"
#include "sidecar/options.h"
#include "sidecar/trace_context.h"
#include "sidecar/upstream_pool.h"
#include "weft/tracer.h"

namespace weft::sidecar {

class Session;

// Set up by Sidecar::Start, read-only while the workers run.
struct Shared {
  Config cfg;
  const ContextCodec* codec = nullptr;
  Tracer tracer;
  std::vector<tcp::endpoint> upstream_endpoints;
  std::string upstream_key;       // pool key of the one ingress upstream
  tcp::endpoint listen_bound;     // ingress, after binding (port 0 resolved)
  std::optional<tcp::endpoint> egress_bound;
};

class Worker {
 public:
  Worker(const Shared& shared, int index);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Binds this worker's acceptor for `dir` to `ep` (SO_REUSEPORT). Returns the bound endpoint.
  bool Listen(Direction dir, const tcp::endpoint& ep, tcp::endpoint* bound, std::string* error);
  // Starts the accept loops and the thread.
  void Start();
  // From any thread: stop accepting; close idle connections; the rest close after their
  // current response.
  void BeginDrain();
  // From any thread: close every connection now.
  void ForceClose();
  // From any thread: stop the io_context and join the thread.
  void Stop();

  size_t live_sessions() const { return live_.load(std::memory_order_acquire); }
  asio::io_context& io() { return io_; }
  Executor executor() { return io_.get_executor(); }
  const Shared& shared() const { return shared_; }
  const Config& cfg() const { return shared_.cfg; }
  WorkerStats& stats() { return stats_; }
  const WorkerStats& stats() const { return stats_; }
  UpstreamPool& pool() { return pool_; }
  bool draining() const { return draining_; }
  int index() const { return index_; }

  // The worker's live sessions (its thread only).
  void Attach(Session* s);
  void Detach(Session* s);

 private:
  Task<void> AcceptLoop(Acceptor* acceptor, Direction dir);
  // On the I/O thread: stop accepting, drop pooled upstream connections, then drain
  // (OnDrain) or abort every session.
  void CloseAll(bool abort);

  // Declared so that the io_context goes after the acceptors and before what the sessions
  // it still holds (suspended coroutines) touch as they are destroyed.
  const Shared& shared_;
  int index_;
  WorkerStats stats_;
  UpstreamPool pool_;
  Session* sessions_ = nullptr;  // intrusive list
  std::atomic<size_t> live_{0};
  bool draining_ = false;
  // One thread runs it and every socket of it is used only on that thread, so the reactor
  // needs no per-descriptor locking (posts from other threads still lock the scheduler).
  asio::io_context io_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  std::optional<asio::executor_work_guard<Executor>> work_;
  std::unique_ptr<Acceptor> acceptors_[kDirections];
  std::thread thread_;
};

}  // namespace weft::sidecar
