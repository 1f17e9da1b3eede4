#include "store/head/span_record.h"

#include <cstring>

#include "common/coding.h"
#include "common/status.h"
#include "store/head/span_match.h"
#include "store/wal/span_codec.h"

namespace weft::store {

using namespace weft::model;

namespace {

using coding::get_varint64;
using coding::put_varint64;

// Value types of an attribute in a record.
enum RecordType : uint8_t {
  kEmpty = 0,
  kInterned = 1,
  kBool = 2,
  kInt = 3,
  kDouble = 4,
  kComplex = 5,  // bytes, array, kvlist: span codec value encoding
  kInline = 8,
};

constexpr uint8_t kHasEvents = 0x20;
constexpr uint8_t kHasLinks = 0x40;
constexpr uint8_t kHasExtras = 0x80;

enum ExtraBit : uint64_t {
  kTraceState = 1,
  kStatusMessage = 2,
  kRpcId = 4,
  kDroppedAttributes = 8,
  kDroppedEvents = 16,
  kDroppedLinks = 32,
};

using coding::unzigzag;
using coding::zigzag;

void put_str(std::string& out, std::string_view s) {
  put_varint64(out, s.size());
  out.append(s);
}

void put_attrs(std::string& out, const KeyValueList& attrs, HeadTables& tables) {
  put_varint64(out, attrs.size());
  for (const KeyValue& kv : attrs) {
    const uint32_t key = tables.intern(kv.key);
    put_varint64(out, key);
    switch (kv.value.v.index()) {
      case 0:
        out.push_back(kEmpty);
        break;
      case 1: {
        const std::string& v = std::get<std::string>(kv.value.v);
        if (auto id = tables.intern_value(key, v)) {
          out.push_back(kInterned);
          put_varint64(out, *id);
        } else {
          out.push_back(kInline);
          put_str(out, v);
        }
        break;
      }
      case 2:
        out.push_back(kBool);
        out.push_back(std::get<bool>(kv.value.v) ? 1 : 0);
        break;
      case 3:
        out.push_back(kInt);
        put_varint64(out, zigzag(std::get<int64_t>(kv.value.v)));
        break;
      case 4: {
        out.push_back(kDouble);
        uint64_t bits;
        const double d = std::get<double>(kv.value.v);
        std::memcpy(&bits, &d, 8);
        coding::put_fixed64(out, bits);
        break;
      }
      default:
        out.push_back(kComplex);
        encode_value(kv.value, &out);
        break;
    }
  }
}

// Reads records this process wrote: a malformed one is a bug, not bad input.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  uint64_t varint() {
    uint64_t v = 0;
    WEFT_CHECK(get_varint64(in_, &v));
    return v;
  }
  uint8_t byte() {
    WEFT_CHECK(!in_.empty());
    const uint8_t b = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return b;
  }
  uint64_t fixed64() {
    uint64_t v = 0;
    WEFT_CHECK(coding::get_fixed64(in_, &v));
    return v;
  }
  std::string_view bytes(size_t n) {
    WEFT_CHECK(in_.size() >= n);
    std::string_view v = in_.substr(0, n);
    in_.remove_prefix(n);
    return v;
  }
  std::string_view str() { return bytes(varint()); }
  template <size_t N>
  FixedId<N> id() {
    return *FixedId<N>::from_bytes(bytes(N));
  }
  AnyValue codec_value() {
    AnyValue v;
    WEFT_CHECK(decode_value(&in_, &v));
    return v;
  }
  SpanLink link() {
    SpanLink l;
    WEFT_CHECK(decode_link(&in_, &l));
    return l;
  }
  std::string_view rest() const { return in_; }
  void skip_to(std::string_view rest) { in_ = rest; }

 private:
  std::string_view in_;
};

