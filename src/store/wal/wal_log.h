#pragma once
// WalLog: the set of segment files of one data directory and the active segment new
// records go to. Rolls to a new segment when the active one reaches its size; removes
// segments the head no longer needs. Recovery (wal_recovery.h) runs before a WalLog is
// opened; a WalLog never appends to a segment written by an earlier process.
//
// Thread-safety: append/sync/remove/close are called by one thread (the WAL writer thread);
// bytes()/segments()/syncs() may be read from any thread.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/wal/wal_file.h"
#include "store/wal/wal_writer.h"

namespace weft::store {

class WalLog {
 public:
  // `existing` are the segments recovery found (they are read-only from now on), with
  // their sizes. New segments are numbered after the largest of them, and never below
  // `min_next_seq` (segments already flushed into blocks and deleted keep their numbers
  // retired: the manifest refers to them by number).
  static Result<std::unique_ptr<WalLog>> open(std::string wal_dir, uint64_t segment_bytes,
                                              WalFileFactory factory,
                                              const std::map<uint64_t, uint64_t>& existing,
                                              uint64_t min_next_seq = 1);

  // Appends one record per payload, all-or-nothing, rolling first if the active segment is
  // full. Returns the sequence number of the segment written.
  Result<uint64_t> append(const std::vector<std::string_view>& payloads);
  // Makes the last append durable. If that fails, the last append is cut away and the log
  // rolls to a new segment (after a failed fsync the file's state is unknown).
  Status sync();
  // Deletes segment `seq`. REQUIRES: seq != active_seq().
  Status remove(uint64_t seq);
  // Deletes every segment numbered <= `seq` except the active one.
  Status remove_through(uint64_t seq);
  // Syncs and closes the active segment and starts the next one: records appended from now
  // on go to a segment numbered above every segment that exists.
  Status roll();
  // Syncs and closes the active segment. Idempotent.
  Status close();

  uint64_t active_seq() const { return active_ ? active_->seq() : 0; }
  // The highest segment number this log has created (the active one while open, the last
  // one after close()); 0 if none.
  uint64_t last_seq() const { return next_seq_ - 1; }
  uint64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  uint64_t segments() const { return segment_count_.load(std::memory_order_relaxed); }
  uint64_t syncs() const { return syncs_.load(std::memory_order_relaxed); }

 private:
  WalLog(std::string dir, uint64_t segment_bytes, WalFileFactory factory)
      : dir_(std::move(dir)), segment_bytes_(segment_bytes), factory_(std::move(factory)) {}
  void publish_stats();

  const std::string dir_;
  const uint64_t segment_bytes_;
  const WalFileFactory factory_;
  std::unique_ptr<WalSegmentWriter> active_;
  std::map<uint64_t, uint64_t> sizes_;  // seq -> bytes, including the active segment
  uint64_t next_seq_ = 1;
  uint64_t last_append_start_ = 0;  // active segment size before the last append
  bool dirty_ = false;              // appended since the last sync
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> segment_count_{0};
  std::atomic<uint64_t> syncs_{0};
};

}  // namespace weft::store
