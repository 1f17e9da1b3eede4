#pragma once
// What one series holds for one time bucket: calls, errors, a duration sketch and a few
// exemplar trace IDs, so an alert or a chart can link to traces that explain it. Additive:
// merging the stats of two halves of a bucket gives the stats of the whole, which is what
// lets the store persist deltas and the processors pre-aggregate per batch.
//
// Exemplars kept (at most kMaxExemplars): the trace of the slowest call, and the traces of
// the latest error calls (by end time). Not thread-safe; a value type.
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "common/ids.h"
#include "metrics/sketch.h"

namespace weft::pipeline::metrics {

struct Exemplar {
  model::TraceId trace_id;
  uint64_t duration_nanos = 0;
  uint64_t end_unix_nano = 0;
  bool error = false;
  friend bool operator==(const Exemplar&, const Exemplar&) = default;
};

class Exemplars {
 public:
  static constexpr size_t kMaxErrors = 3;
  void add(const Exemplar& e);
  void merge(const Exemplars& other);
  // The slowest first, then the errors newest first; at most 1 + kMaxErrors, no trace twice.
  std::vector<Exemplar> all() const;
  bool empty() const { return !slowest_ && errors_.empty(); }
  const std::optional<Exemplar>& slowest() const { return slowest_; }
  const std::vector<Exemplar>& errors() const { return errors_; }
  // For decoding: `errors` newest first, at most kMaxErrors (checked by the caller).
  static Exemplars from(std::optional<Exemplar> slowest, std::vector<Exemplar> errors) {
    Exemplars e;
    e.slowest_ = std::move(slowest);
    e.errors_ = std::move(errors);
    return e;
  }
  friend bool operator==(const Exemplars&, const Exemplars&) = default;

 private:
  std::optional<Exemplar> slowest_;
  std::vector<Exemplar> errors_;  // newest first
};

inline constexpr size_t kMaxExemplars = 1 + Exemplars::kMaxErrors;

struct BucketStats {
  uint64_t calls = 0;
  uint64_t errors = 0;
  Sketch durations;  // nanoseconds
  Exemplars exemplars;

  void add(uint64_t duration_nanos, bool error, const model::TraceId& trace,
           uint64_t end_unix_nano) {
    ++calls;
    errors += error;
    durations.add(duration_nanos);
    if (!trace.is_zero()) exemplars.add({trace, duration_nanos, end_unix_nano, error});
  }
  void merge(const BucketStats& o) {
    calls += o.calls;
    errors += o.errors;
    durations.merge(o.durations);
    exemplars.merge(o.exemplars);
  }
  friend bool operator==(const BucketStats&, const BucketStats&) = default;
};

}  // namespace weft::pipeline::metrics