// One attribute of a section, not yet turned into a model value.
struct RawAttr {
  uint32_t key = 0;
  uint8_t type = kEmpty;
  uint64_t num = 0;          // interned id, bool, zigzag int, double bits
  std::string_view inline_;  // inline string
  AnyValue complex;
};

RawAttr read_attr(Reader& r) {
  RawAttr a;
  a.key = static_cast<uint32_t>(r.varint());
  a.type = r.byte();
  switch (a.type) {
    case kEmpty:
      break;
    case kInterned:
    case kInt:
      a.num = r.varint();
      break;
    case kBool:
      a.num = r.byte();
      break;
    case kDouble:
      a.num = r.fixed64();
      break;
    case kInline:
      a.inline_ = r.str();
      break;
    default:
      WEFT_CHECK(a.type == kComplex);
      a.complex = r.codec_value();
      break;
  }
  return a;
}

AnyValue value_of(RawAttr&& a, const HeadTables& tables) {
  switch (a.type) {
    case kEmpty:
      return AnyValue();
    case kInterned:
      return AnyValue(std::string(tables.str(static_cast<uint32_t>(a.num))));
    case kInline:
      return AnyValue(std::string(a.inline_));
    case kBool:
      return AnyValue(a.num != 0);
    case kInt:
      return AnyValue(unzigzag(a.num));
    case kDouble: {
      double d;
      std::memcpy(&d, &a.num, 8);
      return AnyValue(d);
    }
    default:
      return std::move(a.complex);
  }
}

KeyValueList read_attrs(Reader& r, const HeadTables& tables) {
  KeyValueList out(r.varint());
  for (KeyValue& kv : out) {
    RawAttr a = read_attr(r);
    kv.key = std::string(tables.str(a.key));
    kv.value = value_of(std::move(a), tables);
  }
  return out;
}

void skip_attrs(Reader& r) {
  for (uint64_t n = r.varint(); n > 0; --n) (void)read_attr(r);
}

}  // namespace

void encode_span_record(const Span& s, HeadTables& tables, std::string* out) {
  std::string& o = *out;
  o.append(s.span_id.as_bytes());
  o.append(s.parent_span_id.as_bytes());
  coding::put_fixed64(o, s.start_time_unix_nano);
  put_varint64(o, zigzag(static_cast<int64_t>(s.end_time_unix_nano - s.start_time_unix_nano)));
  put_varint64(o, s.flags);
  put_varint64(o, tables.intern(s.name));
  const bool extras = !s.trace_state.empty() || !s.status.message.empty() || !s.rpc_id.empty() ||
                      s.dropped_attributes_count || s.dropped_events_count || s.dropped_links_count;
  uint8_t ks = static_cast<uint8_t>(static_cast<uint8_t>(s.kind) & 7) |
               static_cast<uint8_t>((static_cast<uint8_t>(s.status.code) & 3) << 3);
  if (!s.events.empty()) ks |= kHasEvents;
  if (!s.links.empty()) ks |= kHasLinks;
  if (extras) ks |= kHasExtras;
  o.push_back(static_cast<char>(ks));
  put_varint64(o, tables.resource_id(s.resource));
  put_varint64(o, tables.scope_id(s.scope));
  put_attrs(o, s.attributes, tables);
  if (!s.events.empty()) {
    put_varint64(o, s.events.size());
    for (const SpanEvent& e : s.events) {
      put_varint64(o, zigzag(static_cast<int64_t>(e.time_unix_nano - s.start_time_unix_nano)));
      put_varint64(o, tables.intern(e.name));
      put_attrs(o, e.attributes, tables);
      put_varint64(o, e.dropped_attributes_count);
    }
  }
  if (!s.links.empty()) {
    put_varint64(o, s.links.size());
    for (const SpanLink& l : s.links) encode_link(l, &o);
  }
  if (extras) {
    uint64_t present = 0;
    if (!s.trace_state.empty()) present |= kTraceState;
    if (!s.status.message.empty()) present |= kStatusMessage;
    if (!s.rpc_id.empty()) present |= kRpcId;
    if (s.dropped_attributes_count) present |= kDroppedAttributes;
    if (s.dropped_events_count) present |= kDroppedEvents;
    if (s.dropped_links_count) present |= kDroppedLinks;
    put_varint64(o, present);
    if (present & kTraceState) put_str(o, s.trace_state);
    if (present & kStatusMessage) put_str(o, s.status.message);
    if (present & kRpcId) put_str(o, s.rpc_id);
    if (present & kDroppedAttributes) put_varint64(o, s.dropped_attributes_count);
    if (present & kDroppedEvents) put_varint64(o, s.dropped_events_count);
    if (present & kDroppedLinks) put_varint64(o, s.dropped_links_count);
  }
}

