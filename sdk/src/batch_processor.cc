// The batch processor: per-thread SpanRings read by one export thread, which hands the
// exporter the records where they lie in the rings (no copy) and frees their space when
// the exporter says it is done reading them (ExportBatch::Release: the OTLP exporters call
// it once the request is encoded, before it goes on the wire) or else when Export returns.
// So a ring holds, besides what its thread ends meanwhile, the batch being encoded (or, with
// an exporter that does not call Release, the batch in flight); the export thread's own
// cost per span is a look at each record's header.
//
// Shutdown is bounded by its timeout: once it passes, what is still waiting is dropped and
// counted, the exporter is told to stop retrying, and the thread is left to finish the
// request in flight on its own (the processor is never freed while the process runs when
// it belongs to an Sdk; a processor destroyed directly waits for it).
#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "span_ring.h"
#include "weft/clock.h"
#include "weft/processor.h"

namespace weft {
namespace {

using Clock = std::chrono::steady_clock;

// The calling thread's rings, one per batch processor it has ended spans into.
struct ThreadRings {
  struct Entry {
    uint64_t processor_id;
    std::shared_ptr<detail::SpanRing> ring;  // shared: the processor may go first
  };
  std::vector<Entry> entries;
  ~ThreadRings() {
    for (const Entry& e : entries) e.ring->orphaned.store(true, std::memory_order_release);
  }
};
ThreadRings& thread_rings() {
  static thread_local ThreadRings rings;
  return rings;
}
std::atomic<uint64_t> g_next_processor_id{1};

class BatchProcessor final : public SpanProcessor {
 public:
  BatchProcessor(std::shared_ptr<SpanExporter> exporter, std::shared_ptr<const ProviderInfo> info,
                 BatchProcessorOptions options)
      : exporter_(std::move(exporter)),
        info_(std::move(info)),
        options_(options),
        id_(g_next_processor_id.fetch_add(1)) {
    options_.max_export_batch = std::max<size_t>(options_.max_export_batch, 1);
    options_.ring_bytes_per_thread = std::max<size_t>(options_.ring_bytes_per_thread, 16 << 10);
    wake_threshold_ = options_.ring_bytes_per_thread / 4;
    spans_.reserve(std::min<size_t>(options_.max_export_batch, 1 << 16));
    thread_ = std::thread([this] { ExportLoop(); });
  }
  // A processor being freed must not leave a thread that uses it: wait for it.
  ~BatchProcessor() override { Stop(std::chrono::milliseconds(0), /*may_detach=*/false); }

  void OnEnd(const SpanRecord& record) noexcept override {
    detail::SpanRing* ring = RingForThisThread();
    if (!ring) [[unlikely]] {
      dropped_late_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    ring->CountEnded();
    if (!ring->Push(record)) [[unlikely]] {
      ring->CountDropped();
      Wake();
      return;
    }
    // The cached fill overstates once the consumer has drained; look again before waking it.
    if (ring->ProducerFill() >= wake_threshold_ && !wake_pending_.load(std::memory_order_relaxed) &&
        ring->RefreshedFill() >= wake_threshold_) [[unlikely]]
      Wake();
  }

  bool ForceFlush(std::chrono::milliseconds timeout) override {
    std::unique_lock lock(mu_);
    if (stopping_) return true;
    const uint64_t ticket = ++flush_requested_;
    cv_.notify_all();
    return done_cv_.wait_for(lock, timeout, [&] { return flush_done_ >= ticket || stopping_; });
  }

  void Shutdown(std::chrono::milliseconds timeout) override { Stop(timeout, /*may_detach=*/true); }

  ProcessorStats stats() const override;

 private:
  void Stop(std::chrono::milliseconds timeout, bool may_detach) {
    const auto deadline = Clock::now() + timeout;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    ForceFlush(timeout);
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      deadline_ = deadline;
      cv_.notify_all();
      done_cv_.notify_all();
    }
    exporter_->Shutdown();  // no more retries or backoff
    // Wait for the thread until the deadline (plus a moment for the final drain).
    std::unique_lock lock(mu_);
    const bool finished =
        exited_cv_.wait_until(lock, std::max(deadline, Clock::now()) + std::chrono::milliseconds(200),
                              [&] { return thread_exited_; });
    lock.unlock();
    if (finished || !may_detach) {
      thread_.join();
    } else {
      // Still inside an export (or the exporter's Flush); see the file comment.
      Abandon();
      thread_.detach();
    }
  }

