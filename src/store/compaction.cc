#include "store/compaction.h"

#include <algorithm>
#include <map>
#include <unordered_set>

namespace weft::store {

using namespace weft::model;

namespace {

uint64_t trace_start(const Trace& t) {
  uint64_t start = UINT64_MAX;
  for (const Span& s : t.spans) start = std::min(start, s.start_time_unix_nano);
  return start;
}

// Pulls the traces of one block in its order ((trace start, trace ID)), one page in
// memory at a time, skipping those in `skip`.
class BlockCursor {
 public:
  BlockCursor(std::shared_ptr<BlockReader> block,
              const std::unordered_set<TraceId, FixedIdHash>* skip,
              const std::function<bool()>* cancelled)
      : block_(std::move(block)), skip_(skip), cancelled_(cancelled) {}

  // Moves to the next trace; false at the end. A failed page read fails the merge.
  Result<bool> advance() {
    for (;;) {
      if (++index_ >= traces_.size()) {
        traces_.clear();
        index_ = 0;
        while (traces_.empty()) {
          if (next_page_ >= block_->pages()) return false;
          if ((*cancelled_)()) return unavailable("merge cancelled: closing");
          WEFT_ASSIGN_OR_RETURN(traces_, block_->read_page_traces(next_page_++));
        }
      }
      if (!skip_->contains(traces_[index_].trace_id)) break;
    }
    start_ = trace_start(traces_[index_]);
    return true;
  }
  Trace& current() { return traces_[index_]; }
  std::pair<uint64_t, TraceId> key() const { return {start_, traces_[index_].trace_id}; }

 private:
  std::shared_ptr<BlockReader> block_;
  const std::unordered_set<TraceId, FixedIdHash>* skip_;
  const std::function<bool()>* cancelled_;
  std::vector<Trace> traces_;
  size_t index_ = SIZE_MAX;  // advance() wraps it to 0 on the first call
  uint32_t next_page_ = 0;
  uint64_t start_ = 0;
};

// Every input's part of each split trace, joined (first occurrence of a span ID wins),
// in (trace start, trace ID) order.
Result<std::vector<Trace>> join_split_traces(
    const std::vector<std::shared_ptr<BlockReader>>& inputs,
    const std::unordered_set<TraceId, FixedIdHash>& split) {
  std::vector<Trace> joined;
  std::unordered_set<SpanId, FixedIdHash> seen;
  for (const TraceId& id : split) {
    Trace whole;
    whole.trace_id = id;
    seen.clear();
    for (const auto& b : inputs) {
      WEFT_ASSIGN_OR_RETURN(std::optional<Trace> part, b->get_trace(id));
      if (!part) continue;
      for (Span& s : part->spans)
        if (seen.insert(s.span_id).second) whole.spans.push_back(std::move(s));
    }
    if (!whole.spans.empty()) joined.push_back(std::move(whole));
  }
  std::sort(joined.begin(), joined.end(), [](const Trace& a, const Trace& b) {
    return std::pair(trace_start(a), a.trace_id) < std::pair(trace_start(b), b.trace_id);
  });
  return joined;
}

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
    // The oldest run of up to fan_in of the level's blocks that fits under max_spans, at
    // least two (blocks too big to pair stay where they are).
    std::vector<size_t> run;
    uint64_t spans = 0;
    for (size_t i : idx) {
      const uint64_t n = blocks[i]->meta().spans;
      if (spans + n > max_spans) {
        if (run.size() >= 2) return run;
        run.clear();
        spans = 0;
        if (n > max_spans) continue;
      }
      run.push_back(i);
      spans += n;
      if (run.size() == fan_in) return run;
    }
    if (run.size() >= 2) return run;
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
    const bool fits =
        m.level < max_level && run.size() < max_inputs && spans + m.spans <= max_spans;
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

Status merge_blocks(const std::vector<std::shared_ptr<BlockReader>>& inputs, BlockWriter& out,
                    const std::function<bool(const TraceId&)>& still_split,
                    const std::function<bool()>& cancelled) {
  // A split trace may have parts in several inputs at different positions of their
  // (start, ID) order: those are read whole up front and merged in as one more input.
  std::unordered_set<TraceId, FixedIdHash> split;
  for (const auto& b : inputs)
    for (const SplitTrace& st : b->split_traces()) split.insert(st.id);
  WEFT_ASSIGN_OR_RETURN(std::vector<Trace> joined, join_split_traces(inputs, split));
  size_t next_joined = 0;

  std::vector<BlockCursor> cursors;
  std::vector<size_t> live;
  for (const auto& b : inputs) cursors.emplace_back(b, &split, &cancelled);
  for (size_t i = 0; i < cursors.size(); ++i) {
    WEFT_ASSIGN_OR_RETURN(bool ok, cursors[i].advance());
    if (ok) live.push_back(i);
  }
  for (;;) {
    // The smallest (start, ID) among the inputs' current traces and the joined ones.
    size_t best = SIZE_MAX;
    for (size_t i : live)
      if (best == SIZE_MAX || cursors[i].key() < cursors[best].key()) best = i;
    const bool take_joined =
        next_joined < joined.size() &&
        (best == SIZE_MAX || std::pair(trace_start(joined[next_joined]),
                                       joined[next_joined].trace_id) < cursors[best].key());
    if (take_joined) {
      const Trace& t = joined[next_joined];
      WEFT_RETURN_IF_ERROR(out.add_trace(t));
      if (still_split(t.trace_id)) out.mark_split(t.trace_id, trace_start(t));
      joined[next_joined++] = Trace{};
      continue;
    }
    if (best == SIZE_MAX) break;
    WEFT_RETURN_IF_ERROR(out.add_trace(cursors[best].current()));
    WEFT_ASSIGN_OR_RETURN(bool ok, cursors[best].advance());
    if (!ok) live.erase(std::find(live.begin(), live.end(), best));
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
