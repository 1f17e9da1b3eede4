#pragma once
// Text for the metrics segments (metrics/metrics_inspect.h) that `weft inspect` and `weft
// verify` both print.
#include <cstdint>
#include <optional>
#include <string>

#include "metrics/metrics_inspect.h"

namespace weft::cmd {

// "2023-11-14T22:13:20Z" (buckets start on whole seconds).
std::string utc_seconds(uint64_t unix_nanos);
// "2023-11-14T22:13:20Z .. 2023-11-14T22:20:00Z", or "none" without a record.
std::string bucket_range(const std::optional<uint64_t>& first_start,
                         const std::optional<uint64_t>& last_end);
// "120 records (100 10-second deltas, 20 minute records), 4 span series, 2 edge series"
// (", 1 of an unknown type" when there are such records).
std::string metrics_segment_counts(const pipeline::metrics::InspectedMetricsSegment& s);
// "damaged tail: 789 bytes from offset 4000 (record fails its CRC)", or the read error.
std::string metrics_segment_damage(const pipeline::metrics::InspectedMetricsSegment& s);

}  // namespace weft::cmd
