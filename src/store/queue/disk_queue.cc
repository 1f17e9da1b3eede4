#include "store/queue/disk_queue.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <system_error>

#include "store/lock_file.h"
#include "store/queue/queue_cursor.h"
#include "store/queue/queue_record.h"
#include "store/queue/queue_recovery.h"
#include "store/wal/segment_name.h"
#include "store/wal/wal_format.h"
#include "store/wal/wal_log.h"

namespace weft::store {

using namespace weft::model;

namespace {

constexpr uint64_t kSegmentHeader = wal::kFileHeaderSize;
constexpr uint64_t kRecordHeader = wal::kRecordHeaderSize;
// What a lone batch must leave free under the bound: the header of the segment it starts,
// the header of the active segment sealed for it, and a cursor file of a few ids.
constexpr uint64_t kOverhead = 2 * kSegmentHeader + 64;
constexpr uint64_t kMinMaxBytes = 4096;
constexpr uint64_t kMaxSegmentBytes = 4ull << 30;  // keeps record indexes far below 2^32
constexpr auto kLogInterval = std::chrono::seconds(10);

Status as_unavailable(const Status& s) {
  return s.is_ok() || s.code() == ResultCode::kUnavailable ? s : unavailable(s.message());
}

}  // namespace

Result<std::unique_ptr<DiskQueue>> DiskQueue::open(DiskQueueOptions options) {
  if (options.dir.empty()) return invalid_argument("queue: dir is empty");
  if (options.max_bytes < kMinMaxBytes)
    return invalid_argument("queue: max_bytes must be at least " + std::to_string(kMinMaxBytes));
  if (options.segment_bytes == 0 || options.segment_bytes > kMaxSegmentBytes)
    return invalid_argument("queue: segment_bytes must be in 1.." +
                            std::to_string(kMaxSegmentBytes));
  if (!options.log)
    options.log = [](const std::string& m) { std::fprintf(stderr, "weft: %s\n", m.c_str()); };
  if (!options.file_factory) options.file_factory = open_posix_wal_file;
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) return io_error("queue: creating " + options.dir + ": " + ec.message());

  WEFT_ASSIGN_OR_RETURN(std::unique_ptr<LockFile> lock, LockFile::acquire(options.dir + "/LOCK"));
  WEFT_ASSIGN_OR_RETURN(QueueRecoveryResult recovered, recover_queue(options.dir, options.log));
  std::unique_ptr<DiskQueue> q(new DiskQueue(std::move(options)));
  q->lock_ = std::move(lock);
  WEFT_RETURN_IF_ERROR(q->start(std::move(recovered)));
  return q;
}

DiskQueue::DiskQueue(DiskQueueOptions options) : options_(std::move(options)) {}

DiskQueue::~DiskQueue() { close(); }

void DiskQueue::log(const std::string& message) const { options_.log(message); }

Status DiskQueue::start(QueueRecoveryResult recovered) {
  std::map<uint64_t, uint64_t> existing;
  uint64_t spans = 0;
  for (const RecoveredQueueSegment& r : recovered.segments) {
    existing[r.seq] = r.file_bytes;
    Segment& s = segments_[r.seq];
    s.end = r.end;
    s.records = r.records;
    s.handed = r.skipped;
    s.read_offset = r.skipped_end;
    s.unread_spans = r.pending_spans;
    s.pending_entries = r.pending_entries;
    s.pending_spans = r.pending_spans;
    spans += r.pending_spans;
  }
  stats_.recovered_entries = recovered.pending_entries;
  stats_.corrupt_records = recovered.corrupt;
  stats_.pending_entries = recovered.pending_entries;
  stats_.pending_spans = spans;
  recovered_ = std::move(recovered.cursor);

  WEFT_ASSIGN_OR_RETURN(log_, WalLog::open(options_.dir, options_.segment_bytes,
                                           options_.file_factory, existing, recovered.max_seq + 1));
  note_active_segment();
  read_seq_ = segments_.begin()->first;
  std::error_code ec;
  auto size =
      std::filesystem::file_size(options_.dir + "/" + std::string(kQueueCursorFileName), ec);
  cursor_bytes_ = ec ? 0 : size;
  publish_bytes();
  if (recovered.pending_entries > 0)
    log("queue: " + options_.dir + ": " + std::to_string(recovered.pending_entries) + " entries (" +
        std::to_string(spans) + " spans) not yet delivered");
  thread_ = std::thread([this] { run(); });
  return Status::ok();
}

