// `weft serve`: the whole system in one process. Startup opens the store (recovering the
// WAL), binds every listener, writes the ports file and marks itself ready; shutdown on
// SIGINT/SIGTERM stops accepting, lets requests in flight finish, syncs and closes the
// store, and exits 0.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <thread>
#include <unistd.h>
#include <vector>

#include "api/query_api.h"
#include "api/sampling_file.h"
#include "api/zipkin_api.h"
#include "common/metrics.h"
#include "ingest/ingestor.h"
#include "ingest/log_tail_ingest.h"
#include "query/params.h"
#include "query/query_service.h"
#include "server/demo_traffic.h"
#include "server/http_server.h"
#include "server/io_pool.h"
#include "server/pipeline/pipeline_runtime.h"
#include "server/ops_handler.h"
#include "server/ports_file.h"
#include "server/receivers.h"
#include "server/serve_options.h"
#include "server/shutdown_signals.h"
#include "server/ui_handler.h"
#include "store/embedded_store.h"

namespace weft::server {

using namespace weft::model;

namespace {

void log(const std::string& line) { std::fprintf(stderr, "weft: %s\n", line.c_str()); }

// weft's address as others can reach it (links in alert notifications): the query
// listener's, with this machine's host name for a wildcard bind.
std::string external_url(const std::string& bound_host_port) {
  std::string hp = bound_host_port;
  for (std::string_view wildcard : {"0.0.0.0:", "[::]:"}) {
    if (hp.rfind(wildcard, 0) != 0) continue;
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0 && host[0] != '\0')
      hp = std::string(host) + hp.substr(wildcard.size() - 1);
  }
  return "http://" + hp;
}

Result<EmbeddedStoreOptions> store_options(const ServeOptions& o) {
  EmbeddedStoreOptions s;
  s.data_dir = o.data_dir;
  if (o.fsync == "request")
    s.fsync = EmbeddedStoreOptions::Fsync::kPerRequest;
  else if (o.fsync == "interval")
    s.fsync = EmbeddedStoreOptions::Fsync::kInterval;
  else if (o.fsync == "never")
    s.fsync = EmbeddedStoreOptions::Fsync::kNever;
  else
    return invalid_argument("--fsync must be request, interval or never (got \"" + o.fsync + "\")");
  s.fsync_interval_ms = o.fsync_interval_ms;
  s.head_budget_bytes = o.head_budget_bytes;
  s.wal_segment_bytes = o.wal_segment_bytes;
  s.max_pending_bytes = o.max_pending_bytes;
  WEFT_ASSIGN_OR_RETURN(s.block_max_age_nanos,
                        query::parse_duration("--block-max-age", o.block_max_age));
  WEFT_ASSIGN_OR_RETURN(s.retention_nanos, query::parse_duration("--retention", o.retention));
  WEFT_ASSIGN_OR_RETURN(s.max_disk_bytes, parse_byte_size("--max-disk", o.max_disk));
  s.compaction = o.compaction != "off";
  return s;
}

// Store figures as gauges read when /metrics is scraped.
void register_store_gauges(Store& store) {
  auto& reg = MetricsRegistry::global();
  auto stat = [&store](uint64_t StoreStats::*field) {
    return [&store, field] { return static_cast<double>(store.stats().*field); };
  };
  reg.callback_gauge("weft_store_spans", "Spans held by the store", stat(&StoreStats::spans));
  reg.callback_gauge("weft_store_traces", "Traces held by the store", stat(&StoreStats::traces));
  reg.callback_gauge("weft_head_bytes", "Approximate memory held by the head",
                     stat(&StoreStats::head_bytes));
  reg.callback_gauge("weft_head_budget_bytes", "Memory budget of the head",
                     stat(&StoreStats::head_budget_bytes));
  reg.callback_gauge("weft_store_blocks", "Live blocks", stat(&StoreStats::blocks));
  reg.callback_gauge("weft_store_block_bytes", "Bytes in live block files",
                     stat(&StoreStats::block_bytes));
  reg.callback_gauge("weft_store_block_spans", "Spans in live blocks",
                     stat(&StoreStats::block_spans));
  reg.callback_gauge("weft_store_flushes_total", "Blocks cut from the head since start",
                     stat(&StoreStats::flushes));
  reg.callback_gauge("weft_store_compactions_total", "Block merges since start",
                     stat(&StoreStats::compactions));
  reg.callback_gauge("weft_store_retention_dropped_blocks_total",
                     "Blocks dropped by retention (age or disk budget) since start",
                     stat(&StoreStats::retention_dropped_blocks));
  reg.callback_gauge("weft_store_flush_errors_total", "Failed block writes since start (retried)",
                     stat(&StoreStats::flush_errors));
  reg.callback_gauge("weft_store_sampled_out_traces_total",
                     "Traces tail sampling dropped, left out of blocks since start",
                     stat(&StoreStats::gate_dropped_traces));
  reg.callback_gauge("weft_store_sampled_out_spans_total",
                     "Spans of the traces tail sampling dropped, left out of blocks since start",
                     stat(&StoreStats::gate_dropped_spans));
  reg.callback_gauge("weft_wal_bytes", "Bytes in live WAL segments", stat(&StoreStats::wal_bytes));
  reg.callback_gauge("weft_wal_segments", "Live WAL segments", stat(&StoreStats::wal_segments));
  reg.callback_gauge("weft_wal_syncs", "fsync calls on the WAL since start",
                     stat(&StoreStats::wal_syncs));
  reg.callback_gauge("weft_wal_recovered_spans", "Spans replayed from the WAL at start",
                     stat(&StoreStats::recovered_spans));
}

}  // namespace

