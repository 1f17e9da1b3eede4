#pragma once
// OTLP/gRPC exporter (library weft::sdk_grpc, which links gRPC++; weft::sdk itself does not).
//
//   weft::Options o;
//   o.service_name = "orders";
//   o.exporter = weft::MakeOtlpGrpcExporter({.endpoint = "collector:4317"});
//   auto sdk = weft::Init(std::move(o));
//
// Sends opentelemetry.proto.collector.trace.v1.TraceService/Export over an insecure channel.
// UNAVAILABLE, RESOURCE_EXHAUSTED and DEADLINE_EXCEEDED are retried with exponential backoff
// and jitter, at most max_attempts attempts per export; other errors are final.
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "weft/exporter.h"

namespace weft {

struct OtlpGrpcExporterOptions {
  // gRPC target: "host:port", "dns:///host:port", "unix:/path" ...
  std::string endpoint = "127.0.0.1:4317";
  // Per attempt (the call's deadline).
  std::chrono::milliseconds timeout{10'000};
  int max_attempts = 5;  // 1 = no retries
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{5'000};
  bool gzip = false;  // grpc-encoding: gzip
  // Extra call metadata (keys lowercase, as gRPC requires).
  std::vector<std::pair<std::string, std::string>> metadata;
};

std::unique_ptr<SpanExporter> MakeOtlpGrpcExporter(OtlpGrpcExporterOptions options);

}  // namespace weft
