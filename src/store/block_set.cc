#include "store/block_set.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <unordered_set>

#include "store/compaction.h"
#include "store/fault_point.h"
#include "store/wal/wal_file.h"

namespace weft::store {

using namespace weft::model;

namespace {

uint64_t bytes_of(const BlockSet::Blocks& blocks) {
  uint64_t n = 0;
  for (const auto& b : blocks) n += b->meta().file_bytes;
  return n;
}
uint64_t spans_of(const BlockSet::Blocks& blocks) {
  uint64_t n = 0;
  for (const auto& b : blocks) n += b->meta().spans;
  return n;
}

}  // namespace

namespace {
void insert_in_id_order(BlockSet::Blocks* blocks, std::shared_ptr<BlockReader> block) {
  const uint64_t id = block->meta().id;
  blocks->insert(std::upper_bound(blocks->begin(), blocks->end(), id,
                                  [](uint64_t v, const auto& b) { return v < b->meta().id; }),
                 std::move(block));
}
}  // namespace

bool blocks_hold(const std::vector<std::shared_ptr<BlockReader>>& blocks, const TraceId& id) {
  for (const auto& b : blocks) {
    if (!b->may_contain(id)) continue;
    Result<bool> held = b->contains(id);
    if (!held.is_ok() || *held) return true;
  }
  return false;
}

std::string BlockSet::path_of(uint64_t id) const {
  return blocks_dir(options_.data_dir) + "/" + block_file_name(id);
}

Result<std::unique_ptr<BlockSet>> BlockSet::open(const BlockSetOptions& options) {
  std::unique_ptr<BlockSet> set(new BlockSet(options));
  const std::string dir = blocks_dir(options.data_dir);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return io_error("creating directory " + dir + ": " + ec.message());

  WEFT_ASSIGN_OR_RETURN(std::optional<Manifest> m, read_manifest(options.data_dir));
  if (m) set->manifest_ = std::move(*m);
  std::unordered_set<uint64_t> live;
  for (const BlockMeta& b : set->manifest_.blocks) live.insert(b.id);

  // Orphans: temporary files and blocks of a flush or compaction that did not reach the
  // manifest, or inputs of one that reached it but had not deleted them yet.
  uint64_t orphans = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    uint64_t id = 0;
    if (parse_block_file_name(name, &id) && live.contains(id)) continue;
    std::filesystem::remove(entry.path(), ec);
    if (ec) return io_error("removing orphan " + entry.path().string() + ": " + ec.message());
    ++orphans;
  }
  std::filesystem::remove(manifest_path(options.data_dir) + ".tmp", ec);
  if (orphans) {
    WEFT_RETURN_IF_ERROR(sync_dir(dir));
    std::fprintf(
        stderr,
        "weft: store: removed %llu orphan block file(s) of an interrupted flush or compaction\n",
        static_cast<unsigned long long>(orphans));
  }

  for (const BlockMeta& meta : set->manifest_.blocks) {
    WEFT_ASSIGN_OR_RETURN(auto reader, BlockReader::open(set->path_of(meta.id)));
    // Compaction and retention delete files by the id a block names: it must be its own.
    const BlockMeta& got = reader->meta();
    if (got.id != meta.id || got.spans != meta.spans || got.traces != meta.traces ||
        got.min_start != meta.min_start || got.max_start != meta.max_start)
      return data_loss(set->path_of(meta.id) + ": block disagrees with its MANIFEST entry (id " +
                       std::to_string(got.id) + ", " + std::to_string(got.spans) + " spans)");
    set->blocks_.push_back(std::move(reader));
  }
  set->published_ = std::make_shared<const Blocks>(set->blocks_);
  set->stats_.orphans_removed = orphans;
  return set;
}

BlockSet::Snapshot BlockSet::snapshot() const {
  std::lock_guard lock(mu_);
  return published_;
}

BlockSetStats BlockSet::stats() const {
  std::lock_guard lock(mu_);
  BlockSetStats s = stats_;
  s.blocks = published_->size();
  s.bytes = bytes_of(*published_);
  s.spans = spans_of(*published_);
  for (const auto& block : *published_) s.traces += block->meta().traces;
  return s;
}

Result<std::shared_ptr<BlockReader>> BlockSet::write_block(
    uint32_t level, const std::function<Status(BlockWriter&)>& fill, const char* fault) {
  uint64_t id;
  {
    std::lock_guard lock(change_mu_);
    id = manifest_.next_block_id++;
  }
  const std::string path = path_of(id);
  const std::string tmp = path + ".tmp";
  auto fail = [&](Status s) {
    ::unlink(tmp.c_str());
    return s;
  };
  BlockWriterOptions wo;
  wo.id = id;
  wo.level = level;
  wo.page_spans = options_.page_spans;
  WEFT_ASSIGN_OR_RETURN(auto writer, BlockWriter::create(tmp, wo));
  Status s = fill(*writer);
  if (!s.is_ok()) return fail(s);
  if (writer->spans_added() == 0) return fail(internal_error("empty block"));
  Result<BlockMeta> meta = writer->finish();
  if (!meta.is_ok()) return fail(meta.status());
  writer.reset();
  fault_point(std::string(fault) + ".block_written");
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return fail(errno_status("renaming", tmp, errno));
  WEFT_RETURN_IF_ERROR(sync_dir(blocks_dir(options_.data_dir)));
  fault_point(std::string(fault) + ".block_renamed");
  Result<std::shared_ptr<BlockReader>> reader = BlockReader::open(path);
  if (!reader.is_ok()) ::unlink(path.c_str());
  return reader;
}

