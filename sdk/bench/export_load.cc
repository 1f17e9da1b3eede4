// Export load generator: T threads make N spans (4 attributes each) at a target rate, the
// SDK exports them to a collector over OTLP/HTTP, and the program prints what it cost this
// process (CPU per span, from getrusage) and the SDK's counters as one JSON line.
// Driven by bench/sdk_export_bench.sh (weft serve as the collector).
//
//   weft_sdk_export_load --endpoint http://127.0.0.1:4318 --spans 1000000 --rate 100000 --threads 1
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "weft/weft.h"

namespace {

double Seconds(const timeval& t) {
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

// --sink: a minimal OTLP/HTTP collector that reads each request and answers 200 with an
// empty ExportTraceServiceResponse, so the SDK's own cost can be measured at rates no real
// collector on the same two cores could take. One connection at a time (the SDK exporter
// uses one). Prints "SINK <port>" and runs until killed.
int RunSink() {
  const int ls = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(ls, 16) != 0 ||
      getsockname(ls, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    std::perror("sink");
    return 1;
  }
  std::printf("SINK %d\n", ntohs(a.sin_port));
  std::fflush(stdout);
  static const char kOk[] =
      "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n";
  std::vector<char> buf(1 << 20);
  for (;;) {
    const int c = accept(ls, nullptr, nullptr);
    if (c < 0) continue;
    std::string pending;
    for (;;) {
      const ssize_t n = read(c, buf.data(), buf.size());
      if (n <= 0) break;
      pending.append(buf.data(), static_cast<size_t>(n));
      for (;;) {  // answer every complete request in `pending`
        const size_t end = pending.find("\r\n\r\n");
        if (end == std::string::npos) break;
        size_t body = 0;
        for (size_t p = 0; p < end;) {
          const size_t eol = pending.find("\r\n", p);
          std::string line = pending.substr(p, eol - p);
          for (auto& ch : line)
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
          if (line.rfind("content-length:", 0) == 0) body = std::stoul(line.substr(15));
          p = eol + 2;
        }
        if (pending.size() < end + 4 + body) break;
        pending.erase(0, end + 4 + body);
        if (write(c, kOk, sizeof kOk - 1) < 0) break;
      }
    }
    close(c);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--sink") == 0) return RunSink();
  std::string endpoint = "http://127.0.0.1:4318";
  long spans = 1'000'000, rate = 0, threads = 1, ring_bytes = 8 << 20;
  bool gzip = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--endpoint")
      endpoint = next();
    else if (a == "--spans")
      spans = std::atol(next());
    else if (a == "--rate")
      rate = std::atol(next());
    else if (a == "--threads")
      threads = std::atol(next());
    else if (a == "--ring-bytes")
      ring_bytes = std::atol(next());
    else if (a == "--gzip")
      gzip = true;
    else {
      std::fprintf(
          stderr,
          "usage: %s [--endpoint URL] [--spans N] [--rate SPANS_PER_S (0 = flat out)] "
          "[--threads T] [--ring-bytes N (per thread, default 8 MiB)] [--gzip]\n       %s --sink   (a discarding OTLP/HTTP collector)\n",
          argv[0], argv[0]);
      return 2;
    }
  }
  weft::Options o;
  o.service_name = "export-load";
  o.endpoint = endpoint;
  o.gzip = gzip;
  o.flush_on_signal = false;
  o.batch.ring_bytes_per_thread = static_cast<size_t>(ring_bytes);
  o.batch.max_export_batch = 4096;
  o.batch.export_interval = std::chrono::milliseconds(50);
  weft::Sdk sdk = weft::Init(std::move(o));
  weft::Tracer tracer = sdk.tracer("export-load");

  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (long t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      const long mine = spans / threads + (t < spans % threads ? 1 : 0);
      const double per_thread_rate =
          rate > 0 ? static_cast<double>(rate) / static_cast<double>(threads) : 0;
      const auto t0 = std::chrono::steady_clock::now();
      for (long i = 0; i < mine; ++i) {
        if (per_thread_rate > 0 && (i & 255) == 0) {
          const auto due =
              t0 + std::chrono::duration<double>(static_cast<double>(i) / per_thread_rate);
          std::this_thread::sleep_until(
              std::chrono::time_point_cast<std::chrono::steady_clock::duration>(due));
        }
        weft::Span span = tracer.StartSpan("GET /api/orders", weft::SpanKind::kServer);
        span.SetAttribute("http.request.method", "GET");
        span.SetAttribute("http.response.status_code", 200);
        span.SetAttribute("db.rows", 12.5);
        span.SetAttribute("cache.hit", (i & 1) == 0);
      }
    });
  for (auto& w : workers) w.join();
  const double produce_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const bool flushed = sdk.ForceFlush(std::chrono::milliseconds(120'000));
  const double total_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  const double user = Seconds(after.ru_utime) - Seconds(before.ru_utime);
  const double sys = Seconds(after.ru_stime) - Seconds(before.ru_stime);
  const weft::SdkStats s = sdk.stats();
  std::printf(
      "{\"spans\":%ld,\"threads\":%ld,\"rate\":%ld,\"produce_s\":%.3f,\"total_s\":%.3f,\"flushed\":"
      "%s,"
      "\"cpu_user_s\":%.3f,\"cpu_sys_s\":%.3f,\"cpu_us_per_span\":%.3f,\"spans_per_s\":%.0f,"
      "\"ended\":%llu,\"dropped\":%llu,\"exported\":%llu,\"failed\":%llu,\"retries\":%llu}\n",
      spans, threads, rate, produce_s, total_s, flushed ? "true" : "false", user, sys,
      (user + sys) * 1e6 / static_cast<double>(spans), static_cast<double>(spans) / total_s,
      static_cast<unsigned long long>(s.processor.ended),
      static_cast<unsigned long long>(s.processor.dropped),
      static_cast<unsigned long long>(s.exporter.exported_spans),
      static_cast<unsigned long long>(s.exporter.failed_spans),
      static_cast<unsigned long long>(s.exporter.retries));
  return 0;
}
