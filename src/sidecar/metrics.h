#pragma once
// The sidecar's own counters. Each I/O thread owns one WorkerStats and is its only writer
// (relaxed load + store: no locked instruction on the hot path); /metrics sums them.
#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "weft/processor.h"

namespace weft::sidecar {

enum class Direction : uint8_t { kIngress = 0, kEgress = 1 };
inline constexpr size_t kDirections = 2;

// Why a request or connection failed (weft_sidecar_errors_total{kind}).
enum class ErrorKind : uint8_t {
  kNone = 0,
  kBadRequest,        // 400: malformed request line, header or chunk framing
  kHeaderTooLarge,    // 431
  kBodyTooLarge,      // 413
  kHeaderTimeout,     // 408 / close: request head not complete within --header-timeout
  kBadTarget,         // 400 on the egress port: no usable host
  kDns,               // 502: egress host does not resolve
  kUpstreamConnect,   // 502: connect refused / unreachable
  kUpstreamTimeout,   // 504: connect or response slower than --upstream-timeout
  kUpstreamReset,     // 502 (or a cut response): upstream closed or reset mid-exchange
  kUpstreamBadResponse,  // 502: unparsable response
  kClientAbort,       // the client went away mid-exchange
  kCount,
};
inline constexpr size_t kErrorKinds = static_cast<size_t>(ErrorKind::kCount);
const char* ErrorKindName(ErrorKind k);

// Trace-context formats whose malformed headers are counted.
enum class TraceFormat : uint8_t { kTraceContext, kB3, kJaeger, kRpcId, kBaggage, kCount };
inline constexpr size_t kTraceFormats = static_cast<size_t>(TraceFormat::kCount);
const char* TraceFormatName(TraceFormat f);

// A counter with one writer thread.
class Tally {
 public:
  void Add(uint64_t n = 1) { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void Sub(uint64_t n = 1) { v_.store(v_.load(std::memory_order_relaxed) - n, std::memory_order_relaxed); }
  uint64_t Get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

struct alignas(64) WorkerStats {
  struct PerDirection {
    Tally connections_accepted;
    Tally connections_open;  // gauge
    Tally requests;
    std::array<Tally, 5> responses;  // by status class 1xx..5xx
    std::array<Tally, kErrorKinds> errors;
    Tally upstream_new;     // upstream connections opened
    Tally upstream_reused;  // requests sent on a pooled connection
    Tally upstream_open;    // gauge
    Tally upstream_retries;
    Tally downstream_bytes_in, downstream_bytes_out;
    Tally upstream_bytes_in, upstream_bytes_out;
    Tally tunnels;          // WebSocket / Upgrade (ingress), CONNECT (egress)
    void Error(ErrorKind k) { errors[static_cast<size_t>(k)].Add(); }
  };
  std::array<PerDirection, kDirections> dir;
  std::array<Tally, kTraceFormats> malformed;
  Tally spans_started;  // recording spans (sampled)
  Tally spans_unsampled;

  PerDirection& operator[](Direction d) { return dir[static_cast<size_t>(d)]; }
  void Error(Direction d, ErrorKind k) { dir[static_cast<size_t>(d)].errors[static_cast<size_t>(k)].Add(); }
};

// Plain sums, for tests and the text below.
struct StatsSnapshot {
  struct PerDirection {
    uint64_t connections_accepted = 0, connections_open = 0, requests = 0;
    std::array<uint64_t, 5> responses{};
    std::array<uint64_t, kErrorKinds> errors{};
    uint64_t upstream_new = 0, upstream_reused = 0, upstream_open = 0, upstream_retries = 0;
    uint64_t downstream_bytes_in = 0, downstream_bytes_out = 0;
    uint64_t upstream_bytes_in = 0, upstream_bytes_out = 0;
    uint64_t tunnels = 0;
    uint64_t error(ErrorKind k) const { return errors[static_cast<size_t>(k)]; }
  };
  std::array<PerDirection, kDirections> dir;
  std::array<uint64_t, kTraceFormats> malformed{};
  uint64_t spans_started = 0, spans_unsampled = 0;
  ProcessorStats processor;
  bool draining = false;

  const PerDirection& operator[](Direction d) const { return dir[static_cast<size_t>(d)]; }
  uint64_t malformed_total() const {
    uint64_t n = 0;
    for (uint64_t m : malformed) n += m;
    return n;
  }
};

StatsSnapshot SumStats(const std::vector<const WorkerStats*>& workers);
// Prometheus text exposition format 0.0.4.
std::string RenderMetrics(const StatsSnapshot& s);

}  // namespace weft::sidecar
