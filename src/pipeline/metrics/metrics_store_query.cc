// MetricsStore's read side: queries over both tiers, name lists, edge totals, snapshots.
#include <unistd.h>

#include <algorithm>
#include <set>

#include "metrics/internal/record_format.h"
#include "metrics/internal/segment_file.h"
#include "metrics/internal/segment_set.h"
#include "metrics/internal/store_series.h"
#include "metrics/metrics_store.h"

namespace weft::pipeline::metrics {
namespace {

bool matches(const SeriesKey& k, Family family, const SeriesFilter& f) {
  if (k.family != family) return false;
  auto in = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  if (family == Family::kSpans) {
    if (!f.services.empty() && !in(f.services, k.service())) return false;
    if (f.operation && *f.operation != k.operation()) return false;
    if (!f.span_kinds.empty() &&
        std::find(f.span_kinds.begin(), f.span_kinds.end(), k.span_kind()) == f.span_kinds.end())
      return false;
    return true;
  }
  if (!f.services.empty() && !in(f.services, k.client()) && !in(f.services, k.server()))
    return false;
  if (!f.client.empty() && f.client != k.client()) return false;
  if (!f.server.empty() && f.server != k.server()) return false;
  return true;
}

SeriesKey grouped(const SeriesKey& k, GroupBy g) {
  if (k.family != Family::kSpans || g == GroupBy::kSeries) return k;
  SeriesKey out{k.family, k.first, "", 0, 0};
  if (g == GroupBy::kOperation || g == GroupBy::kOperationAndKind) out.second = k.second;
  if (g == GroupBy::kOperationAndKind) out.kind = k.kind;
  return out;
}

std::vector<Point>& points_of(std::map<SeriesKey, std::vector<Point>>& out, const SeriesKey& key,
                              uint64_t start, uint64_t n, uint64_t step) {
  std::vector<Point>& pts = out[key];
  if (pts.empty()) {
    pts.resize(n);
    for (uint64_t k = 0; k < n; ++k) pts[k].start_unix_nano = start + k * step;
  }
  return pts;
}

}  // namespace

Status MetricsStore::read_old_minutes(Family family, const SeriesFilter& filter, GroupBy group,
                                      uint64_t start, uint64_t end, uint64_t step,
                                      std::map<SeriesKey, std::vector<Point>>& out) const {
  if (!segments_) return Status::ok();
  // Minutes starting in [start, minute_hi) are on disk only; every one of them has its MINUTE
  // record in the published part of a segment (only durable minutes are evicted), and at most
  // one, so they add up like the in-memory buckets would.
  const uint64_t minute_hi = std::min(end, minute_horizon(family));
  // 10-second buckets starting in [ten_lo, ten_hi) have their durable part on disk only: the
  // sum of their TEN_SECOND_DELTA records in the published parts of the segments (what is not
  // published yet is still in memory, added by the caller). No MINUTE record covers them yet.
  const uint64_t ten_lo = std::max(start, ten_second_horizon());
  const uint64_t ten_hi =
      std::min(end, ten_evicted_[idx(family)].load(std::memory_order_acquire));
  const bool minutes = start < minute_hi, tens = ten_lo < ten_hi;
  if (!minutes && !tens) return Status::ok();
  const uint64_t cutoff = minute_cutoff_.load(std::memory_order_acquire);
  const uint64_t n = (end - start - 1) / step + 1;
  auto want = [&](RecordType type, Family f, uint64_t b) {
    if (f != family) return false;
    if (type == RecordType::kMinute) return b >= start && b < minute_hi && b + kOneMinute > cutoff;
    return b >= ten_lo && b < ten_hi;
  };
  for (const SegmentSet::Readable& seg :
       segments_->readable(start, minutes ? minute_hi : 0, ten_lo, tens ? ten_hi : 0)) {
    auto bytes = read_file_prefix(seg.path, seg.length);
    if (!bytes.is_ok()) {
      if (::access(seg.path.c_str(), F_OK) != 0) continue;  // deleted: nothing in it is needed
      return bytes.status();
    }
    scan_segment_if(*bytes, want, [&](BucketRecord&& r) {
      if (!matches(r.key, family, filter)) return;
      const uint64_t b = r.bucket_start_unix_nano;
      points_of(out, grouped(r.key, group), start, n, step)[(b - start) / step].stats.merge(
          r.stats);
    });
  }
  return Status::ok();
}

Result<QueryResult> MetricsStore::query(Family family, const SeriesFilter& filter, GroupBy group,
                                        uint64_t start, uint64_t end, uint64_t step) const {
  if (step == 0) return invalid_argument("step: must be positive");
  if (start >= end) return invalid_argument("start: must be before end");
  const uint64_t n = (end - start - 1) / step + 1;
  if (n > kMaxPoints)
    return invalid_argument("step: " + std::to_string(n) + " points asked for, at most " +
                            std::to_string(kMaxPoints));
  std::shared_lock no_eviction(evict_mu_);  // memory and disk agree on the minute horizon
  QueryResult result;
  result.resolution_nanos = start >= ten_second_horizon() ? kTenSeconds : kOneMinute;
  std::map<SeriesKey, std::vector<Point>> out;
  auto add_range = [&](const std::map<uint64_t, StoredBucket>& buckets, std::vector<Point>& pts) {
    for (auto it = buckets.lower_bound(start); it != buckets.end() && it->first < end; ++it)
      it->second.add_to(pts[(it->first - start) / step].stats);
  };
  for (size_t i = 0; i < kShards; ++i) {
    const Shard& sh = shards_[i];
    std::lock_guard lock(sh.mu);
    for (const auto& [key, s] : sh.series) {
      if (!matches(key, family, filter)) continue;
      std::vector<Point>& pts = points_of(out, grouped(key, group), start, n, step);
      add_range(s->tens, pts);
      add_range(s->minutes, pts);
    }
  }
  WEFT_RETURN_IF_ERROR(read_old_minutes(family, filter, group, start, end, step, out));
  result.series.reserve(out.size());
  for (auto& [key, pts] : out) result.series.push_back({key, std::move(pts)});
  return result;
}

std::vector<std::string> MetricsStore::services() const {
  std::set<std::string> names;
  for (size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(shards_[i].mu);
    for (const auto& [key, s] : shards_[i].series)
      if (key.family == Family::kSpans) names.insert(key.service());
  }
  return {names.begin(), names.end()};
}

std::vector<std::string> MetricsStore::operations(const std::string& service) const {
  std::set<std::string> names;
  for (size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(shards_[i].mu);
    for (const auto& [key, s] : shards_[i].series)
      if (key.family == Family::kSpans && key.service() == service) names.insert(key.operation());
  }
  return {names.begin(), names.end()};
}

std::vector<EdgeTotals> MetricsStore::edges(uint64_t start, uint64_t end) const {
  std::vector<EdgeTotals> out;
  if (start >= end) return out;
  auto r = query(Family::kEdges, {}, GroupBy::kSeries, start, end, end - start);
  if (!r.is_ok()) return out;  // one point: cannot exceed kMaxPoints
  for (const SeriesPoints& sp : r->series) {
    const BucketStats& st = sp.points[0].stats;
    if (st.calls == 0) continue;
    out.push_back({sp.key, st.calls, st.errors, st.durations.quantile(0.5),
                   st.durations.quantile(0.95), st.durations.quantile(0.99)});
  }
  return out;
}

std::vector<SeriesSnapshot> MetricsStore::snapshot(Family family, uint64_t now) const {
  std::vector<SeriesSnapshot> out;
  const uint64_t now_bucket = floor_to(now, kTenSeconds);
  const uint64_t last = now_bucket >= kTenSeconds ? now_bucket - kTenSeconds : 0;
  for (size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(shards_[i].mu);
    for (const auto& [key, s] : shards_[i].series) {
      if (key.family != family) continue;
      SeriesSnapshot snap{key, s->calls_total, s->errors_total, {}};
      if (auto it = s->tens.find(last); it != s->tens.end()) snap.last_closed = it->second.total();
      out.push_back(std::move(snap));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const SeriesSnapshot& a, const SeriesSnapshot& b) { return a.key < b.key; });
  return out;
}

}  // namespace weft::pipeline::metrics
