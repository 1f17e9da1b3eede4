#pragma once
// A mergeable DDSketch-style quantile sketch of durations in nanoseconds (Masson, Rim & Lee,
// "DDSketch", VLDB 2019): logarithmic buckets with relative accuracy kRelativeAccuracy, so
// any quantile it answers is within 1 % of the exact value at that rank in the data it saw.
//
// A value v >= 1 goes to bucket i = ceil(log_gamma(v)), gamma = (1 + a) / (1 - a), which
// covers (gamma^(i-1), gamma^i]; 0 goes to a zero bucket. Every uint64 fits in indexes
// [0, kMaxIndex] (about 2220), so the bins are kept dense from the lowest used index (a few
// hundred for one operation's latencies). At most kMaxBins bins are kept: beyond that the
// lowest bins are collapsed into one (their quantiles lose accuracy; the high ones, which
// SLAs watch, keep it). Count, sum, min and max are exact.
//
// Not thread-safe; a value type. Encoding (encode/decode): docs/format/metrics.md, "Sketch".
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace weft::pipeline::metrics {

class Sketch {
 public:
  static constexpr double kRelativeAccuracy = 0.01;
  static constexpr size_t kMaxBins = 2048;
  static constexpr int kMaxIndex = 2300;  // > ceil(log_gamma(2^64)); decode refuses more

  void add(uint64_t value_nanos) { add_n(value_nanos, 1); }
  // Adds `n` occurrences of `value_nanos`.
  void add_n(uint64_t value_nanos, uint64_t n);
  void merge(const Sketch& other);

  uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  uint64_t sum() const { return sum_; }  // saturates at UINT64_MAX
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  // The value at rank floor(q * (count - 1)) of the sorted data, within 1 % (exact for q = 0
  // and 1: min and max). 0 for an empty sketch; q is clamped to [0, 1].
  double quantile(double q) const;
  // Bins held (for tests and memory accounting).
  size_t bin_count() const { return bins_.size(); }

  // The bucket index of a value >= 1 (exposed for tests).
  static int index_of(uint64_t value_nanos);

  // Appends the encoding to `out`.
  void encode(std::string& out) const;
  std::string encode() const {
    std::string s;
    encode(s);
    return s;
  }
  // Decodes exactly `in` (no trailing bytes). Validates everything: a malformed or
  // inconsistent encoding is DATA_LOSS, never trusted.
  static Result<Sketch> decode(std::string_view in);

  friend bool operator==(const Sketch& a, const Sketch& b);

 private:
  // Makes bins_ cover [lo, hi] (indexes), keeping at most kMaxBins (collapsing the lowest).
  void cover(int lo, int hi);
  void collapse_to(int new_offset);
  double bin_value(int index) const;

  uint64_t count_ = 0;
  uint64_t zero_count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
  int offset_ = 0;              // index of bins_[0]
  std::vector<uint64_t> bins_;  // counts of indexes offset_ .. offset_ + size - 1
};

}  // namespace weft::pipeline::metrics
