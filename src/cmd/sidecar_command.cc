// `weft sidecar`: the HTTP/1.1 tracing proxy of src/sidecar (docs/sidecar.md).
//
// Every flag is read as text and checked here (and by the sidecar's own checks), so that any
// bad value ends with one clear message and exit code 2.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "cmd/commands.h"
#include "sidecar/sidecar.h"

namespace weft::cmd {
namespace {

struct SidecarFlags {
  std::string listen = "127.0.0.1:15001";
  std::string upstream;
  std::string service;
  std::string egress = "off";
  std::string endpoint = "http://127.0.0.1:4318";
  std::string admin_addr = "127.0.0.1:15090";
  std::string ports_file;
  std::string header_timeout = "10";
  std::string idle_timeout = "60";
  std::string upstream_timeout = "30";
  std::string drain_timeout = "10";
  std::string max_header_bytes = "65536";
  std::string max_body_bytes = "0";
  std::string threads = "0";
  std::string sampler = "parentbased_always_on";
  std::string sampler_arg;
  std::string sampling_url;
  std::string propagators = "tracecontext,baggage,b3,jaeger,rpcid";
};

bool ParseSeconds(const std::string& flag, const std::string& text, double* out, std::string* err) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !(v >= 0)) {
    *err = flag + " takes seconds (e.g. 10 or 0.5), got '" + text + "'";
    return false;
  }
  *out = v;
  return true;
}

// A byte count: digits with an optional k/KiB/M/MiB/G/GiB suffix (powers of 1024).
bool ParseBytes(const std::string& flag, const std::string& text, uint64_t* out, std::string* err) {
  size_t i = 0;
  uint64_t v = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9' && v < (1ull << 50))
    v = v * 10 + static_cast<uint64_t>(text[i++] - '0');
  std::string unit = text.substr(i);
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  uint64_t mult = 0;
  if (unit.empty() || unit == "b") mult = 1;
  else if (unit == "k" || unit == "kb" || unit == "kib") mult = 1ull << 10;
  else if (unit == "m" || unit == "mb" || unit == "mib") mult = 1ull << 20;
  else if (unit == "g" || unit == "gb" || unit == "gib") mult = 1ull << 30;
  if (i == 0 || mult == 0) {
    *err = flag + " takes a byte count (e.g. 65536 or 64KiB), got '" + text + "'";
    return false;
  }
  *out = v * mult;
  return true;
}

int Run(const SidecarFlags& f, const std::vector<std::string>& extras) {
  std::string err;
  auto fail = [&](const std::string& message) {
    std::fprintf(stderr, "weft sidecar: %s (see weft sidecar --help)\n", message.c_str());
    return 2;
  };
  if (!extras.empty()) return fail("unexpected argument '" + extras.front() + "'");
  sidecar::SidecarOptions o;
  o.listen = f.listen;
  o.upstream = f.upstream;
  o.service = f.service;
  o.egress = f.egress;
  o.endpoint = f.endpoint;
  o.admin_addr = f.admin_addr;
  o.ports_file = f.ports_file;
  double s;
  if (!ParseSeconds("--header-timeout", f.header_timeout, &s, &err)) return fail(err);
  o.header_timeout = sidecar::Seconds(s);
  if (!ParseSeconds("--idle-timeout", f.idle_timeout, &s, &err)) return fail(err);
  o.idle_timeout = sidecar::Seconds(s);
  if (!ParseSeconds("--upstream-timeout", f.upstream_timeout, &s, &err)) return fail(err);
  o.upstream_timeout = sidecar::Seconds(s);
  if (!ParseSeconds("--drain-timeout", f.drain_timeout, &s, &err)) return fail(err);
  o.drain_timeout = sidecar::Seconds(s);
  if (!ParseBytes("--max-header-bytes", f.max_header_bytes, &o.max_header_bytes, &err)) return fail(err);
  if (!ParseBytes("--max-body-bytes", f.max_body_bytes, &o.max_body_bytes, &err)) return fail(err);
  char* end = nullptr;
  const long threads = std::strtol(f.threads.c_str(), &end, 10);
  if (f.threads.empty() || end != f.threads.c_str() + f.threads.size() || threads < 0 || threads > 1024)
    return fail("--threads takes 0 (one per core) to 1024, got '" + f.threads + "'");
  o.threads = static_cast<int>(threads);
  o.sampler = f.sampler;
  o.sampler_arg = f.sampler_arg;
  o.sampling_url = f.sampling_url;
  o.propagators = f.propagators;
  return sidecar::RunSidecar(std::move(o));
}

}  // namespace

