#include "analysis/aggregate_critical_path.h"

#include <algorithm>
#include <utility>

#include "analysis/critical_path.h"

namespace weft::query::analysis {

uint32_t find_entry_span(const SpanTree& tree, std::string_view service,
                         std::string_view operation) {
  uint32_t best = SpanTree::kNone;
  for (uint32_t i = 0; i < tree.size(); ++i) {
    const model::Span& s = tree.span(i);
    if (!operation.empty() && s.name != operation) continue;
    if (s.service_name() != service) continue;
    if (best != SpanTree::kNone) {
      const model::Span& b = tree.span(best);
      if (s.start_time_unix_nano > b.start_time_unix_nano) continue;
      if (s.start_time_unix_nano == b.start_time_unix_nano && !(s.span_id < b.span_id)) continue;
    }
    best = i;
  }
  return best;
}

AggregateCriticalPathBuilder::AggregateCriticalPathBuilder(std::string service,
                                                           std::string operation)
    : service_(std::move(service)), operation_(std::move(operation)) {}

uint32_t AggregateCriticalPathBuilder::op_index(std::string_view service,
                                                std::string_view operation) {
  key_.assign(service);
  key_.push_back('\0');
  key_.append(operation);
  auto [it, inserted] = op_by_key_.try_emplace(key_, static_cast<uint32_t>(ops_.size()));
  if (inserted) ops_.push_back({std::string(service), std::string(operation)});
  return it->second;
}

bool AggregateCriticalPathBuilder::add(const model::Trace& trace) {
  const SpanTree tree(trace);
  const uint32_t entry = find_entry_span(tree, service_, operation_);
  if (entry == SpanTree::kNone) return false;
  const CriticalPath path = critical_path(tree, entry);
  const model::Span& e = tree.span(entry);
  Entry out{trace.trace_id.is_zero() ? e.trace_id : trace.trace_id,
            e.duration_nanos(),
            0,
            static_cast<uint32_t>(op_times_.size()),
            static_cast<uint32_t>(path.self_times.size()),
            static_cast<uint32_t>(entries_.size())};
  for (const SelfTime& st : path.self_times) {
    op_times_.push_back({op_index(st.service, st.operation), st.nanos});
    out.path_nanos += st.nanos;
  }
  entries_.push_back(out);
  return true;
}

namespace {

struct Range {
  const char* name;
  size_t begin, end;  // ranks [begin, end) of the sorted entries
};

}  // namespace

AggregateCriticalPath AggregateCriticalPathBuilder::finish() && {
  AggregateCriticalPath out;
  const size_t n = entries_.size();
  out.analyzed_traces = static_cast<uint32_t>(n);
  if (n == 0) return out;
  std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    if (a.duration_nanos != b.duration_nanos) return a.duration_nanos < b.duration_nanos;
    if (a.trace_id != b.trace_id) return a.trace_id < b.trace_id;
    return a.order < b.order;
  });
  const size_t median_lo = 2 * n / 5, median_hi = std::max(median_lo + 1, (3 * n + 4) / 5);
  const size_t slow5 = std::max<size_t>(1, (5 * n + 99) / 100);
  const size_t slow1 = std::max<size_t>(1, (n + 99) / 100);
  // The median band first: the others refer to its shares.
  const Range ranges[] = {{"median", median_lo, median_hi},
                          {"all", 0, n},
                          {"slowest5", n - slow5, n},
                          {"slowest1", n - slow1, n}};

  std::vector<uint64_t> sums(ops_.size());
  std::vector<uint8_t> present(ops_.size());
  std::vector<double> median_share(ops_.size(), 0.0);
  std::vector<Band> bands;
  for (const Range& r : ranges) {
    Band band;
    band.name = r.name;
    band.traces = static_cast<uint32_t>(r.end - r.begin);
    band.min_duration_nanos = entries_[r.begin].duration_nanos;
    band.max_duration_nanos = entries_[r.end - 1].duration_nanos;
    std::fill(sums.begin(), sums.end(), 0);
    std::fill(present.begin(), present.end(), 0);
    for (size_t i = r.begin; i < r.end; ++i) {
      const Entry& e = entries_[i];
      band.critical_path_nanos += e.path_nanos;
      for (uint32_t k = e.first_op; k < e.first_op + e.op_count; ++k) {
        sums[op_times_[k].op] += op_times_[k].nanos;
        present[op_times_[k].op] = 1;
      }
    }
    const bool is_median = r.name == ranges[0].name;
    for (uint32_t op = 0; op < ops_.size(); ++op) {
      if (!present[op]) continue;
      BandShare s;
      s.service = ops_[op].service;
      s.operation = ops_[op].operation;
      s.nanos = sums[op];
      s.share = band.critical_path_nanos
                    ? static_cast<double>(sums[op]) / static_cast<double>(band.critical_path_nanos)
                    : 0.0;
      s.mean_nanos = sums[op] / band.traces;
      if (is_median)
        median_share[op] = s.share;
      else
        s.median_share = median_share[op];
      band.shares.push_back(std::move(s));
    }
    std::sort(band.shares.begin(), band.shares.end(), [](const BandShare& a, const BandShare& b) {
      if (a.nanos != b.nanos) return a.nanos > b.nanos;
      if (a.service != b.service) return a.service < b.service;
      return a.operation < b.operation;
    });
    for (size_t i = r.end; i > r.begin && band.examples.size() < 5; --i)
      band.examples.push_back(entries_[i - 1].trace_id);
    bands.push_back(std::move(band));
  }
  // Reported in the order all, median, slowest5, slowest1.
  out.bands.push_back(std::move(bands[1]));
  out.bands.push_back(std::move(bands[0]));
  out.bands.push_back(std::move(bands[2]));
  out.bands.push_back(std::move(bands[3]));
  return out;
}

}  // namespace weft::query::analysis
