#include "store/wal/wal_log.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "store/wal/segment_name.h"

namespace weft::store {

Result<std::unique_ptr<WalLog>> WalLog::open(std::string wal_dir, uint64_t segment_bytes,
                                             WalFileFactory factory,
                                             const std::map<uint64_t, uint64_t>& existing,
                                             uint64_t min_next_seq) {
  std::unique_ptr<WalLog> log(new WalLog(std::move(wal_dir), segment_bytes, std::move(factory)));
  log->sizes_ = existing;
  if (!existing.empty()) log->next_seq_ = existing.rbegin()->first + 1;
  log->next_seq_ = std::max(log->next_seq_, min_next_seq);
  WEFT_RETURN_IF_ERROR(log->roll());
  return log;
}

Status WalLog::roll() {
  if (active_) {
    // The old segment must be durable before records go to a newer one, or a crash could
    // keep a newer record and lose an older one.
    if (dirty_) {
      Status s = active_->sync();
      if (!s.is_ok() && !active_->broken()) return s;
      if (s.is_ok()) syncs_.fetch_add(1, std::memory_order_relaxed);
    }
    (void)active_->close();
    active_.reset();
  }
  uint64_t seq = next_seq_++;
  std::string path = segment_path(dir_, seq);
  auto created = WalSegmentWriter::create(factory_, path, seq);
  if (!created.is_ok()) {
    ::unlink(path.c_str());  // a headerless file would read as a damaged segment
    --next_seq_;
    return created.status();
  }
  active_ = std::move(created).value();
  WEFT_RETURN_IF_ERROR(sync_dir(dir_));
  sizes_[seq] = active_->size();
  dirty_ = true;
  publish_stats();
  return Status::ok();
}

Result<uint64_t> WalLog::append(const std::vector<std::string_view>& payloads) {
  if (!active_ || active_->broken() || active_->size() >= segment_bytes_) {
    Status s = roll();
    if (!s.is_ok()) return s.code() == ResultCode::kUnavailable ? s : unavailable(s.message());
  }
  last_append_start_ = active_->size();
  WEFT_RETURN_IF_ERROR(active_->append(payloads));
  dirty_ = true;
  sizes_[active_->seq()] = active_->size();
  publish_stats();
  return active_->seq();
}

Status WalLog::sync() {
  if (!active_ || !dirty_) return Status::ok();
  Status s = active_->sync();
  if (s.is_ok()) {
    dirty_ = false;
    syncs_.fetch_add(1, std::memory_order_relaxed);
    return s;
  }
  (void)active_->truncate_to(last_append_start_);
  sizes_[active_->seq()] = active_->size();
  (void)roll();
  return unavailable(s.message());
}

Status WalLog::remove_through(uint64_t seq) {
  std::vector<uint64_t> doomed;
  for (const auto& [s, size] : sizes_)
    if (s <= seq && s != active_seq()) doomed.push_back(s);
  for (uint64_t s : doomed) WEFT_RETURN_IF_ERROR(remove(s));
  return Status::ok();
}

Status WalLog::remove(uint64_t seq) {
  WEFT_CHECK(!active_ || seq != active_->seq());
  if (sizes_.erase(seq) == 0) return Status::ok();
  publish_stats();
  std::string path = segment_path(dir_, seq);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return errno_status("removing", path, errno);
  return Status::ok();
}

Status WalLog::close() {
  if (!active_) return Status::ok();
  Status s = dirty_ ? active_->sync() : Status::ok();
  if (s.is_ok() && dirty_) syncs_.fetch_add(1, std::memory_order_relaxed);
  dirty_ = false;
  Status c = active_->close();
  active_.reset();
  return s.is_ok() ? c : s;
}

void WalLog::publish_stats() {
  uint64_t total = 0;
  for (const auto& [seq, size] : sizes_) total += size;
  bytes_.store(total, std::memory_order_relaxed);
  segment_count_.store(sizes_.size(), std::memory_order_relaxed);
}

}  // namespace weft::store