  // Stop gave up on the export thread: the spans it is exporting and those still waiting
  // in the rings count as dropped now. The thread touches no ring and counts nothing once
  // it sees `abandoned_` (it looks under xmu_, which it does not hold inside Export), so
  // the rings' unread records can be counted here. Their space is not released: the
  // exporter may still be reading the batch in flight.
  void Abandon() {
    std::lock_guard xlock(xmu_);
    if (abandoned_) return;
    abandoned_ = true;
    uint64_t dropped = exporting_ ? in_flight_ : 0;
    {
      std::lock_guard lock(rings_mu_);
      no_new_rings_ = true;
      for (const auto& ring : rings_)
        dropped += ring->Read(SIZE_MAX, ring->Head(), [](const SpanRecord&) {});
    }
    dropped_at_shutdown_.fetch_add(dropped, std::memory_order_relaxed);
  }

 public:
  ProcessorStats stats_impl() const {
    ProcessorStats s;
    {
      std::lock_guard lock(rings_mu_);
      for (const auto& r : rings_) {
        s.ended += r->ended();
        s.dropped += r->dropped();
      }
      s.ended += retired_ended_;
      s.dropped += retired_dropped_;
    }
    const uint64_t late = dropped_late_.load(std::memory_order_relaxed);
    s.ended += late;
    s.dropped += late + dropped_at_shutdown_.load(std::memory_order_relaxed);
    s.exported = exported_.load(std::memory_order_relaxed);
    s.failed = failed_.load(std::memory_order_relaxed);
    return s;
  }

 private:
  detail::SpanRing* RingForThisThread() {
    ThreadRings& tr = thread_rings();
    for (const auto& e : tr.entries)
      if (e.processor_id == id_) [[likely]]
        return e.ring.get();
    std::lock_guard lock(rings_mu_);
    if (no_new_rings_) return nullptr;
    rings_.push_back(std::make_shared<detail::SpanRing>(options_.ring_bytes_per_thread));
    tr.entries.push_back({id_, rings_.back()});
    return rings_.back().get();
  }

  // Once per drain at most (the export thread clears wake_pending_ when it wakes). The
  // notify is made under mu_: the export thread looks at wake_pending_ under it before it
  // sleeps, so a wake-up cannot fall between its look and its sleep and be lost (which
  // would leave the rings filling until the next export_interval).
  void Wake() {
    if (wake_pending_.load(std::memory_order_relaxed) ||
        wake_pending_.exchange(true, std::memory_order_relaxed))
      return;
    std::lock_guard lock(mu_);
    cv_.notify_one();
  }

  bool PastDeadline() {
    std::lock_guard lock(mu_);
    return stopping_ && Clock::now() >= deadline_;
  }

  // --- the export thread ---

