#pragma once
// BlockSet: the live blocks of a data directory and every change to them — a flush adds a
// level-0 block cut from the head, compaction replaces blocks by their merge, retention
// drops whole blocks — each made durable through the manifest (manifest.h) in the order
// that keeps a crash at any point safe:
//
//   write <id>.blk.tmp, fsync ─► rename to <id>.blk, fsync dir ─► write MANIFEST ─► publish
//   to readers ─► delete what the manifest no longer names
//
// A block file the manifest does not name is an orphan and is deleted at open.
//
// Thread-safety: every method may be called from any thread. Changes are serialized by a
// lock held while a change is planned and while it is committed, not while a block is
// written: a flush (the store's block thread) goes on while a compaction (its compaction
// thread) merges; a merge whose input retention dropped meanwhile is discarded.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/block/block_reader.h"
#include "store/block/block_writer.h"
#include "store/manifest.h"

namespace weft::store {

using namespace weft::model;

struct BlockSetOptions {
  std::string data_dir;
  uint32_t page_spans = 2048;
  // Compaction merges `compaction_fan_in` consecutive blocks of one level into one block of
  // the next level, as long as the result stays under `max_block_spans`.
  // 8: a span is rewritten about once on its way from a head-sized level-0 block (about a
  // million spans under load) to a full-sized one.
  uint32_t compaction_fan_in = 8;
  uint32_t max_level = 3;
  uint64_t max_block_spans = 8'000'000;
  // Inputs of one merge at most (each holds one decoded page in memory while merging).
  uint32_t max_merge_inputs = 16;
};

struct BlockSetStats {
  uint64_t blocks = 0;
  uint64_t bytes = 0;
  uint64_t spans = 0;
  uint64_t traces = 0;  // per block: a trace split over blocks counts once in each
  uint64_t flushes = 0;
  uint64_t compactions = 0;
  uint64_t retention_dropped_blocks = 0;
  uint64_t orphans_removed = 0;  // at open
};

// True if some block of `blocks` holds spans of trace `id`: bloom filters, then the
// trace-ID index of a block whose filter says maybe (a block that cannot be read counts as
// holding it: a trace wrongly taken for split is only evaluated whole).
bool blocks_hold(const std::vector<std::shared_ptr<BlockReader>>& blocks, const TraceId& id);

class BlockSet {
 public:
  using Blocks = std::vector<std::shared_ptr<BlockReader>>;
  using Snapshot = std::shared_ptr<const Blocks>;

  // Reads the manifest (none: an empty set), deletes orphans and temporary files, opens every
  // live block. DATA_LOSS if the manifest or a live block is damaged.
  static Result<std::unique_ptr<BlockSet>> open(const BlockSetOptions& options);

  // WAL segments numbered up to this are already in blocks.
  uint64_t wal_flushed_through() const;

  // The live blocks, ascending id; immutable, safe to use while the set changes.
  Snapshot snapshot() const;
  BlockSetStats stats() const;

  // Writes a new level-0 block from `write_traces` (which adds at least one trace to the
  // writer, in ascending (trace start, trace ID) order) and records that the WAL up to
  // `wal_through` is in blocks.
  Status flush(const std::function<Status(BlockWriter&)>& write_traces, uint64_t wal_through);
  // Records that the WAL up to `wal_through` holds nothing the blocks lack (an empty head
  // was cut).
  Status mark_wal_flushed(uint64_t wal_through);

  // One compaction: merges the oldest run of `compaction_fan_in` consecutive blocks of one
  // level (joining the spans of traces they share, each span once). False if nothing was due.
  // `full` (an explicit compaction): merges any run of consecutive blocks the span limit
  // allows (plan_full_compaction), so repeated steps leave the fewest blocks.
  Result<bool> compact_step(bool full = false);

  // Makes a merge under way (and any later one) stop early with UNAVAILABLE, leaving the
  // blocks as they were. For closing.
  void cancel_merges() { cancelled_.store(true); }
  bool merges_cancelled() const { return cancelled_.load(); }

  // Drops every block whose newest trace started before `oldest_start` (0: none by age),
  // then the oldest blocks while block bytes + `other_bytes` exceed `max_disk_bytes`
  // (0: no budget). Returns how many blocks were dropped.
  Result<uint32_t> drop_for_retention(uint64_t oldest_start, uint64_t max_disk_bytes,
                                      uint64_t other_bytes);

 private:
  explicit BlockSet(BlockSetOptions options) : options_(std::move(options)) {}
  // Writes a block through `fill` into a temporary file, renames it into place. `fault`
  // names the crash point after the rename.
  Result<std::shared_ptr<BlockReader>> write_block(uint32_t level,
                                                   const std::function<Status(BlockWriter&)>& fill,
                                                   const char* fault);
  // Makes `next` the manifest and the published set of blocks, then deletes the files of
  // `removed`. `fault` names the crash point between the manifest and the deletion.
  // REQUIRES: change_mu_ held.
  Status commit(Manifest next, Blocks blocks, const std::vector<uint64_t>& removed,
                const char* fault);
  std::string path_of(uint64_t id) const;

  const BlockSetOptions options_;
  mutable std::mutex change_mu_;
  std::atomic<bool> cancelled_{false};
  Manifest manifest_;  // GUARDED_BY(change_mu_)
  Blocks blocks_;      // GUARDED_BY(change_mu_); mirrors manifest_.blocks
  mutable std::mutex mu_;
  Snapshot published_;   // GUARDED_BY(mu_)
  BlockSetStats stats_;  // GUARDED_BY(mu_)
};

}  // namespace weft::store
