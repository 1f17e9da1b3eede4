#include "store/block/page_encoder.h"

#include <algorithm>
#include <cstring>

#include "store/block/bloom_filter.h"
#include "store/wal/span_codec.h"

namespace weft::store::block {

using namespace weft::model;

namespace {

enum Part { kCode = 0, kInt = 1, kDouble = 2, kRaw = 3 };

uint64_t pack_operation(uint32_t service, uint32_t name, uint8_t kind) {
  return (static_cast<uint64_t>(service) << 35) | (static_cast<uint64_t>(name) << 3) | kind;
}

}  // namespace

void BlockDictionaries::fill_footer(Footer* f) {
  f->services = services.values();
  f->resources = resources.values();
  f->resource_service = resource_service;
  f->scopes = scopes.values();
  f->span_names = span_names.values();
  f->event_names = event_names.values();
  f->operations.clear();
  for (uint64_t op : operations)
    f->operations.push_back(OperationEntry{static_cast<uint32_t>(op >> 35),
                                           static_cast<uint32_t>((op >> 3) & 0xffffffffu),
                                           static_cast<uint8_t>(op & 7)});
  std::sort(f->operations.begin(), f->operations.end());
  f->raw_name_operations.clear();
  for (uint64_t op : raw_name_kinds)
    f->raw_name_operations.push_back(
        RawNameEntry{static_cast<uint32_t>(op >> 3), static_cast<uint8_t>(op & 7)});
  std::sort(f->raw_name_operations.begin(), f->raw_name_operations.end());
  f->span_slots = span_slots.entries();
  f->event_slots = event_slots.entries();
}

void PageEncoder::add_trace(const Trace& trace) {
  order_.clear();
  uint64_t start = UINT64_MAX, end = 0;
  for (const Span& s : trace.spans) {
    order_.push_back(&s);
    start = std::min(start, s.start_time_unix_nano);
    end = std::max(end, std::max(s.start_time_unix_nano, s.end_time_unix_nano));
  }
  std::sort(order_.begin(), order_.end(), [](const Span* a, const Span* b) {
    if (a->start_time_unix_nano != b->start_time_unix_nano)
      return a->start_time_unix_nano < b->start_time_unix_nano;
    return a->span_id < b->span_id;
  });
  positions_.clear();
  for (uint32_t i = 0; i < order_.size(); ++i) positions_.emplace_back(order_[i]->span_id, i);
  std::sort(positions_.begin(), positions_.end());

  s_[kTraceId].append(trace.trace_id.as_bytes());
  trace_starts_.push_back(start);
  trace_durations_.push_back(end - start);
  put_varint(s_[kTraceSpanCount], order_.size());

  for (const Span* s : order_) {
    uint32_t parent_ref = 0;
    if (!s->parent_span_id.is_zero()) {
      auto it = std::lower_bound(positions_.begin(), positions_.end(),
                                 std::make_pair(s->parent_span_id, uint32_t{0}));
      parent_ref = it != positions_.end() && it->first == s->parent_span_id ? it->second + 2 : 1;
    }
    add_span(*s, start, parent_ref);
  }
  spans_ += static_cast<uint32_t>(order_.size());
}

void PageEncoder::add_span(const Span& s, uint64_t trace_start, uint32_t parent_ref) {
  BlockDictionaries& d = *dicts_;
  s_[kSpanId].append(s.span_id.as_bytes());
  put_varint(s_[kSpanParentRef], parent_ref);
  if (parent_ref == 1) s_[kSpanParentIdRaw].append(s.parent_span_id.as_bytes());
  put_varint(s_[kSpanStartDelta], s.start_time_unix_nano - trace_start);
  put_varint(s_[kSpanDuration],
             zigzag(static_cast<int64_t>(s.end_time_unix_nano - s.start_time_unix_nano)));

  uint32_t resource = d.resources.code(s.resource);
  if (resource > d.resource_service.size())
    d.resource_service.push_back(*d.services.code(s.resource->service_name()));
  uint32_t service =
      resource ? d.resource_service[resource - 1] : *d.services.code("unknown_service");
  put_varint(s_[kSpanResource], resource);
  put_varint(s_[kSpanScope], d.scopes.code(s.scope));

  const uint8_t kind = static_cast<uint8_t>(s.kind) & kKindMask;
  if (auto code = d.span_names.code(s.name)) {
    put_varint(s_[kSpanName], 2 * static_cast<uint64_t>(*code));
    d.operations.insert(pack_operation(service, *code, kind));
  } else {
    put_varint(s_[kSpanName], 2 * static_cast<uint64_t>(s.name.size()) + 1);
    s_[kSpanNameRaw].append(s.name);
    raw_hashes_.push_back(hash_key_value(kSpanNameBloomKey, s.name));
    d.raw_name_kinds.insert((static_cast<uint64_t>(service) << 3) | kind);
  }

  const bool extras = !s.trace_state.empty() || !s.status.message.empty() ||
                      s.dropped_attributes_count || s.dropped_events_count ||
                      s.dropped_links_count || !s.rpc_id.empty() || !s.links.empty();
  const bool events = !s.events.empty();
  uint8_t ks =
      kind | static_cast<uint8_t>((static_cast<uint8_t>(s.status.code) & 3) << kStatusShift);
  if (extras) ks |= kHasExtras;
  if (events) ks |= kHasEvents;
  s_[kSpanKindStatus].push_back(static_cast<char>(ks));
  put_varint(s_[kSpanFlags], s.flags);

  add_attributes(s.attributes, d.span_slots, s_[kAttrCount], s_[kAttrSlot], attr_parts_);

  if (events) {
    put_varint(s_[kEventCount], s.events.size());
    for (const SpanEvent& e : s.events) {
      put_varint(s_[kEventTimeDelta],
                 zigzag(static_cast<int64_t>(e.time_unix_nano - s.start_time_unix_nano)));
      if (auto code = d.event_names.code(e.name)) {
        put_varint(s_[kEventName], 2 * static_cast<uint64_t>(*code));
      } else {
        put_varint(s_[kEventName], 2 * static_cast<uint64_t>(e.name.size()) + 1);
        s_[kEventNameRaw].append(e.name);
      }
      put_varint(s_[kEventDropped], e.dropped_attributes_count);
      add_attributes(e.attributes, d.event_slots, s_[kEventAttrCount], s_[kEventAttrSlot],
                     event_attr_parts_);
    }
  }

  if (extras) {
    std::string& o = s_[kExtraRow];
    uint32_t mask = 0;
    if (!s.trace_state.empty()) mask |= kExtraTraceState;
    if (!s.status.message.empty()) mask |= kExtraStatusMessage;
    if (s.dropped_attributes_count) mask |= kExtraDroppedAttributes;
    if (s.dropped_events_count) mask |= kExtraDroppedEvents;
    if (s.dropped_links_count) mask |= kExtraDroppedLinks;
    if (!s.rpc_id.empty()) mask |= kExtraRpcId;
    if (!s.links.empty()) mask |= kExtraLinks;
    put_varint(o, mask);
    if (mask & kExtraTraceState) put_string(o, s.trace_state);
    if (mask & kExtraStatusMessage) put_string(o, s.status.message);
    if (mask & kExtraDroppedAttributes) put_varint(o, s.dropped_attributes_count);
    if (mask & kExtraDroppedEvents) put_varint(o, s.dropped_events_count);
    if (mask & kExtraDroppedLinks) put_varint(o, s.dropped_links_count);
    if (mask & kExtraRpcId) put_string(o, s.rpc_id);
    if (mask & kExtraLinks) {
      put_varint(o, s.links.size());
      for (const SpanLink& l : s.links) store::encode_link(l, &o);
    }
  }
}

void PageEncoder::add_attributes(const KeyValueList& attrs, SlotDictBuilder& slots,
                                 std::string& count, std::string& slot_stream,
                                 PartitionedWriter* parts) {
  put_varint(count, attrs.size());
  for (const KeyValue& kv : attrs) {
    const uint8_t type = static_cast<uint8_t>(kv.value.v.index());
    const uint32_t slot = slots.slot(kv.key, type);
    put_varint(slot_stream, slot);
    switch (type) {
      case kTypeEmpty:
        break;
      case kTypeString: {
        const std::string& v = std::get<std::string>(kv.value.v);
        // Coded or raw, the value goes into the page's value bloom filter: a search for a
        // rare value (a user ID among the first dictionary entries, or past them) reads only
        // the pages that may hold it. Common values cost nothing there (deduplicated).
        raw_hashes_.push_back(hash_key_value(kv.key, v));
        if (auto code = slots.value_code(slot, v)) {
          put_varint(parts[kCode].part(slot), 2 * static_cast<uint64_t>(*code));
        } else {
          put_varint(parts[kCode].part(slot), 2 * static_cast<uint64_t>(v.size()) + 1);
          parts[kRaw].part(slot).append(v);
        }
        break;
      }
      case kTypeBool:
        put_varint(parts[kInt].part(slot), std::get<bool>(kv.value.v) ? 1 : 0);
        break;
      case kTypeInt:
        put_varint(parts[kInt].part(slot), zigzag(std::get<int64_t>(kv.value.v)));
        break;
      case kTypeDouble: {
        uint64_t bits;
        double dv = std::get<double>(kv.value.v);
        std::memcpy(&bits, &dv, 8);
        coding::put_fixed64(parts[kDouble].part(slot), bits);
        break;
      }
      default:
        store::encode_value(kv.value, &parts[kRaw].part(slot));
        break;
    }
  }
}

void PageEncoder::finish(std::array<std::string, kNumStreams>* streams, PageEntry* entry) {
  // Traces come in ascending start order: each start is stored as the step from the one
  // before (the first from the page's min_start, i.e. 0).
  const uint64_t min_start = trace_starts_.front();
  const uint64_t max_start = trace_starts_.back();
  uint64_t prev = min_start;
  for (uint64_t st : trace_starts_) {
    put_varint(s_[kTraceStart], st - prev);
    prev = st;
  }
  for (uint64_t du : trace_durations_) put_varint(s_[kTraceDuration], du);
  constexpr Stream kAttrStreams[4] = {kAttrCode, kAttrInt, kAttrDouble, kAttrRaw};
  constexpr Stream kEventAttrStreams[4] = {kEventAttrCode, kEventAttrInt, kEventAttrDouble,
                                           kEventAttrRaw};
  for (int i = 0; i < 4; ++i) {
    if (!attr_parts_[i].empty()) attr_parts_[i].finish(&s_[kAttrStreams[i]]);
    if (!event_attr_parts_[i].empty()) event_attr_parts_[i].finish(&s_[kEventAttrStreams[i]]);
  }
  *entry = PageEntry{};
  entry->spans = spans_;
  entry->traces = traces();
  entry->min_start = min_start;
  entry->max_start = max_start;
  entry->min_duration = *std::min_element(trace_durations_.begin(), trace_durations_.end());
  entry->max_duration = *std::max_element(trace_durations_.begin(), trace_durations_.end());
  entry->raw_bloom = BloomFilter::build(std::move(raw_hashes_), kRawBloomBitsPerKey);
  raw_hashes_.clear();
  for (int i = 0; i < kNumStreams; ++i) {
    (*streams)[i].swap(s_[i]);
    s_[i].clear();
  }
  spans_ = 0;
  trace_starts_.clear();
  trace_durations_.clear();
}

}  // namespace weft::store::block