  void ExportLoop() {
    std::vector<std::shared_ptr<detail::SpanRing>> rings;
    for (;;) {
      uint64_t flush_ticket;
      bool flush_now, stopping;
      {
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, options_.export_interval, [&] {
          return stopping_ || flush_requested_ > flush_done_ ||
                 wake_pending_.load(std::memory_order_relaxed);
        });
        wake_pending_.store(false, std::memory_order_relaxed);
        flush_ticket = flush_requested_;
        flush_now = flush_requested_ > flush_done_;
        stopping = stopping_;
      }
      if (stopping) {
        std::lock_guard lock(rings_mu_);
        no_new_rings_ = true;
      }
      detail::CalibrateClock();
      if (!ExportAll(&rings)) break;  // abandoned by Stop
      if (flush_now || stopping) exporter_->Flush(std::chrono::milliseconds(5'000));
      {
        std::lock_guard lock(mu_);
        if (flush_ticket > flush_done_) {
          flush_done_ = flush_ticket;
          done_cv_.notify_all();
        }
      }
      if (stopping) break;
    }
    std::lock_guard lock(mu_);
    thread_exited_ = true;
    exited_cv_.notify_all();
  }

  // Exports everything the rings held when it was called, in batches of at most
  // max_export_batch spans read in place, each ring's space freed after each batch's
  // export. Past the shutdown deadline, drops and counts instead. False if Stop abandoned
  // the thread meanwhile (then it must not touch the rings again).
  bool ExportAll(std::vector<std::shared_ptr<detail::SpanRing>>* rings) {
    {
      std::lock_guard lock(rings_mu_);
      *rings = rings_;
    }
    // What is there now: spans ended later wait for the next round, so that a flush ends
    // even while producers keep going.
    limits_.resize(rings->size());
    for (size_t i = 0; i < rings->size(); ++i) limits_[i] = (*rings)[i]->Head();
    std::unique_lock xlock(xmu_);
    size_t next = 0;  // the first ring that may still have records below its limit
    for (;;) {
      if (abandoned_) return false;
      const bool dropping = PastDeadline();
      spans_.clear();
      const size_t max = options_.max_export_batch;
      while (next < rings->size() && spans_.size() < max) {
        const size_t room = max - spans_.size();
        const size_t n = (*rings)[next]->Read(room, limits_[next], [this](const SpanRecord& r) {
          spans_.push_back(&r);
        });
        if (n < room) ++next;  // read up to its limit
      }
      const size_t n = spans_.size();
      if (n == 0) break;
      if (dropping) {
        dropped_at_shutdown_.fetch_add(n, std::memory_order_relaxed);
      } else {
        // Where the batch ends in each ring it came from, for an early Release().
        releases_.clear();
        for (size_t i = 0; i <= next && i < rings->size(); ++i)
          releases_.push_back({(*rings)[i].get(), (*rings)[i]->ReadPosition()});
        exporting_ = true;
        in_flight_ = n;
        xlock.unlock();
        ExportBatch batch{info_->resource(), info_->scopes(), spans_};
        batch.release_fn = [](void* self) {
          for (const auto& [ring, position] : static_cast<BatchProcessor*>(self)->releases_)
            ring->ReleaseTo(position);
        };
        batch.release_ctx = this;
        const ExportResult result = exporter_->Export(batch);
        xlock.lock();
        exporting_ = false;
        in_flight_ = 0;
        if (abandoned_) return false;  // Stop counted this batch as dropped
        (result == ExportResult::kSuccess ? exported_ : failed_)
            .fetch_add(n, std::memory_order_relaxed);
      }
      for (size_t i = 0; i <= next && i < rings->size(); ++i) (*rings)[i]->Release();
    }
    RetireOrphans();
    rings->clear();
    return true;
  }

  // Frees the rings of threads that have exited, once they are drained (xmu_ held).
  void RetireOrphans() {
    std::lock_guard lock(rings_mu_);
    for (auto it = rings_.begin(); it != rings_.end();) {
      if ((*it)->orphaned.load(std::memory_order_acquire) && (*it)->Drained()) {
        retired_ended_ += (*it)->ended();
        retired_dropped_ += (*it)->dropped();
        it = rings_.erase(it);
      } else {
        ++it;
      }
    }
  }

  std::shared_ptr<SpanExporter> exporter_;
  std::shared_ptr<const ProviderInfo> info_;
  BatchProcessorOptions options_;
  const uint64_t id_;
  uint64_t wake_threshold_;

  mutable std::mutex rings_mu_;
  std::vector<std::shared_ptr<detail::SpanRing>> rings_;
  uint64_t retired_ended_ = 0, retired_dropped_ = 0;
  bool no_new_rings_ = false;

  // Export-thread control.
  std::mutex mu_;
  std::condition_variable cv_, done_cv_, exited_cv_;
  std::atomic<bool> wake_pending_{false};
  uint64_t flush_requested_ = 0, flush_done_ = 0;
  bool stopping_ = false;
  Clock::time_point deadline_;
  bool thread_exited_ = false;

  // The export thread's batch (it reads the rings under xmu_; lock order: xmu_, then mu_,
  // then rings_mu_). On lines of its own: the thread writes spans_ for every record, and
  // producers read id_, wake_threshold_ and wake_pending_ for every span.
  alignas(64) std::vector<const SpanRecord*> spans_;
  std::vector<uint64_t> limits_;
  struct ReleasePoint {
    detail::SpanRing* ring;
    uint64_t position;
  };
  std::vector<ReleasePoint> releases_;  // the batch in flight's (read by ExportBatch::Release)
  std::mutex xmu_;
  bool exporting_ = false;  // inside Export (xmu_ not held)
  size_t in_flight_ = 0;    // spans in the batch being exported
  bool abandoned_ = false;  // Stop gave up waiting for the thread

  std::thread thread_;
  std::atomic<uint64_t> exported_{0}, failed_{0}, dropped_late_{0}, dropped_at_shutdown_{0};
};

ProcessorStats BatchProcessor::stats() const { return stats_impl(); }

}  // namespace

std::unique_ptr<SpanProcessor> MakeBatchProcessor(std::shared_ptr<SpanExporter> exporter,
                                                  std::shared_ptr<const ProviderInfo> info,
                                                  BatchProcessorOptions options) {
  return std::make_unique<BatchProcessor>(std::move(exporter), std::move(info), options);
}

}  // namespace weft
