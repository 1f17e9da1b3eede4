#include "store/block/page_decoder.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/crc32c.h"
#include "common/file_io.h"
#include "store/block/column_streams.h"
#include "store/wal/span_codec.h"

namespace weft::store::block {

using namespace weft::model;

namespace {

enum Part { kCode = 0, kInt = 1, kDouble = 2, kRaw = 3 };

class ColumnDecoder {
 public:
  ColumnDecoder(const Footer& f, const PageEntry& p, uint32_t page_no, PageData* d)
      : f_(f), p_(p), page_no_(page_no), d_(*d) {}

  Status trace();
  Status span();
  // The search subset of the span column (see SearchColumns).
  Status span_for_search(bool times);
  Status attr();
  // Only the attributes of `wanted` slots (a slot's values are one partition: the others
  // are skipped, not read).
  Status attr_for_search(const std::vector<bool>& wanted);
  Status event();
  Status extra();

 private:
  Status bad(std::string_view what) const {
    return data_loss("block page " + std::to_string(page_no_) + ": malformed " + std::string(what));
  }
  Cursor cur(Stream s) const { return Cursor(d_.stream[s]); }
  bool attrs(Cursor& count, Cursor& slots, PartitionedReader* parts,
             const std::vector<SlotEntry>& dict, DecodedAttrs* out);

