#include "store/compaction.h"

#include <algorithm>
#include <map>
#include <unordered_set>

namespace weft::store {
namespace {

// Pulls the traces of one block in trace-ID order, one page in memory at a time.
class BlockCursor {
 public:
  explicit BlockCursor(std::shared_ptr<BlockReader> block) : block_(std::move(block)) {}

  // Loads the first trace; false at the end. Errors of a page read are fatal to the merge.
  Result<bool> advance() {
    if (++index_ < traces_.size()) return true;
    traces_.clear();
    index_ = 0;
    while (traces_.empty()) {
      if (next_page_ >= block_->pages()) return false;
      WEFT_ASSIGN_OR_RETURN(traces_, block_->read_page_traces(next_page_++));
    }
    return true;
  }
  Trace& current() { return traces_[index_]; }

 private:
  std::shared_ptr<BlockReader> block_;
  std::vector<Trace> traces_;
  size_t index_ = SIZE_MAX;  // advance() wraps it to 0 on the first call
  uint32_t next_page_ = 0;
};

}  // namespace

std::vector<size_t> plan_compaction(const std::vector<std::shared_ptr<BlockReader>>& blocks,
                                    uint32_t fan_in, uint32_t max_level, uint64_t max_spans) {
  if (fan_in < 2) return {};
  std::map<uint32_t, std::vector<size_t>> by_level;
  for (size_t i = 0; i < blocks.size(); ++i) {
    uint32_t level = blocks[i]->meta().level;
    if (level < max_level) by_level[level].push_back(i);
  }
  for (const auto& [level, idx] : by_level) {
    if (idx.size() < fan_in) continue;
    std::vector<size_t> run;
    uint64_t spans = 0;
    for (size_t i : idx) {
      if (run.size() == fan_in) break;
      spans += blocks[i]->meta().spans;
      if (spans > max_spans) break;
      run.push_back(i);
    }
    if (run.size() == fan_in) return run;
  }
  return {};
}

std::vector<size_t> plan_full_compaction(const std::vector<std::shared_ptr<BlockReader>>& blocks,
                                         uint32_t max_level, uint64_t max_spans,
                                         uint32_t max_inputs) {
  std::vector<size_t> run;
  uint64_t spans = 0;
  for (size_t i = 0; i < blocks.size(); ++i) {
    const BlockMeta& m = blocks[i]->meta();
    const bool fits = m.level < max_level && run.size() < max_inputs && spans + m.spans <= max_spans;
    if (fits) {
      run.push_back(i);
      spans += m.spans;
      continue;
    }
    if (run.size() >= 2) return run;
    run.clear();
    spans = 0;
    if (m.level < max_level && m.spans <= max_spans) {
      run.push_back(i);
      spans = m.spans;
    }
  }
  if (run.size() >= 2) return run;
  return {};
}

Status merge_blocks(const std::vector<std::shared_ptr<BlockReader>>& inputs, BlockWriter& out) {
  std::vector<BlockCursor> cursors;
  std::vector<size_t> live;
  for (const auto& b : inputs) cursors.emplace_back(b);
  for (size_t i = 0; i < cursors.size(); ++i) {
    WEFT_ASSIGN_OR_RETURN(bool ok, cursors[i].advance());
    if (ok) live.push_back(i);
  }
  std::unordered_set<SpanId, FixedIdHash> seen;
  while (!live.empty()) {
    TraceId smallest = cursors[live[0]].current().trace_id;
    for (size_t i : live) smallest = std::min(smallest, cursors[i].current().trace_id);
    Trace merged;
    merged.trace_id = smallest;
    size_t sources = 0;
    for (size_t i : live) {
      Trace& t = cursors[i].current();
      if (t.trace_id != smallest) continue;
      if (sources++ == 0) {
        merged.spans = std::move(t.spans);
        continue;
      }
      if (seen.empty())
        for (const Span& s : merged.spans) seen.insert(s.span_id);
      for (Span& s : t.spans)
        if (seen.insert(s.span_id).second) merged.spans.push_back(std::move(s));
    }
    seen.clear();
    WEFT_RETURN_IF_ERROR(out.add_trace(merged));
    std::vector<size_t> still;
    for (size_t i : live) {
      if (cursors[i].current().trace_id == smallest) {
        WEFT_ASSIGN_OR_RETURN(bool ok, cursors[i].advance());
        if (!ok) continue;
      }
      still.push_back(i);
    }
    live = std::move(still);
  }
  return Status::ok();
}

std::vector<uint64_t> plan_retention(const std::vector<std::shared_ptr<BlockReader>>& blocks,
                                     uint64_t oldest_start, uint64_t max_disk_bytes,
                                     uint64_t other_bytes) {
  std::vector<uint64_t> doomed;
  std::vector<const BlockMeta*> kept;
  uint64_t bytes = other_bytes;
  for (const auto& b : blocks) {
    const BlockMeta& m = b->meta();
    if (oldest_start && m.max_start < oldest_start) {
      doomed.push_back(m.id);
    } else {
      kept.push_back(&m);
      bytes += m.file_bytes;
    }
  }
  if (max_disk_bytes && bytes > max_disk_bytes) {
    std::sort(kept.begin(), kept.end(), [](const BlockMeta* a, const BlockMeta* b) {
      return a->max_start != b->max_start ? a->max_start < b->max_start : a->id < b->id;
    });
    for (const BlockMeta* m : kept) {
      if (bytes <= max_disk_bytes) break;
      doomed.push_back(m->id);
      bytes -= m->file_bytes;
    }
  }
  return doomed;
}

}  // namespace weft::store
