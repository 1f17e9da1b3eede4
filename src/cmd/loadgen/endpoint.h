#pragma once
// Where `weft loadgen` sends: --endpoint, else the protocol's entry in --ports-file, else the
// protocol's default port on 127.0.0.1.
#include <cstdint>
#include <string>

#include "cmd/loadgen/loadgen_options.h"
#include "common/status.h"

namespace weft::cmd::loadgen {

struct Endpoint {
  std::string host;
  uint16_t port = 0;
  std::string to_string() const { return host + ":" + std::to_string(port); }
};

// The key of `protocol` in the ports file: "otlp_http", "otlp_grpc" or "zipkin".
const char* ports_file_key(Protocol protocol);

// Parses the ports file JSON ({"otlp_grpc":"127.0.0.1:4317",...}) and returns the address
// under `key`. INVALID_ARGUMENT if the JSON is malformed or lacks the key; IO_ERROR if the
// file cannot be read.
Result<std::string> read_ports_file_entry(const std::string& path, const std::string& key);

// "host:port" or "http://host:port[/v1/traces]" -> Endpoint; INVALID_ARGUMENT naming the
// input otherwise.
Result<Endpoint> parse_endpoint(const std::string& text);

Result<Endpoint> resolve_endpoint(const LoadgenOptions& options);

}  // namespace weft::cmd::loadgen