  const Footer& f_;
  const PageEntry& p_;
  uint32_t page_no_;
  PageData& d_;
};

Status ColumnDecoder::trace() {
  const uint32_t n = p_.traces;
  if (d_.stream[kTraceId].size() != uint64_t{n} * 16) return bad("trace.id");
  Cursor ids = cur(kTraceId), st = cur(kTraceStart), du = cur(kTraceDuration),
         sc = cur(kTraceSpanCount);
  d_.trace_id.resize(n);
  d_.trace_start.resize(n);
  d_.trace_duration.resize(n);
  d_.trace_begin.assign(1, 0);
  d_.trace_begin.reserve(n + 1);
  uint64_t spans = 0;
  uint64_t start = p_.min_start;
  for (uint32_t t = 0; t < n; ++t) {
    uint64_t delta, count;
    if (!ids.id(&d_.trace_id[t])) return bad("trace.id");
    if (!st.varint(&delta) || delta > p_.max_start - start) return bad("trace.start");
    start += delta;
    d_.trace_start[t] = start;
    // (start, trace ID) strictly ascending.
    if (t > 0 && delta == 0 && !(d_.trace_id[t - 1] < d_.trace_id[t]))
      return bad("trace.id (order)");
    if (!du.varint(&d_.trace_duration[t])) return bad("trace.duration");
    if (!sc.varint(&count) || count == 0 || count > p_.spans - spans)
      return bad("trace.span_count");
    spans += count;
    d_.trace_begin.push_back(static_cast<uint32_t>(spans));
  }
  if (spans != p_.spans) return bad("trace.span_count (sum)");
  if (!st.empty() || !du.empty() || !sc.empty()) return bad("trace column (trailing bytes)");
  if (d_.trace_start.front() != p_.min_start || d_.trace_start.back() != p_.max_start)
    return bad("trace.start (page range)");
  return Status::ok();
}

Status ColumnDecoder::span_for_search(bool times) {
  const uint32_t n = p_.spans;
  Cursor pref = cur(kSpanParentRef), sd = cur(kSpanStartDelta), du = cur(kSpanDuration),
         res = cur(kSpanResource), nm = cur(kSpanName), nraw = cur(kSpanNameRaw),
         ks = cur(kSpanKindStatus);
  d_.parent_ref.resize(n);
  d_.resource.resize(n);
  d_.name_code.resize(n);
  d_.name_raw.assign(n, {});
  d_.kind_status.resize(n);
  if (times) {
    d_.start.resize(n);
    d_.end.resize(n);
  }
  for (uint32_t t = 0; t < p_.traces; ++t) {
    const uint32_t b = d_.trace_begin[t], e = d_.trace_begin[t + 1];
    for (uint32_t i = b; i < e; ++i) {
      uint64_t ref, r, name;
      uint8_t kst;
      if (!pref.varint(&ref) || (ref >= 2 && ref - 2 >= e - b)) return bad("span.parent_ref");
      d_.parent_ref[i] = static_cast<uint32_t>(ref);
      if (!res.varint(&r) || r > f_.resources.size()) return bad("span.resource");
      d_.resource[i] = static_cast<uint32_t>(r);
      if (!nm.varint(&name)) return bad("span.name");
      if (name & 1) {
        d_.name_code[i] = kNoCode;
        if (!nraw.bytes(name >> 1, &d_.name_raw[i])) return bad("span.name_raw");
      } else {
        if ((name >> 1) >= f_.span_names.size()) return bad("span.name");
        d_.name_code[i] = static_cast<uint32_t>(name >> 1);
      }
      if (!ks.byte(&kst) || (kst & kKindMask) > static_cast<uint8_t>(SpanKind::kConsumer) ||
          ((kst & kStatusMask) >> kStatusShift) > static_cast<uint8_t>(SpanStatusCode::kError) ||
          (kst & kKindStatusReserved))
        return bad("span.kind_status");
      d_.kind_status[i] = kst;
      if (times) {
        uint64_t delta, dur;
        if (!sd.varint(&delta)) return bad("span.start_delta");
        if (!du.varint(&dur)) return bad("span.duration");
        d_.start[i] = d_.trace_start[t] + delta;
        d_.end[i] = d_.start[i] + static_cast<uint64_t>(unzigzag(dur));
      }
    }
  }
  // Every stream read is read to its end (the whole column: times too).
  if (!pref.empty() || !res.empty() || !nm.empty() || !nraw.empty() || !ks.empty() ||
      (times && (!sd.empty() || !du.empty())))
    return bad("span column (trailing bytes)");
  return Status::ok();
}

Status ColumnDecoder::attr_for_search(const std::vector<bool>& wanted) {
  Cursor count = cur(kAttrCount), slots = cur(kAttrSlot);
  PartitionedReader parts[4];
  const uint32_t nslots = static_cast<uint32_t>(f_.span_slots.size());
  if (!parts[kCode].init(d_.stream[kAttrCode], nslots) ||
      !parts[kInt].init(d_.stream[kAttrInt], nslots) ||
      !parts[kDouble].init(d_.stream[kAttrDouble], nslots) ||
      !parts[kRaw].init(d_.stream[kAttrRaw], nslots))
    return bad("attr partitions");
  // The wanted slots' cursors, found once: the per-attribute work is a varint and a test.
  std::vector<Cursor*> cursors[4];
  for (int k = 0; k < 4; ++k) {
    cursors[k].assign(nslots, nullptr);
    for (uint32_t s = 0; s < nslots && s < wanted.size(); ++s)
      if (wanted[s]) cursors[k][s] = parts[k].part(s);
  }
  DecodedAttrs& out = d_.attrs;
  out = DecodedAttrs{};
  out.begin.reserve(p_.spans + 1);
  // Every attribute takes at least one byte of the slot stream: an upper bound that spares
  // the regrowth copies of a big page (a 100k-span trace is one page).
  out.attrs.reserve(slots.left());
  for (uint32_t i = 0; i < p_.spans; ++i) {
    uint64_t n;
    if (!count.varint(&n) || n > slots.left()) return bad("span attributes");
    for (uint64_t k = 0; k < n; ++k) {
      uint64_t slot;
      if (!slots.varint(&slot) || slot >= nslots) return bad("span attributes");
      if (slot >= wanted.size() || !wanted[slot]) continue;
      DecodedAttr a;
      a.slot = static_cast<uint32_t>(slot);
      const SlotEntry& se = f_.span_slots[slot];
      switch (se.type) {
        case kTypeEmpty:
          break;
        case kTypeString: {
          uint64_t c;
          if (!cursors[kCode][slot]->varint(&c)) return bad("span attributes");
          if (c & 1) {
            if (!cursors[kRaw][slot]->bytes(c >> 1, &a.raw)) return bad("span attributes");
          } else {
            if ((c >> 1) >= se.values.size()) return bad("span attributes");
            a.code = static_cast<uint32_t>(c >> 1);
          }
          break;
        }
        case kTypeBool:
        case kTypeInt: {
          uint64_t v;
          if (!cursors[kInt][slot]->varint(&v) || (se.type == kTypeBool && v > 1))
            return bad("span attributes");
          a.i = se.type == kTypeBool ? static_cast<int64_t>(v) : unzigzag(v);
          break;
        }
        case kTypeDouble: {
          uint64_t b;
          if (!cursors[kDouble][slot]->fixed64(&b)) return bad("span attributes");
          std::memcpy(&a.d, &b, 8);
          break;
        }
        default: {
          AnyValue v;
          if (!store::decode_value(cursors[kRaw][slot]->view(), &v) || v.v.index() != se.type)
            return bad("span attributes");
          a.complex = static_cast<uint32_t>(out.complex.size());
          out.complex.push_back(std::move(v));
          break;
        }
      }
      out.attrs.push_back(a);
    }
    out.begin.push_back(static_cast<uint32_t>(out.attrs.size()));
  }
  // The partitions of slots not asked about are left unread; the count and slot streams
  // must end here.
  if (!count.empty() || !slots.empty()) return bad("attr column (trailing bytes)");
  return Status::ok();
}

Status ColumnDecoder::span() {
  const uint32_t n = p_.spans;
  if (d_.stream[kSpanId].size() != uint64_t{n} * 8) return bad("span.id");
  // What a search reads, times included; then the rest of the column.
  WEFT_RETURN_IF_ERROR(span_for_search(/*times=*/true));
  Cursor ids = cur(kSpanId), praw = cur(kSpanParentIdRaw), sco = cur(kSpanScope),
         fl = cur(kSpanFlags);
  d_.span_id.resize(n);
  d_.parent_raw.assign(n, SpanId{});
  d_.scope.resize(n);
  d_.flags.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t s;
    if (!ids.id(&d_.span_id[i])) return bad("span.id");
    if (d_.parent_ref[i] == 1 && !praw.id(&d_.parent_raw[i])) return bad("span.parent_id_raw");
    if (!sco.varint(&s) || s > f_.scopes.size()) return bad("span.scope");
    d_.scope[i] = static_cast<uint32_t>(s);
    if (!fl.u32(&d_.flags[i])) return bad("span.flags");
  }
  if (!praw.empty() || !sco.empty() || !fl.empty()) return bad("span column (trailing bytes)");
  return Status::ok();
}

bool ColumnDecoder::attrs(Cursor& count, Cursor& slots, PartitionedReader* parts,
                          const std::vector<SlotEntry>& dict, DecodedAttrs* out) {
  uint64_t n;
  if (!count.varint(&n) || n > slots.left()) return false;
  for (uint64_t k = 0; k < n; ++k) {
    uint64_t slot;
    if (!slots.varint(&slot) || slot >= dict.size()) return false;
    DecodedAttr a;
    a.slot = static_cast<uint32_t>(slot);
    const SlotEntry& se = dict[slot];
    switch (se.type) {
      case kTypeEmpty:
        break;
      case kTypeString: {
        uint64_t c;
        if (!parts[kCode].part(a.slot)->varint(&c)) return false;
        if (c & 1) {
          if (!parts[kRaw].part(a.slot)->bytes(c >> 1, &a.raw)) return false;
        } else {
          if ((c >> 1) >= se.values.size()) return false;
          a.code = static_cast<uint32_t>(c >> 1);
        }
        break;
      }
      case kTypeBool: {
        uint64_t v;
        if (!parts[kInt].part(a.slot)->varint(&v) || v > 1) return false;
        a.i = static_cast<int64_t>(v);
        break;
      }
      case kTypeInt: {
        uint64_t v;
        if (!parts[kInt].part(a.slot)->varint(&v)) return false;
        a.i = unzigzag(v);
        break;
      }
      case kTypeDouble: {
        uint64_t bits;
        if (!parts[kDouble].part(a.slot)->fixed64(&bits)) return false;
        std::memcpy(&a.d, &bits, 8);
        break;
      }
      default: {
        AnyValue v;
        if (!store::decode_value(parts[kRaw].part(a.slot)->view(), &v) || v.v.index() != se.type)
          return false;
        a.complex = static_cast<uint32_t>(out->complex.size());
        out->complex.push_back(std::move(v));
        break;
      }
    }
    out->attrs.push_back(a);
  }
  out->begin.push_back(static_cast<uint32_t>(out->attrs.size()));
  return true;
}

Status ColumnDecoder::attr() {
  Cursor count = cur(kAttrCount), slots = cur(kAttrSlot);
  PartitionedReader parts[4];
  const uint32_t nslots = static_cast<uint32_t>(f_.span_slots.size());
  if (!parts[kCode].init(d_.stream[kAttrCode], nslots) ||
      !parts[kInt].init(d_.stream[kAttrInt], nslots) ||
      !parts[kDouble].init(d_.stream[kAttrDouble], nslots) ||
      !parts[kRaw].init(d_.stream[kAttrRaw], nslots))
    return bad("attr partitions");
  d_.attrs = DecodedAttrs{};
  // Room reserved once, as in attr_for_search (every attribute takes at least one byte of
  // the slot stream): regrowing was most of the time of loading a 100k-span page.
  d_.attrs.begin.reserve(p_.spans + 1);
  d_.attrs.attrs.reserve(slots.left());
  for (uint32_t i = 0; i < p_.spans; ++i)
    if (!attrs(count, slots, parts, f_.span_slots, &d_.attrs)) return bad("span attributes");
  if (!count.empty() || !slots.empty() || !parts[0].all_consumed() || !parts[1].all_consumed() ||
      !parts[2].all_consumed() || !parts[3].all_consumed())
    return bad("attr column (trailing bytes)");
  return Status::ok();
}

Status ColumnDecoder::event() {
  Cursor count = cur(kEventCount), td = cur(kEventTimeDelta), nm = cur(kEventName),
         nraw = cur(kEventNameRaw), dr = cur(kEventDropped), acount = cur(kEventAttrCount),
         aslots = cur(kEventAttrSlot);
  PartitionedReader parts[4];
  const uint32_t nslots = static_cast<uint32_t>(f_.event_slots.size());
  if (!parts[kCode].init(d_.stream[kEventAttrCode], nslots) ||
      !parts[kInt].init(d_.stream[kEventAttrInt], nslots) ||
      !parts[kDouble].init(d_.stream[kEventAttrDouble], nslots) ||
      !parts[kRaw].init(d_.stream[kEventAttrRaw], nslots))
    return bad("event attr partitions");
  d_.event_begin.assign(1, 0);
  d_.event_begin.reserve(p_.spans + 1);
  d_.events.clear();
  d_.events.reserve(td.left());  // at least one byte of time delta per event
  d_.event_attrs = DecodedAttrs{};
  d_.event_attrs.attrs.reserve(aslots.left());
  for (uint32_t i = 0; i < p_.spans; ++i) {
    if (d_.kind_status[i] & kHasEvents) {
      uint64_t n;
      if (!count.varint(&n) || n > td.left()) return bad("event.count");
      for (uint64_t k = 0; k < n; ++k) {
        DecodedEvent e;
        uint64_t delta, name;
        if (!td.varint(&delta)) return bad("event.time_delta");
        e.time = d_.start[i] + static_cast<uint64_t>(unzigzag(delta));
        if (!nm.varint(&name)) return bad("event.name");
        if (name & 1) {
          if (!nraw.bytes(name >> 1, &e.name_raw)) return bad("event.name_raw");
        } else {
          if ((name >> 1) >= f_.event_names.size()) return bad("event.name");
          e.name_code = static_cast<uint32_t>(name >> 1);
        }
        if (!dr.u32(&e.dropped)) return bad("event.dropped");
        if (!attrs(acount, aslots, parts, f_.event_slots, &d_.event_attrs))
          return bad("event attributes");
        d_.events.push_back(e);
      }
    }
    d_.event_begin.push_back(static_cast<uint32_t>(d_.events.size()));
  }
  if (!count.empty() || !td.empty() || !nm.empty() || !nraw.empty() || !dr.empty() ||
      !acount.empty() || !aslots.empty() || !parts[0].all_consumed() || !parts[1].all_consumed() ||
      !parts[2].all_consumed() || !parts[3].all_consumed())
    return bad("event column (trailing bytes)");
  return Status::ok();
}

Status ColumnDecoder::extra() {
  Cursor row = cur(kExtraRow);
  d_.extra_of.assign(p_.spans, -1);
  d_.extras.clear();
  for (uint32_t i = 0; i < p_.spans; ++i) {
    if (!(d_.kind_status[i] & kHasExtras)) continue;
    uint64_t mask;
    if (!row.varint(&mask) || (mask & ~uint64_t{kExtraAll})) return bad("extra.row");
    DecodedExtras x;
    bool ok = (!(mask & kExtraTraceState) || row.str(&x.trace_state)) &&
              (!(mask & kExtraStatusMessage) || row.str(&x.status_message)) &&
              (!(mask & kExtraDroppedAttributes) || row.u32(&x.dropped_attributes)) &&
              (!(mask & kExtraDroppedEvents) || row.u32(&x.dropped_events)) &&
              (!(mask & kExtraDroppedLinks) || row.u32(&x.dropped_links)) &&
              (!(mask & kExtraRpcId) || row.str(&x.rpc_id));
    if (!ok) return bad("extra.row");
    if (mask & kExtraLinks) {
      uint64_t n;
      if (!row.count(&n, 25)) return bad("extra.row (links)");
      x.links.resize(n);
      for (SpanLink& l : x.links)
        if (!store::decode_link(row.view(), &l)) return bad("extra.row (link)");
    }
    d_.extra_of[i] = static_cast<int32_t>(d_.extras.size());
    d_.extras.push_back(std::move(x));
  }
  if (!row.empty()) return bad("extra column (trailing bytes)");
  return Status::ok();
}

}  // namespace

