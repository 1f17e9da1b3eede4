#pragma once
// The receivers' address flags (--listen, --otlp-grpc-addr, --otlp-http-addr, --zipkin-addr,
// --jaeger-*-addr) and the HTTP listeners' slow-client limits (--http-header-timeout,
// --http-body-timeout, --http-idle-timeout, --http-max-connections), the same for `weft serve`
// and `weft agent`.
#include <CLI/CLI.hpp>
#include <string>

#include "server/receivers.h"

namespace weft::cmd {

// Adds the flags to `cmd`, filling `a`; each has the variable `env_prefix` + its name
// ("WEFT_" -> WEFT_OTLP_GRPC_ADDR, "WEFT_AGENT_" -> WEFT_AGENT_OTLP_GRPC_ADDR).
void add_receiver_flags(CLI::App* cmd, server::ReceiverAddrs& a, const std::string& env_prefix);

}  // namespace weft::cmd
