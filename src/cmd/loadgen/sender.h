#pragma once
// A Sender delivers one encoded request over one connection and says how it went.
// Not thread-safe: each sender thread owns one.
#include <cstdint>
#include <memory>
#include <string>

#include "cmd/loadgen/endpoint.h"
#include "cmd/loadgen/loadgen_options.h"
#include "common/status.h"

namespace weft::cmd::loadgen {

struct SendResult {
  enum class Kind {
    kOk,         // acknowledged (maybe partly: see rejected_spans)
    kRetryable,  // HTTP 429/503, gRPC UNAVAILABLE/RESOURCE_EXHAUSTED, transport failure
    kFailed,     // any other answer: retrying would not help
  };
  Kind kind = Kind::kOk;
  std::string failure;          // non-OK: "http 500", "grpc INVALID_ARGUMENT", "transport"
  std::string detail;           // non-OK: the server's or the transport's message, for logs
  int64_t rejected_spans = 0;   // OK: the response's partial_success.rejected_spans
  uint32_t retry_after_ms = 0;  // retryable: the server's Retry-After; 0 = none given
};

class Sender {
 public:
  virtual ~Sender() = default;
  virtual SendResult send(const std::string& body) = 0;
};

// An HTTP sender (POST /v1/traces or /api/v2/spans on a kept-alive connection) or a gRPC
// one (TraceService/Export through a generic stub, on its own channel), connected.
Result<std::unique_ptr<Sender>> make_sender(const LoadgenOptions& options,
                                            const Endpoint& endpoint);

Result<std::unique_ptr<Sender>> make_http_sender(const LoadgenOptions& options,
                                                 const Endpoint& endpoint);
Result<std::unique_ptr<Sender>> make_grpc_sender(const LoadgenOptions& options,
                                                 const Endpoint& endpoint);

}  // namespace weft::cmd::loadgen
