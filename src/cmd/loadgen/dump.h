#pragma once
// `weft loadgen --dump FILE`: the workload as OTLP JSON lines (one ExportTraceServiceRequest
// per batch of --batch spans, one per line), for feeding exactly the same spans to another
// system. No network.
#include <cstdint>
#include <string>

#include "cmd/loadgen/loadgen_options.h"
#include "common/status.h"

namespace weft::cmd::loadgen {

// Writes options.spans spans to `path` ("-" = stdout). Returns the number of lines.
// REQUIRES: options.spans > 0.
Result<uint64_t> dump_otlp_json_lines(const LoadgenOptions& options, const std::string& path);

}  // namespace weft::cmd::loadgen
