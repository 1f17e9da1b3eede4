#pragma once
// Realistic trace log lines (../shared/LOGFORMAT.md) for benchmarks: several services, both
// RpcId numbering schemes, caller/callee pairs over HTTP, mysql/redis/memcache calls (a
// mysql.connect sharing its call's number), log.* lines between calls, metric lines,
// occasional errors and exceptions. Lines are 300-600 bytes like LOGFORMAT.md's examples;
// traces have 3 to ~130 lines (17 on average), every call and request line present (so
// the reader makes placeholders only where the scheme cannot be told). Lines of concurrent
// requests interleave in the file as they would when many requests run at once.
//
// Deterministic: the same options give the same lines on every platform (own PRNG, no
// <random> distributions, integer arithmetic for times). Depends on the standard library
// only, so the `logline_gen` CLI (bench/logline_gen_main.cc) needs nothing of weft.
//
// Not thread-safe.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "loadgen/prng.h"

namespace weft::bench {

struct LoglineGenOptions {
  uint64_t seed = 1;
  // Requests in flight at once: their lines interleave.
  size_t concurrent_traces = 64;
  // Share of traces numbered with the per-call (EagleEye) scheme, in percent; the rest use
  // the per-request counter.
  uint32_t per_call_percent = 30;
  // Share of traces with an error (a *.error call or log.exception), in percent.
  uint32_t error_percent = 5;
  // Wall-clock time of the first request, microseconds since the epoch.
  uint64_t start_unix_us = 1'700'000'000'000'000;
  // Mean gap between the starts of two requests, microseconds.
  uint64_t request_gap_us = 200;
};

class LoglineGenerator {
 public:
  explicit LoglineGenerator(LoglineGenOptions options = {});

  // Appends the next line (no '\n') to *out (cleared first).
  void next(std::string* out);
  // Lines of one whole new trace, in the order they are written (not interleaved).
  std::vector<std::string> trace();

  uint64_t traces_started() const { return traces_; }
  uint64_t lines_made() const { return lines_; }

 private:
  struct Line {
    uint64_t at_us;  // when it is written (its x_timestamp)
    std::string text;
  };
  struct Active {
    std::deque<Line> lines;  // of one trace, in write order
  };
  uint64_t rand() { return rng_.next(); }
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(rand() % n); }
  bool percent(uint32_t p) { return below(100) < p; }
  std::vector<Line> make_trace();
  struct Ctx;
  uint64_t serve(Ctx& c, size_t service, const std::vector<uint32_t>& rpc, uint64_t start_us,
                 int depth, const std::string& client_ip);

  LoglineGenOptions options_;
  loadgen::Prng rng_;
  uint64_t clock_us_;
  uint64_t traces_ = 0;
  uint64_t lines_ = 0;
  std::vector<Active> active_;
};

// `n` lines, each ended by '\n' (a file's contents).
std::string generate_lines(const LoglineGenOptions& options, size_t n);

}  // namespace weft::bench
