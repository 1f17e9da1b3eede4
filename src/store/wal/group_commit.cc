#include "store/wal/group_commit.h"

#include <algorithm>
#include <chrono>

#include "store/wal/span_codec.h"
#include "store/wal/wal_format.h"

namespace weft::store {

using namespace weft::model;

using Fsync = EmbeddedStoreOptions::Fsync;

GroupCommitWriter::GroupCommitWriter(WalLog* log, Options options, Clock* clock, ApplyFn apply,
                                     TickFn tick)
    : log_(log),
      options_(options),
      clock_(clock),
      apply_(std::move(apply)),
      tick_(std::move(tick)) {
  last_sync_nanos_ = clock_->monotonic_nanos();
  thread_ = std::thread([this] { run(); });
}

GroupCommitWriter::~GroupCommitWriter() { (void)close(); }

void GroupCommitWriter::write(SpanBatch batch, std::function<void(Status)> done) {
  // `done` is never called under mu_: it may well call write() again.
  Status refused = admit();
  if (!refused.is_ok()) return done(refused);
  if (batch.spans.empty()) return done(Status::ok());
  // The expensive part runs here, in parallel across callers, not on the writer thread.
  std::string payload = encode_wal_payload(batch);
  if (payload.size() > wal::kMaxRecordPayload)
    return done(resource_exhausted("batch too large: " + std::to_string(payload.size()) +
                                   " compressed bytes (limit " +
                                   std::to_string(wal::kMaxRecordPayload) + ")"));
  std::function<void(Status)> refused_done;  // set if close() came in between
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      refused_done = std::move(done);
    } else {
      pending_bytes_ += payload.size();
      queue_.push_back({std::move(payload), std::move(batch), std::move(done)});
    }
  }
  if (refused_done) return refused_done(unavailable("shutting down"));
  cv_.notify_one();
}

void GroupCommitWriter::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_one();
}

Status GroupCommitWriter::admit() {
  std::lock_guard lock(mu_);
  if (stopping_) return unavailable("shutting down");
  if (pending_bytes_ > options_.max_pending_bytes)
    return resource_exhausted("store overloaded: " + std::to_string(pending_bytes_) +
                              " bytes waiting");
  return Status::ok();
}

void GroupCommitWriter::run() {
  const bool interval = options_.fsync == Fsync::kInterval;
  const uint64_t interval_nanos = uint64_t{options_.fsync_interval_ms} * 1'000'000;
  for (;;) {
    std::deque<Pending> group;
    bool stop;
    {
      std::unique_lock lock(mu_);
      auto ready = [&] { return !queue_.empty() || stopping_ || woken_; };
      uint32_t wait_ms = tick_ ? kTickMillis : UINT32_MAX;
      if (interval && unsynced_) wait_ms = std::min(wait_ms, options_.fsync_interval_ms);
      if (wait_ms == UINT32_MAX)
        cv_.wait(lock, ready);
      else
        cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), ready);
      woken_ = false;
      group.swap(queue_);
      stop = stopping_ && group.empty();
    }
    if (!group.empty()) {
      uint64_t bytes = 0;
      for (const auto& p : group) bytes += p.payload.size();
      commit(group);
      std::lock_guard lock(mu_);
      pending_bytes_ -= bytes;
    }
    if (interval && unsynced_ && clock_->monotonic_nanos() - last_sync_nanos_ >= interval_nanos) {
      // A failed periodic sync makes WalLog drop its last group and roll to a new segment:
      // records of that interval may not survive a restart, which is the trade the
      // interval policy makes (they were acknowledged before being synced).
      (void)log_->sync();
      unsynced_ = false;
      last_sync_nanos_ = clock_->monotonic_nanos();
    }
    if (tick_) tick_();
    if (stop) return;
  }
}

void GroupCommitWriter::commit(std::deque<Pending>& group) {
  std::vector<std::string_view> payloads;
  payloads.reserve(group.size());
  for (const auto& p : group) payloads.push_back(p.payload);

  Result<uint64_t> seq = log_->append(payloads);
  Status s = seq.status();
  if (s.is_ok() && options_.fsync == Fsync::kPerRequest) s = log_->sync();
  if (!s.is_ok()) {
    Status failed = s.code() == ResultCode::kUnavailable ? s : unavailable(s.message());
    for (auto& p : group) p.done(failed);
    return;
  }
  if (options_.fsync == Fsync::kInterval) unsynced_ = true;

  std::vector<SpanBatch> batches;
  batches.reserve(group.size());
  for (auto& p : group) batches.push_back(std::move(p.batch));
  apply_(*seq, batches);
  for (auto& p : group) p.done(Status::ok());
}

Status GroupCommitWriter::close() {
  std::lock_guard close_lock(close_mu_);
  if (closed_) return close_status_;
  closed_ = true;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  close_status_ = log_->close();
  return close_status_;
}

}  // namespace weft::store
