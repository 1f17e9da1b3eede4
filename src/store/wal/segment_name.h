#pragma once
// WAL segment file names: <wal_dir>/000001.wal, 000002.wal, ... (six digits or more,
// increasing by one per segment; recovery replays them in numeric order).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace weft::store {

std::string segment_file_name(uint64_t seq);  // "000042.wal"
std::string segment_path(const std::string& wal_dir, uint64_t seq);
// The sequence number of a segment file name, or nullopt for any other name.
std::optional<uint64_t> parse_segment_file_name(std::string_view name);
// Sequence numbers of the segments in `wal_dir`, ascending. Other files are ignored.
Result<std::vector<uint64_t>> list_segments(const std::string& wal_dir);

}  // namespace weft::store