int run_serve(const ServeOptions& options) {
  sigset_t signals = block_shutdown_signals();
  std::atomic<bool> ready{false};

  auto sopts = store_options(options);
  if (!sopts.is_ok()) {
    log(sopts.status().message());
    return 2;
  }
  ReceiverAddrs receiver_addrs = options.receivers;
  auto query_hp = parse_host_port(options.query_addr, receiver_addrs.listen_host, 16686);
  if (Status s = Receivers::check(receiver_addrs); !s.is_ok()) {
    log(s.message());
    return 2;
  }
  if (!query_hp.is_ok()) {
    log("--query-addr: " + query_hp.status().message());
    return 2;
  }
  std::unique_ptr<api::SamplingStrategiesFile> sampling;
  if (!options.sampling_strategies.empty()) {
    auto opened_sampling = api::SamplingStrategiesFile::open(options.sampling_strategies);
    if (!opened_sampling.is_ok()) {
      log("--sampling-strategies: " + opened_sampling.status().message());
      return 2;
    }
    sampling = std::move(opened_sampling).value();
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

  // Tail sampling before the store: the store replays its WAL into the sampler's gate.
  auto tail_sampling = PipelineRuntime::prepare_tail_sampling(options.pipeline);
  if (!tail_sampling.is_ok()) {
    log(tail_sampling.status().message());
    return tail_sampling.status().code() == ResultCode::kInvalidArgument ? 2 : 1;
  }
  sopts->trace_gate = tail_sampling->gate;
  auto opened = open_embedded_store(*sopts);
  if (!opened.is_ok()) {
    log("cannot open the store in " + options.data_dir + ": " + opened.status().message());
    return 1;
  }
  std::unique_ptr<Store> store = std::move(opened).value();
  register_store_gauges(*store);
  StoreStats recovered = store->stats();
  log("store " + options.data_dir + ": " + std::to_string(recovered.spans) + " spans in " +
      std::to_string(recovered.traces) + " traces recovered");

  // The pipeline (RED metrics, service graph, alerts) between the receivers and the store.
  auto opened_pipeline = PipelineRuntime::open(options.pipeline, options.data_dir, *store,
                                                std::move(tail_sampling).value());
  if (!opened_pipeline.is_ok()) {
    log(opened_pipeline.status().message());
    (void)store->close();
    return opened_pipeline.status().code() == ResultCode::kInvalidArgument ? 2 : 1;
  }
  std::unique_ptr<PipelineRuntime> pipeline = std::move(opened_pipeline).value();
  log(pipeline->describe());

  ingest::Ingestor ingestor(pipeline->sink(), options.limits);
  QueryService queries(*store, Clock::system(), pipeline->dependency_source());
  // Log-based tracing: opened here (reads its checkpoints; a bad --tail-checkpoint directory
  // fails now), started once the listeners are up, stopped before the store closes.
  std::unique_ptr<ingest::LogTailIngest> log_tail;
  if (tail_options) {
    auto opened_tail = ingest::LogTailIngest::open(ingestor, *tail_options);
    if (!opened_tail.is_ok()) {
      log("--tail: " + opened_tail.status().message());
      (void)store->close();
      return 2;
    }
    log_tail = std::move(opened_tail).value();
  }

  // Four HTTP listeners (OTLP/HTTP, Zipkin, Jaeger HTTP, query) share the file descriptors.
  std::string fd_note;
  receiver_addrs.http.max_connections =
      fit_max_connections(receiver_addrs.http.max_connections, 4, &fd_note);
  if (!fd_note.empty()) log(fd_note);

  boost::asio::io_context ioc;
  HttpServerOptions http_base;
  http_base.max_body_bytes = options.limits.max_body_bytes;
  http_base.limits = receiver_addrs.http;

  std::error_code exe_ec;
  UiSource ui = find_ui_source(options.ui_dir, std::getenv("WEFT_UI_DIR"),
                               std::filesystem::read_symlink("/proc/self/exe", exe_ec).string());
  auto query_handler = make_ops_handler(
      ready,
      make_ui_handler(ui,
                      api::make_query_api_handler(queries, sampling.get(), pipeline->views())),
      [&pipeline] { return pipeline->prometheus_text(); });
  Receivers receivers(ioc, ingestor, receiver_addrs, options.limits.max_body_bytes,
                      api::make_zipkin_query_handler(queries));
  HttpServerOptions o_query = http_base;
  o_query.name = "query";
  HttpServer query_server(ioc, o_query, query_handler);

  auto started = receivers.start();
  Result<std::string> query_bound =
      started.is_ok() ? query_server.start(query_hp->host, query_hp->port) : started.status();
  if (!query_bound.is_ok()) {
    log(query_bound.status().message());
    receivers.stop(std::chrono::milliseconds(0));
    log_tail.reset();
    (void)store->close();
    (void)pipeline->stop();
    return 1;
  }
  std::vector<std::pair<std::string, std::string>> bound = std::move(started).value();
  bound.emplace_back("query", *query_bound);

  IoPool io_pool(ioc, options.io_threads);

  if (!options.ports_file.empty()) {
    if (Status s = write_ports_file(options.ports_file, bound); !s.is_ok()) log(s.message());
  }
  std::string listening;
  for (auto& [name, addr] : bound) listening += " " + name + "=" + addr;
  log("listening:" + listening);
  const std::string query_url = "http://" + *query_bound;
  if (!ui.enabled)
    log("web UI off (--ui-dir '' / --no-ui)");
  else if (ui_built(ui))
    log("web UI: " + query_url + "/ from " + ui.dir + " (" + ui.origin + ")");
  else if (ui.dir.empty())
    log(std::string("web UI not found (no --ui-dir, no $WEFT_UI_DIR, no share/weft/ui beside "
                    "the executable, no web/ above it); ") +
        kUiNotBuiltAdvice);
  else
    log("web UI not built: no index.html in " + ui.dir + " (" + ui.origin + "); " +
        kUiNotBuiltAdvice);
  if (log_tail) {
    if (Status started = log_tail->start(); !started.is_ok())
      log("--tail: " + started.message() + " (no log files are read)");
    std::string globs, services;
    for (const std::string& g : tail_options->tail.globs) globs += (globs.empty() ? "" : ", ") + g;
    for (const auto& m : tail_options->assembler.parser.service_mappings)
      services += " " + m.pattern + "=" + m.service;
    log("tailing " + globs + " (trace log lines; files met first read from the " +
        (options.tail.from == "beginning" ? "beginning" : "end") + "; scheme " +
        options.tail.scheme + ", window " + options.tail.window + ", lines up to " +
        std::to_string(tail_options->tail.max_line_bytes) + " bytes, checkpoint " +
        tail_options->tail.checkpoint_path + (services.empty() ? "" : ", services:" + services) +
        ")");
  }
  std::unique_ptr<DemoTraffic> demo;
  if (options.demo) {
    demo = std::make_unique<DemoTraffic>(pipeline->sink(), options.demo_traces_per_second);
    log("demo traffic on: open " + query_url + (ui_built(ui) ? "/" : "/api/v1/search") +
        " to see traces");
  }
  pipeline->start(external_url(*query_bound));
  ready = true;

  log(std::string("received ") + wait_for_shutdown_signal(signals) + ", shutting down");
  ready = false;
  demo.reset();

  // Stop accepting, let requests in flight finish (their spans are being made durable).
  query_server.stop();
  receivers.stop(std::chrono::milliseconds(options.shutdown_timeout_ms));
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options.shutdown_timeout_ms);
  while (query_server.in_flight() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  // Every open trace of the log tail into the store, then its final checkpoint.
  if (log_tail) log_tail->stop();
  Status closed = store->close();
  // After the store: every acknowledged batch has been committed to the metrics.
  Status metrics_closed = pipeline->stop();
  io_pool.stop();  // the last answers reach their sockets, then the I/O threads end
  if (!closed.is_ok()) {
    log("closing the store: " + closed.message());
    return 1;
  }
  if (!metrics_closed.is_ok()) {
    log("closing the RED metrics: " + metrics_closed.message());
    return 1;
  }
  log("stopped cleanly");
  return 0;
}

}  // namespace weft::server