void register_sidecar_command(CLI::App& app) {
  auto flags = std::make_shared<SidecarFlags>();
  CLI::App* cmd = app.add_subcommand(
      "sidecar",
      "HTTP/1.1 proxy that traces a service nobody instrumented (the third way spans arrive).\n"
      "Clients call --listen instead of the service; every request becomes a SERVER span of\n"
      "--service (continuing the trace its W3C, B3, Jaeger or RpcId headers carry) and goes on\n"
      "to --upstream with the span's traceparent. The mesh contract: if the service copies the\n"
      "trace headers it received onto the calls it makes, and makes them through --egress (set\n"
      "HTTP_PROXY=http://<egress>), each call becomes a CLIENT span under that SERVER span and\n"
      "the callee continues the trace; without the copy, each call starts a trace of its own.\n"
      "Spans go over OTLP to --endpoint (weft serve, or any OTLP receiver); a slow or absent\n"
      "collector never slows the traffic (full queue = drop and count). /metrics and /healthz\n"
      "on --admin-addr. SIGTERM/SIGINT: stop accepting, finish in-flight requests, flush.");
  cmd->allow_extras();
  SidecarFlags& f = *flags;
  struct Flag {
    const char* name;
    std::string* value;
    const char* env;
    const char* help;
    const char* type;
  };
  const Flag all[] = {
      {"--listen", &f.listen, "LISTEN", "Address clients of the service connect to (port 0 picks one)", "ADDR"},
      {"--upstream", &f.upstream, "UPSTREAM", "The service: HOST:PORT (required)", "HOST:PORT"},
      {"--service", &f.service, "SERVICE", "service.name of the spans (required)", "NAME"},
      {"--egress", &f.egress, "EGRESS",
       "Forward-proxy address for the service's outgoing calls (HTTP_PROXY): absolute-form "
       "requests, Host-routed requests and CONNECT tunnels; off = none", "ADDR"},
      {"--endpoint", &f.endpoint, "ENDPOINT",
       "Where spans go: http://host:port (OTLP/HTTP), grpc://host:port (OTLP/gRPC), "
       "log:/path (trace log lines) or none", "URL"},
      {"--admin-addr", &f.admin_addr, "ADMIN_ADDR", "/metrics and /healthz address; off = none", "ADDR"},
      {"--ports-file", &f.ports_file, "PORTS_FILE",
       "Write {\"listen\":...,\"egress\":...,\"admin\":...} here once every port is bound", "FILE"},
      {"--header-timeout", &f.header_timeout, "HEADER_TIMEOUT",
       "Seconds a request head may take, from accept or from its first byte on a kept-alive "
       "connection, however slowly it trickles (slowloris); then 408 and close", "SECONDS"},
      {"--idle-timeout", &f.idle_timeout, "IDLE_TIMEOUT",
       "Seconds an idle kept-alive connection, a stalled client or a silent tunnel is kept", "SECONDS"},
      {"--upstream-timeout", &f.upstream_timeout, "UPSTREAM_TIMEOUT",
       "Seconds to connect to the upstream and for each wait on it (the response head, each "
       "piece of the body); then 504 (or a cut response)", "SECONDS"},
      {"--drain-timeout", &f.drain_timeout, "DRAIN_TIMEOUT",
       "Seconds in-flight requests get to finish after SIGTERM/SIGINT", "SECONDS"},
      {"--max-header-bytes", &f.max_header_bytes, "MAX_HEADER_BYTES",
       "Largest request head (request line and fields); larger: 431", "BYTES"},
      {"--max-body-bytes", &f.max_body_bytes, "MAX_BODY_BYTES",
       "Largest request body; larger: 413; 0 = unlimited (bodies stream, never buffered)", "BYTES"},
      {"--threads", &f.threads, "THREADS", "I/O threads; 0 = one per core", "N"},
      {"--sampler", &f.sampler, "SAMPLER",
       "As OTEL_TRACES_SAMPLER: always_on, always_off, traceidratio, ratelimiting, "
       "jaeger_remote, or parentbased_<any of them>", "NAME"},
      {"--sampler-arg", &f.sampler_arg, "SAMPLER_ARG",
       "As OTEL_TRACES_SAMPLER_ARG: the ratio, traces per second, or "
       "endpoint=URL,pollingIntervalMs=N,initialSamplingRate=R", "ARG"},
      {"--sampling-url", &f.sampling_url, "SAMPLING_URL",
       "weft serve's query address (http://host:16686): sampling strategies are polled from "
       "its /api/sampling and applied to new traces without restart", "URL"},
      {"--propagators", &f.propagators, "PROPAGATORS",
       "Trace-context formats read from requests, as OTEL_PROPAGATORS (tracecontext, baggage, "
       "b3, b3multi, jaeger, rpcid, debug, none); injected are W3C + baggage and whatever came in",
       "LIST"},
  };
  for (const Flag& fl : all) {
    CLI::Option* o = cmd->add_option(fl.name, *fl.value, fl.help)
                         ->envname(std::string("WEFT_SIDECAR_") + fl.env)
                         ->type_name(fl.type);
    if (!fl.value->empty()) o->capture_default_str();
  }
  cmd->footer(
      "Example: weft sidecar --listen 0.0.0.0:8080 --upstream 127.0.0.1:8081 --service orders "
      "--egress 127.0.0.1:15002 --endpoint http://collector:4318");
  cmd->callback([flags, cmd] { exit_code = Run(*flags, cmd->remaining()); });
}

}  // namespace weft::cmd
