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
#include <utility>
#include <vector>

#include "common/status.h"

namespace weft::pipeline::metrics {

class Sketch {
 public:
  static constexpr double kRelativeAccuracy = 0.01;
  static constexpr size_t kMaxBins = 2048;
  static constexpr int kMaxIndex = 2300;  // > ceil(log_gamma(2^64)); decode refuses more

  Sketch() = default;
  Sketch(const Sketch&) = default;
  Sketch& operator=(const Sketch&) = default;
  // A moved-from sketch is empty.
  Sketch(Sketch&& o) noexcept { *this = std::move(o); }
  Sketch& operator=(Sketch&& o) noexcept {
    if (this == &o) return *this;
    count_ = o.count_;
    zero_count_ = o.zero_count_;
    sum_ = o.sum_;
    min_ = o.min_;
    max_ = o.max_;
    offset_ = o.offset_;
    size_ = o.size_;
    sparse_ = o.sparse_;
    bins_ = std::move(o.bins_);
    o.count_ = o.zero_count_ = o.sum_ = o.max_ = 0;
    o.min_ = UINT64_MAX;
    o.offset_ = 0;
    o.size_ = 0;
    o.sparse_ = 1;
    o.bins_.clear();
    return *this;
  }

  void add(uint64_t value_nanos) { add_n(value_nanos, 1); }
  // Adds `n` occurrences of `value_nanos`.
  void add_n(uint64_t value_nanos, uint64_t n);
  void merge(const Sketch& other);
  // The same as merge(s) for a Sketch s built by add()ing values[0 .. n) in order, without
  // building s (the store merges a batch's few durations of a series this way).
  void merge_values(const uint64_t* values, size_t n);

  uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  uint64_t sum() const { return sum_; }  // saturates at UINT64_MAX
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  // The value at rank floor(q * (count - 1)) of the sorted data, within 1 % (exact for q = 0
  // and 1: min and max). 0 for an empty sketch; q is clamped to [0, 1].
  double quantile(double q) const;
  // Bins held (for tests and memory accounting).
  // The dense range's size, as if every bin were held: a sketch with few distinct values
  // holds them sparsely (below), but counts as its dense range.
  size_t bin_count() const { return size_; }

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
  // The bins. Logically dense: counts of indexes offset_ .. offset_ + size_ - 1 (the range
  // and its growth are the same whatever the representation). Held either
  //   dense (!sparse_): bins_[k] is the count of index offset_ + k (bins_.size() == size_);
  //   sparse: bins_ holds (index, count) pairs, flattened, by index, counts non-zero; at most
  //     kSparsePairs of them (then dense): a bucket with a few calls costs a few words,
  //     not its whole range.
  static constexpr size_t kSparsePairs = 8;
  // Makes the range cover [lo, hi] (indexes), keeping at most kMaxBins (collapsing the lowest).
  void cover(int lo, int hi);
  // Adds n to index max(index, offset_). REQUIRES: cover() of index.
  void bump(int index, uint64_t n);
  void densify();
  // fn(index, count) for every non-zero bin, by index.
  template <typename Fn>
  void for_each_bin(Fn&& fn) const {
    if (sparse_) {
      for (size_t k = 0; k + 1 < bins_.size(); k += 2)
        fn(static_cast<int>(bins_[k]), bins_[k + 1]);
      return;
    }
    for (size_t k = 0; k < bins_.size(); ++k)
      if (bins_[k]) fn(offset_ + static_cast<int>(k), bins_[k]);
  }
  double bin_value(int index) const;

  uint64_t count_ = 0;
  uint64_t zero_count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
  int offset_ = 0;  // index of the range's first bin
  uint32_t size_ : 31 = 0;
  uint32_t sparse_ : 1 = 1;
  std::vector<uint64_t> bins_;
};

}  // namespace weft::pipeline::metrics
