// The batch processor: per-thread SpanRings drained by one thread into two alternating
// batches, exported by a second thread, so draining continues while a batch is on the wire
// (with one export in flight, the rings only have to absorb what arrives during one
// round trip to the collector, not two).
//
// Shutdown is bounded by its timeout: once it passes, what is still waiting is dropped and
// counted, the exporter is told to stop retrying, and the threads are left to finish the
// request in flight on their own (the processor is never freed while the process runs when
// it belongs to an Sdk; a processor destroyed directly waits for them).
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

// Records copied out of the rings, 8-byte aligned, with their offsets. The storage grows
// to the largest batch seen and is reused (no zero-filling on append).
struct Batch {
  std::unique_ptr<uint64_t[]> staging;
  size_t used = 0, capacity = 0;  // in 8-byte words
  std::vector<size_t> offsets;
  std::vector<const SpanRecord*> pointers;
  size_t size() const { return offsets.size(); }
  void clear() {
    used = 0;
    offsets.clear();
  }
  void add(const SpanRecord& r) {
    const size_t words = r.size / 8;
    if (used + words > capacity) {
      const size_t grown = std::max<size_t>({capacity * 2, used + words, 4096});
      auto bigger = std::make_unique_for_overwrite<uint64_t[]>(grown);
      if (used) std::memcpy(bigger.get(), staging.get(), used * 8);
      staging = std::move(bigger);
      capacity = grown;
    }
    std::memcpy(staging.get() + used, &r, sizeof(SpanRecord) + r.data_size);
    offsets.push_back(used);
    used += words;
  }
  std::span<const SpanRecord* const> records() {
    pointers.clear();
    for (size_t at : offsets)
      pointers.push_back(reinterpret_cast<const SpanRecord*>(staging.get() + at));
    return pointers;
  }
};

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
    filling_ = &batches_[0];
    drain_thread_ = std::thread([this] { DrainLoop(); });
    export_thread_ = std::thread([this] { ExportLoop(); });
  }
  // A processor being freed must not leave threads that use it: wait for them.
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
    {
      std::lock_guard lock(xmu_);
      xcv_.notify_all();
    }
    exporter_->Shutdown();  // no more retries or backoff
    // Wait for both threads until the deadline (plus a moment for the final drain).
    std::unique_lock lock(mu_);
    const bool finished = exited_cv_.wait_until(
        lock, std::max(deadline, Clock::now()) + std::chrono::milliseconds(200),
        [&] { return threads_exited_ == 2; });
    lock.unlock();
    if (finished || !may_detach) {
      drain_thread_.join();
      export_thread_.join();
    } else {
      // Still inside an export; see the file comment. Its spans count as dropped now, and
      // the export thread will not count them again when the request finally ends.
      {
        std::lock_guard xlock(xmu_);
        if (exporting_ && !abandoned_) {
          abandoned_ = true;
          dropped_at_shutdown_.fetch_add(in_flight_, std::memory_order_relaxed);
        }
      }
      drain_thread_.detach();
      export_thread_.detach();
    }
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

  void Wake() {
    wake_pending_.store(true, std::memory_order_relaxed);
    cv_.notify_one();
  }

  bool PastDeadline() {
    std::lock_guard lock(mu_);
    return stopping_ && Clock::now() >= deadline_;
  }

  void ThreadExited() {
    std::lock_guard lock(mu_);
    ++threads_exited_;
    exited_cv_.notify_all();
  }

  // --- drain thread ---

  void DrainLoop() {
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
      DrainAll(&rings);
      if (flush_now || stopping) {
        WaitExportIdle();
        exporter_->Flush(std::chrono::milliseconds(5'000));
      }
      {
        std::lock_guard lock(mu_);
        if (flush_ticket > flush_done_) {
          flush_done_ = flush_ticket;
          done_cv_.notify_all();
        }
      }
      if (stopping) {
        {
          std::lock_guard lock(xmu_);
          export_stop_ = true;
          xcv_.notify_all();
        }
        ThreadExited();
        return;
      }
    }
  }

  // Moves everything waiting in the rings into batches of at most max_export_batch spans and
  // hands each full one to the export thread.
  void DrainAll(std::vector<std::shared_ptr<detail::SpanRing>>* rings) {
    {
      std::lock_guard lock(rings_mu_);
      *rings = rings_;
    }
    const bool dropping = PastDeadline();
    bool more = true;
    while (more) {
      more = false;
      for (const auto& ring : *rings) {
        const size_t room = options_.max_export_batch - filling_->size();
        const size_t n = ring->Drain(room, [&](const SpanRecord& r) {
          if (dropping)
            dropped_at_shutdown_.fetch_add(1, std::memory_order_relaxed);
          else
            filling_->add(r);
        });
        if (n == room && !dropping) {
          HandOff();
          more = true;
        } else if (dropping && n > 0) {
          more = true;
        }
      }
    }
    if (filling_->size() > 0) HandOff();
    rings->clear();
    RetireOrphans();
  }

  // Gives the filled batch to the export thread once it is free, and takes the other one.
  void HandOff() {
    std::unique_lock lock(xmu_);
    // Polled, because nobody signals the deadline passing while an export hangs.
    while ((ready_ || exporting_) && !export_stop_ && !PastDeadlineLocked())
      xcv_.wait_for(lock, std::chrono::milliseconds(50));
    if (export_stop_ || ready_ || exporting_) {
      dropped_at_shutdown_.fetch_add(filling_->size(), std::memory_order_relaxed);
      filling_->clear();
      return;
    }
    ready_ = filling_;
    filling_ = filling_ == &batches_[0] ? &batches_[1] : &batches_[0];
    xcv_.notify_all();
  }
  bool PastDeadlineLocked() {
    std::lock_guard lock(mu_);
    return stopping_ && Clock::now() >= deadline_;
  }

  void WaitExportIdle() {
    std::unique_lock lock(xmu_);
    while (ready_ || exporting_) {
      if (PastDeadlineLocked()) return;
      xcv_.wait_for(lock, std::chrono::milliseconds(50));
    }
  }

  // --- export thread ---

  void ExportLoop() {
    for (;;) {
      Batch* batch;
      {
        std::unique_lock lock(xmu_);
        xcv_.wait(lock, [&] { return ready_ || export_stop_; });
        if (!ready_) break;
        batch = ready_;
        ready_ = nullptr;
        exporting_ = true;
        in_flight_ = batch->size();
      }
      const size_t n = batch->size();
      if (PastDeadline()) {
        dropped_at_shutdown_.fetch_add(n, std::memory_order_relaxed);
      } else {
        const ExportBatch eb{info_->resource(), info_->scopes(), batch->records()};
        const ExportResult result = exporter_->Export(eb);
        std::lock_guard lock(xmu_);
        if (!abandoned_)
          (result == ExportResult::kSuccess ? exported_ : failed_)
              .fetch_add(n, std::memory_order_relaxed);
      }
      batch->clear();
      std::lock_guard lock(xmu_);
      exporting_ = false;
      in_flight_ = 0;
      xcv_.notify_all();
    }
    ThreadExited();
  }

  // Frees the rings of threads that have exited, once they are empty.
  void RetireOrphans() {
    std::lock_guard lock(rings_mu_);
    for (auto it = rings_.begin(); it != rings_.end();) {
      if ((*it)->orphaned.load(std::memory_order_acquire) && (*it)->Empty()) {
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

  // Drain-thread control.
  std::mutex mu_;
  std::condition_variable cv_, done_cv_, exited_cv_;
  std::atomic<bool> wake_pending_{false};
  uint64_t flush_requested_ = 0, flush_done_ = 0;
  bool stopping_ = false;
  Clock::time_point deadline_;
  int threads_exited_ = 0;

  // Hand-off between the drain and export threads (lock order: xmu_ before mu_).
  std::mutex xmu_;
  std::condition_variable xcv_;
  Batch batches_[2];
  Batch* filling_;          // drain thread only
  Batch* ready_ = nullptr;  // waiting for the export thread
  bool exporting_ = false;
  bool export_stop_ = false;
  size_t in_flight_ = 0;    // spans in the batch being exported
  bool abandoned_ = false;  // Stop gave up waiting for that batch

  std::thread drain_thread_, export_thread_;
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
