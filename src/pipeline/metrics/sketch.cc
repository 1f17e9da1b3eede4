#include "metrics/sketch.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "common/coding.h"

namespace weft::pipeline::metrics {
namespace {

constexpr double kGamma = (1 + Sketch::kRelativeAccuracy) / (1 - Sketch::kRelativeAccuracy);
const double kLogGamma = std::log(kGamma);
// Growing the dense range by one bin per new extreme would be quadratic; grow by a few.
constexpr int kSlack = 16;
constexpr uint8_t kEncodingVersion = 1;

uint64_t saturating_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }
uint64_t saturating_mul(uint64_t a, uint64_t b) {
  return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

}  // namespace

namespace {

// The definition: ceil(log_gamma(v)). Slow (a log and a division); index_of() gives the same
// answer from tables built with it.
int exact_index(uint64_t value_nanos) {
  return static_cast<int>(std::ceil(std::log(static_cast<double>(value_nanos)) / kLogGamma));
}

// exact_index() is non-decreasing in v (log, the division by a positive constant and ceil all
// are), so it is a step function: `first[i]` is the least v with exact_index(v) >= i. Values
// >= 128 are split into cells by their leading 7 bits (the leading one and 6 more): a cell
// spans a ratio of at most 65/64 < gamma, so it holds at most one step, and index_of(v) is
// `cell_lo[cell]` (exact_index of the cell's least value) or one more, when v >= first[that
// + 1]. Values below 128 are looked up directly.
struct IndexTables {
  static constexpr int kCellBits = 6;
  static constexpr uint64_t kSmall = uint64_t{1} << (kCellBits + 1);  // 128
  int max_index = 0;                                                  // exact_index(UINT64_MAX)
  uint16_t small[kSmall] = {};
  uint16_t cell_lo[64][1 << kCellBits] = {};  // [floor(log2 v)][the 6 bits after the leading one]
  uint64_t first[Sketch::kMaxIndex + 1] = {};  // [0, max_index]

  IndexTables() {
    max_index = exact_index(UINT64_MAX);
    first[0] = 1;
    for (int i = 1; i <= max_index; ++i) {
      // The least v with exact_index(v) >= i: it is at least first[i - 1].
      uint64_t lo = first[static_cast<size_t>(i) - 1], hi = UINT64_MAX;  // exact_index(hi) >= i
      while (lo < hi) {
        const uint64_t mid = lo + (hi - lo) / 2;
        if (exact_index(mid) >= i)
          hi = mid;
        else
          lo = mid + 1;
      }
      first[static_cast<size_t>(i)] = lo;
    }
    for (uint64_t v = 1; v < kSmall; ++v) small[v] = static_cast<uint16_t>(exact_index(v));
    for (int e = kCellBits + 1; e < 64; ++e)
      for (uint64_t m = 0; m < (uint64_t{1} << kCellBits); ++m)
        cell_lo[e][m] = static_cast<uint16_t>(
            exact_index(((uint64_t{1} << kCellBits) | m) << (e - kCellBits)));
  }

