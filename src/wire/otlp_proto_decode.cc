// Hand-written decoder: protobuf wire format -> weft::Span, with no generated-message
// intermediate. Field numbers: docs/format/otlp.md.
//
// Shape: one function per OTLP message. Each walks its fields once with proto::Reader and
// writes straight into the model. A framing error anywhere fails the whole request with the
// path of the message being read; representational problems (bad ids) reject one span.
#include <algorithm>
#include <cstddef>
#include <cstring>

#include "wire/otlp_proto.h"
#include "wire/proto_wire.h"

namespace weft::wire {

namespace {

using proto::Field;
using proto::Reader;
using proto::WireType;

constexpr int kMaxValueDepth = 32;  // nested arrays / kvlists in one AnyValue
constexpr int kMaxPath = 16;

// Reports an id's problem, or returns false when it is valid.
template <size_t N>
bool bad_id(std::string_view raw, bool allow_empty, const char* what, std::string* why) {
  if (raw.empty() && allow_empty) return false;
  if (raw.size() != N) {
    *why = std::string(what) + (allow_empty ? " must be empty or " : " must be ") +
           std::to_string(N) + " bytes (got " + std::to_string(raw.size()) + ")";
    return true;
  }
  if (allow_empty) return false;  // an all-zero parent means "root"
  for (char c : raw)
    if (c) return false;
  *why = std::string(what) + " must not be all zero";
  return true;
}

class Decoder {
 public:
  explicit Decoder(DecodeResult* out) : out_(out) {}

  Status run(std::string_view bytes) {
    if (request(bytes)) return Status::ok();
    return invalid_argument(error_);
  }

 private:
  // Path of the message being decoded, kept as frames so it costs nothing until an error.
  struct Frame {
    const char* name;
    int index;  // -1: not a repeated field
  };
  class PathScope {
   public:
    PathScope(Decoder* d, const char* name, int index) : d_(d) {
      if (d_->depth_ < kMaxPath) d_->path_[d_->depth_] = {name, index};
      ++d_->depth_;
    }
    ~PathScope() { --d_->depth_; }
    PathScope(const PathScope&) = delete;
    PathScope& operator=(const PathScope&) = delete;

   private:
    Decoder* d_;
  };

  bool fail(const Reader& r) { return fail(r.error()); }
  bool fail(const std::string& what) {
    std::string path;
    for (int i = 0; i < depth_ && i < kMaxPath; ++i) {
      if (i) path += '.';
      path += path_[i].name;
      if (path_[i].index >= 0) path += "[" + std::to_string(path_[i].index) + "]";
    }
    error_ = path.empty() ? what : path + ": " + what;
    return false;
  }

  bool request(std::string_view bytes);
  bool resource_spans(std::string_view bytes);
  bool resource(std::string_view bytes, Resource* res);
  bool scope_spans(std::string_view bytes, const std::shared_ptr<const Resource>& res);
  bool scope(std::string_view bytes, InstrumentationScope* scope);
  bool span(std::string_view bytes, Span* s, std::string* reject);
  bool event(std::string_view bytes, SpanEvent* e);
  bool link(std::string_view bytes, SpanLink* l, int index, std::string* reject);
  bool status(std::string_view bytes, SpanStatus* st);
  bool key_value(std::string_view bytes, KeyValue* kv, int depth);
  bool any_value(std::string_view bytes, AnyValue* v, int depth);
  bool attribute(const Field& f, KeyValueList* attrs, const char* name);

