#pragma once
// The manifest: which blocks are live in a data directory, and how much of the WAL they
// already hold (docs/format/manifest.md). It is the one source of truth at open: a block
// file it does not name is an orphan of an interrupted flush or compaction and is deleted,
// and WAL segments numbered up to `wal_flushed_through` are already in blocks and are
// deleted unread.
//
// Replaced atomically: written to MANIFEST.tmp, fsynced, renamed over MANIFEST, and the
// directory fsynced.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/block/block_meta.h"

namespace weft::store {

inline constexpr uint32_t kManifestVersion = 1;

struct Manifest {
  uint64_t next_block_id = 1;
  uint64_t wal_flushed_through = 0;  // WAL segments with seq <= this are in blocks
  std::vector<BlockMeta> blocks;     // live blocks, ascending id
};

// <data_dir>/MANIFEST and <data_dir>/blocks/
std::string manifest_path(const std::string& data_dir);
std::string blocks_dir(const std::string& data_dir);

// nullopt if there is no MANIFEST (a new directory, or one written before blocks existed).
// DATA_LOSS if it is damaged (bad magic, version, CRC or truncated).
Result<std::optional<Manifest>> read_manifest(const std::string& data_dir);
Status write_manifest(const std::string& data_dir, const Manifest& m);

}  // namespace weft::store
