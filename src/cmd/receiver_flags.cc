#include "cmd/receiver_flags.h"

#include <chrono>
#include <cstdio>

namespace weft::cmd {

void add_receiver_flags(CLI::App* cmd, server::ReceiverAddrs& a, const std::string& env_prefix) {
  struct Flag {
    const char* name;
    std::string* value;
    const char* env;
    const char* help;
  };
  const Flag flags[] = {
      {"--listen", &a.listen_host, "LISTEN",
       "Host every listener binds unless its own --*-addr names one (0.0.0.0 to expose)"},
      {"--otlp-grpc-addr", &a.otlp_grpc, "OTLP_GRPC_ADDR",
       "OTLP/gRPC address: host:port, :port or http://host:port (default port 4317; port 0 "
       "picks a free one)"},
      {"--otlp-http-addr", &a.otlp_http, "OTLP_HTTP_ADDR", "OTLP/HTTP address (default port 4318)"},
      {"--zipkin-addr", &a.zipkin, "ZIPKIN_ADDR", "Zipkin address (default port 9411)"},
      {"--jaeger-http-addr", &a.jaeger_http, "JAEGER_HTTP_ADDR",
       "Jaeger Thrift over HTTP (POST /api/traces, as jaeger-collector) address (default port "
       "14268; off = none)"},
      {"--jaeger-compact-addr", &a.jaeger_compact, "JAEGER_COMPACT_ADDR",
       "Jaeger agent UDP address, Thrift compact protocol (default port 6831; off = none)"},
      {"--jaeger-binary-addr", &a.jaeger_binary, "JAEGER_BINARY_ADDR",
       "Jaeger agent UDP address, Thrift binary protocol (default port 6832; off = none)"},
  };
  for (const Flag& f : flags) {
    CLI::Option* o = cmd->add_option(f.name, *f.value, f.help)->envname(env_prefix + f.env);
    if (!f.value->empty()) o->capture_default_str();
  }

  // Slow clients (every HTTP listener: the receivers' and the query / admin port).
  struct Timeout {
    const char* name;
    std::chrono::nanoseconds* value;
    const char* env;
    const char* help;
  };
  const Timeout timeouts[] = {
      {"--http-header-timeout", &a.http.header_timeout, "HTTP_HEADER_TIMEOUT",
       "Seconds (fractions allowed) a connection gets to send a request's headers, counted from "
       "the accept or, on a keep-alive connection, from the request's first byte; in total, "
       "however slowly they trickle in. Then 408 and close"},
      {"--http-body-timeout", &a.http.body_timeout, "HTTP_BODY_TIMEOUT",
       "Seconds a request gets to send its whole body after its headers. Then 408 and close"},
      {"--http-idle-timeout", &a.http.idle_timeout, "HTTP_IDLE_TIMEOUT",
       "Seconds a keep-alive connection may wait for its next request before it is closed"},
  };
  for (const Timeout& t : timeouts) {
    char dflt[32];
    std::snprintf(dflt, sizeof dflt, "%g", std::chrono::duration<double>(*t.value).count());
    std::chrono::nanoseconds* value = t.value;
    cmd->add_option_function<double>(
           t.name,
           [value](double seconds) {
             *value = std::chrono::nanoseconds(static_cast<int64_t>(seconds * 1e9));
           },
           t.help)
        ->check(CLI::Range(0.001, 86400.0 * 7))
        ->type_name("SECONDS")
        ->default_str(dflt)
        ->envname(env_prefix + t.env);
  }
  cmd->add_option("--http-max-connections", a.http.max_connections,
                  "Open connections per HTTP listener; past it a new one gets 503 and is closed "
                  "at once (lowered, with a log line, if the open files limit cannot hold that "
                  "many on every listener)")
      ->check(CLI::Range(size_t{1}, size_t{10'000'000}))
      ->envname(env_prefix + "HTTP_MAX_CONNECTIONS")
      ->capture_default_str();
}

}  // namespace weft::cmd
