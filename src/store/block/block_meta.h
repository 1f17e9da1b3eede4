#pragma once
// What the store keeps about one block without reading its pages: identity, time range,
// counts and size. Written into the block's footer and, as a copy, into the manifest.
#include <cstdint>
#include <string>

#include "common/ids.h"

namespace weft::store {

using namespace weft::model;

struct BlockMeta {
  uint64_t id = 0;         // unique in a data directory; file name is block_file_name(id)
  uint32_t level = 0;      // 0: cut from the head; n+1: compacted from level-n blocks
  uint64_t min_start = 0;  // earliest trace start (Unix ns) of any trace in the block
  uint64_t max_start = 0;  // latest trace start
  uint64_t max_end = 0;    // latest span end
  uint64_t spans = 0;
  uint64_t traces = 0;
  uint64_t file_bytes = 0;  // size of the block file
};

// A trace some other source (block or head) may also hold spans of, with the start of the
// part held here: the whole trace starts no later (docs/format/block.md, "Split traces").
struct SplitTrace {
  TraceId id;
  uint64_t start = 0;
  friend bool operator==(const SplitTrace&, const SplitTrace&) = default;
};

// "<16 lowercase hex digits of id>.blk"
std::string block_file_name(uint64_t id);
// Parses a name made by block_file_name; false for anything else (e.g. "*.blk.tmp").
bool parse_block_file_name(const std::string& name, uint64_t* id);

}  // namespace weft::store
