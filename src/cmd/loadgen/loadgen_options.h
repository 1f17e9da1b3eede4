#pragma once
// What `weft loadgen` was asked to do (filled from flags by loadgen_command.cc).
#include <cstdint>
#include <string>
#include <string_view>

#include "loadgen/workload.h"

namespace weft::cmd::loadgen {

enum class Protocol { kOtlpHttp, kOtlpHttpJson, kOtlpGrpc, kZipkin };

// "otlp-http", "otlp-http-json", "otlp-grpc", "zipkin".
std::string_view protocol_name(Protocol p);
// False if `name` is none of those.
bool parse_protocol(std::string_view name, Protocol* out);

struct LoadgenOptions {
  Protocol protocol = Protocol::kOtlpHttp;
  std::string endpoint;         // host:port; empty = from ports_file or the protocol's default
  std::string ports_file;       // JSON written by `weft serve --ports-file`
  uint64_t spans = 100'000;     // total to send; 0 = no limit (then duration bounds the run)
  double duration_seconds = 0;  // 0 = no limit
  double rate = 0;              // spans per second over all connections; 0 = flat out
  uint32_t batch = 500;         // spans per request
  uint32_t concurrency = 2;     // connections, one sender thread each
  bool gzip = false;
  std::string dump_path;  // non-empty: write OTLP JSON lines here, no network ("-" = stdout)
  bool quiet = false;
  uint32_t max_retries = 5;      // per request, on 429/503 and gRPC UNAVAILABLE/RESOURCE_EXHAUSTED
  uint32_t timeout_ms = 30'000;  // per request attempt
  weft::loadgen::WorkloadOptions workload;
};

}  // namespace weft::cmd::loadgen
