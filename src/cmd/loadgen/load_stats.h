#pragma once
// Counters of a `weft loadgen` run, shared by its sender threads, and the report.
// Thread-safe: counters are atomic; the failure table and latencies take a mutex.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "cmd/loadgen/loadgen_options.h"

namespace weft::cmd::loadgen {

class LoadStats {
 public:
  // A request's spans count as sent once, however often it is retried.
  std::atomic<uint64_t> requests_sent{0}, spans_sent{0}, bytes_sent{0};
  // Answered OK: spans_acked excludes the spans the server reported rejected.
  std::atomic<uint64_t> requests_ok{0}, spans_acked{0}, spans_rejected{0};
  // Given up on (not retryable, or retries exhausted).
  std::atomic<uint64_t> requests_failed{0}, spans_failed{0};
  std::atomic<uint64_t> retries{0};

  // Counts one failed attempt under `key` ("http 500", "grpc UNAVAILABLE", "transport");
  // keeps the first `detail` of each key for the report.
  void add_failure(const std::string& key, const std::string& detail);
  // Latencies (nanoseconds) of the attempts one thread made.
  void add_latencies(const std::vector<uint64_t>& nanos);

  struct Failure {
    uint64_t count = 0;
    std::string first_detail;
  };
  std::map<std::string, Failure> failures() const;
  std::vector<uint64_t> sorted_latencies() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, Failure> failures_;  // GUARDED_BY(mu_)
  std::vector<uint64_t> latencies_;          // GUARDED_BY(mu_)
};

// What the run cost and how long it took.
struct RunTimes {
  double send_seconds = 0;          // wall time of the sending phase
  double generate_cpu_seconds = 0;  // loadgen CPU generating and encoding up front
  double send_cpu_seconds = 0;      // loadgen CPU while sending (includes streamed encoding)
};

// The human-readable summary, then one machine-readable line starting "result " with
// key=value pairs (for bench/ingest_bench.sh).
void print_summary(std::FILE* out, const LoadgenOptions& options, const std::string& target,
                   const LoadStats& stats, const RunTimes& times);

}  // namespace weft::cmd::loadgen
