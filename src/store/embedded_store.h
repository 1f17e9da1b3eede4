#pragma once
// The embedded store: weft's own storage engine for one machine (DESIGN.md §6,
// docs/format/wal.md, block.md, manifest.md). Writes go to a write-ahead log with group
// commit and then to the head, an in-memory index of recent traces. Past its memory budget
// (or its age limit) the head is frozen and a block thread writes it into an immutable
// columnar block; compaction merges blocks, retention drops them. Queries see the head,
// the frozen head and the blocks as one store.
//
//   write() ─ encode + compress (caller's thread) ─► queue ─► writer thread: one writev for
//   everything queued ─► fsync (per policy) ─► apply to the head ─► done(OK)
//   writer thread, between groups: head over budget/age ─► roll the WAL, freeze the head
//   block thread: frozen head ─► block file ─► manifest ─► (writer) delete WAL segments
//
// One process at a time: open takes an flock on <data_dir>/LOCK.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "store/store.h"
#include "store/trace_gate.h"

namespace weft {

namespace store {
class WalFile;
}

struct EmbeddedStoreOptions {
  std::string data_dir;
  enum class Fsync {
    kPerRequest,  // default: a write is acknowledged only after its WAL record is fsynced
    kInterval,    // acknowledged once written; fsynced every fsync_interval_ms
    kNever,       // left to the OS (tests, benchmarks, throwaway data)
  };
  Fsync fsync = Fsync::kPerRequest;
  uint32_t fsync_interval_ms = 1000;
  // Beyond this the head is cut into a block. Ingest waits (and, past max_pending_bytes,
  // answers RESOURCE_EXHAUSTED) only while a full head waits for the previous cut to be
  // written. Nothing is evicted unflushed.
  uint64_t head_budget_bytes = 512ull << 20;
  uint64_t block_max_age_nanos = 300'000'000'000ull;  // cut the head at least this often
  uint64_t retention_nanos = 0;  // drop blocks whose newest trace is older; 0: keep all
  uint64_t max_disk_bytes = 0;   // drop the oldest blocks to stay under; 0: no budget
  bool compaction = true;
  uint32_t block_page_spans = 2048;
  uint64_t wal_segment_bytes = 64ull << 20;  // a segment rolls once it reaches this size
  uint64_t max_pending_bytes = 64ull << 20;  // writes waiting beyond this: RESOURCE_EXHAUSTED
  // close() cuts the head into a last block, so the next open replays no WAL. Tests turn it
  // off to leave the WAL as a crash would.
  bool flush_on_close = true;
  Clock* clock = &Clock::system();

  // Tail sampling's hold on the cut (trace_gate.h): traces the gate drops never reach a
  // block, and a cut waits up to gate->max_wait_nanos() for undecided ones. nullptr: every
  // trace goes into the block.
  std::shared_ptr<TraceGate> trace_gate;

  // Test hook: opens WAL segment files for writing (nullptr: POSIX files). Lets tests
  // simulate a full disk or a crash in the middle of a record.
  std::function<Result<std::unique_ptr<store::WalFile>>(const std::string& path)> wal_file_factory;
};

// Opens (creating if needed) the store in options.data_dir: reads the manifest (deleting
// orphan block files), opens the blocks, replays the WAL segments the blocks do not hold
// into the head, and starts the writer and block threads. Fails with UNAVAILABLE if another process
// holds the directory's lock, with DATA_LOSS if a WAL segment has an unknown format version, and
// with IO_ERROR if the directory cannot be created or read.
Result<std::unique_ptr<Store>> open_embedded_store(const EmbeddedStoreOptions& options);

}  // namespace weft