namespace {

// Reads column `c` of the page and makes the streams in `streams` (a bit per Stream)
// available in d->stream: CRC checked, decompressed. The others are left empty.
Status read_streams(int fd, const std::string& path, const PageEntry& p, uint32_t page_no, Column c,
                    uint64_t streams, PageData* d) {
  std::string& buf = d->file_bytes[c];
  WEFT_RETURN_IF_ERROR(pread_exact(fd, path, p.column_offset(c), p.column_bytes(c), &buf));
  std::string_view rest = buf;
  for (int s = kColumnFirstStream[c]; s < kColumnFirstStream[c + 1]; ++s) {
    const StreamEntry& se = p.streams[s];
    std::string_view stored = rest.substr(0, se.stored);
    rest.remove_prefix(se.stored);
    d->stream[s] = {};
    if (se.raw == 0 || !(streams & (uint64_t{1} << s))) continue;
    auto what = [&] {
      return "block page " + std::to_string(page_no) + " stream " + kStreamNames[s];
    };
    if (crc32c::mask(crc32c::value(stored)) != se.crc) return data_loss(what() + ": CRC mismatch");
    if (se.encoding == kStoredZstd) {
      WEFT_RETURN_IF_ERROR(zstd_decompress(stored, se.raw, &d->decoded[s], what()));
      d->stream[s] = d->decoded[s];
    } else {
      d->stream[s] = stored;
    }
  }
  return Status::ok();
}

constexpr uint64_t bit(Stream s) { return uint64_t{1} << s; }

}  // namespace

