#include "logline/trace_assembler.h"

#include <algorithm>
#include <utility>

#include "logline/packed_line.h"

namespace weft::logline {

using namespace weft::model;

TraceAssembler::TraceAssembler(AssemblerOptions options, EmitFn emit)
    : options_(std::move(options)), emit_(std::move(emit)), parser_(options_.parser) {}

TraceAssembler::~TraceAssembler() = default;

bool TraceAssembler::LineHashes::contains(uint64_t h) const {
  if (big_.empty()) return std::find(small_.begin(), small_.end(), h) != small_.end();
  return big_.contains(h);
}

void TraceAssembler::LineHashes::insert(uint64_t h) {
  if (big_.empty() && small_.size() < kSmall) {
    small_.push_back(h);
    return;
  }
  if (big_.empty()) {
    big_.insert(small_.begin(), small_.end());
    small_ = {};
  }
  big_.insert(h);
}

LineStatus TraceAssembler::add_line(std::string_view line, std::string_view source, int64_t now_ns,
                                    uint64_t token) {
  LogLine& parsed = scratch_;
  LineStatus st = parser_.parse(line, source, &parsed);
  if (!st.ok()) {
    ++stats_.lines_rejected;
    ++stats_.rejected_by_reason[static_cast<size_t>(st.reason)];
    return st;
  }
  ++stats_.lines_accepted;
  const TraceId id = parsed.trace_id;
  auto it = open_.find(id);
  auto r = remembered_.find(id);
  if (r != remembered_.end() && r->second.emitted.has_line(parsed.hash)) {
    // Emitted before (a file read again): nothing new. The token is reported in the trace's
    // next emit call if it is open again, else in the next emit call at all.
    ++stats_.duplicate_lines;
    if (it != open_.end())
      it->second.tokens.push_back(token);
    else
      pending_tokens_.push_back(token);
    return st;
  }
  const bool late = r != remembered_.end();
  if (it == open_.end()) {
    if (late) ++stats_.late_lines;
    OpenTrace t;
    t.id = id;
    t.first_ns = now_ns;
    t.by_last = by_last_.insert(by_last_.end(), id);
    t.by_first = by_first_.insert(by_first_.end(), id);
    it = open_.emplace(id, std::move(t)).first;
  } else if (it->second.hashes.contains(parsed.hash)) {
    ++stats_.duplicate_lines;
    it->second.tokens.push_back(token);
    return st;
  } else {
    if (late) ++stats_.late_lines;
    by_last_.splice(by_last_.end(), by_last_, it->second.by_last);
  }
  OpenTrace& t = it->second;
  t.last_ns = now_ns;
  t.hashes.insert(parsed.hash);
  t.tokens.push_back(token);
  std::string& packed = t.lines.emplace_back();
  packed.reserve(line.size() + 256);
  pack_line(parsed, &packed);
  // The packed bytes, the string holding them, and the hash set's share.
  const size_t bytes = packed.capacity() + sizeof(std::string) + 32;
  t.bytes += bytes;
  open_bytes_ += bytes;
  ++open_lines_;
  if (t.lines.size() >= options_.max_lines_per_trace) {
    emit_traces({id}, /*early=*/true);
    return st;
  }
  enforce_bounds();
  return st;
}

void TraceAssembler::enforce_bounds() {
  // Oldest (least recently added to) first; the trace just added to is the last candidate
  // (emitted too when it alone is over a bound).
  std::vector<TraceId> victims;
  size_t traces = open_.size(), lines = open_lines_, bytes = open_bytes_;
  for (auto it = by_last_.begin(); it != by_last_.end(); ++it) {
    if (traces <= options_.max_open_traces && lines <= options_.max_open_lines &&
        bytes <= options_.max_open_bytes)
      break;
    const OpenTrace& t = open_.at(*it);
    victims.push_back(*it);
    --traces;
    lines -= t.lines.size();
    bytes -= t.bytes;
  }
  if (!victims.empty()) emit_traces(victims, /*early=*/true);
}

void TraceAssembler::tick(int64_t now_ns) {
  std::vector<TraceId> due;
  for (const TraceId& id : by_last_) {
    if (open_.at(id).last_ns + options_.window_ns > now_ns) break;
    due.push_back(id);
  }
  for (const TraceId& id : by_first_) {
    const OpenTrace& t = open_.at(id);
    if (t.first_ns + options_.max_open_ns > now_ns) break;
    if (t.last_ns + options_.window_ns > now_ns) due.push_back(id);  // not listed above
  }
  emit_traces(due, /*early=*/false);
}

void TraceAssembler::flush_all() {
  std::vector<TraceId> all(by_last_.begin(), by_last_.end());
  emit_traces(all, /*early=*/false);
}

void TraceAssembler::emit_traces(const std::vector<TraceId>& ids, bool early) {
  Batch batch;
  for (const TraceId& id : ids) {
    if (!open_.contains(id)) continue;
    if (early) ++stats_.traces_emitted_early;
    emit_one(id, &batch);
    if (batch.spans.spans.size() >= options_.max_batch_spans) deliver(&batch, false);
  }
  deliver(&batch, true);
}

void TraceAssembler::emit_one(const TraceId& id, Batch* batch) {
  auto node = open_.extract(id);
  OpenTrace& t = node.mapped();
  by_last_.erase(t.by_last);
  by_first_.erase(t.by_first);
  open_lines_ -= t.lines.size();
  open_bytes_ -= t.bytes;

  auto r = remembered_.find(id);
  if (r == remembered_.end()) {
    r = remembered_.emplace(id, Remembered{}).first;
    r->second.lru = remembered_lru_.insert(remembered_lru_.end(), id);
  } else {
    remembered_lru_.splice(remembered_lru_.end(), remembered_lru_, r->second.lru);
  }
  // Unpacked once, then moved into the spans (build_trace_consuming).
  if (unpacked_.size() < t.lines.size()) unpacked_.resize(t.lines.size());
  std::vector<LogLine*> ptrs;
  ptrs.reserve(t.lines.size());
  for (size_t i = 0; i < t.lines.size(); ++i) {
    unpack_line(t.lines[i], &unpacked_[i]);  // (cannot fail: pack_line wrote it)
    ptrs.push_back(&unpacked_[i]);
  }
  BuildResult res = build_trace_consuming(ptrs, options_.build, &r->second.emitted, &resources_);
  if (unpacked_.size() > 1024) {  // a huge trace's lines: not kept
    unpacked_.resize(1024);
    unpacked_.shrink_to_fit();
  }

  ++stats_.traces_emitted;
  stats_.spans_emitted += res.spans.size();
  stats_.events_emitted += res.events;
  stats_.placeholders_emitted += res.placeholders;
  stats_.late_event_spans += res.late_event_spans;
  stats_.merged_lines += res.merged_lines;
  stats_.duplicate_lines += res.duplicate_lines;

  remembered_entries_ -= r->second.entries;
  r->second.entries = r->second.emitted.entries();
  remembered_entries_ += r->second.entries;

  if (batch->spans.spans.empty())
    batch->spans.spans.reserve(std::min(options_.max_batch_spans, size_t{1024}));
  for (Span& s : res.spans) {
    batch->spans.spans.push_back(std::move(s));
    // A trace larger than a batch is split across emit calls; its tokens go with the last.
    if (batch->spans.spans.size() >= options_.max_batch_spans) deliver(batch, false);
  }
  batch->tokens.insert(batch->tokens.end(), t.tokens.begin(), t.tokens.end());
  while (remembered_.size() > options_.max_remembered_traces ||
         (remembered_entries_ > options_.max_remembered_entries && remembered_.size() > 1))
    forget_oldest();
}

void TraceAssembler::forget_oldest() {
  const TraceId id = remembered_lru_.front();
  remembered_lru_.pop_front();
  auto it = remembered_.find(id);
  remembered_entries_ -= it->second.entries;
  remembered_.erase(it);
  ++stats_.remembered_evicted;
}

void TraceAssembler::deliver(Batch* batch, bool final) {
  if (final) {
    batch->tokens.insert(batch->tokens.end(), pending_tokens_.begin(), pending_tokens_.end());
    pending_tokens_.clear();
  }
  if (batch->spans.spans.empty() && batch->tokens.empty()) return;
  // A trace's tokens are added after the last of its spans, so they travel with the
  // emit call that completes it.
  Batch out = std::move(*batch);
  *batch = Batch{};
  if (emit_) emit_(std::move(out.spans), std::move(out.tokens));
}

AssemblerStats TraceAssembler::stats() const {
  AssemblerStats s = stats_;
  s.open_traces = open_.size();
  s.open_lines = open_lines_;
  s.open_bytes = open_bytes_;
  s.remembered_traces = remembered_.size();
  s.remembered_entries = remembered_entries_;
  return s;
}

}  // namespace weft::logline
