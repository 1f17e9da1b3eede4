// `weft loadgen`: the reference workload (shared/WORKLOAD.md) sent to a server over any
// ingest protocol, at a rate or flat out, or dumped as OTLP JSON lines. The parts live in
// src/cmd/loadgen/ (sources, senders, runner, report); this file is the command line.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "cmd/commands.h"
#include "cmd/loadgen/dump.h"
#include "cmd/loadgen/endpoint.h"
#include "cmd/loadgen/load_runner.h"
#include "cmd/loadgen/load_stats.h"
#include "cmd/loadgen/loadgen_options.h"
#include "cmd/loadgen/request_source.h"
#include "common/clock.h"

namespace weft::cmd {
namespace {

using loadgen::LoadgenOptions;

// Flat-out runs encode everything up front unless that would hold more than this many spans.
constexpr uint64_t kMaxPregeneratedSpans = 5'000'000;

struct Flags {
  LoadgenOptions options;
  std::string protocol = "otlp-http";
  double start_seconds = -1;  // unix seconds; < 0 = now - window
  double window_seconds = 600;
  CLI::Option* spans_flag = nullptr;
};

double process_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int run_loadgen(Flags& flags) {
  LoadgenOptions& o = flags.options;
  if (!loadgen::parse_protocol(flags.protocol, &o.protocol)) {
    std::fprintf(stderr, "weft loadgen: unknown --protocol %s\n", flags.protocol.c_str());
    return 2;
  }
  if (o.batch == 0 || o.concurrency == 0) {
    std::fprintf(stderr, "weft loadgen: --batch and --concurrency must be at least 1\n");
    return 2;
  }
  // --duration alone means "until the time is up"; with --spans, whichever comes first.
  if (o.duration_seconds > 0 && flags.spans_flag->count() == 0) o.spans = 0;
  if (o.spans == 0 && o.duration_seconds <= 0) {
    std::fprintf(stderr, "weft loadgen: --spans 0 needs --duration\n");
    return 2;
  }
  o.workload.window_nanos = static_cast<uint64_t>(flags.window_seconds * 1e9);
  o.workload.start_unix_nano = flags.start_seconds >= 0
                                   ? static_cast<uint64_t>(flags.start_seconds * 1e9)
                                   : Clock::system().now_unix_nanos() - o.workload.window_nanos;

  if (!o.dump_path.empty()) {
    if (o.spans == 0) {
      std::fprintf(stderr, "weft loadgen: --dump needs --spans\n");
      return 2;
    }
    auto lines = loadgen::dump_otlp_json_lines(o, o.dump_path);
    if (!lines.is_ok()) {
      std::fprintf(stderr, "weft loadgen: %s\n", lines.status().to_string().c_str());
      return 1;
    }
    if (!o.quiet) {
      std::fprintf(stderr, "weft loadgen: wrote %llu spans in %llu OTLP JSON lines to %s\n",
                   static_cast<unsigned long long>(o.spans),
                   static_cast<unsigned long long>(*lines), o.dump_path.c_str());
    }
    return 0;
  }

  auto endpoint = loadgen::resolve_endpoint(o);
  if (!endpoint.is_ok()) {
    std::fprintf(stderr, "weft loadgen: %s\n", endpoint.status().to_string().c_str());
    return 2;
  }
  loadgen::RunTimes times;
  const double cpu0 = process_cpu_seconds();
  std::unique_ptr<loadgen::RequestSource> source;
  if (o.rate <= 0 && o.spans > 0 && o.spans <= kMaxPregeneratedSpans) {
    if (!o.quiet)
      std::fprintf(stderr, "weft loadgen: encoding %llu spans up front...\n",
                   static_cast<unsigned long long>(o.spans));
    source = loadgen::pregenerate_requests(o);
  } else {
    source = loadgen::stream_requests(o);
  }
  const double cpu1 = process_cpu_seconds();
  times.generate_cpu_seconds = cpu1 - cpu0;

  loadgen::LoadStats stats;
  auto elapsed = loadgen::run_load(o, *endpoint, *source, stats, o.quiet ? nullptr : stderr);
  times.send_cpu_seconds = process_cpu_seconds() - cpu1;
  if (!elapsed.is_ok()) {
    std::fprintf(stderr, "weft loadgen: %s\n", elapsed.status().to_string().c_str());
    return 1;
  }
  times.send_seconds = *elapsed;
  loadgen::print_summary(stdout, o, endpoint->to_string(), stats, times);
  return stats.requests_failed.load() == 0 ? 0 : 1;
}

}  // namespace

void register_loadgen_command(CLI::App& app) {
  auto flags = std::make_shared<Flags>();
  LoadgenOptions& o = flags->options;
  CLI::App* cmd = app.add_subcommand(
      "loadgen",
      "Send the reference workload (deterministic from --seed) to a server, or --dump it");
  cmd->add_option("--protocol", flags->protocol, "otlp-http | otlp-http-json | otlp-grpc | zipkin")
      ->capture_default_str();
  cmd->add_option("--endpoint", o.endpoint,
                  "host:port (default 127.0.0.1:4318 for OTLP/HTTP, :4317 gRPC, :9411 Zipkin)");
  cmd->add_option("--ports-file", o.ports_file,
                  "read the endpoint from the JSON that `weft serve --ports-file` writes");
  flags->spans_flag =
      cmd->add_option("--spans", o.spans, "spans to send in all")->capture_default_str();
  cmd->add_option("--duration", o.duration_seconds,
                  "seconds to run (alone: no span limit; with --spans: whichever ends first)");
  cmd->add_option("--rate", o.rate, "spans per second over all connections; 0 = flat out")
      ->capture_default_str();
  cmd->add_option("--batch", o.batch, "spans per request")->capture_default_str();
  cmd->add_option("--concurrency", o.concurrency, "connections, one sender thread each")
      ->capture_default_str();
  cmd->add_option("--seed", o.workload.seed, "workload seed")->capture_default_str();
  cmd->add_option("--start", flags->start_seconds,
                  "unix seconds where trace start times begin (default: now - window); "
                  "fix it for byte-identical output across runs");
  cmd->add_option("--window", flags->window_seconds,
                  "seconds over which trace start times are spread")
      ->capture_default_str();
  cmd->add_flag("--gzip", o.gzip, "gzip request bodies (gRPC: gzip message compression)");
  cmd->add_option("--dump", o.dump_path,
                  "write OTLP JSON lines (one ExportTraceServiceRequest per line) to FILE "
                  "('-' = stdout) instead of sending");
  cmd->add_option("--max-retries", o.max_retries,
                  "retries per request on 429/503 or gRPC UNAVAILABLE/RESOURCE_EXHAUSTED")
      ->capture_default_str();
  cmd->add_option("--timeout-ms", o.timeout_ms, "per request attempt")->capture_default_str();
  cmd->add_flag("--quiet", o.quiet, "no progress lines (the final report is still printed)");
  cmd->callback([flags] { exit_code = run_loadgen(*flags); });
}

}  // namespace weft::cmd