Status load_for_search(int fd, const std::string& path, const Footer& f, const PageEntry& p,
                       uint32_t page_no, const SearchColumns& what, PageData* d) {
  WEFT_RETURN_IF_ERROR(load_column(fd, path, f, p, page_no, kColTrace, d));
  uint64_t span_streams = bit(kSpanParentRef) | bit(kSpanResource) | bit(kSpanName) |
                          bit(kSpanNameRaw) | bit(kSpanKindStatus);
  if (what.times) span_streams |= bit(kSpanStartDelta) | bit(kSpanDuration);
  WEFT_RETURN_IF_ERROR(read_streams(fd, path, p, page_no, kColSpan, span_streams, d));
  ColumnDecoder dec(f, p, page_no, d);
  WEFT_RETURN_IF_ERROR(dec.span_for_search(what.times));
  if (what.attr_slots) {
    // Only the value streams the wanted slots' types use (the raw stream, the largest,
    // only for raw strings and complex values).
    uint64_t attr_streams = bit(kAttrCount) | bit(kAttrSlot);
    const std::vector<bool>& wanted = *what.attr_slots;
    for (size_t s = 0; s < wanted.size() && s < f.span_slots.size(); ++s) {
      if (!wanted[s]) continue;
      const SlotEntry& se = f.span_slots[s];
      switch (se.type) {
        case kTypeEmpty:
          break;
        case kTypeString:
          attr_streams |= bit(kAttrCode);
          if (se.overflowed) attr_streams |= bit(kAttrRaw);
          break;
        case kTypeBool:
        case kTypeInt:
          attr_streams |= bit(kAttrInt);
          break;
        case kTypeDouble:
          attr_streams |= bit(kAttrDouble);
          break;
        default:
          attr_streams |= bit(kAttrRaw);
          break;
      }
    }
    WEFT_RETURN_IF_ERROR(read_streams(fd, path, p, page_no, kColAttr, attr_streams, d));
    WEFT_RETURN_IF_ERROR(dec.attr_for_search(wanted));
  }
  return Status::ok();
}

