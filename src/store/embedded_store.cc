// The embedded store: ties the lock file, WAL recovery, the group-commit writer, the head,
// the block set and its background thread together behind the Store interface.
//
// Threads and what they own:
//  * writer thread (GroupCommitWriter): the WAL; applies durable batches to the head; between
//    groups (tick) cuts the head when it is over budget or too old — roll the WAL, then
//    freeze the head — and deletes WAL segments the blocks already hold.
//  * block thread: writes the frozen head into a block.
//  * compaction thread: retention and merges, beside flushes (the BlockSet serializes their
//    commits); cancelled at close.
//  * any thread: queries, over a Sources snapshot taken under sources_mu_.
#include "store/embedded_store.h"

#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <system_error>
#include <thread>
#include <unordered_set>

#include "store/block_set.h"
#include "store/fault_point.h"
#include "store/head/head.h"
#include "store/lock_file.h"
#include "store/sources.h"
#include "store/wal/group_commit.h"
#include "store/wal/segment_name.h"
#include "store/wal/wal_log.h"
#include "store/wal/wal_recovery.h"

namespace weft {

using namespace weft::model;
namespace {

using store::BlockSet;
using store::GroupCommitWriter;
using store::Head;
using store::LockFile;
using store::Sources;
using store::WalLog;

// The head never evicts: the store cuts it into a block instead.
constexpr uint64_t kNoEviction = UINT64_MAX;
constexpr uint64_t kRetentionEveryNanos = 5'000'000'000ull;
constexpr auto kFlushRetryDelay = std::chrono::seconds(1);

void log_error(const char* what, const Status& s) {
  std::fprintf(stderr, "weft: store: %s: %s\n", what, s.to_string().c_str());
}

class EmbeddedStore final : public Store {
 public:
  EmbeddedStore(const EmbeddedStoreOptions& o, std::unique_ptr<LockFile> lock,
                std::shared_ptr<Head> head, std::unique_ptr<WalLog> log,
                std::unique_ptr<BlockSet> blocks, uint64_t recovered_spans, uint64_t corruptions)
      : options_(o),
        lock_(std::move(lock)),
        log_(std::move(log)),
        blocks_(std::move(blocks)),
        head_(std::move(head)),
        recovered_spans_(recovered_spans),
        wal_corruptions_(corruptions) {
    head_started_ = head_->stats().spans ? options_.clock->monotonic_nanos() : 0;
  }

  // Separate from the constructor: the threads call back into `this`.
  void start() {
    GroupCommitWriter::Options w{options_.fsync, options_.fsync_interval_ms,
                                 options_.max_pending_bytes};
    writer_ = std::make_unique<GroupCommitWriter>(
        log_.get(), w, options_.clock,
        [this](uint64_t, std::vector<SpanBatch>& batches) { apply(batches); }, [this] { tick(); });
    block_thread_ = std::thread([this] { run_block_thread(); });
    compaction_thread_ = std::thread([this] { run_compaction_thread(); });
  }

  ~EmbeddedStore() override { (void)close(); }

  void write(SpanBatch batch, std::function<void(Status)> done) override {
    writer_->write(std::move(batch), std::move(done));
  }

  Result<std::optional<Trace>> get_trace(const TraceId& id) override {
    return store::sources_get_trace(sources(), id);
  }
  Result<std::vector<std::optional<Trace>>> get_traces(const std::vector<TraceId>& ids) override {
    return store::sources_get_traces(sources(), ids);
  }
  Result<std::vector<TraceSummary>> search(const TraceQuery& query) override {
    return store::sources_search(sources(), query);
  }
  Result<std::vector<std::string>> services() override {
    return store::sources_services(sources());
  }
  Result<std::vector<OperationInfo>> operations(const std::string& service) override {
    return store::sources_operations(sources(), service);
  }
  Result<std::vector<std::string>> attribute_keys() override {
    return store::sources_attribute_keys(sources());
  }
  Result<std::vector<std::string>> attribute_values(const std::string& key, size_t limit) override {
    return store::sources_attribute_values(sources(), key, limit);
  }

