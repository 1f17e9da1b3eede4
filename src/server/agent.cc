#include "server/agent.h"

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <thread>

#include "common/metrics.h"
#include "ingest/ingestor.h"
#include "ingest/log_tail_ingest.h"
#include "server/forwarder.h"
#include "server/http_server.h"
#include "server/io_pool.h"
#include "server/ops_handler.h"
#include "server/ports_file.h"
#include "server/receivers.h"
#include "server/shutdown_signals.h"
#include "store/queue/disk_queue.h"

namespace weft::server {

using namespace weft::model;

namespace {

void log(const std::string& line) { std::fprintf(stderr, "weft agent: %s\n", line.c_str()); }

// What the log tail writes to: the queue while it is below its high water mark, else
// "overloaded" — the tail then retries with backoff and stops reading its files meanwhile,
// so a collector that is away fills the queue with log spans only up to the mark and
// never pushes older spans out.
class HighWaterSink final : public SpanSink {
 public:
  HighWaterSink(store::DiskQueue& queue, uint64_t high_water)
      : queue_(queue), high_water_(high_water) {}
  void write(SpanBatch batch, std::function<void(Status)> done) override {
    if (queue_.bytes() >= high_water_) {
      done(resource_exhausted("the agent's queue is above its high water mark"));
      return;
    }
    queue_.write(std::move(batch), std::move(done));
  }