Status load_column(int fd, const std::string& path, const Footer& f, const PageEntry& p,
                   uint32_t page_no, Column c, PageData* d) {
  if (d->loaded[c]) return Status::ok();
  if (c == kColSpan) WEFT_RETURN_IF_ERROR(load_column(fd, path, f, p, page_no, kColTrace, d));
  if (c > kColSpan) WEFT_RETURN_IF_ERROR(load_column(fd, path, f, p, page_no, kColSpan, d));
  WEFT_RETURN_IF_ERROR(read_streams(fd, path, p, page_no, c, ~uint64_t{0}, d));
  ColumnDecoder dec(f, p, page_no, d);
  switch (c) {
    case kColTrace:
      WEFT_RETURN_IF_ERROR(dec.trace());
      break;
    case kColSpan:
      WEFT_RETURN_IF_ERROR(dec.span());
      break;
    case kColAttr:
      WEFT_RETURN_IF_ERROR(dec.attr());
      break;
    case kColEvent:
      WEFT_RETURN_IF_ERROR(dec.event());
      break;
    case kColExtra:
      WEFT_RETURN_IF_ERROR(dec.extra());
      break;
    default:
      break;
  }
  d->loaded[c] = true;
  return Status::ok();
}

AnyValue attr_value(const std::vector<SlotEntry>& slots, const DecodedAttrs& a,
                    const DecodedAttr& x) {
  switch (slots[x.slot].type) {
    case kTypeEmpty:
      return AnyValue();
    case kTypeString:
      return AnyValue(x.code == kNoCode ? std::string(x.raw) : slots[x.slot].values[x.code]);
    case kTypeBool:
      return AnyValue(x.i != 0);
    case kTypeInt:
      return AnyValue(x.i);
    case kTypeDouble:
      return AnyValue(x.d);
    default:
      return a.complex[x.complex];
  }
}

