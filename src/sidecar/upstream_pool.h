#pragma once
// Kept-alive connections to upstreams, per I/O thread (so no locks): the ingress side has
// one upstream, the egress side one key per host:port the service calls. Connections are
// taken most-recent first; one that the upstream closed while it sat idle is found by a
// non-blocking peek and dropped, and those idle longer than the idle timeout are closed.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sidecar/byte_buffer.h"
#include "sidecar/http_head.h"
#include "sidecar/io.h"
#include "sidecar/metrics.h"

namespace weft::sidecar {

struct UpstreamConn {
  UpstreamConn(Executor ex, Tally* open_gauge, size_t buffer_bytes)
      : socket(ex), in(buffer_bytes), open_gauge_(open_gauge) {
    open_gauge_->Add();
  }
  ~UpstreamConn() { open_gauge_->Sub(); }
  UpstreamConn(const UpstreamConn&) = delete;
  UpstreamConn& operator=(const UpstreamConn&) = delete;

  Socket socket;
  ByteBuffer in;
  HeadParser parser;
  MessageHead head;  // the response being read
  SteadyClock::time_point idle_since{};
  bool reused = false;
  std::string peer_address;  // for network.peer.address
  uint16_t peer_port = 0;

 private:
  Tally* open_gauge_;
};

class UpstreamPool {
 public:
  UpstreamPool(size_t max_idle_per_key, std::chrono::nanoseconds max_idle_time)
      : max_idle_per_key_(max_idle_per_key), max_idle_time_(max_idle_time) {}

  // An idle connection to `key`, or null. With `verify` (a request that could not be retried:
  // it has a body) or when it sat idle for a while, the connection is first checked to be
  // still open (one non-blocking peek); a request without a body skips that on a connection
  // used moments ago and is retried on a fresh one if it turns out closed (Session::Forward).
  std::unique_ptr<UpstreamConn> Take(std::string_view key, bool verify);
  // Keeps `c` for reuse (or closes it when the pool for `key` is full).
  void Put(std::string_view key, std::unique_ptr<UpstreamConn> c);
  // Closes every idle connection.
  void Clear() { slots_.clear(); }
  size_t idle() const;

 private:
  struct Slot {
    std::string key;
    std::vector<std::unique_ptr<UpstreamConn>> idle;  // oldest first
  };
  Slot* Find(std::string_view key);
  size_t max_idle_per_key_;
  std::chrono::nanoseconds max_idle_time_;
  std::vector<Slot> slots_;
};

}  // namespace weft::sidecar
