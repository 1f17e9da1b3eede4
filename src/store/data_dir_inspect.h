#pragma once
// What is in an embedded store's data directory (docs/format/manifest.md), for `weft
// inspect` and `weft verify`: the manifest, the live blocks, the WAL segments and the
// leftovers of interrupted flushes and compactions. Nothing here prints; the commands in
// src/cmd render these structs.
//
// inspect_data_dir only reads: it takes no lock, deletes nothing, and may run while a store
// has the directory open (it then describes one moment of a changing directory).
// verify_data_dir takes the directory's LOCK for the whole check, so it never runs beside a
// store, and reads every byte the store would: every block page and every WAL record.
//
// Thread-safety: the functions share no state and may run concurrently.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/block/block_meta.h"
#include "store/block/block_reader.h"
#include "store/manifest.h"

namespace weft::store {

// A live block (one the manifest names), as found on disk.
struct InspectedBlock {
  std::string file;  // block_file_name(id), e.g. "0000000000000001.blk"
  BlockMeta meta;    // from the block's footer if it opened, else the manifest's entry
  // Empty if the block opened and its footer agrees with the manifest entry; otherwise why
  // not (missing file, DATA_LOSS from BlockReader::open, a field that differs).
  std::string error;
  bool opened = false;  // pages and columns below are set only if true
  uint32_t pages = 0;
  uint64_t split_traces = 0;  // traces other blocks may also hold parts of (block.md)
  std::vector<BlockColumnBytes> columns;
};

struct InspectedWalSegment {
  std::string file;  // segment_file_name(seq), e.g. "000007.wal"
  uint64_t seq = 0;
  uint64_t bytes = 0;
  // seq <= the manifest's wal_flushed_through: everything in it is in blocks already, and
  // the next open deletes it unread.
  bool flushed = false;
};

// A file the store would delete at its next open.
struct Leftover {
  enum class Kind {
    kTemp,          // blocks/*.tmp: a block being written, or one a crash interrupted
    kOrphan,        // blocks/<id>.blk the manifest does not name
    kManifestTemp,  // MANIFEST.tmp
    kOther,         // anything else in blocks/
  };
  std::string path;  // relative to the data directory, e.g. "blocks/0000000000000003.blk.tmp"
  Kind kind = Kind::kTemp;
  uint64_t bytes = 0;
};
const char* leftover_kind_name(Leftover::Kind kind);  // "temp", "orphan", ...

struct DataDirReport {
  std::string dir;
  bool has_manifest = false;   // false: a new directory (no block was ever written)
  Manifest manifest;           // the default (empty) manifest if there is none or it is damaged
  std::string manifest_error;  // non-empty: MANIFEST exists but read_manifest rejected it
  std::vector<InspectedBlock> blocks;    // the manifest's blocks, ascending id
  std::vector<InspectedWalSegment> wal;  // ascending seq
  std::vector<Leftover> leftovers;       // sorted by path
  // The process holding <dir>/LOCK (a running store), when the system tells (Linux
  // /proc/locks); nullopt if none holds it or it cannot be told.
  std::optional<int64_t> lock_holder_pid;

  // True if the manifest is damaged or a live block did not open or disagrees with it.
  bool damaged() const;
  // Sums over the blocks that opened (for unopened ones, the manifest's entry counts).
  uint64_t total_spans() const;
  uint64_t total_traces() const;
  uint64_t total_block_bytes() const;
  uint64_t total_wal_bytes() const;
  // Bytes per column summed over every block that opened, in the blocks' column order.
  std::vector<BlockColumnBytes> total_columns() const;
};

// Describes `dir`. INVALID_ARGUMENT if it does not exist, is not a directory, or holds
// nothing of a data directory (no MANIFEST, LOCK, wal/ or blocks/); IO_ERROR if it cannot be
// listed. Damage (a bad manifest, a block that does not open) is reported in the result, not
// as an error. If the manifest changes while the blocks are read (a store is running), the
// reading starts over, a few times at most.
Result<DataDirReport> inspect_data_dir(const std::string& dir);

// One line of `weft verify`.
struct VerifyCheck {
  enum class Severity { kOk, kWarning, kProblem };
  Severity severity = Severity::kOk;
  std::string item;    // relative path: "MANIFEST", "blocks/<id>.blk", "wal/000003.wal"
  std::string detail;  // what was found ("2048 spans, 310 traces, 1 page") or what is wrong
};

struct VerifyReport {
  std::vector<VerifyCheck> checks;  // manifest, then blocks, WAL segments, leftovers
  uint64_t blocks = 0;              // live blocks checked
  uint64_t block_spans = 0;         // spans of the live blocks (manifest entries)
  uint64_t wal_segments = 0;
  uint64_t wal_records = 0;  // good records read
  uint64_t wal_spans = 0;

  size_t problems() const;
  size_t warnings() const;
  bool ok() const { return problems() == 0; }
};

// Checks everything in `dir` while holding its LOCK:
//  * the manifest (read_manifest rejects damage);
//  * every live block: the file exists, BlockReader::open and verify() (every page CRC,
//    the trace-ID index, bloom filters and counts), its footer equals the manifest entry and
//    its size the entry's file_bytes;
//  * every WAL segment: header, every record's CRC, every payload decodes to spans. A torn
//    tail of the last segment (a crash during a write; the next open cuts it) and damage in
//    a segment already in blocks (the next open deletes it unread) are warnings;
//  * leftovers (leftover files are warnings: the next open deletes them).
// `more`, if set, is called last, still under the LOCK, to add checks of files other
// components keep in the directory (`weft verify`: the pipeline's metrics/ segments).
// UNAVAILABLE if another process (a running store) holds the LOCK; INVALID_ARGUMENT as for
// inspect_data_dir. Everything found wrong is in the report, not an error.
Result<VerifyReport> verify_data_dir(const std::string& dir,
                                     const std::function<void(VerifyReport&)>& more = nullptr);

}  // namespace weft::store
