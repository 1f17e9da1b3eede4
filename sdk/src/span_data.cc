// Decoding SpanRecords into SpanData, and the in-memory exporter.
#include "weft/span_data.h"

#include <cstring>

#include "weft/detail/proto_reader.h"

namespace weft {

using detail::ProtoField;
using detail::ProtoReader;

Value DecodeAnyValue(std::string_view bytes) {
  ProtoReader r(bytes);
  ProtoField f;
  Value out;
  while (r.Next(&f)) {
    switch (f.number) {
      case 1:
        out = Value(std::string(f.bytes));
        break;
      case 2:
        out = Value(f.value != 0);
        break;
      case 3:
        out = Value(static_cast<int64_t>(f.value));
        break;
      case 4: {
        double d;
        std::memcpy(&d, &f.value, 8);
        out = Value(d);
        break;
      }
      case 5: {
        ValueArray a;
        ProtoReader ar(f.bytes);
        ProtoField e;
        while (ar.Next(&e))
          if (e.number == 1) a.push_back(DecodeAnyValue(e.bytes));
        out = Value(std::move(a));
        break;
      }
      case 6: {
        KeyValueList kv;
        ProtoReader kr(f.bytes);
        ProtoField e;
        while (kr.Next(&e))
          if (e.number == 1) kv.push_back(DecodeKeyValue(e.bytes));
        out = Value(std::move(kv));
        break;
      }
      case 7:
        out = Value(Bytes{std::string(f.bytes)});
        break;
    }
  }
  return out;
}

std::pair<std::string, Value> DecodeKeyValue(std::string_view bytes) {
  ProtoReader r(bytes);
  ProtoField f;
  std::pair<std::string, Value> kv;
  while (r.Next(&f)) {
    if (f.number == 1) kv.first = std::string(f.bytes);
    if (f.number == 2) kv.second = DecodeAnyValue(f.bytes);
  }
  return kv;
}

namespace {

template <size_t N>
Id<N> IdFrom(std::string_view b) {
  Id<N> id;
  if (b.size() == N) std::memcpy(id.bytes.data(), b.data(), N);
  return id;
}

EventData DecodeEvent(std::string_view bytes) {
  EventData e;
  ProtoReader r(bytes);
  ProtoField f;
  while (r.Next(&f)) {
    if (f.number == 1) e.time_ns = f.value;
    if (f.number == 2) e.name = std::string(f.bytes);
    if (f.number == 3) e.attributes.push_back(DecodeKeyValue(f.bytes));
    if (f.number == 4) e.dropped_attributes = static_cast<uint32_t>(f.value);
  }
  return e;
}

LinkData DecodeLink(std::string_view bytes) {
  LinkData l;
  ProtoReader r(bytes);
  ProtoField f;
  while (r.Next(&f)) {
    if (f.number == 1) l.trace_id = IdFrom<16>(f.bytes);
    if (f.number == 2) l.span_id = IdFrom<8>(f.bytes);
    if (f.number == 3) l.trace_state = std::string(f.bytes);
    if (f.number == 4) l.attributes.push_back(DecodeKeyValue(f.bytes));
    if (f.number == 6) l.flags = static_cast<uint32_t>(f.value);
  }
  return l;
}

}  // namespace

SpanData DecodeSpanRecord(const SpanRecord& rec, std::span<const InstrumentationScope> scopes) {
  SpanData s;
  s.trace_id = rec.trace_id;
  s.span_id = rec.span_id;
  s.parent_span_id = rec.parent_span_id;
  s.kind = rec.kind;
  s.start_ns = rec.start_ns;
  s.end_ns = rec.end_ns;
  s.status = rec.status;
  s.flags = rec.flags;
  s.parent_remote = rec.parent_remote;
  s.dropped_attributes = rec.dropped_attributes;
  s.dropped_events = rec.dropped_events;
  s.dropped_links = rec.dropped_links;
  if (rec.scope < scopes.size()) {
    s.scope_name = scopes[rec.scope].name;
    s.scope_version = scopes[rec.scope].version;
  }
  ProtoReader r(rec.data_view());
  ProtoField f;
  while (r.Next(&f)) {
    switch (f.number) {
      case span_field::kName:
        s.name = std::string(f.bytes);
        break;
      case span_field::kTraceState:
        s.trace_state = std::string(f.bytes);
        break;
      case span_field::kAttributes:
        s.attributes.push_back(DecodeKeyValue(f.bytes));
        break;
      case span_field::kEvents:
        s.events.push_back(DecodeEvent(f.bytes));
        break;
      case span_field::kLinks:
        s.links.push_back(DecodeLink(f.bytes));
        break;
      case span_field::kStatus: {
        ProtoReader sr(f.bytes);
        ProtoField sf;
        while (sr.Next(&sf))
          if (sf.number == 2) s.status_message = std::string(sf.bytes);
        break;
      }
      case span_field::kRpcId:
        s.rpc_id = std::string(f.bytes);
        break;
      case span_field::kCurrentRpcId:
        s.current_rpc_id = std::string(f.bytes);
        break;
    }
  }
  return s;
}

const Value* SpanData::attribute(std::string_view key) const {
  for (const auto& [k, v] : attributes)
    if (k == key) return &v;
  return nullptr;
}

ExportResult InMemoryExporter::Export(const ExportBatch& batch) {
  std::lock_guard lock(mu_);
  for (const SpanRecord* r : batch.spans) spans_.push_back(DecodeSpanRecord(*r, batch.scopes));
  resource_ = batch.resource;
  exported_ += batch.spans.size();
  return ExportResult::kSuccess;
}
ExporterStats InMemoryExporter::stats() const {
  std::lock_guard lock(mu_);
  return {exported_, 0, 0};
}
std::vector<SpanData> InMemoryExporter::spans() const {
  std::lock_guard lock(mu_);
  return spans_;
}
size_t InMemoryExporter::size() const {
  std::lock_guard lock(mu_);
  return spans_.size();
}
void InMemoryExporter::Clear() {
  std::lock_guard lock(mu_);
  spans_.clear();
}
Resource InMemoryExporter::resource() const {
  std::lock_guard lock(mu_);
  return resource_;
}

}  // namespace weft
