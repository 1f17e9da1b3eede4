#include <memory>

#include "cmd/commands.h"
#include "cmd/pipeline_flags.h"
#include "cmd/receiver_flags.h"
#include "cmd/tail_flags.h"
#include "server/serve_options.h"

namespace weft::cmd {

using namespace weft::model;

void register_serve_command(CLI::App& app) {
  auto opts = std::make_shared<server::ServeOptions>();
  CLI::App* serve = app.add_subcommand(
      "serve",
      "Run everything in one process: OTLP (gRPC 4317, HTTP 4318), Zipkin (9411) and Jaeger\n"
      "Thrift (HTTP 14268, UDP 6831 compact / 6832 binary) receivers, trace log files\n"
      "(--tail), the embedded durable store, and the query APIs (Jaeger, Zipkin, native) on\n"
      "16686.\n"
      "Every port listens on 127.0.0.1 unless --listen says otherwise. Settings come from\n"
      "flags, then WEFT_* environment variables, then the YAML file given with --config.");
  serve->fallthrough();  // --config belongs to the app (CLI11 reads config files there)
  serve->allow_config_extras(CLI::config_extras_mode::error);

  auto& o = *opts;
  serve->add_option("--data-dir", o.data_dir, "Directory of the store (WAL, lock file)")
      ->envname("WEFT_DATA_DIR")
      ->capture_default_str();
  add_receiver_flags(serve, o.receivers, "WEFT_");
  serve
      ->add_option("--query-addr", o.query_addr,
                   "Query APIs (Jaeger, native, /metrics, /healthz) address (default port 16686)")
      ->envname("WEFT_QUERY_ADDR");
  serve
      ->add_option("--ports-file", o.ports_file,
                   "Write the bound addresses as JSON to this file once listening")
      ->envname("WEFT_PORTS_FILE");
  serve
      ->add_option("--sampling-strategies", o.sampling_strategies,
                   "Jaeger sampling strategies file (JSON) served on GET /api/sampling and "
                   "reloaded when it changes; without it every service gets probabilistic 1.0")
      ->envname("WEFT_SAMPLING_STRATEGIES");
  serve
      ->add_option_function<std::string>(
          "--ui-dir", [opts](const std::string& dir) { opts->ui_dir = dir; },
          "Directory of the built web UI (web/dist) served on the query port; '' = no UI "
          "(--no-ui). Default: <exe dir>/../share/weft/ui, else the "
          "web/dist of the source tree the executable was built in")
      ->type_name("DIR")
      ->envname("WEFT_UI_DIR");
  serve->add_flag_callback(
      "--no-ui", [opts] { opts->ui_dir = std::string(); },
      "Serve no web UI on the query port (same as --ui-dir '')");
  serve
      ->add_option("--fsync", o.fsync,
                   "When a write is made durable before it is acknowledged: request (fsync "
                   "before every answer, survives power loss), interval (fsync every "
                   "--fsync-interval-ms; survives a process crash), never")
      ->check(CLI::IsMember({"request", "interval", "never"}))
      ->envname("WEFT_FSYNC")
      ->capture_default_str();
  serve
      ->add_option("--fsync-interval-ms", o.fsync_interval_ms,
                   "Period of fsync with --fsync interval")
      ->envname("WEFT_FSYNC_INTERVAL_MS")
      ->capture_default_str();
  serve
      ->add_option("--head-budget-bytes", o.head_budget_bytes,
                   "Memory the in-memory head may hold (bytes, or e.g. 512MiB, 2GiB); past it "
                   "the head is cut into a block on disk (nothing is evicted unflushed)")
      ->transform(CLI::AsSizeValue(false))
      ->envname("WEFT_HEAD_BUDGET_BYTES")
      ->capture_default_str();
  serve
      ->add_option("--block-max-age", o.block_max_age,
                   "Cut the head into a block at least this often (e.g. 30s, 5m; 0 = only by "
                   "size and at shutdown)")
      ->envname("WEFT_BLOCK_MAX_AGE")
      ->capture_default_str();
  serve
      ->add_option("--retention", o.retention,
                   "Drop blocks whose newest trace started longer ago than this (e.g. 72h, 7d; "
                   "0 = keep forever)")
      ->envname("WEFT_RETENTION")
      ->capture_default_str();
  serve
      ->add_option("--max-disk", o.max_disk,
                   "Disk budget of the data directory (e.g. 10GiB, 500MB; 0 = none): the oldest "
                   "blocks are dropped to stay under it")
      ->envname("WEFT_MAX_DISK")
      ->capture_default_str();
  serve->add_option("--compaction", o.compaction, "Merge small blocks in the background: on or off")
      ->check(CLI::IsMember({"on", "off"}))
      ->envname("WEFT_COMPACTION")
      ->capture_default_str();
  serve
      ->add_option("--wal-segment-bytes", o.wal_segment_bytes,
                   "Size at which a WAL segment is rolled")
      ->envname("WEFT_WAL_SEGMENT_BYTES")
      ->capture_default_str();
  serve
      ->add_option("--max-pending-bytes", o.max_pending_bytes,
                   "Bytes waiting for the WAL past which writes are refused with 429/UNAVAILABLE")
      ->envname("WEFT_MAX_PENDING_BYTES")
      ->capture_default_str();
  serve
      ->add_option("--max-body-bytes", o.limits.max_body_bytes,
                   "Largest request body, before and after decompression (413 past it)")
      ->envname("WEFT_MAX_BODY_BYTES")
      ->capture_default_str();
  serve
      ->add_option("--max-spans-per-request", o.limits.max_spans_per_request,
                   "Largest request in spans")
      ->envname("WEFT_MAX_SPANS_PER_REQUEST")
      ->capture_default_str();
  serve
      ->add_option("--max-attributes-per-span", o.limits.max_attributes_per_span,
                   "A span with more attributes is rejected")
      ->envname("WEFT_MAX_ATTRIBUTES_PER_SPAN")
      ->capture_default_str();
  serve
      ->add_option("--max-string-bytes", o.limits.max_string_bytes,
                   "A span holding a longer string (attribute value, name, message) is rejected")
      ->envname("WEFT_MAX_STRING_BYTES")
      ->capture_default_str();
  add_tail_flags(serve, o.tail, "store them as traces");
  add_pipeline_flags(serve, o.pipeline);
  serve
      ->add_flag("--demo,!--no-demo", o.demo,
                 "Generate gentle demo traffic (the reference workload's services) so there "
                 "are traces to look at")
      ->envname("WEFT_DEMO");
  serve->add_option("--demo-rate", o.demo_traces_per_second, "Demo traces per second")
      ->envname("WEFT_DEMO_RATE")
      ->capture_default_str();
  serve->add_option("--io-threads", o.io_threads, "HTTP I/O threads (0 = one per core)")
      ->envname("WEFT_IO_THREADS")
      ->capture_default_str();

  serve->callback([opts, &app] {
    // The --config file's structured sections (alerts:) are read by the server itself.
    if (CLI::Option* config = app.get_config_ptr(); config != nullptr && config->count() > 0)
      opts->pipeline.config_file = config->as<std::string>();
    exit_code = server::run_serve(*opts);
  });
}

}  // namespace weft::cmd
