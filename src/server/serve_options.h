#pragma once
// Everything `weft serve` can be told. Filled by src/cmd from flags, WEFT_* environment
// variables and an optional YAML file (in that order of precedence).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "ingest/limits.h"
#include "ingest/log_tail_ingest.h"
#include "server/receivers.h"

namespace weft::server {

// Log-based tracing (--tail, both `weft serve` and `weft agent`): trace log lines
// (../shared/LOGFORMAT.md) read from the files matching these globs become spans
// (src/ingest/log_tail_ingest.h). Empty globs: no tailing.
struct TailFlags {
  std::vector<std::string> globs;
  std::string from = "end";            // end | beginning: files met at the first start
  std::string checkpoint;              // "" = <data_dir>/tail.checkpoint
  std::string scheme = "auto";         // auto | per-request | per-call (RpcId numbering)
  std::vector<std::string> services;   // PATTERN=NAME: files matching PATTERN -> service
  std::string window = "30s";          // a trace is stored this long after its last line
  uint64_t max_line_bytes = 1u << 20;  // longer lines are rejected (too_long)
};

// The pipeline (src/pipeline): RED metrics of every span, the live service graph, SLA alerts.
struct PipelineFlags {
  bool red_metrics = true;            // off: no RED metrics, no service graph, no alerts
  std::string fine_retention = "6h";  // 10-second buckets are kept this long
  std::string coarse_retention = "7d";  // 1-minute buckets are kept this long
  uint32_t max_series = 10'000;       // per family (spans, edges); the rest go to "__other__"
  // Memory the RED metrics may hold; past it the oldest buckets (already on disk) leave
  // memory and queries read them back from disk. Sizes as --max-disk ("0": no budget).
  std::string memory_budget = "128MiB";
  // Series families also shown on /metrics in Prometheus text: none, spans, edges, all.
  std::string prometheus = "none";
  std::string graph_window = "10s";   // how long half of a client/server pair waits
  bool graph_user_node = false;       // root SERVER spans get an edge from a virtual "user"
  // The --config file, read again for its structured `alerts:` section ("" = no alerts).
  std::string config_file;
};

struct ServeOptions {
  std::string data_dir = "./weft-data";
  // Receivers: the host every listener binds unless its own address says otherwise, and
  // the OTLP, Zipkin and Jaeger addresses.
  ReceiverAddrs receivers;
  std::string query_addr;  // 16686; "host:port" etc. as the receivers' addresses
  std::string ports_file;  // written (JSON) once every listener is bound
  // Jaeger strategies file served on /api/sampling, reloaded when it changes; empty =
  // every service gets probabilistic 1.0. Must exist at startup when given.
  std::string sampling_strategies;
  // Web UI directory (web/dist as Vite builds it) served on the query port: nullopt = find
  // one (find_ui_source in ui_handler.h: $WEFT_UI_DIR, installed, source tree); "" = no UI.
  std::optional<std::string> ui_dir;

  std::string fsync = "request";  // request | interval | never
  uint32_t fsync_interval_ms = 1000;
  uint64_t head_budget_bytes = 256ull << 20;  // one more may be in flight to a block
  uint64_t wal_segment_bytes = 64ull << 20;
  uint64_t max_pending_bytes = 256ull << 20;
  // Blocks (docs/format/block.md): the head is cut at least this often; blocks whose newest
  // trace is older than `retention` are dropped ("0": never); the oldest blocks are dropped
  // to keep the data directory under `max_disk` ("0": no budget). Durations as "30s", "15m",
  // "72h", "7d"; sizes as "512MiB", "10GB", "1073741824".
  std::string block_max_age = "5m";
  std::string retention = "0";
  std::string max_disk = "0";
  std::string compaction = "on";  // on | off
  ingest::Limits limits;

  // Log-based tracing (--tail).
  TailFlags tail;

  PipelineFlags pipeline;

  bool demo = false;  // generate gentle demo traffic into the store
  double demo_traces_per_second = 2.0;
  int io_threads = 0;  // HTTP threads; 0 = one per core
  uint32_t shutdown_timeout_ms = 10'000;
};

// Parses "host:port", ":port", "port" or a URL "http://host:port" (common/endpoint.h; port 0
// allowed) with `default_host` filling a missing host and `default_port` a missing port.
// IPv6 hosts in brackets. A path other than "/" and TLS schemes are refused.
struct HostPort {
  std::string host;
  uint16_t port = 0;
};
Result<HostPort> parse_host_port(const std::string& addr, const std::string& default_host,
                                 uint16_t default_port);

// "1073741824", "512MiB", "10GB", "1.5GiB" (B, KB/MB/GB/TB = 1000^n, KiB/MiB/GiB/TiB =
// 1024^n; case-insensitive) in bytes. `what` names the option in the error.
Result<uint64_t> parse_byte_size(std::string_view what, std::string_view text);

// The log tail's options from --tail-* (INVALID_ARGUMENT naming the flag for a bad value).
// `data_dir` is where the default checkpoint goes.
Result<ingest::LogTailOptions> log_tail_options(const TailFlags& tail, const std::string& data_dir);

// Runs the server until SIGINT/SIGTERM; returns the process exit code.
// REQUIRES: called from the main thread before any other thread is started (it blocks the
// shutdown signals so every thread inherits the mask and one thread waits for them).
int run_serve(const ServeOptions& options);

}  // namespace weft::server
