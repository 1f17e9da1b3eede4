#pragma once
// GroupCommitWriter: the write path of the embedded store.
//
// write() encodes and compresses the batch on the caller's thread and queues it. One writer
// thread takes everything queued, appends it to the WAL in one write, fsyncs per policy,
// hands the batches to `apply` (the head) and only then calls each `done` with OK: an
// acknowledged write is durable and visible. A failed append fails every write of its group
// with UNAVAILABLE and leaves none of it in the log or the head.
//
// Thread-safety: write() and close() may be called from any thread; `apply` and the `done`
// callbacks run on the writer thread.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "model/span.h"
#include "store/embedded_store.h"
#include "store/wal/wal_log.h"

namespace weft::store {

using namespace weft::model;

class GroupCommitWriter {
 public:
  struct Options {
    EmbeddedStoreOptions::Fsync fsync = EmbeddedStoreOptions::Fsync::kPerRequest;
    uint32_t fsync_interval_ms = 1000;
    uint64_t max_pending_bytes = 64ull << 20;
  };
  // Applies durable batches to the head; called on the writer thread with the sequence
  // number of the segment that holds them. Must not fail.
  using ApplyFn = std::function<void(uint64_t segment_seq, std::vector<SpanBatch>& batches)>;
  // Runs on the writer thread after every group and at least every `kTickMillis` when
  // idle, and when wake() is called: the place for work that must touch the log between
  // groups (rolling it when the head is cut, deleting segments already in blocks).
  using TickFn = std::function<void()>;
  static constexpr uint32_t kTickMillis = 200;

  // `log` must outlive this writer. Starts the writer thread.
  GroupCommitWriter(WalLog* log, Options options, Clock* clock, ApplyFn apply,
                    TickFn tick = nullptr);
  ~GroupCommitWriter();  // calls close()

  // Calls `done` exactly once: on the writer thread after commit, or at once on the
  // caller's thread when refused (shutting down, overloaded, batch too large).
  void write(SpanBatch batch, std::function<void(Status)> done);
  // Makes the writer thread run `tick` soon even if nothing is queued.
  void wake();

  // Refuses new writes (UNAVAILABLE "shutting down"), drains the queue, syncs and closes
  // the log, joins the thread. Idempotent; returns the first error of the final sync.
  Status close();

 private:
  struct Pending {
    std::string payload;
    SpanBatch batch;
    std::function<void(Status)> done;
  };
  Status admit();  // OK, or why a new write is refused right now
  void run();
  void commit(std::deque<Pending>& group);

  WalLog* const log_;
  const Options options_;
  Clock* const clock_;
  const ApplyFn apply_;
  const TickFn tick_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;   // GUARDED_BY(mu_)
  uint64_t pending_bytes_ = 0;  // GUARDED_BY(mu_): queued or being committed
  bool stopping_ = false;       // GUARDED_BY(mu_)
  bool woken_ = false;          // GUARDED_BY(mu_)
  Status close_status_;         // GUARDED_BY(close_mu_)
  std::mutex close_mu_;
  bool closed_ = false;  // GUARDED_BY(close_mu_)

  // Writer thread only.
  bool unsynced_ = false;
  uint64_t last_sync_nanos_ = 0;

  std::thread thread_;
};

}  // namespace weft::store
