#pragma once
// How the agent's forwarder talks to one collector: an OTLP export request (the encoded
// ExportTraceServiceRequest) over HTTP (POST /v1/traces) or gRPC (TraceService/Export), and
// the answer reduced to what the forwarder decides on.
//
// Thread-safety: none; one transport per sender thread.
#include <cstdint>
#include <memory>
#include <string>

#include "common/endpoint.h"

namespace weft::server {

struct ExportAnswer {
  enum class Kind {
    kDelivered,  // accepted (a partial success too: the collector rejected some for good)
    kRetry,      // transport failure, timeout, overloaded, unavailable: send again later
    kRejected,   // refused for good (HTTP 4xx but 408/429, gRPC INVALID_ARGUMENT, ...)
  };
  Kind kind = Kind::kRetry;
  std::string why;              // for the log: "HTTP 503: …", "grpc UNAVAILABLE: …"
  uint64_t retry_after_ms = 0;  // the collector asked for at least this pause
};

struct TransportOptions {
  std::string compression = "gzip";  // gzip | zstd | none (gRPC: gzip | none)
  uint32_t connect_timeout_ms = 2'000;
  uint32_t request_timeout_ms = 10'000;
};

class OtlpTransport {
 public:
  virtual ~OtlpTransport() = default;
  // Sends `request` (an encoded ExportTraceServiceRequest, uncompressed).
  virtual ExportAnswer send(const std::string& request) = 0;
};

// `endpoint.scheme` "http" (or none) → OTLP/HTTP to endpoint.path (default /v1/traces);
// "grpc" → OTLP/gRPC. Nothing is connected before the first send.
std::unique_ptr<OtlpTransport> make_otlp_transport(const Endpoint& endpoint,
                                                   const TransportOptions& options);

}  // namespace weft::server
