#pragma once
// What a decoder returns: the spans it could represent, and the ones it rejected one by
// one (a span whose trace_id is not 16 bytes cannot be kept; its siblings can).
// A request that cannot be parsed at all is a Status error instead (HTTP 400).
#include <cstdint>
#include <string>
#include <vector>

#include "model/span.h"

namespace weft::wire {

using namespace weft::model;

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
  // Where a decode began, so that a decoder failing as a whole can leave the result exactly
  // as it found it (rollback(mark)).
  struct Mark {
    size_t spans;
    uint32_t rejected_spans;
    size_t errors;
  };
  Mark mark() const { return Mark{batch.spans.size(), rejected_spans, errors.size()}; }
  void rollback(const Mark& m) {
    batch.spans.resize(m.spans);
    rejected_spans = m.rejected_spans;
    errors.resize(m.errors);
  }

  // "3 spans rejected: span 3: ...; span 7: ..." or empty when none.
  std::string summary() const;
};

}  // namespace weft::wire