// ---- Intake ----

void DiskQueue::write(SpanBatch batch, std::function<void(Status)> done) {
  // `done` is never called under mu_: it may call write() again.
  if (batch.spans.empty()) return done(Status::ok());
  Status refused;
  {
    std::lock_guard lock(mu_);
    if (stopping_)
      refused = unavailable("queue: shutting down");
    else if (queued_bytes_ > options_.max_pending_bytes)
      refused = resource_exhausted("queue overloaded: " + std::to_string(queued_bytes_) +
                                   " bytes waiting to be written");
  }
  if (!refused.is_ok()) return done(refused);
  // Compression runs here, on the callers' threads, not on the writer thread.
  const uint64_t spans = batch.spans.size();
  std::string payload = encode_queue_payload(batch);
  if (payload.size() > wal::kMaxRecordPayload ||
      kRecordHeader + payload.size() + kOverhead > options_.max_bytes)
    return done(resource_exhausted(
        "batch too large for the queue: " + std::to_string(payload.size()) +
        " compressed bytes, queue bound " + std::to_string(options_.max_bytes) + " bytes"));
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      refused = unavailable("queue: shutting down");
    } else {
      queued_bytes_ += payload.size();
      queue_.push_back({std::move(payload), spans, std::move(done)});
    }
  }
  if (!refused.is_ok()) return done(refused);
  writer_cv_.notify_one();
}

void DiskQueue::run() {
  for (;;) {
    std::deque<Queued> group;
    bool stop;
    {
      std::unique_lock lock(mu_);
      writer_cv_.wait_for(lock, options_.cursor_interval,
                          [&] { return !queue_.empty() || stopping_; });
      group.swap(queue_);
      stop = stopping_ && group.empty();
    }
    if (!group.empty()) commit(group);
    checkpoint(stop);
    log_drops(stop);
    if (stop) break;
  }
  Status s = log_->close();
  if (!s.is_ok()) log("queue: closing: " + s.message());
  publish_bytes();
}

void DiskQueue::commit(std::deque<Queued>& group) {
  // A group larger than the bound allows goes in chunks that each fit.
  const uint64_t budget = options_.max_bytes - kOverhead;
  uint64_t total = 0;
  size_t begin = 0;
  uint64_t chunk = 0;
  for (size_t i = 0; i < group.size(); ++i) {
    uint64_t record = kRecordHeader + group[i].payload.size();
    total += group[i].payload.size();
    if (i > begin && chunk + record > budget) {
      commit_chunk(group, begin, i);
      begin = i;
      chunk = 0;
    }
    chunk += record;
  }
  commit_chunk(group, begin, group.size());
  std::lock_guard lock(mu_);
  queued_bytes_ -= total;
}

void DiskQueue::commit_chunk(std::deque<Queued>& group, size_t begin, size_t end) {
  std::vector<std::string_view> payloads;
  payloads.reserve(end - begin);
  uint64_t bytes = 0;
  for (size_t i = begin; i < end; ++i) {
    payloads.push_back(group[i].payload);
    bytes += kRecordHeader + group[i].payload.size();
  }
  Status s = make_room(bytes);
  Result<uint64_t> seq = s.is_ok() ? log_->append(payloads) : Result<uint64_t>(s);
  s = seq.status();
  if (s.is_ok() && options_.sync) s = log_->sync();
  note_active_segment();
  publish_bytes();
  if (!s.is_ok()) {
    Status failed = s.code() == ResultCode::kResourceExhausted ? s : as_unavailable(s);
    // Rate-limited: with the disk full, every group fails.
    ++errors_unlogged_;
    auto now = std::chrono::steady_clock::now();
    if (last_error_log_.time_since_epoch().count() == 0 || now - last_error_log_ >= kLogInterval) {
      log("queue: appending failed (" + std::to_string(errors_unlogged_) +
          " groups refused since the last message): " + failed.message());
      errors_unlogged_ = 0;
      last_error_log_ = now;
    }
    for (size_t i = begin; i < end; ++i) group[i].done(failed);
    return;
  }
  {
    std::lock_guard lock(mu_);
    Segment& seg = segments_.at(*seq);
    WEFT_CHECK(uint64_t{seg.records} + (end - begin) < (uint64_t{1} << 32));
    for (size_t i = begin; i < end; ++i) {
      const uint64_t spans = group[i].spans;
      ++seg.records;
      seg.end += kRecordHeader + group[i].payload.size();
      seg.unread_spans += spans;
      ++seg.pending_entries;
      seg.pending_spans += spans;
      ++stats_.appended_batches;
      stats_.appended_spans += spans;
      ++stats_.pending_entries;
      stats_.pending_spans += spans;
    }
  }
  data_cv_.notify_all();
  for (size_t i = begin; i < end; ++i) group[i].done(Status::ok());
}

