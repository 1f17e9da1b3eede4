#include "store/head/trace_entry.h"

#include <algorithm>

#include "common/coding.h"
#include "common/status.h"

namespace weft::store {

using namespace weft::model;

namespace {

constexpr size_t kLinearScanLimit = 32;

// Span IDs are a record's first 8 bytes.
SpanId span_id_of(std::string_view record) { return *SpanId::from_bytes(record.substr(0, 8)); }

// The root of a trace: the earliest parentless span, else the earliest span; by (start,
// span ID). `Get` maps an element to (start, span ID, is_root).
template <typename T, typename Get>
const T* find_root(const std::vector<T>& spans, Get get) {
  const T* root = nullptr;
  bool root_is_root = false;
  for (const T& s : spans) {
    const auto [start, id, is_root] = get(s);
    if (!root) {
      root = &s;
      root_is_root = is_root;
      continue;
    }
    const auto [rs, rid, rr] = get(*root);
    const bool earlier = start < rs || (start == rs && id < rid);
    if ((is_root && !root_is_root) || (is_root == root_is_root && earlier)) {
      root = &s;
      root_is_root = is_root;
    }
  }
  return root;
}

}  // namespace

bool TraceEntry::has_span(const SpanId& id) const {
  if (span_ids) return span_ids->contains(id);
  for (uint32_t off : offsets)
    if (std::string_view(records).substr(off, 8) == id.as_bytes()) return true;
  return false;
}

std::optional<uint32_t> TraceEntry::add_span(const Span& span, HeadTables& tables) {
  start = std::min(start, span.start_time_unix_nano);
  end = std::max(end, std::max(span.end_time_unix_nano, span.start_time_unix_nano));
  if (span.is_error()) ++error_count;
  const uint32_t svc = tables.intern(span.service_name());
  auto it = std::lower_bound(services.begin(), services.end(), svc,
                             [](const auto& e, uint32_t s) { return e.first < s; });
  const bool new_service = it == services.end() || it->first != svc;
  if (new_service)
    services.emplace(it, svc, 1);
  else
    ++it->second;
  if (span_ids) {
    span_ids->insert(span.span_id);
  } else if (offsets.size() + 1 > kLinearScanLimit) {
    span_ids = std::make_unique<std::unordered_set<SpanId, FixedIdHash>>();
    for (uint32_t off : offsets)
      span_ids->insert(span_id_of(std::string_view(records).substr(off)));
    span_ids->insert(span.span_id);
  }
  offsets.push_back(static_cast<uint32_t>(records.size()));
  encode_span_record(span, tables, &records);
  return new_service ? std::optional<uint32_t>(svc) : std::nullopt;
}

void TraceEntry::views(std::vector<SpanRecordView>* out) const {
  out->clear();
  out->reserve(offsets.size());
  for (size_t i = 0; i < offsets.size(); ++i) out->emplace_back(record(i));
}

std::vector<Span> TraceEntry::decode(const HeadTables& tables) const {
  // The records are put in order, not the decoded spans: a Span is hundreds of bytes to
  // move, and sorting 100k of them took as long as decoding them. A record starts with its
  // span ID (8 bytes), parent ID (8) and start (fixed64).
  struct Key {
    uint64_t start;
    SpanId span_id;
    uint32_t index;
  };
  std::vector<Key> order(offsets.size());
  for (size_t i = 0; i < offsets.size(); ++i) {
    std::string_view rec = record(i);
    std::string_view at_start = rec.substr(16);
    WEFT_CHECK(coding::get_fixed64(at_start, &order[i].start));
    order[i].span_id = span_id_of(rec);
    order[i].index = static_cast<uint32_t>(i);
  }
  auto before = [](const Key& a, const Key& b) {
    if (a.start != b.start) return a.start < b.start;
    return a.span_id < b.span_id;
  };
  if (!std::is_sorted(order.begin(), order.end(), before))
    std::sort(order.begin(), order.end(), before);
  std::vector<Span> spans;
  spans.reserve(order.size());
  for (const Key& k : order) spans.push_back(decode_span_record(record(k.index), id, tables));
  return spans;
}

TraceSummary TraceEntry::summary(const HeadTables& tables) const {
  TraceSummary out;
  out.trace_id = id;
  out.start_unix_nano = start;
  out.end_unix_nano = end;
  out.span_count = span_count();
  out.error_count = error_count;
  out.services.reserve(services.size());
  for (const auto& [svc, n] : services) out.services.emplace_back(std::string(tables.str(svc)), n);
  std::sort(out.services.begin(), out.services.end());
  std::vector<SpanRecordView> spans;
  views(&spans);
  const SpanRecordView* root = find_root(
      spans, [](const SpanRecordView& s) { return std::tuple(s.start, s.span_id, s.is_root()); });
  if (root) {
    out.root_service = std::string(tables.str(tables.service_of(root->resource_id)));
    out.root_name = std::string(tables.str(root->name_id));
  }
  return out;
}

TraceSummary summarize_trace(const Trace& trace) {
  TraceSummary out;
  out.trace_id = trace.trace_id;
  out.start_unix_nano = UINT64_MAX;
  std::vector<std::pair<std::string, uint32_t>> services;
  for (const Span& s : trace.spans) {
    out.start_unix_nano = std::min(out.start_unix_nano, s.start_time_unix_nano);
    out.end_unix_nano =
        std::max(out.end_unix_nano, std::max(s.end_time_unix_nano, s.start_time_unix_nano));
    if (s.is_error()) ++out.error_count;
    const std::string_view svc = s.service_name();
    auto it = std::find_if(services.begin(), services.end(),
                           [&](const auto& e) { return e.first == svc; });
    if (it == services.end())
      services.emplace_back(std::string(svc), 1);
    else
      ++it->second;
  }
  if (trace.spans.empty()) out.start_unix_nano = 0;
  out.span_count = static_cast<uint32_t>(trace.spans.size());
  std::sort(services.begin(), services.end());
  out.services = std::move(services);
  const Span* root = find_root(trace.spans, [](const Span& s) {
    return std::tuple(s.start_time_unix_nano, s.span_id, s.is_root());
  });
  if (root) {
    out.root_service = std::string(root->service_name());
    out.root_name = root->name;
  }
  return out;
}

}  // namespace weft::store
