#include "cmd/metrics_text.h"

#include <ctime>

namespace weft::cmd {
namespace {

std::string plural(uint64_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

}  // namespace

std::string utc_seconds(uint64_t unix_nanos) {
  const auto secs = static_cast<time_t>(unix_nanos / 1'000'000'000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

std::string bucket_range(const std::optional<uint64_t>& first_start,
                         const std::optional<uint64_t>& last_end) {
  if (!first_start || !last_end) return "none";
  return utc_seconds(*first_start) + " .. " + utc_seconds(*last_end);
}

std::string metrics_segment_counts(const pipeline::metrics::InspectedMetricsSegment& s) {
  std::string out = plural(s.records(), "record") + " (" +
                    plural(s.ten_second_records, "10-second delta") + ", " +
                    plural(s.minute_records, "minute record");
  if (s.unknown_records) out += ", " + std::to_string(s.unknown_records) + " of an unknown type";
  return out + "), " + std::to_string(s.span_series) + " span series, " +
         std::to_string(s.edge_series) + " edge series";
}

std::string metrics_segment_damage(const pipeline::metrics::InspectedMetricsSegment& s) {
  if (!s.error.empty()) return "unreadable: " + s.error;
  if (!s.damaged_bytes) return "";
  if (!s.header_ok)
    return "bad file header (" + s.damage + "): all " + plural(s.damaged_bytes, "byte");
  return "damaged tail: " + plural(s.damaged_bytes, "byte") + " from offset " +
         std::to_string(s.damage_offset) + " (" + s.damage + ")";
}

}  // namespace weft::cmd
