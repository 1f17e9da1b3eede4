#include "server/pipeline/red_metrics_reader.h"

#include <algorithm>

namespace weft::server {

using pipeline::alerts::RuleSelector;
using pipeline::alerts::WindowStats;
namespace metrics = pipeline::metrics;

WindowStats RedMetricsReader::window(const RuleSelector& sel, uint64_t start_ns,
                                     uint64_t end_ns) const {
  WindowStats out;
  if (end_ns <= start_ns) return out;
  metrics::SeriesFilter filter;
  filter.services = {sel.service};
  if (!sel.operation.empty()) filter.operation = sel.operation;
  filter.span_kinds = {sel.span_kind};
  // One step covering the whole window: every bucket starting in [start, end), merged.
  auto result = store_.query(metrics::Family::kSpans, filter, metrics::GroupBy::kService,
                             start_ns, end_ns, end_ns - start_ns);
  if (!result.is_ok()) return out;  // a window the store cannot answer reads as no traffic
  metrics::BucketStats merged;
  for (const auto& series : result->series)
    for (const auto& point : series.points) merged.merge(point.stats);
  out.calls = merged.calls;
  out.errors = merged.errors;
  if (sel.quantile && merged.durations.count() > 0)
    out.quantile_ns = merged.durations.quantile(*sel.quantile);
  // Exemplars that show the problem, newest first.
  std::vector<metrics::Exemplar> wanted;
  for (const auto& e : merged.exemplars.all())
    if (sel.exemplar_errors ? e.error : e.duration_nanos >= sel.exemplar_min_duration_ns)
      wanted.push_back(e);
  std::stable_sort(wanted.begin(), wanted.end(), [](const auto& a, const auto& b) {
    return a.end_unix_nano > b.end_unix_nano;
  });
  for (const auto& e : wanted) {
    if (out.exemplars.size() >= sel.max_exemplars) break;
    out.exemplars.push_back(e.trace_id);
  }
  return out;
}

}  // namespace weft::server
