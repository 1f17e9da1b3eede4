#pragma once
// What the metrics store's segment files hold (<data_dir>/metrics/, docs/format/metrics.md),
// for `weft inspect` and `weft verify`: per segment its records by type, the buckets they
// cover, the distinct series of each family, and damage -- read with the store's own record
// reader (every record framed, CRC-checked and decoded, as open() reads them). Nothing here
// prints; src/cmd renders these structs.
//
// Read-only: writes, truncates and deletes nothing, takes no lock, and may run beside a
// store that has the directory open (it then describes one moment of a changing directory:
// a segment deleted by retention meanwhile is left out, and the segment being written may
// end in a record whose write is in progress: `truncated` damage).
//
// Thread-safety: shares no state; may run concurrently.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace weft::pipeline::metrics {

struct InspectedMetricsSegment {
  std::string file;  // "metrics-0000000000000001.seg"
  uint64_t seq = 0;
  uint64_t bytes = 0;  // the file's size as read

  // Intact records read, by type (RecordType): 10-second deltas and whole minutes, plus
  // intact records of a type this version does not know (skipped, as the store does).
  uint64_t ten_second_records = 0;
  uint64_t minute_records = 0;
  uint64_t unknown_records = 0;
  uint64_t records() const { return ten_second_records + minute_records + unknown_records; }
  // Distinct series (SeriesKey) among the intact records, per family.
  uint64_t span_series = 0;
  uint64_t edge_series = 0;
  // The buckets the intact records cover: the earliest bucket start and the latest bucket
  // end (start + 10 s or 1 min, Unix ns); nullopt if there is no record.
  std::optional<uint64_t> first_bucket_start;
  std::optional<uint64_t> last_bucket_end;

  // Damage: reading stopped at `damage_offset` (a record that is cut short, over the length
  // bound, fails its CRC or does not decode; or a bad file header, offset 0) and the
  // `damaged_bytes` from there to the end of the file are what the store drops at every
  // open. `damage` says why. `truncated`: the damage is a last record cut short by the end of
  // the file (a write in progress, or one a crash interrupted), not bad bytes.
  uint64_t damaged_bytes = 0;
  uint64_t damage_offset = 0;
  std::string damage;
  bool truncated = false;
  bool header_ok = false;
  // Non-empty: the file could not be read at all (an I/O error); counts as damaged.
  std::string error;

  bool damaged() const { return damaged_bytes > 0 || !error.empty(); }
};

struct MetricsDirReport {
  std::string dir;       // the metrics directory inspected (<data_dir>/metrics)
  bool present = false;  // false: no such directory (a store never ran with RED metrics on)
  std::vector<InspectedMetricsSegment> segments;  // by sequence
  // Over every segment: distinct series per family (a series in several segments counts
  // once) and the buckets covered.
  uint64_t span_series = 0;
  uint64_t edge_series = 0;
  std::optional<uint64_t> first_bucket_start;
  std::optional<uint64_t> last_bucket_end;

  bool damaged() const;
  uint64_t total_bytes() const;
  uint64_t total_records() const;
  uint64_t total_damaged_bytes() const;
};

// Describes the segments in `metrics_dir` (normally <data_dir>/metrics). A missing
// directory is not an error (present = false, no segments); IO_ERROR if it exists but
// cannot be listed (not a directory, no permission). Damage is in the report, not an error.
Result<MetricsDirReport> inspect_metrics_dir(const std::string& metrics_dir);

}  // namespace weft::pipeline::metrics
