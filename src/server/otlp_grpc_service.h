#pragma once
// OTLP/gRPC: opentelemetry.proto.collector.trace.v1.TraceService/Export, served with
// gRPC's callback API on raw bytes: the request is handed undecoded to the Ingestor (our
// own decoder is the hot path) and answered once the spans are durable, without holding a
// gRPC thread meanwhile.
#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"
#include "ingest/ingestor.h"

namespace weft::server {

class OtlpGrpcServer {
 public:
  OtlpGrpcServer(ingest::Ingestor& ingestor, size_t max_message_bytes);
  ~OtlpGrpcServer();

  // Binds `host:port` (port 0 picks one) and starts serving; returns "host:port".
  Result<std::string> start(const std::string& host, uint16_t port);
  // Stops accepting calls and waits (up to the deadline) for calls in flight.
  void stop(std::chrono::milliseconds deadline);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace weft::server