  DecodeResult* out_;
  uint32_t span_number_ = 0;
  Frame path_[kMaxPath];
  int depth_ = 0;
  std::string error_;
};

#define WEFT_EXPECT(type) \
  if (!r.expect(f, WireType::type)) return fail(r)

// Loops over the fields of `bytes`, running the switch body for each one.
#define WEFT_FOR_EACH_FIELD(bytes)                        \
  Reader r(bytes);                                        \
  Field f;                                                \
  for (Reader::Next n; (n = r.next(&f)) != Reader::kEnd;) \
    if (n == Reader::kError)                              \
      return fail(r);                                     \
    else

bool Decoder::request(std::string_view bytes) {
  int i = 0;
  WEFT_FOR_EACH_FIELD(bytes) {
    if (f.number != 1) continue;
    WEFT_EXPECT(kLen);
    PathScope p(this, "resource_spans", i++);
    if (!resource_spans(f.bytes)) return false;
  }
  return true;
}

bool Decoder::resource_spans(std::string_view bytes) {
  // First pass: the resource and schema_url, which may follow the scope_spans on the wire.
  auto res = std::make_shared<Resource>();
  {
    WEFT_FOR_EACH_FIELD(bytes) {
      if (f.number == 1) {
        WEFT_EXPECT(kLen);
        PathScope p(this, "resource", -1);
        if (!resource(f.bytes, res.get())) return false;
      } else if (f.number == 3) {
        WEFT_EXPECT(kLen);
        res->schema_url.assign(f.bytes);
      }
    }
  }
  std::shared_ptr<const Resource> shared = std::move(res);
  int i = 0;
  WEFT_FOR_EACH_FIELD(bytes) {
    if (f.number != 2) continue;
    WEFT_EXPECT(kLen);
    PathScope p(this, "scope_spans", i++);
    if (!scope_spans(f.bytes, shared)) return false;
  }
  return true;
}

bool Decoder::resource(std::string_view bytes, Resource* res) {
  WEFT_FOR_EACH_FIELD(bytes) {
    switch (f.number) {
      case 1:
        if (!attribute(f, &res->attributes, "attributes")) return false;
        break;
      case 2:
        WEFT_EXPECT(kVarint);
        res->dropped_attributes_count = static_cast<uint32_t>(f.value);
        break;
      default:
        break;  // entity_refs (3) and future fields: not kept
    }
  }
  return true;
}

bool Decoder::scope_spans(std::string_view bytes, const std::shared_ptr<const Resource>& res) {
  auto sc = std::make_shared<InstrumentationScope>();
  size_t span_count = 0;
  {
    WEFT_FOR_EACH_FIELD(bytes) {
      if (f.number == 1) {
        WEFT_EXPECT(kLen);
        PathScope p(this, "scope", -1);
        if (!scope(f.bytes, sc.get())) return false;
      } else if (f.number == 3) {
        WEFT_EXPECT(kLen);
        sc->schema_url.assign(f.bytes);
      } else if (f.number == 2) {
        ++span_count;
      }
    }
  }
  std::shared_ptr<const InstrumentationScope> shared = std::move(sc);
  auto& spans = out_->batch.spans;
  if (spans.capacity() < spans.size() + span_count)
    spans.reserve(std::max(spans.size() + span_count, 2 * spans.capacity()));
  int i = 0;
  std::string reject;
  WEFT_FOR_EACH_FIELD(bytes) {
    if (f.number != 2) continue;
    WEFT_EXPECT(kLen);
    PathScope p(this, "spans", i++);
    Span& s = spans.emplace_back();
    reject.clear();
    if (!span(f.bytes, &s, &reject)) return false;
    uint32_t number = span_number_++;
    if (!reject.empty()) {
      spans.pop_back();
      out_->reject("span " + std::to_string(number) + ": " + reject);
      continue;
    }
    s.resource = res;
    s.scope = shared;
  }
  return true;
}

bool Decoder::scope(std::string_view bytes, InstrumentationScope* sc) {
  WEFT_FOR_EACH_FIELD(bytes) {
    switch (f.number) {
      case 1:
        WEFT_EXPECT(kLen);
        sc->name.assign(f.bytes);
        break;
      case 2:
        WEFT_EXPECT(kLen);
        sc->version.assign(f.bytes);
        break;
      case 3:
        if (!attribute(f, &sc->attributes, "attributes")) return false;
        break;
      case 4:
        WEFT_EXPECT(kVarint);
        sc->dropped_attributes_count = static_cast<uint32_t>(f.value);
        break;
      default:
        break;
    }
  }
  return true;
}

bool Decoder::span(std::string_view bytes, Span* s, std::string* reject) {
  // Pre-pass: count the repeated fields so each vector is allocated once.
  size_t n_attrs = 0, n_events = 0, n_links = 0;
  {
    WEFT_FOR_EACH_FIELD(bytes) {
      n_attrs += f.number == 9;
      n_events += f.number == 11;
      n_links += f.number == 13;
    }
  }
  s->attributes.reserve(n_attrs);
  s->events.reserve(n_events);
  s->links.reserve(n_links);

  std::string_view trace_id, span_id, parent_span_id;
  int event_index = 0, link_index = 0;
  WEFT_FOR_EACH_FIELD(bytes) {
    switch (f.number) {
      case 1:
        WEFT_EXPECT(kLen);
        trace_id = f.bytes;
        break;
      case 2:
        WEFT_EXPECT(kLen);
        span_id = f.bytes;
        break;
      case 3:
        WEFT_EXPECT(kLen);
        s->trace_state = std::string(f.bytes);
        break;
      case 4:
        WEFT_EXPECT(kLen);
        parent_span_id = f.bytes;
        break;
      case 5:
        WEFT_EXPECT(kLen);
        s->name = std::string(f.bytes);
        break;
      case 6:
        WEFT_EXPECT(kVarint);
        // Open enum: a kind from a newer OTLP reads as unspecified.
        s->kind = f.value <= 5 ? static_cast<SpanKind>(f.value) : SpanKind::kUnspecified;
        break;
      case 7:
        WEFT_EXPECT(kFixed64);
        s->start_time_unix_nano = f.value;
        break;
      case 8:
        WEFT_EXPECT(kFixed64);
        s->end_time_unix_nano = f.value;
        break;
      case 9:
        if (!attribute(f, &s->attributes, "attributes")) return false;
        break;
      case 10:
        WEFT_EXPECT(kVarint);
        s->dropped_attributes_count = static_cast<uint32_t>(f.value);
        break;
      case 11: {
        WEFT_EXPECT(kLen);
        PathScope p(this, "events", event_index++);
        if (!event(f.bytes, &s->events.emplace_back())) return false;
        break;
      }
      case 12:
        WEFT_EXPECT(kVarint);
        s->dropped_events_count = static_cast<uint32_t>(f.value);
        break;
      case 13: {
        WEFT_EXPECT(kLen);
        PathScope p(this, "links", link_index);
        if (!link(f.bytes, &s->links.emplace_back(), link_index++, reject)) return false;
        break;
      }
      case 14:
        WEFT_EXPECT(kVarint);
        s->dropped_links_count = static_cast<uint32_t>(f.value);
        break;
      case 15: {
        WEFT_EXPECT(kLen);
        PathScope p(this, "status", -1);
        if (!status(f.bytes, &s->status)) return false;
        break;
      }
      case 16:
        WEFT_EXPECT(kFixed32);
        s->flags = static_cast<uint32_t>(f.value);
        break;
      case 1000:
        WEFT_EXPECT(kLen);
        s->rpc_id.assign(f.bytes);
        break;  // weft extension
      default:
        break;
    }
  }
  // Link problems were found first, but the span's own ids are reported in preference.
  std::string why;
  if (bad_id<16>(trace_id, false, "trace_id", &why) || bad_id<8>(span_id, false, "span_id", &why) ||
      bad_id<8>(parent_span_id, true, "parent_span_id", &why)) {
    *reject = std::move(why);
    return true;
  }
  if (!reject->empty()) return true;
  std::memcpy(s->trace_id.bytes.data(), trace_id.data(), 16);
  std::memcpy(s->span_id.bytes.data(), span_id.data(), 8);
  if (!parent_span_id.empty())
    std::memcpy(s->parent_span_id.bytes.data(), parent_span_id.data(), 8);
  return true;
}

bool Decoder::event(std::string_view bytes, SpanEvent* e) {
  WEFT_FOR_EACH_FIELD(bytes) {
    switch (f.number) {
      case 1:
        WEFT_EXPECT(kFixed64);
        e->time_unix_nano = f.value;
        break;
      case 2:
        WEFT_EXPECT(kLen);
        e->name.assign(f.bytes);
        break;
      case 3:
        if (!attribute(f, &e->attributes, "attributes")) return false;
        break;
      case 4:
        WEFT_EXPECT(kVarint);
        e->dropped_attributes_count = static_cast<uint32_t>(f.value);
        break;
      default:
        break;
    }
  }
  return true;
}

bool Decoder::link(std::string_view bytes, SpanLink* l, int index, std::string* reject) {
  std::string_view trace_id, span_id;
  WEFT_FOR_EACH_FIELD(bytes) {
    switch (f.number) {
      case 1:
        WEFT_EXPECT(kLen);
        trace_id = f.bytes;
        break;
      case 2:
        WEFT_EXPECT(kLen);
        span_id = f.bytes;
        break;
      case 3:
        WEFT_EXPECT(kLen);
        l->trace_state.assign(f.bytes);
        break;
      case 4:
        if (!attribute(f, &l->attributes, "attributes")) return false;
        break;
      case 5:
        WEFT_EXPECT(kVarint);
        l->dropped_attributes_count = static_cast<uint32_t>(f.value);
        break;
      case 6:
        WEFT_EXPECT(kFixed32);
        l->flags = static_cast<uint32_t>(f.value);
        break;
      default:
        break;
    }
  }
  std::string why;
  if (bad_id<16>(trace_id, false, "trace_id", &why) || bad_id<8>(span_id, false, "span_id", &why)) {
    if (reject->empty()) *reject = "links[" + std::to_string(index) + "]." + why;
    return true;
  }
  std::memcpy(l->trace_id.bytes.data(), trace_id.data(), 16);
  std::memcpy(l->span_id.bytes.data(), span_id.data(), 8);
  return true;
}

bool Decoder::status(std::string_view bytes, SpanStatus* st) {
  WEFT_FOR_EACH_FIELD(bytes) {
    switch (f.number) {
      case 2:
        WEFT_EXPECT(kLen);
        st->message.assign(f.bytes);
        break;
      case 3:
        WEFT_EXPECT(kVarint);
        // Open enum: an unknown code reads as unset.
        st->code = f.value <= 2 ? static_cast<SpanStatusCode>(f.value) : SpanStatusCode::kUnset;
        break;
      default:
        break;  // 1 is the deprecated code, reserved
    }
  }
  return true;
}

bool Decoder::attribute(const Field& f, KeyValueList* attrs, const char* name) {
  if (f.type != WireType::kLen) {
    Reader r({});
    r.expect(f, WireType::kLen);
    return fail(r);
  }
  PathScope p(this, name, static_cast<int>(attrs->size()));
  return key_value(f.bytes, &attrs->emplace_back(), 0);
}

bool Decoder::key_value(std::string_view bytes, KeyValue* kv, int depth) {
  WEFT_FOR_EACH_FIELD(bytes) {
    if (f.number == 1) {
      WEFT_EXPECT(kLen);
      kv->key = std::string(f.bytes);
    } else if (f.number == 2) {
      WEFT_EXPECT(kLen);
      PathScope p(this, "value", -1);
      if (!any_value(f.bytes, &kv->value, depth + 1)) return false;
    }
  }
  return true;
}

bool Decoder::any_value(std::string_view bytes, AnyValue* v, int depth) {
  if (depth > kMaxValueDepth)
    return fail("values nested deeper than " + std::to_string(kMaxValueDepth));
  WEFT_FOR_EACH_FIELD(bytes) {
    switch (f.number) {
      case 1:
        WEFT_EXPECT(kLen);
        v->v.emplace<std::string>(f.bytes);
        break;
      case 2:
        WEFT_EXPECT(kVarint);
        v->v = f.value != 0;
        break;
      case 3:
        WEFT_EXPECT(kVarint);
        v->v = static_cast<int64_t>(f.value);
        break;
      case 4: {
        WEFT_EXPECT(kFixed64);
        double d;
        std::memcpy(&d, &f.value, 8);
        v->v = d;
        break;
      }
      case 5: {  // ArrayValue { repeated AnyValue values = 1; }
        WEFT_EXPECT(kLen);
        PathScope p(this, "array_value", -1);
        auto& arr = v->v.emplace<ArrayValue>();
        Reader ar(f.bytes);
        Field af;
        for (Reader::Next n; (n = ar.next(&af)) != Reader::kEnd;) {
          if (n == Reader::kError) return fail(ar);
          if (af.number != 1) continue;
          if (!ar.expect(af, WireType::kLen)) return fail(ar);
          PathScope pv(this, "values", static_cast<int>(arr.size()));
          if (!any_value(af.bytes, &arr.emplace_back(), depth + 1)) return false;
        }
        break;
      }
      case 6: {  // KeyValueList { repeated KeyValue values = 1; }
        WEFT_EXPECT(kLen);
        PathScope p(this, "kvlist_value", -1);
        auto& list = v->v.emplace<KeyValueList>();
        Reader lr(f.bytes);
        Field lf;
        for (Reader::Next n; (n = lr.next(&lf)) != Reader::kEnd;) {
          if (n == Reader::kError) return fail(lr);
          if (lf.number != 1) continue;
          if (!lr.expect(lf, WireType::kLen)) return fail(lr);
          PathScope pv(this, "values", static_cast<int>(list.size()));
          if (!key_value(lf.bytes, &list.emplace_back(), depth + 1)) return false;
        }
        break;
      }
      case 7:
        WEFT_EXPECT(kLen);
        v->v.emplace<Bytes>(Bytes{std::string(f.bytes)});
        break;
      default:
        break;
    }
  }
  return true;
}

#undef WEFT_EXPECT
#undef WEFT_FOR_EACH_FIELD

}  // namespace

Status decode_otlp_proto(std::string_view bytes, DecodeResult* out) {
  // On error *out is left as it was: no half-decoded request leaks to the caller.
  size_t spans_before = out->batch.spans.size();
  uint32_t rejected_before = out->rejected_spans;
  size_t errors_before = out->errors.size();
  Status st = Decoder(out).run(bytes);
  if (!st.is_ok()) {
    out->batch.spans.erase(out->batch.spans.begin() + static_cast<std::ptrdiff_t>(spans_before),
                           out->batch.spans.end());
    out->rejected_spans = rejected_before;
    out->errors.resize(errors_before);
  }
  return st;
}

}  // namespace weft::wire
