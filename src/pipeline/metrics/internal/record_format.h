#pragma once
// The bytes of the metrics store's segment files (docs/format/metrics.md): a file header,
// then CRC32C-framed records, each one series' stats for one bucket. Pure encoding and
// decoding; file handling is in segment_file.h.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/bucket_stats.h"
#include "metrics/series_key.h"

namespace weft::pipeline::metrics {

inline constexpr std::string_view kSegmentMagic = "WEFTMETR";
inline constexpr uint32_t kSegmentFormatVersion = 1;
inline constexpr size_t kSegmentHeaderSize = 12;  // magic + fixed32 version
inline constexpr size_t kRecordHeaderSize = 9;    // crc + length + type
inline constexpr uint32_t kMaxRecordPayload = 1 << 20;

enum class RecordType : uint8_t {
  // A delta to add to a 10-second bucket (several may exist for one bucket: late spans,
  // restarts); they sum.
  kTenSecondDelta = 1,
  // A whole 1-minute bucket, written once when its 10-second buckets pass the 10-second
  // horizon (from memory, and from disk for those evicted under the budget); it
  // supersedes every kTenSecondDelta of that minute and series.
  kMinute = 2,
};

struct BucketRecord {
  RecordType type = RecordType::kTenSecondDelta;
  SeriesKey key;
  uint64_t bucket_start_unix_nano = 0;
  BucketStats stats;
};

std::string segment_header();
// Appends `r` framed: masked CRC32C of type + payload, payload length, type, payload.
void append_record(std::string& out, const BucketRecord& r);

// What reading a segment found.
struct SegmentContents {
  std::vector<BucketRecord> records;
  bool header_ok = false;
  // A damaged tail: bytes from the first record that failed its CRC, its length bound or
  // decoding, to the end of the file. Reading stops there (what follows cannot be framed).
  uint64_t damaged_bytes = 0;
  // Why reading stopped, if damaged_bytes > 0 ("record fails its CRC", "bad magic or
  // version", ...: the decoder's message for a payload that does not decode); the damage
  // starts at offset file.size() - damaged_bytes.
  std::string damage;
  // The damage is a last record cut short by the end of the file (fewer bytes than its
  // header or length says: a write in progress, or one a crash interrupted), not bad bytes.
  bool truncated = false;
  uint64_t unknown_records = 0;  // intact records of a type this version does not know
};
SegmentContents read_segment(std::string_view file);
// The same, streaming: each intact record is handed to `on_record` in file order instead of
// being collected (`records` stays empty), so a reader holds one decoded record at a time.
SegmentContents scan_segment(std::string_view file,
                             const std::function<void(BucketRecord&&)>& on_record);
// The same, decoding only the records `want(type, family, bucket start)` accepts, judged from
// the first fields of the payload (a refused record is framed and CRC-checked, not decoded:
// reading a few minutes back out of a 16 MiB segment skips the sketches of the rest). For
// reading back what a full scan_segment() already accepted (the store's read-back of evicted
// buckets); a payload whose first fields are malformed is damage, as for scan_segment().
using RecordFilter = std::function<bool(RecordType, Family, uint64_t bucket_start_unix_nano)>;
SegmentContents scan_segment_if(std::string_view file, const RecordFilter& want,
                                const std::function<void(BucketRecord&&)>& on_record);

// The payload alone (exposed for tests): DATA_LOSS if anything is out of bounds.
std::string encode_payload(const BucketRecord& r);
Result<BucketRecord> decode_payload(RecordType type, std::string_view payload);

}  // namespace weft::pipeline::metrics
