#include <memory>

#include "cmd/commands.h"
#include "cmd/receiver_flags.h"
#include "cmd/tail_flags.h"
#include "server/agent.h"

namespace weft::cmd {

void register_agent_command(CLI::App& app) {
  auto opts = std::make_shared<server::AgentOptions>();
  CLI::App* agent = app.add_subcommand(
      "agent",
      "Per-host agent: takes spans from local applications (OTLP gRPC 4317, OTLP/HTTP 4318,\n"
      "Zipkin 9411, Jaeger Thrift HTTP 14268 and UDP 6831/6832) and from trace log files\n"
      "(--tail), keeps them in a disk-backed queue while the collectors are away, and forwards\n"
      "them over OTLP (HTTP or gRPC) to --forward (weft serve, or any OTLP receiver), every span\n"
      "of a trace to the same collector. /metrics, /healthz and /readyz on the admin port\n"
      "(14271). Every port listens on 127.0.0.1 unless --listen says otherwise.");
  agent->fallthrough();

  auto& o = *opts;
  agent
      ->add_option("--data-dir", o.data_dir,
                   "Directory of the queue (queue/) and the tail checkpoint")
      ->envname("WEFT_AGENT_DATA_DIR")
      ->capture_default_str();
  agent
      ->add_option("--forward", o.forward,
                   "Collector to forward to: http://host:port[/v1/traces] or host:port "
                   "(OTLP/HTTP), grpc://host:port (OTLP/gRPC); repeatable (spans are routed by "
                   "trace ID, so each trace goes "
                   "whole to one collector, and rerouted while one is down)")
      ->type_name("URL")
      ->envname("WEFT_AGENT_FORWARD")
      ->capture_default_str();
  agent
      ->add_option("--forward-compression", o.forward_compression,
                   "Compression of the export requests")
      ->check(CLI::IsMember({"gzip", "zstd", "none"}))
      ->envname("WEFT_AGENT_FORWARD_COMPRESSION")
      ->capture_default_str();
  agent
      ->add_option("--queue-max-bytes", o.queue_max_bytes,
                   "Bound of the disk queue (e.g. 512MiB, 10GB); past it the oldest spans are "
                   "dropped and counted (weft_agent_queue_dropped_spans_total)")
      ->envname("WEFT_AGENT_QUEUE_MAX_BYTES")
      ->capture_default_str();
  agent
      ->add_option("--fsync", o.fsync,
                   "request: a request is answered once its spans are fsynced (survives power "
                   "loss); never: once written (survives a crash of the agent)")
      ->check(CLI::IsMember({"request", "never"}))
      ->envname("WEFT_AGENT_FSYNC")
      ->capture_default_str();
  add_receiver_flags(agent, o.receivers, "WEFT_AGENT_");
  agent
      ->add_option("--admin-addr", o.admin_addr,
                   "/metrics, /healthz, /readyz address (default port 14271)")
      ->envname("WEFT_AGENT_ADMIN_ADDR");
  agent
      ->add_option("--ports-file", o.ports_file,
                   "Write the bound addresses as JSON to this file once listening")
      ->envname("WEFT_AGENT_PORTS_FILE");
  add_tail_flags(agent, o.tail, "forward them as traces");
  agent
      ->add_option("--tail-high-water", o.tail_high_water,
                   "Fraction of --queue-max-bytes above which the log tail pauses (its lines "
                   "wait in their files) so log spans never push older spans out of the queue")
      ->envname("WEFT_AGENT_TAIL_HIGH_WATER")
      ->capture_default_str();
  agent
      ->add_option("--max-body-bytes", o.limits.max_body_bytes,
                   "Largest request body (after decompression) a receiver accepts")
      ->transform(CLI::AsSizeValue(false))
      ->envname("WEFT_AGENT_MAX_BODY_BYTES")
      ->capture_default_str();
  agent->add_option("--io-threads", o.io_threads, "HTTP I/O threads (0 = one per core)")
      ->envname("WEFT_AGENT_IO_THREADS")
      ->capture_default_str();

  agent->callback([opts] { exit_code = server::run_agent(*opts); });
}

}  // namespace weft::cmd