 private:
  store::DiskQueue& queue_;
  const uint64_t high_water_;
};

void register_queue_gauges(store::DiskQueue& q) {
  auto& reg = MetricsRegistry::global();
  auto stat = [&q](uint64_t store::DiskQueueStats::*field) {
    return [&q, field] { return static_cast<double>(q.stats().*field); };
  };
  using S = store::DiskQueueStats;
  reg.callback_gauge("weft_agent_queue_bytes", "Bytes of the agent's disk queue", stat(&S::bytes));
  reg.callback_gauge("weft_agent_queue_pending_spans", "Spans queued and not yet delivered",
                     stat(&S::pending_spans));
  reg.callback_gauge("weft_agent_queue_appended_spans_total", "Spans put into the queue",
                     stat(&S::appended_spans));
  reg.callback_gauge("weft_agent_queue_acked_spans_total",
                     "Spans delivered (or rejected for good) and removed from the queue",
                     stat(&S::acked_spans));
  reg.callback_gauge("weft_agent_queue_dropped_spans_total",
                     "Spans lost because the queue reached its byte bound (oldest first)",
                     stat(&S::dropped_spans));
}

}  // namespace

int run_agent(const AgentOptions& options) {
  sigset_t signals = block_shutdown_signals();
  std::atomic<bool> ready{false};

  ReceiverAddrs addrs = options.receivers;
  if (Status s = Receivers::check(addrs); !s.is_ok()) {
    log(s.message());
    return 2;
  }
  auto admin_hp = parse_host_port(options.admin_addr, addrs.listen_host, 14271);
  if (!admin_hp.is_ok()) {
    log("--admin-addr: " + admin_hp.status().message());
    return 2;
  }
  auto max_bytes = parse_byte_size("--queue-max-bytes", options.queue_max_bytes);
  if (!max_bytes.is_ok()) {
    log(max_bytes.status().message());
    return 2;
  }
  if (*max_bytes < (1u << 20)) {
    log("--queue-max-bytes must be at least 1MiB");
    return 2;
  }
  if (options.fsync != "request" && options.fsync != "never") {
    log("--fsync must be request or never (got \"" + options.fsync + "\")");
    return 2;
  }
  if (!(options.tail_high_water > 0 && options.tail_high_water <= 1)) {
    log("--tail-high-water must be in (0, 1]");
    return 2;
  }
  std::optional<ingest::LogTailOptions> tail_options;
  if (!options.tail.globs.empty()) {
    auto t = log_tail_options(options.tail, options.data_dir);
    if (!t.is_ok()) {
      log(t.status().message());
      return 2;
    }
    tail_options = std::move(t).value();
    tail_options->shutdown_timeout_ms = options.shutdown_timeout_ms;
  }

  ForwarderOptions fopts;
  fopts.collectors = options.forward;
  fopts.compression = options.forward_compression;
  fopts.log = [](const std::string& line) { log(line); };
  if (auto checked = collector_endpoints(fopts); !checked.is_ok()) {
    log(checked.status().message());
    return 2;
  }

  store::DiskQueueOptions qopts;
  qopts.dir = options.data_dir + "/queue";
  qopts.max_bytes = *max_bytes;
  qopts.segment_bytes =
      std::min<uint64_t>(16ull << 20, std::max<uint64_t>(*max_bytes / 16, 64u << 10));
  qopts.sync = options.fsync == "request";
  qopts.log = [](const std::string& line) { log(line); };
  auto opened_queue = store::DiskQueue::open(qopts);
  if (!opened_queue.is_ok()) {
    log("cannot open the queue in " + qopts.dir + ": " + opened_queue.status().message());
    return 1;
  }
  std::unique_ptr<store::DiskQueue> queue = std::move(opened_queue).value();
  register_queue_gauges(*queue);
  store::DiskQueueStats recovered = queue->stats();
  log("queue " + qopts.dir + ": " + std::to_string(recovered.pending_spans) +
      " spans waiting from " + "before (" + std::to_string(recovered.bytes) + " bytes)");

  auto created = Forwarder::create(*queue, fopts);
  if (!created.is_ok()) {
    log(created.status().message());
    queue->close();
    return 2;
  }
  std::unique_ptr<Forwarder> forwarder = std::move(created).value();
  forwarder->register_metrics();

  ingest::Ingestor ingestor(*queue, options.limits);
  HighWaterSink tail_sink(*queue, static_cast<uint64_t>(*max_bytes * options.tail_high_water));
  ingest::Ingestor tail_ingestor(tail_sink, options.limits);
  std::unique_ptr<ingest::LogTailIngest> log_tail;
  if (tail_options) {
    auto opened_tail = ingest::LogTailIngest::open(tail_ingestor, *tail_options);
    if (!opened_tail.is_ok()) {
      log("--tail: " + opened_tail.status().message());
      queue->close();
      return 2;
    }
    log_tail = std::move(opened_tail).value();
  }

  // Four HTTP listeners (OTLP/HTTP, Zipkin, Jaeger HTTP, admin) share the file descriptors.
  std::string fd_note;
  addrs.http.max_connections = fit_max_connections(addrs.http.max_connections, 4, &fd_note);
  if (!fd_note.empty()) log(fd_note);

  boost::asio::io_context ioc;
  Receivers receivers(ioc, ingestor, addrs, options.limits.max_body_bytes);
  HttpServerOptions admin_opts;
  admin_opts.name = "admin";
  admin_opts.limits = addrs.http;
  HttpServer admin(
      ioc, admin_opts, make_ops_handler(ready, [](http::Request&&, http::Responder respond) {
        respond(http::Response::text(
            404, "not found: the agent's admin port serves /metrics, /healthz, /readyz\n"));
      }));
  auto started = receivers.start();
  Result<std::string> admin_bound =
      started.is_ok() ? admin.start(admin_hp->host, admin_hp->port) : started.status();
  if (!admin_bound.is_ok()) {
    log(admin_bound.status().message());
    receivers.stop(std::chrono::milliseconds(0));
    log_tail.reset();
    queue->close();
    return 1;
  }
  std::vector<std::pair<std::string, std::string>> bound = std::move(started).value();
  bound.emplace_back("admin", *admin_bound);

  IoPool io_pool(ioc, options.io_threads);
  forwarder->start();
  if (log_tail) {
    if (Status s = log_tail->start(); !s.is_ok())
      log("--tail: " + s.message() + " (no log files are read)");
    std::string globs;
    for (const std::string& g : options.tail.globs) globs += (globs.empty() ? "" : ", ") + g;
    log("tailing " + globs + " (checkpoint " + tail_options->tail.checkpoint_path + ")");
  }
  if (!options.ports_file.empty()) {
    if (Status s = write_ports_file(options.ports_file, bound); !s.is_ok()) log(s.message());
  }
  std::string listening, collectors;
  for (auto& [name, addr] : bound) listening += " " + name + "=" + addr;
  for (const auto& c : forwarder->stats().collectors) collectors += " " + c.url;
  log("listening:" + listening);
  log("forwarding to" + collectors + " (OTLP, " + options.forward_compression + "; queue bound " +
      options.queue_max_bytes + ")");
  ready = true;

  log(std::string("received ") + wait_for_shutdown_signal(signals) + ", shutting down");
  ready = false;
  receivers.stop(std::chrono::milliseconds(options.shutdown_timeout_ms));
  if (log_tail) log_tail->stop();  // open traces into the queue, final checkpoint
  auto drain_until =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options.drain_timeout_ms);
  auto any_healthy = [&] {
    for (const auto& c : forwarder->stats().collectors)
      if (c.healthy) return true;
    return false;
  };
  while (queue->stats().pending_entries > 0 && any_healthy() &&
         std::chrono::steady_clock::now() < drain_until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  forwarder->stop();
  store::DiskQueueStats last = queue->stats();
  queue->close();
  admin.stop();
  io_pool.stop();
  log("stopped; " + std::to_string(last.pending_spans) +
      " spans wait in the queue for the next start");
  return 0;
}

}  // namespace weft::server