  StoreStats stats() const override {
    Sources src = sources();
    store::HeadStats h = src.head->stats();
    StoreStats s;
    s.head_bytes = h.bytes;
    s.spans = h.spans;
    s.traces = h.traces;
    if (src.frozen) {
      store::HeadStats f = src.frozen->stats();
      s.head_bytes += f.bytes;
      s.spans += f.spans;
      s.traces += f.traces;
    }
    s.duplicate_spans = h.duplicate_spans + frozen_duplicates_.load();
    s.head_budget_bytes = options_.head_budget_bytes;
    store::BlockSetStats b = blocks_->stats();
    s.blocks = b.blocks;
    s.block_bytes = b.bytes;
    s.block_spans = b.spans;
    s.spans += b.spans;
    s.traces += b.traces;  // a trace split over the head and blocks counts in each
    s.flushes = b.flushes;
    s.compactions = b.compactions;
    s.retention_dropped_blocks = b.retention_dropped_blocks;
    s.flush_errors = flush_errors_.load();
    s.gate_dropped_traces = gate_dropped_traces_.load();
    s.gate_dropped_spans = gate_dropped_spans_.load();
    s.wal_bytes = log_->bytes();
    s.wal_segments = log_->segments();
    s.wal_syncs = log_->syncs();
    s.recovered_spans = recovered_spans_;
    s.wal_corruptions = wal_corruptions_;
    return s;
  }

  Status flush() override {
    std::unique_lock lock(mu_);
    if (closed_) return unavailable("shutting down");
    const uint64_t want = ++cut_requests_;
    lock.unlock();
    writer_->wake();
    lock.lock();
    // The cut answering this request, then its block (or the first failure to write it).
    cv_.wait(lock, [&] { return cuts_served_ >= want || closed_; });
    const uint64_t failures = flush_errors_.load();
    cv_.wait(lock, [&] { return !frozen_ || closed_ || flush_errors_.load() > failures; });
    return frozen_ ? last_flush_status_ : Status::ok();
  }

  Status compact() override {
    std::unique_lock lock(mu_);
    if (closed_) return unavailable("shutting down");
    const uint64_t want = ++compact_requests_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return compacts_served_ >= want || closed_; });
    return last_compact_status_;
  }

