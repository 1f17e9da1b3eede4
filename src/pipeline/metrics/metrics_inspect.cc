#include "metrics/metrics_inspect.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <string_view>
#include <utility>

#include "metrics/internal/record_format.h"
#include "metrics/internal/segment_file.h"
#include "metrics/series_key.h"

namespace weft::pipeline::metrics {
namespace {

constexpr uint64_t kTenSecondNanos = 10'000'000'000ULL;
constexpr uint64_t kMinuteNanos = 60'000'000'000ULL;

void widen(std::optional<uint64_t>& first, std::optional<uint64_t>& last, uint64_t start,
           uint64_t end) {
  first = first ? std::min(*first, start) : start;
  last = last ? std::max(*last, end) : end;
}

std::string base_name(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

bool MetricsDirReport::damaged() const {
  return std::any_of(segments.begin(), segments.end(),
                     [](const InspectedMetricsSegment& s) { return s.damaged(); });
}

uint64_t MetricsDirReport::total_bytes() const {
  uint64_t n = 0;
  for (const auto& s : segments) n += s.bytes;
  return n;
}

uint64_t MetricsDirReport::total_records() const {
  uint64_t n = 0;
  for (const auto& s : segments) n += s.records();
  return n;
}

uint64_t MetricsDirReport::total_damaged_bytes() const {
  uint64_t n = 0;
  for (const auto& s : segments) n += s.damaged_bytes;
  return n;
}

Result<MetricsDirReport> inspect_metrics_dir(const std::string& metrics_dir) {
  MetricsDirReport rep;
  rep.dir = metrics_dir;
  struct stat st;
  if (::stat(metrics_dir.c_str(), &st) != 0) {
    if (errno == ENOENT) return rep;  // no metrics were ever persisted here
    return errno_status("inspecting", metrics_dir, errno);
  }
  if (!S_ISDIR(st.st_mode)) return io_error(metrics_dir + ": not a directory");
  rep.present = true;
  WEFT_ASSIGN_OR_RETURN(std::vector<SegmentName> names, list_segments(metrics_dir));

  std::set<SeriesKey> all_series[kFamilyCount];
  for (const SegmentName& name : names) {
    InspectedMetricsSegment seg;
    seg.file = base_name(name.path);
    seg.seq = name.seq;
    Result<std::string> bytes = read_whole_file(name.path);
    if (!bytes.is_ok()) {
      // Deleted by a running store's retention since the listing: nothing in it was needed.
      if (::access(name.path.c_str(), F_OK) != 0 && errno == ENOENT) continue;
      seg.error = bytes.status().to_string();
      rep.segments.push_back(std::move(seg));
      continue;
    }
    seg.bytes = bytes->size();
    std::set<SeriesKey> series[kFamilyCount];
    SegmentContents c = scan_segment(*bytes, [&](BucketRecord&& r) {
      const bool minute = r.type == RecordType::kMinute;
      ++(minute ? seg.minute_records : seg.ten_second_records);
      const uint64_t start = r.bucket_start_unix_nano;
      const uint64_t width = minute ? kMinuteNanos : kTenSecondNanos;
      const uint64_t end = start > UINT64_MAX - width ? UINT64_MAX : start + width;
      widen(seg.first_bucket_start, seg.last_bucket_end, start, end);
      series[static_cast<size_t>(r.key.family)].insert(std::move(r.key));
    });
    seg.header_ok = c.header_ok;
    seg.unknown_records = c.unknown_records;
    seg.damaged_bytes = c.damaged_bytes;
    seg.damage_offset = seg.bytes - c.damaged_bytes;
    seg.damage = std::move(c.damage);
    seg.truncated = c.truncated;
    seg.span_series = series[static_cast<size_t>(Family::kSpans)].size();
    seg.edge_series = series[static_cast<size_t>(Family::kEdges)].size();
    if (seg.first_bucket_start)
      widen(rep.first_bucket_start, rep.last_bucket_end, *seg.first_bucket_start,
            *seg.last_bucket_end);
    for (size_t f = 0; f < kFamilyCount; ++f) all_series[f].merge(series[f]);
    rep.segments.push_back(std::move(seg));
  }
  rep.span_series = all_series[static_cast<size_t>(Family::kSpans)].size();
  rep.edge_series = all_series[static_cast<size_t>(Family::kEdges)].size();
  return rep;
}

}  // namespace weft::pipeline::metrics
