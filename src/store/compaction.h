#pragma once
// Compaction and retention policy, and the merge of blocks (docs/format/manifest.md).
//
// Compaction: blocks cut from the head are level 0. Once a level holds `fan_in` blocks,
// the oldest of them (by id: creation order, so neighbours in time) are merged into one
// block of the next level: up to `fan_in`, at least two, as many as stay under `max_spans`;
// the
// merge joins the spans of a trace that arrived late into different blocks, keeping each
// span ID once. Memory is bounded: the merge holds one page of every input at a time, plus
// the split traces it joins.
//
// Retention drops whole blocks: by age (the block's newest trace start) and then, oldest
// first, by a disk budget.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "common/status.h"
#include "store/block/block_reader.h"
#include "store/block/block_writer.h"

namespace weft::store {

using namespace weft::model;

// Indexes into `blocks` (ascending id) of the run to merge next; empty if none is due.
std::vector<size_t> plan_compaction(const std::vector<std::shared_ptr<BlockReader>>& blocks,
                                    uint32_t fan_in, uint32_t max_level, uint64_t max_spans);

// What an explicit compaction (Store::compact) merges next: the oldest run of at least two
// consecutive blocks (by id) below `max_level` whose spans together stay under `max_spans`,
// at most `max_inputs` of them, whatever their levels; empty if no two such blocks remain.
// Repeated, it leaves the fewest blocks the span limit allows.
std::vector<size_t> plan_full_compaction(const std::vector<std::shared_ptr<BlockReader>>& blocks,
                                         uint32_t max_level, uint64_t max_spans,
                                         uint32_t max_inputs);

// Adds the traces of `inputs` to `out` in ascending (trace start, trace ID) order: a k-way
// merge holding one page of each input. Split traces (any input's split list) are read whole
// from every input first, their parts joined (first occurrence of a span ID wins).
// `still_split` says whether a joined split trace has parts outside the inputs; those are
// marked split in `out`.
// `cancelled` is asked once per page read; once true, the merge stops with UNAVAILABLE.
Status merge_blocks(
    const std::vector<std::shared_ptr<BlockReader>>& inputs, BlockWriter& out,
    const std::function<bool(const TraceId&)>& still_split,
    const std::function<bool()>& cancelled = [] { return false; });

// Ids of the blocks retention drops: those whose newest trace started before
// `oldest_start`, then oldest-first while the rest plus `other_bytes` exceed
// `max_disk_bytes` (0: no budget).
std::vector<uint64_t> plan_retention(const std::vector<std::shared_ptr<BlockReader>>& blocks,
                                     uint64_t oldest_start, uint64_t max_disk_bytes,
                                     uint64_t other_bytes);

}  // namespace weft::store