namespace {
void build_attrs(const std::vector<SlotEntry>& slots, const DecodedAttrs& a, uint32_t owner,
                 KeyValueList* out) {
  out->clear();
  out->reserve(a.begin[owner + 1] - a.begin[owner]);
  for (uint32_t k = a.begin[owner]; k < a.begin[owner + 1]; ++k)
    out->push_back(KeyValue{slots[a.attrs[k].slot].key, attr_value(slots, a, a.attrs[k])});
}
}  // namespace

void build_span(const Footer& f, const PageData& d, uint32_t trace, uint32_t i, Span* s) {
  s->trace_id = d.trace_id[trace];
  s->span_id = d.span_id[i];
  const uint32_t ref = d.parent_ref[i];
  s->parent_span_id = ref == 0   ? SpanId{}
                      : ref == 1 ? d.parent_raw[i]
                                 : d.span_id[d.trace_begin[trace] + ref - 2];
  s->flags = d.flags[i];
  s->name = d.name_code[i] == kNoCode ? std::string(d.name_raw[i]) : f.span_names[d.name_code[i]];
  s->kind = d.kind(i);
  s->start_time_unix_nano = d.start[i];
  s->end_time_unix_nano = d.end[i];
  s->status.code = static_cast<SpanStatusCode>((d.kind_status[i] & kStatusMask) >> kStatusShift);
  build_attrs(f.span_slots, d.attrs, i, &s->attributes);
  s->events.clear();
  for (uint32_t e = d.event_begin[i]; e < d.event_begin[i + 1]; ++e) {
    const DecodedEvent& de = d.events[e];
    SpanEvent ev;
    ev.time_unix_nano = de.time;
    ev.name = de.name_code == kNoCode ? std::string(de.name_raw) : f.event_names[de.name_code];
    ev.dropped_attributes_count = de.dropped;
    build_attrs(f.event_slots, d.event_attrs, e, &ev.attributes);
    s->events.push_back(std::move(ev));
  }
  s->trace_state.clear();
  s->status.message.clear();
  s->rpc_id.clear();
  s->dropped_attributes_count = s->dropped_events_count = s->dropped_links_count = 0;
  s->links.clear();
  if (d.extra_of[i] >= 0) {
    const DecodedExtras& x = d.extras[static_cast<size_t>(d.extra_of[i])];
    s->trace_state = x.trace_state;
    s->status.message = x.status_message;
    s->rpc_id = x.rpc_id;
    s->dropped_attributes_count = x.dropped_attributes;
    s->dropped_events_count = x.dropped_events;
    s->dropped_links_count = x.dropped_links;
    s->links = x.links;
  }
  s->resource = d.resource[i] ? f.resources[d.resource[i] - 1] : nullptr;
  s->scope = d.scope[i] ? f.scopes[d.scope[i] - 1] : nullptr;
}

}  // namespace weft::store::block
