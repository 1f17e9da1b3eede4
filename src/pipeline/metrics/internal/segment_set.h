#pragma once
// The segment files of one metrics store (<data_dir>/metrics/): reloading them on open,
// appending flushed records to the newest (rotating by size; always a new one after open,
// so nothing is appended behind a damaged tail), and deleting a segment once everything in
// it has been superseded or has expired (docs/format/metrics.md, "Retention").
//
// Not thread-safe, except readable() / minute_segments(): the store calls the rest under its
// flush mutex; queries of evicted ranges call readable() concurrently (it takes list_mu_).
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "metrics/internal/record_format.h"
#include "metrics/internal/segment_file.h"

namespace weft::pipeline::metrics {

class SegmentSet {
 public:
  struct Loaded {
    uint64_t damaged_bytes = 0;
  };
  // Reads every segment of `dir` (created if missing), streaming: each intact record is
  // handed to `on_record` in file order (segments by sequence), and `on_segment_end` is
  // called after each segment (the store evicts down to its memory budget there, so a
  // reload never holds more than the budget plus one segment's file).
  static Result<std::unique_ptr<SegmentSet>> open(
      const std::string& dir, uint64_t max_bytes, Loaded* loaded,
      const std::function<void(BucketRecord&&)>& on_record,
      const std::function<void()>& on_segment_end);

  // Appends `records` (after anything an earlier failed append left to write) and syncs.
  // On failure the bytes are kept (up to kMaxUnwritten) for the next append, which goes to
  // a fresh segment (a partial write leaves a damaged tail the reader stops at).
  Status append(const std::vector<BucketRecord>& records);

  // Deletes the segments, except the one being written, whose every 10-second delta starts
  // before `ten_horizon` (rolled into minute records written since) and whose every minute
  // record ends at or before `minute_cutoff`. Does nothing while bytes wait to be rewritten.
  void drop_expired(uint64_t ten_horizon, uint64_t minute_cutoff);

  // For reading evicted buckets back (queries before the store's in-memory horizons, and the
  // roll of evicted 10-second buckets into their minute): the segments holding a MINUTE record
  // whose minute starts in [minute_lo, minute_hi) or a TEN_SECOND_DELTA whose bucket starts in
  // [ten_lo, ten_hi) (an empty range asks for nothing), oldest first, each with its *published*
  // length (see publish()). A listed file may be deleted before it is read (only when nothing
  // in it is needed any more: all its minutes expired and its deltas were rolled).
  struct Readable {
    std::string path;
    uint64_t length = 0;
  };
  std::vector<Readable> readable(uint64_t minute_lo, uint64_t minute_hi, uint64_t ten_lo,
                                 uint64_t ten_hi) const;
  std::vector<Readable> minute_segments(uint64_t lo, uint64_t hi) const {
    return readable(lo, hi, 0, 0);
  }
  // Makes every byte durably written so far visible to readable(). The store calls it at the
  // moment it drops from memory what those bytes hold (under its eviction lock), so a query
  // never counts a delta both from memory and from disk. At open, the intact part of each
  // file read is published.
  void publish();

  size_t segment_count() const {
    std::lock_guard lock(list_mu_);
    return segments_.size();
  }
  uint64_t dropped_unwritten_bytes() const { return dropped_unwritten_; }

  static constexpr uint64_t kMaxUnwritten = 64 << 20;

 private:
  struct Extent {  // what a segment (or the unwritten bytes) holds, for retention
    std::optional<uint64_t> max_ten_start;
    std::optional<uint64_t> max_minute_start;
    std::optional<uint64_t> min_minute_start;  // the per-segment time index of old reads
    // Minute starts of the TEN_SECOND_DELTA records, sorted, distinct (a few per segment in
    // steady state; a late delta adds its own minute rather than widening a range).
    std::vector<uint64_t> ten_minutes;
    bool has_ten_in(uint64_t lo, uint64_t hi) const;  // a delta starting in [lo, hi)?
    void add(const BucketRecord& r);
    void add(const Extent& e);
  };
  struct Segment {
    uint64_t seq = 0;
    std::string path;
    Extent extent;
    uint64_t length = 0;     // bytes durably written (the intact part for one read at open)
    uint64_t published = 0;  // what readable() returns: `length` as of the last publish()
  };

  SegmentSet(std::string dir, uint64_t max_bytes) : dir_(std::move(dir)), max_bytes_(max_bytes) {}

  std::string dir_;
  uint64_t max_bytes_;
  mutable std::mutex list_mu_;     // guards segments_ (read by minute_segments())
  std::vector<Segment> segments_;  // by seq; the last is the one written when writer_ is set
  std::optional<SegmentWriter> writer_;
  uint64_t next_seq_ = 1;
  bool need_new_segment_ = true;
  std::string unwritten_;
  Extent unwritten_extent_;
  uint64_t dropped_unwritten_ = 0;
};

}  // namespace weft::pipeline::metrics
