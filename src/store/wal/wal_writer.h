#pragma once
// WalSegmentWriter: appends records to one segment file (docs/format/wal.md).
//
// A group of records is appended with one write; if the write fails, the segment is cut
// back to where it was, so a failed group leaves nothing behind (the caller fails every
// write of the group). If even the cut fails, broken() turns true and the caller must roll
// to a new segment: appending after unknown bytes would hide the new records from recovery.
//
// Thread-safety: not thread-safe; owned by the WAL writer thread.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/wal/wal_file.h"
#include "store/wal/wal_format.h"

namespace weft::store {

class WalSegmentWriter {
 public:
  // Creates the segment file at `path` and writes its header (not synced).
  static Result<std::unique_ptr<WalSegmentWriter>> create(const WalFileFactory& factory,
                                                          const std::string& path, uint64_t seq);

  // Appends one record of `type` per payload, all in one write.
  // REQUIRES: !broken(), each payload <= wal::kMaxRecordPayload.
  Status append(const std::vector<std::string_view>& payloads,
                wal::RecordType type = wal::RecordType::kSpanBatch);
  // Cuts the segment back to `size` (used when a sync after an append fails).
  Status truncate_to(uint64_t size);
  Status sync();
  Status close();

  uint64_t size() const { return size_; }
  uint64_t seq() const { return seq_; }
  bool broken() const { return broken_; }
  const std::string& path() const { return file_->path(); }

 private:
  WalSegmentWriter(std::unique_ptr<WalFile> file, uint64_t seq)
      : file_(std::move(file)), seq_(seq) {}

  std::unique_ptr<WalFile> file_;
  uint64_t seq_;
  uint64_t size_ = 0;
  bool broken_ = false;
};

// The 16-byte segment header (magic, version, masked CRC).
std::string encode_segment_header();
// The 9-byte record header for `payload`.
void encode_record_header(wal::RecordType type, std::string_view payload, char out[9]);

}  // namespace weft::store