SpanRecordView::SpanRecordView(std::string_view record) {
  Reader r(record);
  span_id = r.id<8>();
  parent_span_id = r.id<8>();
  start = r.fixed64();
  end = start + static_cast<uint64_t>(unzigzag(r.varint()));
  flags = r.varint();
  name_id = static_cast<uint32_t>(r.varint());
  kind_status = r.byte();
  resource_id = static_cast<uint32_t>(r.varint());
  scope_id = static_cast<uint32_t>(r.varint());
  std::string_view at_attrs = r.rest();
  skip_attrs(r);
  attrs = at_attrs.substr(0, at_attrs.size() - r.rest().size());
  rest = r.rest();
}

Span decode_span_record(std::string_view record, const TraceId& trace_id,
                        const HeadTables& tables) {
  const SpanRecordView v(record);
  Span s;
  s.trace_id = trace_id;
  s.span_id = v.span_id;
  s.parent_span_id = v.parent_span_id;
  s.start_time_unix_nano = v.start;
  s.end_time_unix_nano = v.end;
  s.flags = static_cast<uint32_t>(v.flags);
  s.name = std::string(tables.str(v.name_id));
  s.kind = v.kind();
  s.status.code = v.status();
  s.resource = tables.resource(v.resource_id);
  s.scope = tables.scope(v.scope_id);
  Reader attrs(v.attrs);
  s.attributes = read_attrs(attrs, tables);
  Reader r(v.rest);
  if (v.kind_status & kHasEvents) {
    s.events.resize(r.varint());
    for (SpanEvent& e : s.events) {
      e.time_unix_nano = v.start + static_cast<uint64_t>(unzigzag(r.varint()));
      e.name = std::string(tables.str(static_cast<uint32_t>(r.varint())));
      e.attributes = read_attrs(r, tables);
      e.dropped_attributes_count = static_cast<uint32_t>(r.varint());
    }
  }
  if (v.kind_status & kHasLinks) {
    s.links.resize(r.varint());
    for (SpanLink& l : s.links) l = r.link();
  }
  if (v.kind_status & kHasExtras) {
    const uint64_t present = r.varint();
    if (present & kTraceState) s.trace_state = std::string(r.str());
    if (present & kStatusMessage) s.status.message = std::string(r.str());
    if (present & kRpcId) s.rpc_id = std::string(r.str());
    if (present & kDroppedAttributes)
      s.dropped_attributes_count = static_cast<uint32_t>(r.varint());
    if (present & kDroppedEvents) s.dropped_events_count = static_cast<uint32_t>(r.varint());
    if (present & kDroppedLinks) s.dropped_links_count = static_cast<uint32_t>(r.varint());
  }
  return s;
}

// ---------------------------------------------------------------------------------------
// Matching in place.

