// The embedded store: ties the lock file, WAL recovery, the group-commit writer and the
// head together behind the Store interface.
#include "store/embedded_store.h"

#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <system_error>

#include "store/head/head.h"
#include "store/lock_file.h"
#include "store/wal/group_commit.h"
#include "store/wal/segment_name.h"
#include "store/wal/wal_log.h"
#include "store/wal/wal_recovery.h"

namespace weft {
namespace {

using store::GroupCommitWriter;
using store::Head;
using store::LockFile;
using store::WalLog;

class EmbeddedStore final : public Store {
 public:
  EmbeddedStore(std::unique_ptr<LockFile> lock, std::unique_ptr<Head> head,
                std::unique_ptr<WalLog> log, uint64_t recovered_spans, uint64_t corruptions)
      : lock_(std::move(lock)),
        head_(std::move(head)),
        log_(std::move(log)),
        recovered_spans_(recovered_spans),
        wal_corruptions_(corruptions) {}

  // Separate from the constructor: the writer thread calls back into `this`.
  void start(const EmbeddedStoreOptions& o) {
    GroupCommitWriter::Options w{o.fsync, o.fsync_interval_ms, o.max_pending_bytes};
    writer_ = std::make_unique<GroupCommitWriter>(
        log_.get(), w, o.clock,
        [this](uint64_t seq, std::vector<SpanBatch>& batches) { apply(seq, batches); });
  }

  ~EmbeddedStore() override { (void)close(); }

  void write(SpanBatch batch, std::function<void(Status)> done) override {
    writer_->write(std::move(batch), std::move(done));
  }

  Result<std::optional<Trace>> get_trace(const TraceId& id) override {
    return head_->get_trace(id);
  }
  Result<std::vector<TraceSummary>> search(const TraceQuery& query) override {
    return head_->search(query);
  }
  Result<std::vector<std::string>> services() override { return head_->services(); }
  Result<std::vector<OperationInfo>> operations(const std::string& service) override {
    return head_->operations(service);
  }
  Result<std::vector<DependencyLink>> dependencies(uint64_t start, uint64_t end) override {
    return head_->dependencies(start, end);
  }
  Result<std::vector<std::string>> attribute_keys() override { return head_->attribute_keys(); }
  Result<std::vector<std::string>> attribute_values(const std::string& key, size_t limit) override {
    return head_->attribute_values(key, limit);
  }

  StoreStats stats() const override {
    store::HeadStats h = head_->stats();
    StoreStats s;
    s.spans = h.spans;
    s.traces = h.traces;
    s.head_bytes = h.bytes;
    s.head_budget_bytes = h.budget_bytes;
    s.evicted_traces = h.evicted_traces;
    s.evicted_spans = h.evicted_spans;
    s.wal_bytes = log_->bytes();
    s.wal_segments = log_->segments();
    s.wal_syncs = log_->syncs();
    s.recovered_spans = recovered_spans_;
    s.wal_corruptions = wal_corruptions_;
    s.duplicate_spans = h.duplicate_spans;
    return s;
  }

  Status close() override {
    std::lock_guard lock(close_mu_);
    if (!writer_) return close_status_;
    close_status_ = writer_->close();
    return close_status_;
  }

 private:
  // Writer thread: the batches are durable; make them visible, then drop WAL segments
  // eviction left without live traces.
  void apply(uint64_t seq, std::vector<SpanBatch>& batches) {
    head_->apply(batches, seq);
    for (uint64_t dead : head_->take_dead_segments(log_->active_seq())) {
      Status s = log_->remove(dead);
      if (!s.is_ok()) std::fprintf(stderr, "weft: wal: %s\n", s.to_string().c_str());
    }
  }

  std::unique_ptr<LockFile> lock_;
  std::unique_ptr<Head> head_;
  std::unique_ptr<WalLog> log_;
  std::unique_ptr<GroupCommitWriter> writer_;
  const uint64_t recovered_spans_;
  const uint64_t wal_corruptions_;
  std::mutex close_mu_;
  Status close_status_;
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

  auto head = std::make_unique<Head>(options.head_budget_bytes);
  std::vector<SpanBatch> one(1);
  WEFT_ASSIGN_OR_RETURN(store::WalRecoveryResult recovered,
                        store::recover_wal(wal_dir, [&](uint64_t seq, SpanBatch&& batch) {
                          one[0] = std::move(batch);
                          head->apply(one, seq);
                        }));

  std::map<uint64_t, uint64_t> sizes;
  for (uint64_t seq : recovered.segments) {
    head->note_segment(seq);
    std::error_code ec;
    auto size = std::filesystem::file_size(store::segment_path(wal_dir, seq), ec);
    sizes[seq] = ec ? 0 : size;
  }
  store::WalFileFactory factory = options.wal_file_factory
                                      ? store::WalFileFactory(options.wal_file_factory)
                                      : store::WalFileFactory(store::open_posix_wal_file);
  WEFT_ASSIGN_OR_RETURN(auto log, WalLog::open(wal_dir, options.wal_segment_bytes, factory, sizes));
  // Segments whose traces recovery had to evict again (or that held nothing) go now.
  for (uint64_t dead : head->take_dead_segments(log->active_seq()))
    WEFT_RETURN_IF_ERROR(log->remove(dead));

  auto s = std::make_unique<EmbeddedStore>(std::move(lock), std::move(head), std::move(log),
                                           recovered.spans, recovered.corruptions);
  s->start(options);
  return std::unique_ptr<Store>(std::move(s));
}

}  // namespace weft
