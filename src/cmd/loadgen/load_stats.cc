#include "cmd/loadgen/load_stats.h"

#include <algorithm>

namespace weft::cmd::loadgen {

void LoadStats::add_failure(const std::string& key, const std::string& detail) {
  std::lock_guard lock(mu_);
  Failure& f = failures_[key];
  if (f.count++ == 0) f.first_detail = detail;
}

void LoadStats::add_latencies(const std::vector<uint64_t>& nanos) {
  std::lock_guard lock(mu_);
  latencies_.insert(latencies_.end(), nanos.begin(), nanos.end());
}

std::map<std::string, LoadStats::Failure> LoadStats::failures() const {
  std::lock_guard lock(mu_);
  return failures_;
}

std::vector<uint64_t> LoadStats::sorted_latencies() const {
  std::vector<uint64_t> out;
  {
    std::lock_guard lock(mu_);
    out = latencies_;
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

double percentile_ms(const std::vector<uint64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(p * double(sorted.size())));
  return double(sorted[i]) / 1e6;
}

}  // namespace

void print_summary(std::FILE* out, const LoadgenOptions& options, const std::string& target,
                   const LoadStats& stats, const RunTimes& times) {
  const uint64_t sent = stats.spans_sent, acked = stats.spans_acked;
  const uint64_t bytes = stats.bytes_sent;
  const double secs = times.send_seconds > 0 ? times.send_seconds : 1e-9;
  const double rate = double(acked) / secs;
  const auto failures = stats.failures();
  const auto latencies = stats.sorted_latencies();
  const std::string proto(protocol_name(options.protocol));

  std::fprintf(out, "weft loadgen: %s -> %s, seed %llu, batch %u, concurrency %u%s\n",
               proto.c_str(), target.c_str(),
               static_cast<unsigned long long>(options.workload.seed), options.batch,
               options.concurrency, options.gzip ? ", gzip" : "");
  std::fprintf(out, "  spans sent       %llu in %llu requests (%.1f MB, %.0f B/span on the wire)\n",
               static_cast<unsigned long long>(sent),
               static_cast<unsigned long long>(stats.requests_sent.load()), double(bytes) / 1e6,
               sent ? double(bytes) / double(sent) : 0.0);
  std::fprintf(out, "  spans acked      %llu (%llu rejected by the server)\n",
               static_cast<unsigned long long>(acked),
               static_cast<unsigned long long>(stats.spans_rejected.load()));
  std::fprintf(out, "  requests failed  %llu (%llu spans), retries %llu\n",
               static_cast<unsigned long long>(stats.requests_failed.load()),
               static_cast<unsigned long long>(stats.spans_failed.load()),
               static_cast<unsigned long long>(stats.retries.load()));
  for (const auto& [key, f] : failures) {
    std::fprintf(out, "    %-22s %llu attempts  (first: %.200s)\n", key.c_str(),
                 static_cast<unsigned long long>(f.count), f.first_detail.c_str());
  }
  std::fprintf(out, "  wall time        %.3f s sending\n", times.send_seconds);
  std::fprintf(out, "  throughput       %.0f spans/s acknowledged\n", rate);
  std::fprintf(out, "  request latency  p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
               percentile_ms(latencies, 0.5), percentile_ms(latencies, 0.9),
               percentile_ms(latencies, 0.99), percentile_ms(latencies, 1.0));
  std::fprintf(out,
               "  loadgen CPU      %.2f s generating up front, %.2f s while sending "
               "(%.2f us/span)\n",
               times.generate_cpu_seconds, times.send_cpu_seconds,
               sent ? times.send_cpu_seconds * 1e6 / double(sent) : 0.0);
  uint64_t failed_attempts = 0;
  for (const auto& [key, f] : failures) failed_attempts += f.count;
  std::fprintf(out,
               "result protocol=%s spans_sent=%llu spans_acked=%llu spans_rejected=%llu "
               "requests_failed=%llu failed_attempts=%llu retries=%llu seconds=%.3f "
               "spans_per_sec=%.0f p50_ms=%.2f p99_ms=%.2f loadgen_cpu_generate_s=%.3f "
               "loadgen_cpu_send_s=%.3f\n",
               proto.c_str(), static_cast<unsigned long long>(sent),
               static_cast<unsigned long long>(acked),
               static_cast<unsigned long long>(stats.spans_rejected.load()),
               static_cast<unsigned long long>(stats.requests_failed.load()),
               static_cast<unsigned long long>(failed_attempts),
               static_cast<unsigned long long>(stats.retries.load()), times.send_seconds, rate,
               percentile_ms(latencies, 0.5), percentile_ms(latencies, 0.99),
               times.generate_cpu_seconds, times.send_cpu_seconds);
  std::fflush(out);
}

}  // namespace weft::cmd::loadgen
