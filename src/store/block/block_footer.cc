#include "store/block/block_footer.h"

#include <algorithm>

#include "store/block/column_streams.h"
#include "store/wal/span_codec.h"

namespace weft::store::block {

using namespace weft::model;

uint64_t PageEntry::stored_bytes() const {
  uint64_t n = 0;
  for (const StreamEntry& s : streams) n += s.stored;
  return n;
}

uint64_t PageEntry::column_offset(Column c) const {
  uint64_t off = offset;
  for (int s = 0; s < kColumnFirstStream[c]; ++s) off += streams[s].stored;
  return off;
}

uint64_t PageEntry::column_bytes(Column c) const {
  uint64_t n = 0;
  for (int s = kColumnFirstStream[c]; s < kColumnFirstStream[c + 1]; ++s) n += streams[s].stored;
  return n;
}

namespace {

void put_strings(std::string& o, const std::vector<std::string>& v) {
  put_varint(o, v.size());
  for (const auto& s : v) put_string(o, s);
}

void put_slots(std::string& o, const std::vector<SlotEntry>& slots) {
  put_varint(o, slots.size());
  for (const SlotEntry& s : slots) {
    put_string(o, s.key);
    o.push_back(static_cast<char>(s.type));
    o.push_back(s.overflowed ? 1 : 0);
    put_strings(o, s.values);
  }
}

void put_page(std::string& o, const PageEntry& p) {
  put_varint(o, p.offset);
  put_varint(o, p.spans);
  put_varint(o, p.traces);
  put_varint(o, p.min_start);
  put_varint(o, p.max_start - p.min_start);
  put_varint(o, p.min_duration);
  put_varint(o, p.max_duration - p.min_duration);
  for (const StreamEntry& s : p.streams) {
    put_varint(o, s.raw);
    if (s.raw == 0) continue;
    o.push_back(static_cast<char>(s.encoding));
    if (s.encoding == kStoredZstd) put_varint(o, s.stored);
    coding::put_fixed32(o, s.crc);
  }
  p.raw_bloom.encode(&o);
}

bool get_strings(Cursor& c, std::vector<std::string>* v) {
  uint64_t n;
  if (!c.count(&n)) return false;
  v->resize(n);
  for (auto& s : *v)
    if (!c.str(&s)) return false;
  return true;
}

bool get_slots(Cursor& c, std::vector<SlotEntry>* slots) {
  uint64_t n;
  if (!c.count(&n, 4)) return false;
  slots->resize(n);
  for (SlotEntry& s : *slots) {
    uint8_t overflowed;
    if (!c.str(&s.key) || !c.byte(&s.type) || s.type >= kNumValueTypes || !c.byte(&overflowed) ||
        overflowed > 1 || !get_strings(c, &s.values))
      return false;
    s.overflowed = overflowed == 1;
    if (s.type != kTypeString && (!s.values.empty() || s.overflowed)) return false;
  }
  return true;
}

bool get_u64_pair_delta(Cursor& c, uint64_t* lo, uint64_t* hi) {
  uint64_t d;
  if (!c.varint(lo) || !c.varint(&d) || d > UINT64_MAX - *lo) return false;
  *hi = *lo + d;
  return true;
}

bool get_page(Cursor& c, PageEntry* p) {
  if (!c.varint(&p->offset) || !c.u32(&p->spans) || !c.u32(&p->traces) ||
      !get_u64_pair_delta(c, &p->min_start, &p->max_start) ||
      !get_u64_pair_delta(c, &p->min_duration, &p->max_duration))
    return false;
  for (StreamEntry& s : p->streams) {
    if (!c.varint(&s.raw)) return false;
    if (s.raw == 0) continue;
    if (s.raw > kMaxDecodedBytes || !c.byte(&s.encoding)) return false;
    if (s.encoding == kStoredZstd) {
      if (!c.varint(&s.stored) || s.stored == 0 || s.stored > kMaxDecodedBytes) return false;
    } else if (s.encoding == kStoredRaw) {
      s.stored = s.raw;
    } else {
      return false;
    }
    if (!c.fixed32(&s.crc)) return false;
  }
  return p->raw_bloom.decode(&c);
}

Status bad(const std::string& what) { return data_loss("block footer: " + what); }

}  // namespace

void encode_footer(const Footer& f, std::string* out) {
  std::string& o = *out;
  const BlockMeta& m = f.meta;
  put_varint(o, m.id);
  put_varint(o, m.level);
  put_varint(o, m.min_start);
  put_varint(o, m.max_start);
  put_varint(o, m.max_end);
  put_varint(o, m.spans);
  put_varint(o, m.traces);
  put_strings(o, f.services);
  put_varint(o, f.resources.size());
  for (size_t i = 0; i < f.resources.size(); ++i) {
    store::encode_resource(*f.resources[i], &o);
    put_varint(o, f.resource_service[i]);
  }
  put_varint(o, f.scopes.size());
  for (const auto& s : f.scopes) store::encode_scope(*s, &o);
  put_strings(o, f.span_names);
  put_varint(o, f.operations.size());
  for (const OperationEntry& op : f.operations) {
    put_varint(o, op.service);
    put_varint(o, op.name);
    o.push_back(static_cast<char>(op.kind));
  }
  put_varint(o, f.raw_name_operations.size());
  for (const RawNameEntry& op : f.raw_name_operations) {
    put_varint(o, op.service);
    o.push_back(static_cast<char>(op.kind));
  }
  put_strings(o, f.event_names);
  put_slots(o, f.span_slots);
  put_slots(o, f.event_slots);
  f.trace_bloom.encode(&o);
  put_varint(o, f.pages.size());
  for (const PageEntry& p : f.pages) put_page(o, p);
  put_varint(o, f.id_index.size());
  for (const IdIndexChunk& ch : f.id_index) {
    o.append(ch.first.as_bytes());
    put_varint(o, ch.entries);
    coding::put_fixed32(o, ch.crc);
  }
  put_varint(o, f.split_traces.size());
  for (const SplitTrace& st : f.split_traces) {
    o.append(st.id.as_bytes());
    put_varint(o, st.start);
  }
}

Result<Footer> decode_footer(std::string_view raw, uint64_t footer_offset) {
  Footer f;
  Cursor c(raw);
  BlockMeta& m = f.meta;
  if (!c.varint(&m.id) || !c.u32(&m.level) || !c.varint(&m.min_start) || !c.varint(&m.max_start) ||
      !c.varint(&m.max_end) || !c.varint(&m.spans) || !c.varint(&m.traces))
    return bad("malformed meta");
  if (!get_strings(c, &f.services)) return bad("malformed service dictionary");
  uint64_t n;
  if (!c.count(&n, 4)) return bad("malformed resource count");
  f.resources.reserve(n);
  f.resource_service.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    auto r = std::make_shared<Resource>();
    uint32_t svc;
    if (!store::decode_resource(c.view(), r.get()) || !c.u32(&svc) || svc >= f.services.size())
      return bad("malformed resource " + std::to_string(i));
    f.resources.push_back(std::move(r));
    f.resource_service.push_back(svc);
  }
  if (!c.count(&n, 5)) return bad("malformed scope count");
  f.scopes.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    auto s = std::make_shared<InstrumentationScope>();
    if (!store::decode_scope(c.view(), s.get())) return bad("malformed scope");
    f.scopes.push_back(std::move(s));
  }
  if (!get_strings(c, &f.span_names)) return bad("malformed span name dictionary");
  if (!c.count(&n, 3)) return bad("malformed operation count");
  f.operations.resize(n);
  for (OperationEntry& op : f.operations)
    if (!c.u32(&op.service) || !c.u32(&op.name) || !c.byte(&op.kind) ||
        op.service >= f.services.size() || op.name >= f.span_names.size() ||
        op.kind > static_cast<uint8_t>(SpanKind::kConsumer))
      return bad("malformed operation");
  if (!std::is_sorted(f.operations.begin(), f.operations.end()))
    return bad("operations out of order");
  if (!c.count(&n, 2)) return bad("malformed raw-name operation count");
  f.raw_name_operations.resize(n);
  for (RawNameEntry& op : f.raw_name_operations)
    if (!c.u32(&op.service) || !c.byte(&op.kind) || op.service >= f.services.size() ||
        op.kind > static_cast<uint8_t>(SpanKind::kConsumer))
      return bad("malformed raw-name operation");
  if (!std::is_sorted(f.raw_name_operations.begin(), f.raw_name_operations.end()))
    return bad("raw-name operations out of order");
  if (!get_strings(c, &f.event_names)) return bad("malformed event name dictionary");
  if (!get_slots(c, &f.span_slots)) return bad("malformed span attribute slots");
  if (!get_slots(c, &f.event_slots)) return bad("malformed event attribute slots");
  if (!f.trace_bloom.decode(&c)) return bad("malformed trace-ID bloom filter");
  if (!c.count(&n, 8 + kNumStreams)) return bad("malformed page count");
  f.pages.resize(n);
  uint64_t at = kHeaderSize, spans = 0, traces = 0;
  for (size_t i = 0; i < f.pages.size(); ++i) {
    PageEntry& p = f.pages[i];
    const std::string where = "page " + std::to_string(i) + ": ";
    if (!get_page(c, &p)) return bad(where + "malformed directory entry");
    if (p.offset != at) return bad(where + "offset does not follow the previous page");
    uint64_t size = p.stored_bytes();
    if (size > footer_offset || p.offset > footer_offset - size)
      return bad(where + "extends past the footer");
    at = p.offset + size;
    if (p.traces == 0 || p.spans < p.traces) return bad(where + "impossible span/trace counts");
    if (p.traces == 1 && p.min_start != p.max_start)
      return bad(where + "one trace with two start times");
    if (i > 0 && p.min_start < f.pages[i - 1].max_start)
      return bad(where + "trace starts not ascending across pages");
    spans += p.spans;
    traces += p.traces;
  }
  if (!c.count(&n, 21)) return bad("malformed trace-ID index count");
  f.id_index.resize(n);
  uint64_t entries = 0;
  for (size_t i = 0; i < f.id_index.size(); ++i) {
    IdIndexChunk& ch = f.id_index[i];
    std::string_view raw_id;
    if (!c.bytes(16, &raw_id) || !c.u32(&ch.entries) || !c.fixed32(&ch.crc))
      return bad("trace-ID index chunk " + std::to_string(i) + ": malformed directory entry");
    ch.first = *TraceId::from_bytes(raw_id);
    if (ch.entries == 0 || ch.entries > kIdIndexChunkEntries)
      return bad("trace-ID index chunk " + std::to_string(i) + ": impossible entry count");
    if (i > 0 && !(f.id_index[i - 1].first < ch.first))
      return bad("trace-ID index chunks not ascending");
    ch.offset = at;
    if (ch.bytes() > footer_offset - at) return bad("trace-ID index extends past the footer");
    at += ch.bytes();
    entries += ch.entries;
  }
  if (entries != m.traces) return bad("trace-ID index does not hold every trace");
  if (!c.count(&n, 17)) return bad("malformed split-trace count");
  f.split_traces.resize(n);
  for (size_t i = 0; i < f.split_traces.size(); ++i) {
    std::string_view raw_id;
    if (!c.bytes(16, &raw_id) || !c.varint(&f.split_traces[i].start))
      return bad("malformed split-trace list");
    f.split_traces[i].id = *TraceId::from_bytes(raw_id);
    if (i > 0 && !(f.split_traces[i - 1].id < f.split_traces[i].id))
      return bad("split-trace list not ascending");
  }
  if (!c.empty()) return bad("trailing bytes");
  if (at != footer_offset) return bad("pages and trace-ID index do not end at the footer");
  if (spans != m.spans || traces != m.traces)
    return bad("page counts do not add up to the block's");
  if (f.pages.empty()) return bad("no pages");
  return f;
}

}  // namespace weft::store::block