  int index_of(uint64_t v) const {
    if (v < kSmall) return small[v];
    const int e = 63 - std::countl_zero(v);
    const auto m = static_cast<size_t>((v >> (e - kCellBits)) & ((1u << kCellBits) - 1));
    int i = cell_lo[e][m];
    if (i < max_index && v >= first[static_cast<size_t>(i) + 1]) ++i;
    return i;
  }
};


const IndexTables& index_tables() {
  static const IndexTables t;
  return t;
}

}  // namespace

int Sketch::index_of(uint64_t value_nanos) {
  if (value_nanos == 0) [[unlikely]]
    return exact_index(value_nanos);
  return index_tables().index_of(value_nanos);
}

double Sketch::bin_value(int index) const { return 2.0 * std::pow(kGamma, index) / (kGamma + 1.0); }

void Sketch::cover(int lo, int hi) {
  const int max_bins = static_cast<int>(kMaxBins);
  if (size_ == 0) {
    if (hi - lo + 1 > max_bins) lo = hi - max_bins + 1;
    offset_ = lo;
    size_ = static_cast<uint32_t>(hi - lo + 1) & 0x7fffffff;
    if (!sparse_) bins_.assign(size_, 0);
    return;
  }
  const int cur_hi = offset_ + static_cast<int>(size_) - 1;
  if (lo >= offset_ && hi <= cur_hi) return;
  int new_lo = offset_, new_hi = cur_hi;
  if (lo < offset_) new_lo = std::max(0, lo - kSlack);
  if (hi > cur_hi) new_hi = std::min(kMaxIndex, hi + kSlack);
  if (new_hi - new_lo + 1 > max_bins) new_lo = new_hi - max_bins + 1;
  const auto new_size = static_cast<size_t>(new_hi - new_lo + 1);
  if (sparse_) {
    // Bins below new_lo collapse into new_lo: a prefix of the pairs.
    size_t k = 0;
    uint64_t collapsed = 0;
    for (; k + 1 < bins_.size() && static_cast<int>(bins_[k]) < new_lo; k += 2)
      collapsed += bins_[k + 1];
    if (k) {
      bins_.erase(bins_.begin(), bins_.begin() + static_cast<std::ptrdiff_t>(k));
      if (!bins_.empty() && static_cast<int>(bins_[0]) == new_lo) {
        bins_[1] += collapsed;
      } else {
        const uint64_t pair[2] = {static_cast<uint64_t>(new_lo), collapsed};
        bins_.insert(bins_.begin(), pair, pair + 2);
      }
    }
  } else if (new_lo <= offset_) {
    // Nothing collapses: grow in place.
    const auto front = static_cast<size_t>(offset_ - new_lo);
    const size_t old_size = bins_.size();
    bins_.resize(new_size, 0);
    if (front) {
      std::copy_backward(bins_.begin(), bins_.begin() + static_cast<std::ptrdiff_t>(old_size),
                         bins_.begin() + static_cast<std::ptrdiff_t>(old_size + front));
      std::fill(bins_.begin(), bins_.begin() + static_cast<std::ptrdiff_t>(front), 0);
    }
  } else {
    // Bins below new_lo collapse into new_lo.
    std::vector<uint64_t> nb(new_size, 0);
    for (size_t k = 0; k < bins_.size(); ++k) {
      if (!bins_[k]) continue;
      const int idx = std::max(offset_ + static_cast<int>(k), new_lo);
      nb[static_cast<size_t>(idx - new_lo)] += bins_[k];
    }
    bins_.swap(nb);
  }
  offset_ = new_lo;
  size_ = static_cast<uint32_t>(new_size) & 0x7fffffff;
}

void Sketch::densify() {
  std::vector<uint64_t> dense(size_, 0);
  for (size_t k = 0; k + 1 < bins_.size(); k += 2)
    dense[static_cast<size_t>(static_cast<int>(bins_[k]) - offset_)] += bins_[k + 1];
  bins_.swap(dense);
  sparse_ = 0;
}

void Sketch::bump(int index, uint64_t n) {
  index = std::max(index, offset_);
  if (!sparse_) {
    bins_[static_cast<size_t>(index - offset_)] += n;
    return;
  }
  size_t k = 0;
  for (; k + 1 < bins_.size(); k += 2) {
    const int at = static_cast<int>(bins_[k]);
    if (at == index) {
      bins_[k + 1] += n;
      return;
    }
    if (at > index) break;
  }
  if (bins_.size() >= 2 * kSparsePairs) {
    densify();
    bins_[static_cast<size_t>(index - offset_)] += n;
    return;
  }
  if (bins_.capacity() == 0) bins_.reserve(8);
  const uint64_t pair[2] = {static_cast<uint64_t>(index), n};
  bins_.insert(bins_.begin() + static_cast<std::ptrdiff_t>(k), pair, pair + 2);
}

void Sketch::add_n(uint64_t value_nanos, uint64_t n) {
  if (n == 0) return;
  if (value_nanos == 0) {
    zero_count_ += n;
  } else {
    const int i = index_of(value_nanos);
    const int rel = i - offset_;
    if (size_ == 0 || rel < 0 || rel >= static_cast<int>(size_)) [[unlikely]]
      cover(i, i);
    bump(i, n);  // collapsed into the lowest bin if below it
  }
  count_ += n;
  sum_ = saturating_add(sum_, saturating_mul(value_nanos, n));
  min_ = std::min(min_, value_nanos);
  max_ = std::max(max_, value_nanos);
}

void Sketch::merge(const Sketch& other) {
  if (other.count_ == 0) return;
  // Only the non-zero span of `other` matters (its dense range may carry slack).
  int lo = kMaxIndex + 1, hi = -1;
  other.for_each_bin([&](int idx, uint64_t) {
    lo = std::min(lo, idx);
    hi = std::max(hi, idx);
  });
  if (lo <= hi) {
    cover(lo, hi);
    other.for_each_bin([&](int idx, uint64_t c) { bump(idx, c); });
  }
  zero_count_ += other.zero_count_;
  count_ += other.count_;
  sum_ = saturating_add(sum_, other.sum_);
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void Sketch::merge_values(const uint64_t* values, size_t n) {
  if (n == 0) return;
  constexpr size_t kMaxDirect = 16;
  int idx[kMaxDirect];
  int lo = kMaxIndex + 1, hi = -1;
  if (n <= kMaxDirect) {
    for (size_t k = 0; k < n; ++k) {
      if (values[k] == 0) continue;
      idx[k] = index_of(values[k]);
      lo = std::min(lo, idx[k]);
      hi = std::max(hi, idx[k]);
    }
  }
  // merge() of a sketch of these values covers the span of its non-zero bins, which are the
  // values' own indexes as long as that sketch collapsed nothing: certain when they span
  // fewer than kMaxBins - kSlack bins. Otherwise (or for many values) build it.
  if (n > kMaxDirect || (hi >= lo && hi - lo + 1 + kSlack >= static_cast<int>(kMaxBins))) {
    Sketch s;
    for (size_t k = 0; k < n; ++k) s.add(values[k]);
    merge(s);
    return;
  }
  if (hi >= lo) cover(lo, hi);
  for (size_t k = 0; k < n; ++k) {
    const uint64_t v = values[k];
    if (v == 0)
      ++zero_count_;
    else
      bump(idx[k], 1);
    sum_ = saturating_add(sum_, v);
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
  }
  count_ += n;
}

double Sketch::quantile(double q) const {
  if (count_ == 0) return 0;
  if (!(q > 0)) return static_cast<double>(min_);  // also NaN
  if (q >= 1) return static_cast<double>(max_);
  const auto rank = static_cast<uint64_t>(q * static_cast<double>(count_ - 1));
  uint64_t seen = zero_count_;
  if (rank < seen) return 0;
  int found = -1;
  for_each_bin([&](int idx, uint64_t c) {
    if (found >= 0) return;
    seen += c;
    if (seen > rank) found = idx;
  });
  if (found >= 0) {
    double v = bin_value(found);
    return std::clamp(v, static_cast<double>(min_), static_cast<double>(max_));
  }
  return static_cast<double>(max_);
}

void Sketch::encode(std::string& out) const {
  out.push_back(static_cast<char>(kEncodingVersion));
  coding::put_varint64(out, count_);
  coding::put_varint64(out, zero_count_);
  coding::put_varint64(out, sum_);
  coding::put_varint64(out, count_ ? min_ : 0);
  coding::put_varint64(out, max_);
  uint64_t nonzero = 0;
  for_each_bin([&](int, uint64_t) { ++nonzero; });
  coding::put_varint64(out, nonzero);
  int prev = -1;
  for_each_bin([&](int idx, uint64_t c) {
    coding::put_varint64(out, static_cast<uint64_t>(idx - prev));
    coding::put_varint64(out, c);
    prev = idx;
  });
}

Result<Sketch> Sketch::decode(std::string_view in) {
  auto bad = [](const char* why) { return data_loss(std::string("sketch: ") + why); };
  if (in.empty() || static_cast<uint8_t>(in[0]) != kEncodingVersion)
    return bad("unknown encoding version");
  in.remove_prefix(1);
  Sketch s;
  uint64_t count = 0, zero = 0, sum = 0, mn = 0, mx = 0, n = 0;
  if (!coding::get_varint64(in, &count) || !coding::get_varint64(in, &zero) ||
      !coding::get_varint64(in, &sum) || !coding::get_varint64(in, &mn) ||
      !coding::get_varint64(in, &mx) || !coding::get_varint64(in, &n))
    return bad("truncated header");
  if (n > kMaxBins) return bad("too many bins");
  std::vector<std::pair<int, uint64_t>> bins;
  bins.reserve(static_cast<size_t>(n));
  int64_t prev = -1;
  uint64_t total = zero;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t delta = 0, c = 0;
    if (!coding::get_varint64(in, &delta) || !coding::get_varint64(in, &c))
      return bad("truncated bins");
    if (delta == 0 || delta > static_cast<uint64_t>(kMaxIndex) + 1) return bad("bad bin index");
    prev += static_cast<int64_t>(delta);
    if (prev > kMaxIndex) return bad("bin index out of range");
    if (c == 0) return bad("empty bin");
    if (c > UINT64_MAX - total) return bad("count overflow");
    total += c;
    bins.emplace_back(static_cast<int>(prev), c);
  }
  if (!in.empty()) return bad("trailing bytes");
  if (total != count) return bad("bin counts do not add up to the count");
  if (count == 0 ? (sum || mn || mx) : mn > mx) return bad("inconsistent min/max");
  if (count > zero && mx == 0) return bad("inconsistent max");
  if (!bins.empty() && bins.back().first - bins.front().first + 1 > static_cast<int>(kMaxBins))
    return bad("bins span too wide");
  s.count_ = count;
  s.zero_count_ = zero;
  s.sum_ = sum;
  s.min_ = count ? mn : UINT64_MAX;
  s.max_ = mx;
  if (!bins.empty()) {
    s.offset_ = bins.front().first;
    s.size_ = static_cast<uint32_t>(bins.back().first - s.offset_ + 1) & 0x7fffffff;
    s.bins_.reserve(bins.size() <= kSparsePairs ? 2 * bins.size() : s.size_);
    if (bins.size() <= kSparsePairs) {
      for (auto [idx, c] : bins) {
        s.bins_.push_back(static_cast<uint64_t>(idx));
        s.bins_.push_back(c);
      }
    } else {
      s.sparse_ = 0;
      s.bins_.assign(s.size_, 0);
      for (auto [idx, c] : bins) s.bins_[static_cast<size_t>(idx - s.offset_)] = c;
    }
  }
  return s;
}

bool operator==(const Sketch& a, const Sketch& b) { return a.encode() == b.encode(); }

}  // namespace weft::pipeline::metrics

static_assert(sizeof(weft::pipeline::metrics::Sketch) == 5 * sizeof(uint64_t) + 2 * sizeof(uint32_t) +
                                    sizeof(std::vector<uint64_t>),
              "memory::bucket_bytes counts sizeof(StoredBucket): keep the Sketch's size");
