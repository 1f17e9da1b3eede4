// The batch processor: per-thread SpanRings drained by one export thread.
#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "span_ring.h"
#include "weft/clock.h"
#include "weft/processor.h"

namespace weft {
namespace {

class BatchProcessor;

// The calling thread's rings, one per live batch processor it has ended spans into.
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
    thread_ = std::thread([this] { Run(); });
  }
  ~BatchProcessor() override { Shutdown(std::chrono::milliseconds(0)); }

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

  void Shutdown(std::chrono::milliseconds timeout) override {
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
    }
    ForceFlush(timeout);
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      stopped_ = true;
      cv_.notify_all();
      done_cv_.notify_all();
    }
    if (thread_.joinable()) thread_.join();
    exporter_->Shutdown();
  }

  ProcessorStats stats() const override {
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
    s.dropped += dropped_late_.load(std::memory_order_relaxed);
    s.ended += dropped_late_.load(std::memory_order_relaxed);
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
    if (stopped_flag_.load(std::memory_order_relaxed)) return nullptr;
    rings_.push_back(std::make_shared<detail::SpanRing>(options_.ring_bytes_per_thread));
    tr.entries.push_back({id_, rings_.back()});
    return rings_.back().get();
  }

  void Wake() {
    wake_pending_.store(true, std::memory_order_relaxed);
    cv_.notify_one();
  }

  // The export thread.
  void Run() {
    std::vector<std::shared_ptr<detail::SpanRing>> rings;
    for (;;) {
      uint64_t flush_ticket;
      bool flush_now, stopping;
      {
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, options_.export_interval, [&] {
          return stopping_ || flush_requested_ > flush_done_ || wake_pending_.load(std::memory_order_relaxed);
        });
        wake_pending_.store(false, std::memory_order_relaxed);
        flush_ticket = flush_requested_;
        flush_now = flush_requested_ > flush_done_;
        stopping = stopping_;
      }
      detail::CalibrateClock();
      ExportAll(&rings);
      if (flush_now) exporter_->Flush(std::chrono::milliseconds(5'000));
      {
        std::lock_guard lock(mu_);
        if (flush_ticket > flush_done_) {
          flush_done_ = flush_ticket;
          done_cv_.notify_all();
        }
      }
      if (stopping) {
        stopped_flag_.store(true, std::memory_order_relaxed);
        ExportAll(&rings);  // spans that raced with the stop
        return;
      }
    }
  }

  // Drains every ring into batches of at most max_export_batch spans and exports them.
  void ExportAll(std::vector<std::shared_ptr<detail::SpanRing>>* rings) {
    {
      std::lock_guard lock(rings_mu_);
      *rings = rings_;
    }
    bool more = true;
    while (more) {
      more = false;
      for (const auto& ring : *rings) {
        const size_t room = options_.max_export_batch - offsets_.size();
        const size_t n = ring->Drain(room, [&](const SpanRecord& r) {
          const size_t at = staging_.size();
          staging_.resize(at + r.size / 8);
          std::memcpy(staging_.data() + at, &r, sizeof(SpanRecord) + r.data_size);
          offsets_.push_back(at);
        });
        if (n == room) {
          ExportStaged();
          more = true;
        }
      }
    }
    ExportStaged();
    rings->clear();
    RetireOrphans();
  }

  void ExportStaged() {
    if (offsets_.empty()) return;
    pointers_.clear();
    for (size_t at : offsets_) pointers_.push_back(reinterpret_cast<const SpanRecord*>(staging_.data() + at));
    const ExportBatch batch{info_->resource(), info_->scopes(), pointers_};
    const ExportResult result = exporter_->Export(batch);
    (result == ExportResult::kSuccess ? exported_ : failed_).fetch_add(pointers_.size(), std::memory_order_relaxed);
    offsets_.clear();
    staging_.clear();
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
  std::atomic<bool> stopped_flag_{false};

  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  std::atomic<bool> wake_pending_{false};
  uint64_t flush_requested_ = 0, flush_done_ = 0;
  bool stopping_ = false, stopped_ = false;
  std::thread thread_;

  // Export-thread state, reused batch after batch.
  std::vector<uint64_t> staging_;
  std::vector<size_t> offsets_;
  std::vector<const SpanRecord*> pointers_;
  std::atomic<uint64_t> exported_{0}, failed_{0}, dropped_late_{0};
};

}  // namespace

std::unique_ptr<SpanProcessor> MakeBatchProcessor(std::shared_ptr<SpanExporter> exporter,
                                                  std::shared_ptr<const ProviderInfo> info,
                                                  BatchProcessorOptions options) {
  return std::make_unique<BatchProcessor>(std::move(exporter), std::move(info), options);
}

}  // namespace weft
