#pragma once
// Limits a receiver enforces on what it takes in. Exceeding a request-level limit rejects
// the request (413); exceeding a span-level limit rejects that span only.
#include <cstddef>
#include <cstdint>

namespace weft::ingest {

struct Limits {
  // Request body, compressed and (again) after decompression. OTLP exporters send a few
  // MiB at most; the OpenTelemetry Collector's default is 20 MiB.
  size_t max_body_bytes = 16u << 20;
  size_t max_spans_per_request = 100'000;
  size_t max_attributes_per_span = 1'024;
  size_t max_events_per_span = 1'024;
  size_t max_links_per_span = 1'024;
  size_t max_string_bytes = 1u << 20;  // one attribute value, name, or message
};

}  // namespace weft::ingest
