#pragma once
// The demo's users: requests into the frontend at a steady average rate (Poisson
// arrivals), 65% GET /checkout and 35% GET /browse. Plain HTTP without tracing headers, so
// every trace starts at the frontend, as it would for a browser.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace weft::cmd::demo {

struct TrafficStats {
  uint64_t sent = 0;
  uint64_t ok = 0;                   // 2xx
  uint64_t client_errors = 0;        // 4xx: out of stock, card declined
  uint64_t server_errors = 0;        // 5xx
  uint64_t failed = 0;               // no answer (connection refused, timeout)
  uint64_t skipped = 0;              // arrivals dropped because every sender was busy for > 1 s
  std::vector<double> latencies_ms;  // since the last TakeStats
  std::string last_trace_id;         // from the frontend's traceresponse header
};

class TrafficDriver {
 public:
  // `senders` threads share the arrival schedule; each keeps one connection open.
  TrafficDriver(std::string host, uint16_t port, double rate_per_second, int senders = 16);
  ~TrafficDriver();  // Stop()
  void Start();
  // Stops scheduling and waits for requests in flight.
  void Stop();
  // Counters since the start; latencies (and the counts) since the previous call are in
  // the returned value's latencies_ms only.
  TrafficStats TakeStats();

 private:
  void Run();
  std::chrono::steady_clock::time_point NextArrival();

  const std::string host_;
  const uint16_t port_;
  const double rate_;
  const int senders_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
  std::mutex mu_;  // guards everything below
  std::chrono::steady_clock::time_point next_;
  std::mt19937_64 rng_{std::random_device{}()};
  TrafficStats stats_;
};

}  // namespace weft::cmd::demo
