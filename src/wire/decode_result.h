#pragma once
// What a decoder returns: the spans it could represent, and the ones it rejected one by
// one (a span whose trace_id is not 16 bytes cannot be kept; its siblings can).
// A request that cannot be parsed at all is a Status error instead (HTTP 400).
#include <cstdint>
#include <string>
#include <vector>

#include "model/span.h"

namespace weft::wire {

struct DecodeResult {
  SpanBatch batch;
  uint32_t rejected_spans = 0;
  // Messages of the first rejections (at most kMaxErrors), e.g.
  // "span 3: trace_id must be 16 bytes (got 5)". Spans are numbered 0.. in request order.
  std::vector<std::string> errors;
  static constexpr size_t kMaxErrors = 10;

  void reject(std::string message) {
    ++rejected_spans;
    if (errors.size() < kMaxErrors) errors.push_back(std::move(message));
  }
  // "3 spans rejected: span 3: ...; span 7: ..." or empty when none.
  std::string summary() const;
};

}  // namespace weft::wire
