// OTLP ExportTraceServiceRequest encoding. Field numbers (opentelemetry-proto):
//   ExportTraceServiceRequest.resource_spans = 1
//   ResourceSpans: resource = 1, scope_spans = 2
//   Resource: attributes = 1 (KeyValue)
//   ScopeSpans: scope = 1, spans = 2;  InstrumentationScope: name = 1, version = 2
//   Span: trace_id = 1, span_id = 2, parent_span_id = 4, kind = 6, start_time_unix_nano = 7,
//         end_time_unix_nano = 8, dropped_attributes_count = 10, dropped_events_count = 12,
//         dropped_links_count = 14, flags = 16; the rest comes from the record's data.
//   KeyValue: key = 1, value = 2; AnyValue: string = 1, bool = 2, int = 3, double = 4,
//         array = 5 (ArrayValue.values = 1), kvlist = 6 (KeyValueList.values = 1), bytes = 7.
#include "otlp/encode.h"

#include <cstring>
#include <vector>

#include "weft/detail/proto.h"
#include "weft/detail/proto_reader.h"
#include "weft/detail/span_buffer.h"
#include "weft/span_context.h"

namespace weft::otlp {

using namespace weft::detail;

namespace {

// Resource attributes are owned Values; the span buffer's encoder (detail/span_buffer.h)
// already writes any Value as an AnyValue, so it serves here too.
uint32_t KeyValueBodySize(const std::string& key, const Value& v) {
  return KeyValueSize(key, AttrValue(v));
}
uint8_t* PutKeyValueBody(uint8_t* p, const std::string& key, const Value& v) {
  return detail::PutKeyValueBody(p, key, AttrValue(v));
}

uint32_t ResourceBodySize(const Resource& r) {
  uint32_t n = 0;
  for (const auto& [k, v] : r.attributes) n += LenFieldSize(1, KeyValueBodySize(k, v));
  return n;
}

uint32_t ScopeBodySize(const InstrumentationScope* s) {
  if (!s) return 0;
  uint32_t n = 0;
  if (!s->name.empty()) n += LenFieldSize(1, static_cast<uint32_t>(s->name.size()));
  if (!s->version.empty()) n += LenFieldSize(2, static_cast<uint32_t>(s->version.size()));
  return n;
}

// --- spans ---

// Size of the Span message body of a record.
inline uint32_t SpanBodySize(const SpanRecord& r) {
  // trace_id 2+16, span_id 2+8, start 1+8, end 1+8, flags 2+4.
  uint32_t n = 18 + 10 + 9 + 9 + 6 + r.data_size;
  if (r.parent_span_id.valid()) n += 10;
  if (r.kind != SpanKind::kUnspecified) n += 2;
  if (r.dropped_attributes) n += 1 + VarintSize(r.dropped_attributes);
  if (r.dropped_events) n += 1 + VarintSize(r.dropped_events);
  if (r.dropped_links) n += 1 + VarintSize(r.dropped_links);
  return n;
}

inline uint8_t* PutSpan(uint8_t* p, const SpanRecord& r) {
  p = PutLenHeader(p, 2, SpanBodySize(r));  // ScopeSpans.spans
  p = PutBytes(p, 1, r.trace_id.bytes.data(), 16);
  p = PutBytes(p, 2, r.span_id.bytes.data(), 8);
  if (r.parent_span_id.valid()) p = PutBytes(p, 4, r.parent_span_id.bytes.data(), 8);
  if (r.kind != SpanKind::kUnspecified) {
    p = PutTag(p, 6, kVarint);
    *p++ = static_cast<uint8_t>(r.kind);
  }
  p = PutFixed64(p, 7, r.start_ns);
  p = PutFixed64(p, 8, r.end_ns);
  if (r.dropped_attributes) p = PutVarint(PutTag(p, 10, kVarint), r.dropped_attributes);
  if (r.dropped_events) p = PutVarint(PutTag(p, 12, kVarint), r.dropped_events);
  if (r.dropped_links) p = PutVarint(PutTag(p, 14, kVarint), r.dropped_links);
  p = PutFixed32(p, 16, OtlpSpanFlags(r));
  std::memcpy(p, r.data(), r.data_size);
  return p + r.data_size;
}

// Per-thread scratch for grouping a batch by scope; grows to the largest batch and stays.
struct Scratch {
  std::vector<uint64_t> scope_bytes;  // per scope slot: encoded ScopeSpans.spans fields
  std::vector<uint32_t> scope_count;  // per scope slot: spans
  std::vector<uint32_t> present;      // slots with spans, in first-seen order
  std::vector<uint32_t> order;        // span indices grouped by slot (several scopes only)
};

}  // namespace

uint32_t OtlpSpanFlags(const SpanRecord& r) {
  uint32_t flags = (r.flags & ~uint32_t{kTraceFlagDebug} & 0xFFu) | kSpanFlagsContextHasIsRemote;
  if (r.parent_remote && r.parent_span_id.valid()) flags |= kSpanFlagsContextIsRemote;
  return flags;
}

void EncodeExportRequest(const ExportBatch& batch, std::string* out) {
  static thread_local Scratch scratch;
  Scratch& s = scratch;
  const size_t nscopes = batch.scopes.size();
  // Slot nscopes collects records whose scope index is out of range (an empty scope).
  if (s.scope_bytes.size() < nscopes + 1) {
    s.scope_bytes.resize(nscopes + 1);
    s.scope_count.resize(nscopes + 1);
  }
  s.present.clear();

  // Pass 1: sizes.
  for (const SpanRecord* r : batch.spans) {
    const uint32_t slot = r->scope < nscopes ? r->scope : static_cast<uint32_t>(nscopes);
    if (s.scope_count[slot]++ == 0) s.present.push_back(slot);
    s.scope_bytes[slot] += LenFieldSize(2, SpanBodySize(*r));
  }
  auto scope_of = [&](uint32_t slot) -> const InstrumentationScope* {
    return slot < nscopes ? &batch.scopes[slot] : nullptr;
  };
  const uint32_t resource_body = ResourceBodySize(batch.resource);
  uint64_t rs_body = LenFieldSize(1, resource_body);
  for (uint32_t slot : s.present)
    rs_body +=
        LenFieldSize(2, static_cast<uint32_t>(LenFieldSize(1, ScopeBodySize(scope_of(slot))) +
                                              s.scope_bytes[slot]));
  const uint64_t total = LenFieldSize(1, static_cast<uint32_t>(rs_body));
  // resize() keeps the capacity; only growth beyond the previous size is zero-filled.
  out->resize(total);
  uint8_t* const begin = reinterpret_cast<uint8_t*>(out->data());
  uint8_t* p = begin;

  // Pass 2: bytes.
  p = PutLenHeader(p, 1, static_cast<uint32_t>(rs_body));
  p = PutLenHeader(p, 1, resource_body);
  for (const auto& [k, v] : batch.resource.attributes)
    p = PutKeyValueBody(PutLenHeader(p, 1, KeyValueBodySize(k, v)), k, v);

  auto put_scope_header = [&](uint32_t slot) {
    const InstrumentationScope* scope = scope_of(slot);
    const uint32_t scope_body = ScopeBodySize(scope);
    p = PutLenHeader(p, 2,
                     static_cast<uint32_t>(LenFieldSize(1, scope_body) + s.scope_bytes[slot]));
    p = PutLenHeader(p, 1, scope_body);
    if (scope && !scope->name.empty()) p = PutString(p, 1, scope->name);
    if (scope && !scope->version.empty()) p = PutString(p, 2, scope->version);
  };

  if (s.present.size() == 1) {
    put_scope_header(s.present[0]);
    for (const SpanRecord* r : batch.spans) p = PutSpan(p, *r);
  } else if (!s.present.empty()) {
    // Several scopes: a counting sort of the span indices by slot (stable, so each scope's
    // spans keep the batch's order).
    s.order.resize(batch.spans.size());
    uint32_t offset = 0;
    for (uint32_t slot : s.present) {
      const uint32_t count = s.scope_count[slot];
      s.scope_count[slot] = offset;  // reused as the slot's next write position
      offset += count;
    }
    for (uint32_t i = 0; i < batch.spans.size(); ++i) {
      const uint32_t scope = batch.spans[i]->scope;
      s.order[s.scope_count[scope < nscopes ? scope : nscopes]++] = i;
    }
    size_t i = 0;
    for (uint32_t slot : s.present) {
      put_scope_header(slot);
      // scope_count[slot] now is the end of the slot's run in `order`.
      for (; i < s.scope_count[slot]; ++i) p = PutSpan(p, *batch.spans[s.order[i]]);
    }
  }
  for (uint32_t slot : s.present) s.scope_bytes[slot] = 0, s.scope_count[slot] = 0;
  out->resize(static_cast<size_t>(p - begin));  // == total unless a size computation is wrong
}

int64_t RejectedSpans(std::string_view response, std::string* message) {
  ProtoReader r(response);
  ProtoField f;
  int64_t rejected = 0;
  while (r.Next(&f)) {
    if (f.number != 1 || f.type != kLen) continue;
    ProtoReader ps(f.bytes);
    ProtoField g;
    while (ps.Next(&g)) {
      if (g.number == 1 && g.type == kVarint) rejected = static_cast<int64_t>(g.value);
      if (g.number == 2 && g.type == kLen && message) *message = std::string(g.bytes);
    }
  }
  return rejected;
}

}  // namespace weft::otlp
