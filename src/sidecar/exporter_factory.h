#pragma once
// --endpoint -> the SDK exporter the spans go to:
//   http://host:port[/path]  OTLP/HTTP protobuf (path default /v1/traces)
//   grpc://host:port         OTLP/gRPC (when the SDK's gRPC exporter is built)
//   log:/path/file           trace log lines (LOGFORMAT.md)
//   none                     nowhere (spans are still made, sampled and counted)
#include <memory>
#include <string>

#include "weft/exporter.h"

namespace weft::sidecar {

std::unique_ptr<SpanExporter> MakeExporterForEndpoint(const std::string& endpoint,
                                                      std::string* error);

}  // namespace weft::sidecar
