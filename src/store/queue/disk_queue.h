#pragma once
// DiskQueue: the agent's durable buffer between intake (receivers, log tailing) and the
// forwarder (docs/format/agent-queue.md). Spans are appended to numbered WAL-format
// segments in the queue's directory; the forwarder takes entries in order, and acks them
// once delivered; a cursor file remembers the acked prefix across restarts. Delivery is
// at-least-once: after a restart every entry not acked before is handed out again.
//
// Memory is bounded whatever the consumer does: pending entries live in the segment files
// (the queue keeps a few counters per segment, plus one small record per entry handed out
// and not acked yet); next() reads them back from disk. Disk is bounded by max_bytes: when
// an append would pass it, the oldest segments are deleted, acked or not.
//
// Threads: write() from any thread; next() from one consumer thread at a time; ack(),
// bytes(), stats() and close() from any thread. The queue runs one writer thread of its
// own, which also writes the cursor file and deletes segments.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "model/span.h"
#include "store/queue/queue_cursor.h"
#include "store/store.h"
#include "store/wal/wal_file.h"

namespace weft::store {

using namespace weft::model;

class LockFile;
class WalLog;
struct QueueRecoveryResult;

struct DiskQueueOptions {
  std::string dir;                              // created if missing; segments + cursor file
  uint64_t max_bytes = 1ull << 30;              // bound on the bytes of the queue's files on disk
  uint64_t segment_bytes = 16ull << 20;         // a segment is cut at this size
  bool sync = true;                             // fsync each group before acknowledging it
  std::function<void(const std::string&)> log;  // "queue: ..." messages; default stderr "weft: "

  // Compressed bytes accepted by write() but not yet written; past it write() answers
  // RESOURCE_EXHAUSTED ("queue overloaded"). Bounds memory when the disk is slow.
  uint64_t max_pending_bytes = 64ull << 20;
  // How often (at most) the cursor file is rewritten while acks arrive.
  std::chrono::milliseconds cursor_interval{200};
  // Opens segment files for writing; tests inject faults here. Default: POSIX.
  WalFileFactory file_factory;
};

struct DiskQueueStats {
  uint64_t bytes = 0;            // on disk now
  uint64_t pending_entries = 0;  // appended, not acked (incl. handed out)
  uint64_t pending_spans = 0;
  uint64_t appended_batches = 0, appended_spans = 0;  // since start
  uint64_t acked_batches = 0, acked_spans = 0;        // since start
  uint64_t dropped_batches = 0, dropped_spans = 0;    // lost to the byte bound, since start
  uint64_t recovered_entries = 0;                     // not-acked entries found at open
  uint64_t corrupt_records = 0;                       // damaged tails/records skipped at open
  // Added: entries found unreadable when read back after open (checksum, decode), skipped.
  uint64_t unreadable_entries = 0;
  uint64_t segments = 0;  // segment files now
};

class DiskQueue final : public SpanSink {
 public:
  // Creates the directory if missing, takes its LOCK (UNAVAILABLE if another process has
  // the queue open), recovers what is there (damaged files never fail the open: they are
  // counted, logged and skipped) and starts a new segment. INVALID_ARGUMENT for options
  // that cannot work (empty dir, max_bytes under 64 KiB or under 2 segments' worth of
  // nothing, segment_bytes of 0 or over 4 GiB).
  static Result<std::unique_ptr<DiskQueue>> open(DiskQueueOptions options);
  ~DiskQueue() override;  // close()

  DiskQueue(const DiskQueue&) = delete;
  DiskQueue& operator=(const DiskQueue&) = delete;

  // SpanSink: appends durably (group commit on the queue's own writer thread: everything
  // queued is written with one write and one fsync) and then calls done(OK). If the append
  // would take the files past max_bytes, the OLDEST segments are deleted first — even if not
  // yet acked — and their spans never handed out counted dropped (logged, rate-limited;
  // entries handed out stay pending: the consumer holds them and acks them as usual); a single
  // batch bigger than the bound is refused with RESOURCE_EXHAUSTED. UNAVAILABLE on a disk
  // error (ENOSPC etc.: nothing of that group acknowledged, the queue keeps working) or after
  // close(). RESOURCE_EXHAUSTED also when more than max_pending_bytes wait for the writer.
  // An empty batch is acknowledged at once and stores nothing.
  void write(SpanBatch batch, std::function<void(Status)> done) override;

