#pragma once
// The metrics store's segment files under <data_dir>/metrics/: named
// "metrics-<16-digit sequence>.seg", appended to by one SegmentWriter at a time, read back
// whole on open (docs/format/metrics.md). Not thread-safe: the store serialises flushes.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace weft::pipeline::metrics {

std::string segment_path(const std::string& dir, uint64_t seq);

struct SegmentName {
  uint64_t seq = 0;
  std::string path;
};
// The segments in `dir`, by sequence; other files are ignored.
Result<std::vector<SegmentName>> list_segments(const std::string& dir);

// The whole file (segments are bounded in size by the writer's rotation).
Result<std::string> read_whole_file(const std::string& path);
// At most the first `max_bytes` bytes of the file (fewer if it is shorter).
Result<std::string> read_file_prefix(const std::string& path, uint64_t max_bytes);

class SegmentWriter {
 public:
  // Creates segment `seq` in `dir` (which must exist) and writes its header, synced.
  static Result<SegmentWriter> create(const std::string& dir, uint64_t seq);
  SegmentWriter(SegmentWriter&& o) noexcept;
  SegmentWriter& operator=(SegmentWriter&& o) noexcept;
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;
  ~SegmentWriter();

  // Appends `bytes` (whole records) and syncs the data (fdatasync) before returning. On a
  // failure the file is truncated back (best effort) to its size before the call, so intact
  // records of a failed append are not left behind to be read twice once the caller
  // rewrites them elsewhere; size() counts only appends that succeeded.
  Status append(std::string_view bytes);
  uint64_t seq() const { return seq_; }
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  SegmentWriter(int fd, std::string path, uint64_t seq, uint64_t size)
      : fd_(fd), path_(std::move(path)), seq_(seq), size_(size) {}
  int fd_ = -1;
  std::string path_;
  uint64_t seq_ = 0;
  uint64_t size_ = 0;
};

}  // namespace weft::pipeline::metrics