  Status close() override {
    std::lock_guard close_lock(close_mu_);
    if (close_started_) return close_status_;
    close_started_ = true;
    {
      std::lock_guard lock(mu_);
      stopping_ = true;  // a tick waiting for the block thread gives up
    }
    cv_.notify_all();
    // Drain and close the WAL; then no thread but this one and the block thread is left.
    // The writer object stays: later writes are answered "shutting down" by it.
    close_status_ = writer_->close();
    // The last cut: everything up to the (closed) active segment goes into a block, so the
    // next open has no WAL to replay. If a block cannot be written (disk full), the spans
    // stay in the WAL and are replayed at the next open.
    const uint64_t failures = flush_errors_.load();
    auto written = [&] { return !frozen_ || flush_errors_.load() > failures; };
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, written);
    }
    bool idle;
    {
      std::lock_guard lock(mu_);
      idle = !frozen_;
    }
    if (close_status_.is_ok() && idle && options_.flush_on_close) {
      freeze(log_->last_seq());  // the log is closed: its last segment
      std::unique_lock lock(mu_);
      cv_.wait(lock, written);
      if (frozen_) close_status_ = last_flush_status_;
    }
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    blocks_->cancel_merges();  // a merge under way is abandoned; the next open redoes it
    cv_.notify_all();
    block_thread_.join();
    compaction_thread_.join();
    if (close_status_.is_ok()) {
      // The log is closed, so this includes its last segment.
      Status s = log_->remove_through(blocks_->wal_flushed_through());
      if (!s.is_ok()) log_error("deleting flushed WAL segments", s);
    }
    // The directory is free for another store (or process) once this one is closed.
    lock_.reset();
    return close_status_;
  }

 private:
  Sources sources() const {
    Sources s;
    {
      std::shared_lock lock(sources_mu_);
      s.head = head_;
      s.frozen = frozen_;
    }
    // After the heads: a flush publishes its block before it drops the frozen head, so a
    // query sees the spans at least once (sources_search and get_trace keep them once).
    s.blocks = blocks_->snapshot();
    return s;
  }

  // Writer thread.
  void apply(std::vector<SpanBatch>& batches) {
    // The frozen head before the blocks: a flush publishes its block before it drops the
    // frozen head, so a trace on its way into a block is seen in one of them.
    std::shared_ptr<Head> head;
    std::shared_ptr<const Head> frozen;
    {
      std::shared_lock lock(sources_mu_);
      head = head_;
      frozen = frozen_;
    }
    const BlockSet::Snapshot blocks = blocks_->snapshot();
    if (head_started_ == 0) head_started_ = options_.clock->monotonic_nanos();
    const store::SplitProbe probe = [&](const TraceId& id) {
      return (frozen && frozen->has_trace(id)) || store::blocks_hold(*blocks, id);
    };
    head->apply(batches, 0, &probe);
  }

  // Writer thread, between groups.
  void tick() {
    const uint64_t flushed = wal_flushed_through_.load();
    if (flushed > wal_deleted_through_) {
      Status s = log_->remove_through(flushed);
      if (s.is_ok()) {
        wal_deleted_through_ = flushed;
        store::fault_point("flush.wal_deleted");
      } else {
        log_error("deleting flushed WAL segments", s);
      }
    }
    std::unique_lock lock(mu_);
    const bool requested = cut_requests_ > cuts_served_;
    const uint64_t bytes = head_->stats().bytes;
    const bool has_spans = head_started_ != 0;
    const bool full = bytes > options_.head_budget_bytes;
    const bool old =
        has_spans && options_.block_max_age_nanos &&
        options_.clock->monotonic_nanos() - head_started_ >= options_.block_max_age_nanos;
    if (!requested && !full && !old) return;
    if (frozen_) {
      // The previous cut is still being written. A full head waits for it here: the writer
      // stops taking groups, pending bytes grow, and ingest answers RESOURCE_EXHAUSTED. A
      // cut waiting on the trace gate stops waiting (cut_blocked_).
      if (!full) return;
      cut_blocked_ = true;
      cv_.notify_all();
      cv_.wait(lock, [&] { return !frozen_ || stopping_; });
      cut_blocked_ = false;
      if (frozen_) return;
    }
    const uint64_t served = cut_requests_;
    lock.unlock();
    if (!has_spans) {
      // Nothing to cut; a flush() waiting for it is answered at once.
      lock.lock();
      cuts_served_ = served;
      cv_.notify_all();
      return;
    }
    const uint64_t through = log_->active_seq();
    Status s = log_->roll();
    if (!s.is_ok()) {
      log_error("rolling the WAL to cut the head", s);
      return;  // tried again next tick
    }
    freeze(through);
    lock.lock();
    cuts_served_ = served;
    cv_.notify_all();
  }

  // Hands the head (whose spans all lie in WAL segments <= wal_through) to the block thread
  // and starts a new one. REQUIRES: no frozen head; called by the thread that applies.
  void freeze(uint64_t wal_through) {
    auto fresh = std::make_shared<Head>(kNoEviction);
    std::lock_guard lock(mu_);
    {
      std::unique_lock src(sources_mu_);
      frozen_ = std::move(head_);
      head_ = std::move(fresh);
    }
    head_started_ = 0;
    frozen_through_ = wal_through;
    frozen_at_ = options_.clock->monotonic_nanos();
    if (options_.trace_gate) options_.trace_gate->head_frozen();
    cv_.notify_all();
  }

  // Block thread: writes frozen heads into blocks.
  void run_block_thread() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return closed_ || frozen_; });
      if (!frozen_) return;  // closed, nothing left to write
      std::shared_ptr<const Head> frozen = frozen_;
      const uint64_t through = frozen_through_;
      lock.unlock();
      Status s = write_frozen(*frozen, through);
      lock.lock();
      last_flush_status_ = s;
      if (s.is_ok()) {
        if (options_.trace_gate) options_.trace_gate->head_written();
        {
          std::unique_lock src(sources_mu_);
          frozen_duplicates_ += frozen->stats().duplicate_spans;
          frozen_.reset();
        }
        wal_flushed_through_ = blocks_->wal_flushed_through();
        cv_.notify_all();
        lock.unlock();
        writer_->wake();
        lock.lock();
      } else {
        ++flush_errors_;
        cv_.notify_all();
        log_error("writing a block (will retry)", s);
        if (closed_) return;
        cv_.wait_for(lock, kFlushRetryDelay, [&] { return closed_; });
        if (closed_) return;
      }
    }
  }

  // Compaction thread: retention every few seconds and background merges, or, when asked
  // (compact()), merges until nothing is left to merge. Merges run beside flushes: the
  // block set serializes their commits only.
  void run_compaction_thread() {
    uint64_t last_retention = 0;
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait_for(lock, std::chrono::seconds(1),
                   [&] { return closed_ || compact_requests_ > compacts_served_; });
      if (closed_) return;
      const bool asked = compact_requests_ > compacts_served_;
      const uint64_t asked_upto = compact_requests_;
      lock.unlock();
      // Retention first: what it drops need not be merged.
      const uint64_t now = options_.clock->monotonic_nanos();
      if (asked || now - last_retention >= kRetentionEveryNanos) {
        last_retention = now;
        apply_retention();
      }
      Status cs = Status::ok();
      if (options_.compaction || asked) {
        // In the background one merge per wake-up, so closing never waits for many; when
        // asked, until nothing is left to merge.
        do {
          Result<bool> merged = blocks_->compact_step(/*full=*/asked);
          if (!merged.is_ok()) {
            cs = merged.status();
            if (!blocks_->merges_cancelled()) log_error("compaction", cs);
            break;
          }
          if (!*merged) break;
        } while (asked);
      }
      lock.lock();
      if (asked) {
        compacts_served_ = asked_upto;
        last_compact_status_ = cs;
        cv_.notify_all();
      }
    }
  }

  Status write_frozen(const Head& frozen, uint64_t through) {
    std::vector<TraceId> ids = frozen.trace_ids_in_block_order();
    const std::unordered_set<TraceId, FixedIdHash> dropped = await_fates(ids);
    Status s = ids.size() == dropped.size()
                   ? blocks_->mark_wal_flushed(through)
                   : blocks_->flush(
                         [&](store::BlockWriter& w) {
                           for (const TraceId& id : ids) {
                             if (dropped.count(id)) continue;
                             std::optional<Trace> t = frozen.get_trace(id);
                             if (t) WEFT_RETURN_IF_ERROR(w.add_trace(*t));
                           }
                           for (const store::SplitTrace& st : frozen.split_traces())
                             if (!dropped.count(st.id)) w.mark_split(st.id, st.start);
                           return Status::ok();
                         },
                         through);
    if (s.is_ok() && !dropped.empty()) {
      uint64_t dropped_spans = 0;
      for (const TraceId& id : dropped)
        if (std::optional<Trace> t = frozen.get_trace(id)) dropped_spans += t->spans.size();
      gate_dropped_traces_ += dropped.size();
      gate_dropped_spans_ += dropped_spans;
    }
    return s;
  }

  // Block thread: asks the trace gate what becomes of each trace of the frozen head, asking
  // again every 200 ms about those it has not decided, until it has decided all or the cut
  // can wait no longer (the gate's max wait since the freeze, close(), or a full head
  // blocking ingest behind this cut), when it must decide the rest. Returns the dropped.
  std::unordered_set<TraceId, FixedIdHash> await_fates(const std::vector<TraceId>& ids) {
    std::unordered_set<TraceId, FixedIdHash> dropped;
    TraceGate* gate = options_.trace_gate.get();
    if (!gate) return dropped;
    uint64_t deadline;
    {
      std::lock_guard lock(mu_);
      deadline = frozen_at_ + gate->max_wait_nanos();
    }
    std::vector<TraceId> waiting = ids, undecided;
    for (;;) {
      bool force;
      {
        std::lock_guard lock(mu_);
        force = stopping_ || closed_ || cut_blocked_ ||
                options_.clock->monotonic_nanos() >= deadline;
      }
      undecided.clear();
      for (const TraceId& id : waiting) {
        switch (gate->fate(id, force)) {
          case TraceGate::Fate::kKeep: break;
          case TraceGate::Fate::kDrop: dropped.insert(id); break;
          case TraceGate::Fate::kWait: undecided.push_back(id); break;
        }
      }
      if (undecided.empty()) return dropped;
      waiting.swap(undecided);
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(200),
                   [&] { return stopping_ || closed_ || cut_blocked_; });
    }
  }

  void apply_retention() {
    if (!options_.retention_nanos && !options_.max_disk_bytes) return;
    const uint64_t now = options_.clock->now_unix_nanos();
    const uint64_t oldest = options_.retention_nanos && now > options_.retention_nanos
                                ? now - options_.retention_nanos
                                : 0;
    Result<uint32_t> dropped =
        blocks_->drop_for_retention(oldest, options_.max_disk_bytes, log_->bytes());
    if (!dropped.is_ok()) log_error("retention", dropped.status());
  }

  const EmbeddedStoreOptions options_;
  std::unique_ptr<LockFile> lock_;
  std::unique_ptr<WalLog> log_;
  std::unique_ptr<BlockSet> blocks_;
  std::unique_ptr<GroupCommitWriter> writer_;
  std::thread block_thread_;
  std::thread compaction_thread_;

  mutable std::shared_mutex sources_mu_;
  std::shared_ptr<Head> head_;          // GUARDED_BY(sources_mu_) (written by the applier)
  std::shared_ptr<const Head> frozen_;  // GUARDED_BY(sources_mu_ and mu_ to write)

  std::mutex mu_;  // with cv_: cut/flush/compact hand-offs between threads
  std::condition_variable cv_;
  uint64_t frozen_through_ = 0;    // GUARDED_BY(mu_)
  uint64_t frozen_at_ = 0;         // GUARDED_BY(mu_): monotonic time of the last freeze
  bool cut_blocked_ = false;       // GUARDED_BY(mu_): a full head waits for the frozen one
  uint64_t cut_requests_ = 0;      // GUARDED_BY(mu_)
  uint64_t cuts_served_ = 0;       // GUARDED_BY(mu_)
  uint64_t compact_requests_ = 0;  // GUARDED_BY(mu_)
  uint64_t compacts_served_ = 0;   // GUARDED_BY(mu_)
  Status last_flush_status_;       // GUARDED_BY(mu_)
  Status last_compact_status_;     // GUARDED_BY(mu_)
  bool closed_ = false;            // GUARDED_BY(mu_): the block thread is to stop
  bool stopping_ = false;          // GUARDED_BY(mu_): close() has begun

  uint64_t head_started_ = 0;  // applier only: when the head got its first span (0: empty)
  std::atomic<uint64_t> wal_flushed_through_{0};
  uint64_t wal_deleted_through_ = 0;  // writer thread only
  std::atomic<uint64_t> frozen_duplicates_{0};
  std::atomic<uint64_t> flush_errors_{0};
  std::atomic<uint64_t> gate_dropped_traces_{0};
  std::atomic<uint64_t> gate_dropped_spans_{0};
  const uint64_t recovered_spans_;
  const uint64_t wal_corruptions_;
  std::mutex close_mu_;
  bool close_started_ = false;  // GUARDED_BY(close_mu_)
  Status close_status_;         // GUARDED_BY(close_mu_)
};