Status DiskQueue::make_room(uint64_t bytes) {
  if (log_->active_seq() == 0) {  // a failed roll left no active segment
    WEFT_RETURN_IF_ERROR(as_unavailable(log_->roll()));
    note_active_segment();
  }
  // The cursor file counts at its current size (it changes only between appends, by the
  // ids of entries handed out and not acked).
  while (log_->bytes() + bytes + kSegmentHeader + cursor_bytes_ > options_.max_bytes) {
    const uint64_t active = log_->active_seq();
    uint64_t oldest;
    bool active_empty;
    {
      std::lock_guard lock(mu_);
      oldest = segments_.begin()->first;
      active_empty = segments_.at(active).records == 0;
    }
    if (oldest == active) {
      // Everything is in the active segment: seal it so it can go.
      if (active_empty)
        return resource_exhausted("queue: " + std::to_string(bytes) +
                                  " bytes do not fit under max_bytes");
      WEFT_RETURN_IF_ERROR(as_unavailable(log_->roll()));
      note_active_segment();
      continue;
    }
    {
      std::lock_guard lock(mu_);
      drop_segment(oldest);
    }
    Status s = log_->remove(oldest);
    if (!s.is_ok()) log("queue: " + s.message());
  }
  return Status::ok();
}

void DiskQueue::note_active_segment() {
  const uint64_t seq = log_->active_seq();
  if (seq == 0) return;
  std::lock_guard lock(mu_);
  if (segments_.count(seq)) return;
  Segment& s = segments_[seq];
  s.end = s.read_offset = kSegmentHeader;
}

void DiskQueue::drop_segment(uint64_t seq) {
  auto it = segments_.find(seq);
  WEFT_CHECK(it != segments_.end() && std::next(it) != segments_.end());
  const Segment& s = it->second;
  // Entries handed out and not acked are in the consumer's hands, most likely on their way:
  // they stay pending (their ack is counted as usual) and are not counted dropped — only
  // after a crash would they be lost, and they are past the bound then.
  uint64_t out_entries = 0, out_spans = 0;
  for (auto h = handed_.lower_bound(queue_entry_id(seq, 0));
       h != handed_.end() && h->first < queue_entry_id(seq + 1, 0); ++h) {
    ++out_entries;
    out_spans += h->second;
  }
  const uint64_t lost_entries = s.pending_entries - out_entries;
  const uint64_t lost_spans = s.pending_spans - out_spans;
  stats_.dropped_batches += lost_entries;
  stats_.dropped_spans += lost_spans;
  drops_unlogged_batches_ += lost_entries;
  drops_unlogged_spans_ += lost_spans;
  stats_.pending_entries -= lost_entries;
  stats_.pending_spans -= lost_spans;
  auto next = segments_.erase(it);
  if (read_seq_ == seq) read_seq_ = next->first;
}

void DiskQueue::log_drops(bool force) {
  uint64_t batches, spans;
  {
    std::lock_guard lock(mu_);
    batches = drops_unlogged_batches_;
    spans = drops_unlogged_spans_;
  }
  if (batches == 0) return;
  auto now = std::chrono::steady_clock::now();
  if (!force && last_drop_log_.time_since_epoch().count() != 0 &&
      now - last_drop_log_ < kLogInterval)
    return;
  {
    std::lock_guard lock(mu_);
    drops_unlogged_batches_ -= batches;
    drops_unlogged_spans_ -= spans;
  }
  last_drop_log_ = now;
  log("queue: " + options_.dir + " reached max_bytes (" + std::to_string(options_.max_bytes) +
      "): dropped the oldest " + std::to_string(batches) + " undelivered batches (" +
      std::to_string(spans) + " spans)");
}

