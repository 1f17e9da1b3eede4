#include "store/head/head.h"

#include <algorithm>
#include <mutex>

#include "common/status.h"

namespace weft::store {

using namespace weft::model;

namespace {

// Per-span and per-trace bookkeeping beyond the records: the offset, vector slack, hash
// and index nodes. Rough on purpose; the budget is approximate.
constexpr uint64_t kSpanOverhead = 8;
constexpr uint64_t kTraceOverhead = sizeof(TraceEntry) + 256;

}  // namespace

void Head::apply(std::vector<SpanBatch>& batches, uint64_t segment, const SplitProbe* probe) {
  // One exclusive section per batch, not per group, so queries wait at most one batch.
  std::vector<std::unique_ptr<TraceEntry>> evicted;  // freed after the lock is released
  for (SpanBatch& batch : batches) {
    std::unique_lock lock(mu_);
    segment_refs_.try_emplace(segment, 0);
    last_indexed_resource_ = nullptr;
    const uint64_t table_bytes = tables_.bytes();
    for (const Span& span : batch.spans) add_span(span, segment, probe);
    stats_.bytes += tables_.bytes() - table_bytes;
    reindex_touched();
    while (stats_.bytes > budget_ && !arrival_.empty()) evicted.push_back(evict_oldest());
    lock.unlock();
    batch.spans.clear();
    evicted.clear();
  }
}

void Head::add_span(const Span& span, uint64_t segment, const SplitProbe* probe) {
  auto [it, is_new] = traces_.try_emplace(span.trace_id);
  if (is_new) {
    if (probe && (*probe)(span.trace_id)) split_.insert(span.trace_id);
    it->second = std::make_unique<TraceEntry>();
    it->second->id = span.trace_id;
    it->second->bytes = kTraceOverhead;
    stats_.bytes += kTraceOverhead;
    ++stats_.traces;
    arrival_.push_back(span.trace_id);
  }
  TraceEntry& t = *it->second;
  if (!is_new && t.has_span(span.span_id)) {
    ++stats_.duplicate_spans;
    return;
  }
  if (t.segments.empty() || t.segments.back() != segment) {
    t.segments.push_back(segment);
    ++segment_refs_[segment];
  }

  index_.add_span_terms(span);
  if (span.resource && span.resource.get() != last_indexed_resource_) {
    last_indexed_resource_ = span.resource.get();
    index_.add_resource_terms(*span.resource);
  }

  if (t.touched_slot == 0) {
    touched_.push_back({&t, !is_new, t.start});
    t.touched_slot = static_cast<uint32_t>(touched_.size());
  }
  const size_t before = t.records.capacity() + t.offsets.capacity() * sizeof(uint32_t);
  if (auto svc = t.add_span(span, tables_); svc && !is_new)
    new_services_.emplace_back(&t, tables_.str(*svc));
  const size_t after = t.records.capacity() + t.offsets.capacity() * sizeof(uint32_t);
  const uint64_t bytes = after - before + kSpanOverhead;
  t.bytes += bytes;
  stats_.bytes += bytes;
  ++stats_.spans;
}

void Head::reindex_touched() {
  // Once per trace and batch, not per span: spans of a trace often arrive latest-first,
  // and each earlier one would otherwise re-key the trace in every time index.
  for (const auto& [entry, service] : new_services_) {
    const Touched& p = touched_[entry->touched_slot - 1];
    // Otherwise the loop below indexes every service of the trace.
    if (p.indexed && p.old_start == entry->start)
      index_.add_trace(TimeKey{entry->start, entry->id, entry}, service);
  }
  new_services_.clear();
  for (const Touched& p : touched_) {
    TraceEntry& t = *p.entry;
    t.touched_slot = 0;
    const TimeKey key{t.start, t.id, &t};
    if (!p.indexed) {
      index_.add_global(key);
      for (const auto& [svc, n] : t.services) index_.add_trace(key, tables_.str(svc));
    } else if (p.old_start != t.start) {
      const TimeKey old_key{p.old_start, t.id, &t};
      index_.remove_global(old_key);
      index_.add_global(key);
      for (const auto& [svc, n] : t.services) {
        index_.remove_trace(old_key, tables_.str(svc));  // a no-op for services new in this batch
        index_.add_trace(key, tables_.str(svc));
      }
    }
  }
  touched_.clear();
}

std::unique_ptr<TraceEntry> Head::evict_oldest() {
  TraceId id = arrival_.front();
  arrival_.pop_front();
  auto it = traces_.find(id);
  WEFT_CHECK(it != traces_.end());
  TraceEntry& t = *it->second;
  const TimeKey key{t.start, t.id, &t};
  index_.remove_global(key);
  for (const auto& [svc, n] : t.services) index_.remove_trace(key, tables_.str(svc));
  for (uint64_t seg : t.segments) --segment_refs_[seg];
  split_.erase(id);
  stats_.bytes -= t.bytes;
  stats_.spans -= t.span_count();
  --stats_.traces;
  ++stats_.evicted_traces;
  stats_.evicted_spans += t.span_count();
  std::unique_ptr<TraceEntry> gone = std::move(it->second);
  traces_.erase(it);
  return gone;
}

void Head::note_segment(uint64_t segment) {
  std::unique_lock lock(mu_);
  segment_refs_.try_emplace(segment, 0);
}

std::vector<uint64_t> Head::take_dead_segments(uint64_t active_segment) {
  std::unique_lock lock(mu_);
  std::vector<uint64_t> dead;
  for (auto it = segment_refs_.begin(); it != segment_refs_.end() && it->first < active_segment;) {
    if (it->second == 0) {
      dead.push_back(it->first);
      it = segment_refs_.erase(it);
    } else {
      ++it;
    }
  }
  return dead;
}

std::optional<Trace> Head::get_trace(const TraceId& id) const {
  std::shared_lock lock(mu_);
  auto it = traces_.find(id);
  if (it == traces_.end()) return std::nullopt;
  Trace out;
  out.trace_id = id;
  out.spans = it->second->decode(tables_);
  return out;
}

bool Head::has_trace(const TraceId& id) const {
  std::shared_lock lock(mu_);
  return traces_.contains(id);
}

std::vector<SplitTrace> Head::split_traces() const {
  std::shared_lock lock(mu_);
  std::vector<SplitTrace> out;
  out.reserve(split_.size());
  for (const TraceId& id : split_)
    if (auto it = traces_.find(id); it != traces_.end()) out.push_back({id, it->second->start});
  return out;
}

bool Head::is_split(const TraceId& id) const {
  std::shared_lock lock(mu_);
  return split_.contains(id);
}

std::vector<TraceId> Head::trace_ids_in_block_order() const {
  std::vector<std::pair<uint64_t, TraceId>> keys;
  {
    std::shared_lock lock(mu_);
    keys.reserve(traces_.size());
    for (const auto& [id, entry] : traces_) keys.emplace_back(entry->start, id);
  }
  std::sort(keys.begin(), keys.end());
  std::vector<TraceId> ids;
  ids.reserve(keys.size());
  for (const auto& k : keys) ids.push_back(k.second);
  return ids;
}

std::vector<std::string> Head::services() const {
  std::shared_lock lock(mu_);
  return index_.services();
}

std::vector<OperationInfo> Head::operations(const std::string& service) const {
  std::shared_lock lock(mu_);
  return index_.operations(service);
}

std::vector<std::string> Head::attribute_keys() const {
  std::shared_lock lock(mu_);
  return index_.attribute_keys();
}

std::vector<std::string> Head::attribute_values(const std::string& key, size_t limit) const {
  std::shared_lock lock(mu_);
  return index_.attribute_values(key, limit);
}

HeadStats Head::stats() const {
  std::shared_lock lock(mu_);
  HeadStats s = stats_;
  s.budget_bytes = budget_;
  return s;
}

}  // namespace weft::store