  struct Entry {
    uint64_t id = 0;
    SpanBatch batch;
    uint64_t bytes = 0;  // the record's bytes on disk (header + compressed payload)
  };
  // Consumer side (one consumer thread): up to `max_entries` entries not yet handed out,
  // oldest first; if there is none, waits up to `wait` for one. Empty on timeout or once
  // closed. After a restart every entry not acked before is handed out again (at-least-once;
  // the receiving store collapses duplicates by span ID). An entry that cannot be read back
  // (damaged on disk) is skipped, counted in unreadable_entries and logged.
  std::vector<Entry> next(size_t max_entries, std::chrono::milliseconds wait);
  // Entry `id` was delivered. Acks may come in any order. The durable read position (a cursor
  // file written with write_file_atomically at most every cursor_interval and at close)
  // advances over the acked prefix; segments wholly behind it are deleted. Acking an id twice,
  // or one never handed out, is harmless.
  void ack(uint64_t id);
  uint64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }  // cheap
  DiskQueueStats stats() const;
  // Finishes the writes already queued, refuses new ones (UNAVAILABLE), writes the cursor,
  // wakes a waiting next(), releases the directory's LOCK. Idempotent.
  void close();

 private:
  // What the queue knows of one segment file: enough to read it, account for it and drop it.
  struct Segment {
    uint64_t end = 0;              // offset just past the last committed record
    uint32_t records = 0;          // committed records
    uint32_t handed = 0;           // leading records handed out (or delivered before open)
    uint64_t read_offset = 0;      // offset of record `handed`
    uint64_t unread_spans = 0;     // spans of records [handed, records)
    uint64_t pending_entries = 0;  // not acked (unread + handed out)
    uint64_t pending_spans = 0;
  };
  struct Queued {
    std::string payload;
    uint64_t spans = 0;
    std::function<void(Status)> done;
  };

  explicit DiskQueue(DiskQueueOptions options);
  Status start(QueueRecoveryResult recovered);
  void log(const std::string& message) const;

  // Writer thread.
  void run();
  void commit(std::deque<Queued>& group);
  void commit_chunk(std::deque<Queued>& group, size_t begin, size_t end);
  Status make_room(uint64_t bytes);
  void note_active_segment();
  void checkpoint(bool force);
  void publish_bytes();
  void log_drops(bool force);

  // REQUIRES: mu_ held.
  bool advance_read_segment();
  QueueCursor current_cursor() const;
  void drop_segment(uint64_t seq);
  void skip_rest_of_segment(uint64_t seq, Segment& seg);
  // Consumer: reads up to `max_entries` records of the read segment, with `lock` released
  // during the I/O. REQUIRES: lock holds mu_, advance_read_segment() was true.
  void read_some(std::unique_lock<std::mutex>& lock, size_t max_entries, std::vector<Entry>* out,
                 std::vector<std::string>* problems);

  const DiskQueueOptions options_;
  std::unique_ptr<LockFile> lock_;
  std::unique_ptr<WalLog> log_;  // writer thread only (after start)

  mutable std::mutex mu_;
  std::condition_variable writer_cv_;     // queue_ has work, or stopping_
  std::condition_variable data_cv_;       // a record was committed, or closed_
  std::deque<Queued> queue_;              // GUARDED_BY(mu_)
  uint64_t queued_bytes_ = 0;             // GUARDED_BY(mu_)
  bool stopping_ = false;                 // GUARDED_BY(mu_): write() refuses, next() is empty
  std::map<uint64_t, Segment> segments_;  // GUARDED_BY(mu_): never empty once started
  uint64_t read_seq_ = 0;                 // GUARDED_BY(mu_): a key of segments_
  std::map<uint64_t, uint64_t> handed_;   // GUARDED_BY(mu_): id -> spans, handed out, not acked
  // What the cursor found at open said was delivered, until the read position passes it.
  // Written only by the consumer (under mu_), so next() may read it without mu_.
  QueueCursor recovered_;                // GUARDED_BY(mu_) for writes
  std::mutex next_mu_;                   // serializes consumers
  DiskQueueStats stats_;                 // GUARDED_BY(mu_), except bytes/segments
  uint64_t drops_unlogged_batches_ = 0;  // GUARDED_BY(mu_)
  uint64_t drops_unlogged_spans_ = 0;    // GUARDED_BY(mu_)

  // Writer thread only.
  std::string written_cursor_;  // the bytes last written to the cursor file
  uint64_t cursor_bytes_ = 0;   // size of the cursor file
  std::chrono::steady_clock::time_point last_checkpoint_{};
  std::chrono::steady_clock::time_point last_drop_log_{};
  std::chrono::steady_clock::time_point last_error_log_{};
  uint64_t errors_unlogged_ = 0;  // failed groups not yet logged

  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> segment_count_{0};
  std::mutex close_mu_;
  bool closed_ = false;  // GUARDED_BY(close_mu_)
  std::thread thread_;
};

}  // namespace weft::store