void DiskQueue::publish_bytes() {
  bytes_.store(log_->bytes() + cursor_bytes_, std::memory_order_relaxed);
  segment_count_.store(log_->segments(), std::memory_order_relaxed);
}

// ---- The cursor ----

bool DiskQueue::advance_read_segment() {
  for (;;) {
    auto it = segments_.find(read_seq_);
    if (it->second.handed < it->second.records) return true;
    // A segment with a successor is sealed: nothing more will be appended to it.
    auto next = std::next(it);
    if (next == segments_.end()) return false;
    read_seq_ = next->first;
  }
}

QueueCursor DiskQueue::current_cursor() const {
  // Delivered: everything below the read position except what is handed out and not acked,
  // and, until the read position passes it, what the cursor found at open said.
  QueueCursor c;
  const uint64_t read = queue_entry_id(read_seq_, segments_.at(read_seq_).handed);
  c.read_id = std::max(read, recovered_.read_id);
  c.undelivered.reserve(handed_.size());
  for (const auto& [id, spans] : handed_) c.undelivered.push_back(id);  // all below `read`
  auto from = std::lower_bound(recovered_.undelivered.begin(), recovered_.undelivered.end(), read);
  c.undelivered.insert(c.undelivered.end(), from, recovered_.undelivered.end());
  return c;
}

void DiskQueue::checkpoint(bool force) {
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_checkpoint_ < options_.cursor_interval) return;
  last_checkpoint_ = now;
  std::string cursor;
  std::vector<uint64_t> doomed;  // wholly delivered
  {
    std::lock_guard lock(mu_);
    advance_read_segment();
    QueueCursor c = current_cursor();
    const uint64_t first_seq = queue_entry_seq(c.first_undelivered());
    for (const auto& [seq, seg] : segments_) {
      if (seq >= first_seq || seq == log_->active_seq()) break;
      doomed.push_back(seq);
    }
    cursor = encode_queue_cursor(std::move(c));
  }
  if (cursor != written_cursor_) {
    // The cursor is durable before any segment behind it goes: if writing it fails, the
    // segments stay, and a restart delivers them again rather than losing track of them.
    Status s = write_queue_cursor(options_.dir, cursor);
    if (!s.is_ok()) {
      log("queue: writing the cursor: " + s.message());
      return;
    }
    written_cursor_ = std::move(cursor);
    cursor_bytes_ = written_cursor_.size();
  }
  for (uint64_t seq : doomed) {
    {
      std::lock_guard lock(mu_);
      segments_.erase(seq);
    }
    Status s = log_->remove(seq);
    if (!s.is_ok()) log("queue: " + s.message());
  }
  publish_bytes();
}

// ---- Consumer ----

std::vector<DiskQueue::Entry> DiskQueue::next(size_t max_entries, std::chrono::milliseconds wait) {
  std::vector<Entry> out;
  if (max_entries == 0) return out;
  std::lock_guard consumer(next_mu_);
  std::vector<std::string> problems;  // logged after unlocking
  const auto deadline = std::chrono::steady_clock::now() + wait;
  std::unique_lock lock(mu_);
  for (;;) {
    data_cv_.wait_until(lock, deadline, [&] { return stopping_ || advance_read_segment(); });
    while (!stopping_ && out.size() < max_entries && advance_read_segment())
      read_some(lock, max_entries - out.size(), &out, &problems);
    // Records delivered before a restart are skipped without a result: wait on.
    if (!out.empty() || stopping_ || std::chrono::steady_clock::now() >= deadline) break;
  }
  if (recovered_.read_id != 0 &&
      queue_entry_id(read_seq_, segments_.at(read_seq_).handed) >= recovered_.read_id)
    recovered_ = QueueCursor();
  lock.unlock();
  for (const std::string& p : problems) log(p);
  return out;
}