RecordQuery::RecordQuery(const TraceQuery& q, const HeadTables& tables) : q_(q), tables_(tables) {
  if (!q.service.empty()) {
    service_id_ = tables.find(q.service);
    if (!service_id_) anchor_possible_ = false;
  }
  if (!q.operation.empty()) {
    name_id_ = tables.find(q.operation);
    if (!name_id_) anchor_possible_ = false;
  }
  tags_.resize(q.tags.size());
  for (size_t i = 0; i < q.tags.size(); ++i) {
    Tag& t = tags_[i];
    t.key = q.tags[i].key;
    t.value = q.tags[i].value;
    t.key_id = tables.find(t.key);
    t.value_id = tables.find(t.value);
    SpanKind k;
    if (t.key == "span.kind" && parse_span_kind(t.value, &k)) t.kind = k;
    t.resource.assign(tables.resources(), -1);
  }
}

bool RecordQuery::span_is_anchor(const SpanRecordView& r) const {
  if (service_id_ && tables_.service_of(r.resource_id) != *service_id_) return false;
  if (name_id_ && r.name_id != *name_id_) return false;
  if (q_.span_kind && r.kind() != *q_.span_kind) return false;
  if (q_.duration_of_span) {
    const uint64_t d = r.duration();
    if (q_.min_duration_nanos && d < *q_.min_duration_nanos) return false;
    if (q_.max_duration_nanos && d > *q_.max_duration_nanos) return false;
  }
  return true;
}

bool RecordQuery::attrs_have(std::string_view section, const Tag& t) const {
  if (!t.key_id) return false;
  Reader r(section);
  for (uint64_t n = r.varint(); n > 0; --n) {
    RawAttr a = read_attr(r);
    if (a.key != *t.key_id) continue;
    switch (a.type) {
      case kInterned:
        if (t.value_id && a.num == *t.value_id) return true;
        break;
      case kInline:
        if (a.inline_ == t.value) return true;
        break;
      default:
        if (value_of(std::move(a), tables_).to_string() == t.value) return true;
        break;
    }
  }
  return false;
}

bool RecordQuery::span_has_tag(const SpanRecordView& r, size_t i) const {
  Tag& t = tags_[i];
  if (t.key == "error" && t.value == "true" && r.status() == SpanStatusCode::kError) return true;
  if (t.kind && r.kind() == *t.kind) return true;
  if (t.key == "status.code" && status_code_matches(t.value, r.status())) return true;
  if (attrs_have(r.attrs, t)) return true;
  if (r.resource_id < t.resource.size()) {
    int8_t& known = t.resource[r.resource_id];
    if (known < 0) {
      known = 0;
      if (const auto& res = tables_.resource(r.resource_id))
        for (const KeyValue& kv : res->attributes)
          if (kv.key == t.key && (kv.value.as_string() ? *kv.value.as_string() == t.value
                                                       : kv.value.to_string() == t.value))
            known = 1;
    }
    if (known) return true;
  }
  if (r.has_events()) {
    Reader ev(r.rest);
    for (uint64_t n = ev.varint(); n > 0; --n) {
      (void)ev.varint();  // time
      (void)ev.varint();  // name
      std::string_view at = ev.rest();
      skip_attrs(ev);
      if (attrs_have(at.substr(0, at.size() - ev.rest().size()), t)) return true;
      (void)ev.varint();  // dropped
    }
  }
  return false;
}

bool RecordQuery::records_match(const std::vector<SpanRecordView>& spans,
                                uint64_t trace_duration) const {
  if (!q_.duration_of_span) {
    if (q_.min_duration_nanos && trace_duration < *q_.min_duration_nanos) return false;
    if (q_.max_duration_nanos && trace_duration > *q_.max_duration_nanos) return false;
  }
  if (query_has_anchor(q_)) {
    if (!anchor_possible_) return false;
    bool found = false;
    for (const SpanRecordView& s : spans)
      if ((found = span_is_anchor(s))) break;
    if (!found) return false;
  }
  for (size_t i = 0; i < tags_.size(); ++i) {
    bool found = false;
    for (const SpanRecordView& s : spans)
      if ((found = span_has_tag(s, i))) break;
    if (!found) return false;
  }
  return true;
}

}  // namespace weft::store
