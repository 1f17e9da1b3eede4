#include "cmd/receiver_flags.h"

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
}

}  // namespace weft::cmd