Status BlockSet::commit(Manifest next, Blocks blocks, const std::vector<uint64_t>& removed,
                        const char* fault) {
  WEFT_RETURN_IF_ERROR(write_manifest(options_.data_dir, next));
  fault_point(std::string(fault) + ".manifest_written");
  manifest_ = std::move(next);
  blocks_ = std::move(blocks);
  {
    std::lock_guard lock(mu_);
    published_ = std::make_shared<const Blocks>(blocks_);
  }
  // Readers in flight keep their descriptors: unlinking is safe while queries run.
  for (uint64_t id : removed) ::unlink(path_of(id).c_str());
  if (!removed.empty()) {
    (void)sync_dir(blocks_dir(options_.data_dir));
    fault_point(std::string(fault) + ".inputs_deleted");
  }
  return Status::ok();
}

uint64_t BlockSet::wal_flushed_through() const {
  std::lock_guard lock(change_mu_);
  return manifest_.wal_flushed_through;
}

Status BlockSet::flush(const std::function<Status(BlockWriter&)>& write_traces,
                       uint64_t wal_through) {
  WEFT_ASSIGN_OR_RETURN(auto reader, write_block(0, write_traces, "flush"));
  std::lock_guard change(change_mu_);
  // In id order: a merge that started after this flush took its id may have committed a
  // larger one meanwhile.
  Blocks blocks = blocks_;
  insert_in_id_order(&blocks, std::move(reader));
  Manifest next = manifest_;
  next.blocks.clear();
  for (const auto& b : blocks) next.blocks.push_back(b->meta());
  next.wal_flushed_through = std::max(next.wal_flushed_through, wal_through);
  WEFT_RETURN_IF_ERROR(commit(std::move(next), std::move(blocks), {}, "flush"));
  std::lock_guard lock(mu_);
  ++stats_.flushes;
  return Status::ok();
}

Status BlockSet::mark_wal_flushed(uint64_t wal_through) {
  std::lock_guard change(change_mu_);
  if (wal_through <= manifest_.wal_flushed_through) return Status::ok();
  Manifest next = manifest_;
  next.wal_flushed_through = wal_through;
  return commit(std::move(next), blocks_, {}, "flush");
}

Result<bool> BlockSet::compact_step(bool full) {
  if (cancelled_.load()) return unavailable("compaction cancelled: closing");
  // Plan and take the inputs under the lock; merge without it (flushes go on meanwhile);
  // commit under it again.
  Blocks inputs, others;
  uint32_t level = 0;
  {
    std::lock_guard change(change_mu_);
    std::vector<size_t> run =
        full ? plan_full_compaction(blocks_, options_.max_level, options_.max_block_spans,
                                    options_.max_merge_inputs)
             : plan_compaction(blocks_, options_.compaction_fan_in, options_.max_level,
                               options_.max_block_spans);
    if (run.empty()) return false;
    for (size_t i = 0; i < blocks_.size(); ++i) {
      if (std::find(run.begin(), run.end(), i) == run.end()) {
        others.push_back(blocks_[i]);
        continue;
      }
      inputs.push_back(blocks_[i]);
      level = std::max(level, blocks_[i]->meta().level + 1);
    }
  }
  level = std::min(level, options_.max_level);
  // Split traces stay marked while a block outside the merge still holds part of them (a
  // block flushed during the merge marks its own part).
  auto fill = [&](BlockWriter& w) {
    return merge_blocks(
        inputs, w, [&](const TraceId& id) { return blocks_hold(others, id); },
        [&] { return cancelled_.load(std::memory_order_relaxed); });
  };
  WEFT_ASSIGN_OR_RETURN(auto merged, write_block(level, fill, "compact"));

  std::lock_guard change(change_mu_);
  std::vector<uint64_t> removed;
  for (const auto& in : inputs) removed.push_back(in->meta().id);
  Blocks blocks;
  for (const auto& b : blocks_)
    if (std::find(removed.begin(), removed.end(), b->meta().id) == removed.end())
      blocks.push_back(b);
  if (blocks.size() + removed.size() != blocks_.size()) {
    // Retention dropped an input meanwhile: the merge holds data that is gone. Drop it.
    ::unlink(path_of(merged->meta().id).c_str());
    return false;
  }
  // Ascending id order: blocks flushed during the merge may have larger ids than the output.
  insert_in_id_order(&blocks, merged);
  Manifest next = manifest_;
  next.blocks.clear();
  for (const auto& b : blocks) next.blocks.push_back(b->meta());
  WEFT_RETURN_IF_ERROR(commit(std::move(next), std::move(blocks), removed, "compact"));
  std::lock_guard lock(mu_);
  ++stats_.compactions;
  return true;
}

Result<uint32_t> BlockSet::drop_for_retention(uint64_t oldest_start, uint64_t max_disk_bytes,
                                              uint64_t other_bytes) {
  std::lock_guard change(change_mu_);
  std::vector<uint64_t> doomed = plan_retention(blocks_, oldest_start, max_disk_bytes, other_bytes);
  if (doomed.empty()) return 0u;
  Manifest next = manifest_;
  Blocks blocks;
  next.blocks.clear();
  for (const auto& b : blocks_) {
    if (std::find(doomed.begin(), doomed.end(), b->meta().id) != doomed.end()) continue;
    blocks.push_back(b);
    next.blocks.push_back(b->meta());
  }
  WEFT_RETURN_IF_ERROR(commit(std::move(next), std::move(blocks), doomed, "retention"));
  std::lock_guard lock(mu_);
  stats_.retention_dropped_blocks += doomed.size();
  return static_cast<uint32_t>(doomed.size());
}

}  // namespace weft::store