void DiskQueue::read_some(std::unique_lock<std::mutex>& lock, size_t max_entries,
                          std::vector<Entry>* out, std::vector<std::string>* problems) {
  const uint64_t seq = read_seq_;
  const Segment& plan = segments_.at(seq);
  const uint32_t index = plan.handed;
  const uint64_t offset = plan.read_offset;
  const uint64_t end = plan.end;
  const size_t want = std::min<size_t>(max_entries, plan.records - plan.handed);
  lock.unlock();

  // Disk reads and decompression run without mu_: writers keep committing meanwhile.
  // (recovered_ is written only by the consumer, which is this thread.)
  std::vector<QueueRecord> records;
  std::string problem;
  const std::string path = segment_path(options_.dir, seq);
  Status read = read_queue_records(path, offset, end, want, &records, &problem);
  if (read.is_ok() && problem.empty() && records.size() < want)  // cannot happen; never spin
    problem = "records missing before offset " + std::to_string(end);
  std::vector<std::optional<Result<SpanBatch>>> batches(records.size());
  for (size_t k = 0; k < records.size(); ++k)
    if (!recovered_.delivered(queue_entry_id(seq, index + k)))
      batches[k] = decode_queue_payload(records[k].payload);

  lock.lock();
  auto it = segments_.find(seq);
  // Dropped by the byte bound meanwhile: what was read went with it.
  if (it == segments_.end() || read_seq_ != seq || it->second.handed != index) return;
  Segment& seg = it->second;
  for (size_t k = 0; k < records.size(); ++k) {
    ++seg.handed;
    seg.read_offset = records[k].end;
    if (!batches[k]) continue;  // delivered before the restart
    const uint64_t id = queue_entry_id(seq, index + k);
    uint64_t spans = 0;
    (void)queue_payload_spans(records[k].payload, &spans);  // as counted at append/open
    seg.unread_spans -= spans;
    if (batches[k]->is_ok()) {
      handed_[id] = spans;
      out->push_back(
          {id, std::move(*batches[k]).value(), kRecordHeader + records[k].payload.size()});
      continue;
    }
    problems->push_back("queue: " + path + ": entry " + std::to_string(index + k) + ": " +
                        batches[k]->status().message() + "; skipped");
    ++stats_.unreadable_entries;
    --seg.pending_entries;
    seg.pending_spans -= spans;
    --stats_.pending_entries;
    stats_.pending_spans -= spans;
  }
  if (!read.is_ok() || !problem.empty()) {
    problems->push_back("queue: " + path + ": " + (read.is_ok() ? problem : read.message()) +
                        "; skipping the rest of the segment");
    skip_rest_of_segment(seq, seg);
  }
}

void DiskQueue::skip_rest_of_segment(uint64_t seq, Segment& seg) {
  uint64_t lost = 0;
  for (uint64_t i = seg.handed; i < seg.records; ++i)
    if (!recovered_.delivered(queue_entry_id(seq, i))) ++lost;
  stats_.unreadable_entries += lost;
  stats_.pending_entries -= lost;
  stats_.pending_spans -= seg.unread_spans;
  seg.pending_entries -= lost;
  seg.pending_spans -= seg.unread_spans;
  seg.unread_spans = 0;
  seg.handed = seg.records;
  // If this is the active segment, records appended later start at its current end.
  seg.read_offset = seg.end;
}

void DiskQueue::ack(uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = handed_.find(id);
  if (it == handed_.end()) return;  // acked before, or never handed out
  const uint64_t spans = it->second;
  // Its segment may be gone already (dropped by the bound while the entry was out).
  if (auto seg = segments_.find(queue_entry_seq(id)); seg != segments_.end()) {
    --seg->second.pending_entries;
    seg->second.pending_spans -= spans;
  }
  --stats_.pending_entries;
  stats_.pending_spans -= spans;
  ++stats_.acked_batches;
  stats_.acked_spans += spans;
  handed_.erase(it);
}

DiskQueueStats DiskQueue::stats() const {
  std::lock_guard lock(mu_);
  DiskQueueStats s = stats_;
  s.bytes = bytes();
  s.segments = segment_count_.load(std::memory_order_relaxed);
  return s;
}

void DiskQueue::close() {
  std::lock_guard close_lock(close_mu_);
  if (closed_) return;
  closed_ = true;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  writer_cv_.notify_all();
  data_cv_.notify_all();
  // The writer thread drains the queue, writes the cursor and closes the log.
  if (thread_.joinable())
    thread_.join();
  else if (log_)
    (void)log_->close();
  lock_.reset();  // the directory is free for the next process (or test)
}

}  // namespace weft::store