Status make_dir(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return io_error("creating directory " + path + ": " + ec.message());
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<Store>> open_embedded_store(const EmbeddedStoreOptions& options) {
  if (options.data_dir.empty()) return invalid_argument("embedded store: data_dir is empty");
  const std::string& dir = options.data_dir;
  const std::string wal_dir = dir + "/wal";
  WEFT_RETURN_IF_ERROR(make_dir(wal_dir));
  WEFT_ASSIGN_OR_RETURN(auto lock, LockFile::acquire(dir + "/LOCK"));

  store::BlockSetOptions bo;
  bo.data_dir = dir;
  bo.page_spans = options.block_page_spans;
  WEFT_ASSIGN_OR_RETURN(auto blocks, BlockSet::open(bo));
  const uint64_t flushed = blocks->wal_flushed_through();

  // Segments the blocks already hold are deleted unread; the rest are replayed.
  auto head = std::make_shared<Head>(kNoEviction);
  std::vector<SpanBatch> one(1);
  const store::BlockSet::Snapshot live = blocks->snapshot();
  const store::SplitProbe probe = [&live](const TraceId& id) {
    return store::blocks_hold(*live, id);
  };
  WEFT_ASSIGN_OR_RETURN(store::WalRecoveryResult recovered,
                        store::recover_wal(wal_dir, [&](uint64_t seq, SpanBatch&& batch) {
                          if (seq <= flushed) return;
                          if (options.trace_gate) options.trace_gate->replayed(batch);
                          one[0] = std::move(batch);
                          head->apply(one, seq, &probe);
                        }));
  std::map<uint64_t, uint64_t> sizes;
  for (uint64_t seq : recovered.segments) {
    std::error_code ec;
    auto size = std::filesystem::file_size(store::segment_path(wal_dir, seq), ec);
    sizes[seq] = ec ? 0 : size;
  }
  store::WalFileFactory factory = options.wal_file_factory
                                      ? store::WalFileFactory(options.wal_file_factory)
                                      : store::WalFileFactory(store::open_posix_wal_file);
  WEFT_ASSIGN_OR_RETURN(
      auto log, WalLog::open(wal_dir, options.wal_segment_bytes, factory, sizes, flushed + 1));
  WEFT_RETURN_IF_ERROR(log->remove_through(flushed));

  const uint64_t replayed = head->stats().spans;
  auto s =
      std::make_unique<EmbeddedStore>(options, std::move(lock), std::move(head), std::move(log),
                                      std::move(blocks), replayed, recovered.corruptions);
  s->start();
  return std::unique_ptr<Store>(std::move(s));
}

}  // namespace weft
