#pragma once
// The embedded store: weft's own storage engine for one machine (DESIGN.md §6,
// docs/format/wal.md). Writes go to a write-ahead log with group commit and then to the
// head, an in-memory index of recent traces that answers every query.
//
//   write() ─ encode + compress (caller's thread) ─► queue ─► writer thread: one writev for
//   everything queued ─► fsync (per policy) ─► apply to the head ─► done(OK)
//
// One process at a time: open takes an flock on <data_dir>/LOCK.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "store/store.h"

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
  uint64_t head_budget_bytes = 512ull << 20;  // beyond this the oldest traces are evicted
  uint64_t wal_segment_bytes = 64ull << 20;   // a segment rolls once it reaches this size
  uint64_t max_pending_bytes = 64ull << 20;   // writes waiting beyond this: RESOURCE_EXHAUSTED
  Clock* clock = &Clock::system();

  // Test hook: opens WAL segment files for writing (nullptr: POSIX files). Lets tests
  // simulate a full disk or a crash in the middle of a record.
  std::function<Result<std::unique_ptr<store::WalFile>>(const std::string& path)> wal_file_factory;
};

// Opens (creating if needed) the store in options.data_dir, replays its WAL into the head
// and starts the writer thread. Fails with UNAVAILABLE if another process holds the
// directory's lock, with DATA_LOSS if a WAL segment has an unknown format version, and with
// IO_ERROR if the directory cannot be created or read.
Result<std::unique_ptr<Store>> open_embedded_store(const EmbeddedStoreOptions& options);

}  // namespace weft
