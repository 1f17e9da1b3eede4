// OTLP/JSON decoder over a RapidJSON DOM. Lenient on input as OTLP asks receivers to be:
// snake_case keys, 64-bit integers as numbers or strings, enums as integers or names,
// hex ids in either case, unknown members and nulls ignored.
#include <cstring>

#include "wire/json_read.h"
#include "wire/otlp_json.h"

namespace weft::wire {

using namespace weft::model;

namespace {

using json::key_matches;
using json::Value;

constexpr int kMaxValueDepth = 32;

// Fills id from hex; returns the rejection reason or nullptr.
template <size_t N>
const char* parse_hex_id(std::string_view hex, bool allow_empty, FixedId<N>* id) {
  if (hex.empty() && allow_empty) return nullptr;
  auto parsed = FixedId<N>::from_hex(hex);
  if (!parsed) return N == 16 ? "not 32 hex digits" : "not 16 hex digits";
  if (!allow_empty && parsed->is_zero()) return "must not be all zero";
  *id = *parsed;
  return nullptr;
}

bool parse_status_code(std::string_view s, SpanStatusCode* out) {
  if (s.rfind("STATUS_CODE_", 0) == 0) s.remove_prefix(12);
  if (s == "UNSET")
    *out = SpanStatusCode::kUnset;
  else if (s == "OK")
    *out = SpanStatusCode::kOk;
  else if (s == "ERROR")
    *out = SpanStatusCode::kError;
  else
    return false;
  return true;
}

class Decoder {
 public:
  explicit Decoder(DecodeResult* out) : out_(out) {}

  Status run(std::string_view text) {
    rapidjson::Document doc;
    if (!json::parse(text, &doc, &error_)) return invalid_argument(error_);
    if (!doc.IsObject()) return invalid_argument("expected a JSON object at the top");
    if (request(doc)) return Status::ok();
    return invalid_argument(error_);
  }

 private:
  struct Scope {  // pushes a path frame for the lifetime of a block
    Scope(json::Path& p, const char* name, int index = -1) : p_(p) { p_.push(name, index); }
    ~Scope() { p_.pop(); }
    json::Path& p_;
  };

  bool fail(std::string_view member, std::string_view what) {
    error_ = path_.member(member);
    error_ += ": ";
    error_ += what;
    return false;
  }

  // Typed member readers: false (with error_) on a wrong type.
  bool str(const Value& v, const char* name, std::string* out) {
    return json::read_string(v, out) || fail(name, "expected a string");
  }
  bool u64(const Value& v, const char* name, uint64_t* out) {
    return json::read_uint64(v, out) || fail(name, "expected an unsigned 64-bit integer");
  }
  bool u32(const Value& v, const char* name, uint32_t* out) {
    return json::read_uint32(v, out) || fail(name, "expected an unsigned 32-bit integer");
  }
  bool array(const Value& v, const char* name) {
    return v.IsArray() || fail(name, "expected an array");
  }
  bool object(const Value& v, const char* name) {
    return v.IsObject() || fail(name, "expected an object");
  }

  bool request(const Value& root);
  bool resource_spans(const Value& v);
  bool resource(const Value& v, Resource* res);
  bool scope_spans(const Value& v, const std::shared_ptr<const Resource>& res);
  bool scope(const Value& v, InstrumentationScope* sc);
  bool span(const Value& v, Span* s, std::string* reject);
  bool event(const Value& v, SpanEvent* e);
  bool link(const Value& v, SpanLink* l, std::string* reject);
  bool status(const Value& v, SpanStatus* st);
  bool attributes(const Value& v, const char* name, KeyValueList* out, int depth = 0);
  bool any_value(const Value& v, AnyValue* out, int depth);

  DecodeResult* out_;
  json::Path path_;
  std::string error_;
  uint32_t span_number_ = 0;
};

bool Decoder::request(const Value& root) {
  for (auto& m : root.GetObject()) {
    if (m.value.IsNull() || !key_matches(json::view(m.name), "resourceSpans")) continue;
    if (!array(m.value, "resourceSpans")) return false;
    int i = 0;
    for (const Value& rs : m.value.GetArray()) {
      if (!object(rs, ("resourceSpans[" + std::to_string(i) + "]").c_str())) return false;
      Scope p(path_, "resourceSpans", i++);
      if (!resource_spans(rs)) return false;
    }
  }
  return true;
}

bool Decoder::resource_spans(const Value& v) {
  auto res = std::make_shared<Resource>();
  const Value* scope_spans_v = nullptr;
  for (auto& m : v.GetObject()) {
    if (m.value.IsNull()) continue;
    std::string_view k = json::view(m.name);
    if (k == "resource") {
      if (!object(m.value, "resource")) return false;
      Scope p(path_, "resource");
      if (!resource(m.value, res.get())) return false;
    } else if (key_matches(k, "scopeSpans")) {
      if (!array(m.value, "scopeSpans")) return false;
      scope_spans_v = &m.value;
    } else if (key_matches(k, "schemaUrl")) {
      if (!str(m.value, "schemaUrl", &res->schema_url)) return false;
    }
  }
  if (!scope_spans_v) return true;
  std::shared_ptr<const Resource> shared = std::move(res);
  int i = 0;
  for (const Value& ss : scope_spans_v->GetArray()) {
    if (!object(ss, ("scopeSpans[" + std::to_string(i) + "]").c_str())) return false;
    Scope p(path_, "scopeSpans", i++);
    if (!scope_spans(ss, shared)) return false;
  }
  return true;
}

bool Decoder::resource(const Value& v, Resource* res) {
  for (auto& m : v.GetObject()) {
    if (m.value.IsNull()) continue;
    std::string_view k = json::view(m.name);
    if (k == "attributes") {
      if (!attributes(m.value, "attributes", &res->attributes)) return false;
    } else if (key_matches(k, "droppedAttributesCount")) {
      if (!u32(m.value, "droppedAttributesCount", &res->dropped_attributes_count)) return false;
    }
  }
  return true;
}

bool Decoder::scope_spans(const Value& v, const std::shared_ptr<const Resource>& res) {
  auto sc = std::make_shared<InstrumentationScope>();
  const Value* spans_v = nullptr;
  for (auto& m : v.GetObject()) {
    if (m.value.IsNull()) continue;
    std::string_view k = json::view(m.name);
    if (k == "scope") {
      if (!object(m.value, "scope")) return false;
      Scope p(path_, "scope");
      if (!scope(m.value, sc.get())) return false;
    } else if (k == "spans") {
      if (!array(m.value, "spans")) return false;
      spans_v = &m.value;
    } else if (key_matches(k, "schemaUrl")) {
      if (!str(m.value, "schemaUrl", &sc->schema_url)) return false;
    }
  }
  if (!spans_v) return true;
  std::shared_ptr<const InstrumentationScope> shared = std::move(sc);
  auto& spans = out_->batch.spans;
  size_t need = spans.size() + spans_v->Size();
  if (spans.capacity() < need) spans.reserve(std::max(need, 2 * spans.capacity()));
  int i = 0;
  std::string reject;
  for (const Value& sv : spans_v->GetArray()) {
    if (!object(sv, ("spans[" + std::to_string(i) + "]").c_str())) return false;
    Scope p(path_, "spans", i++);
    Span& s = spans.emplace_back();
    reject.clear();
    if (!span(sv, &s, &reject)) return false;
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

bool Decoder::scope(const Value& v, InstrumentationScope* sc) {
  for (auto& m : v.GetObject()) {
    if (m.value.IsNull()) continue;
    std::string_view k = json::view(m.name);
    if (k == "name") {
      if (!str(m.value, "name", &sc->name)) return false;
    } else if (k == "version") {
      if (!str(m.value, "version", &sc->version)) return false;
    } else if (k == "attributes") {
      if (!attributes(m.value, "attributes", &sc->attributes)) return false;
    } else if (key_matches(k, "droppedAttributesCount")) {
      if (!u32(m.value, "droppedAttributesCount", &sc->dropped_attributes_count)) return false;
    }
  }
  return true;
}

bool Decoder::span(const Value& v, Span* s, std::string* reject) {
  std::string trace_id, span_id, parent_span_id;
  for (auto& m : v.GetObject()) {
    if (m.value.IsNull()) continue;
    std::string_view k = json::view(m.name);
    const Value& x = m.value;
    bool ok = true;
    if (key_matches(k, "traceId")) {
      ok = str(x, "traceId", &trace_id);
    } else if (key_matches(k, "spanId")) {
      ok = str(x, "spanId", &span_id);
    } else if (key_matches(k, "parentSpanId")) {
      ok = str(x, "parentSpanId", &parent_span_id);
    } else if (key_matches(k, "traceState")) {
      ok = str(x, "traceState", &s->trace_state);
    } else if (k == "flags") {
      ok = u32(x, "flags", &s->flags);
    } else if (k == "name") {
      ok = str(x, "name", &s->name);
    } else if (k == "kind") {
      uint64_t n;
      if (x.IsString() && parse_span_kind(json::view(x), &s->kind)) {
      } else if (json::read_uint64(x, &n)) {
        s->kind = n <= 5 ? static_cast<SpanKind>(n) : SpanKind::kUnspecified;  // open enum
      } else {
        ok = fail("kind", "expected a SpanKind number or name");
      }
    } else if (key_matches(k, "startTimeUnixNano")) {
      ok = u64(x, "startTimeUnixNano", &s->start_time_unix_nano);
    } else if (key_matches(k, "endTimeUnixNano")) {
      ok = u64(x, "endTimeUnixNano", &s->end_time_unix_nano);
    } else if (k == "attributes") {
      ok = attributes(x, "attributes", &s->attributes);
    } else if (key_matches(k, "droppedAttributesCount")) {
      ok = u32(x, "droppedAttributesCount", &s->dropped_attributes_count);
    } else if (k == "events") {
      ok = array(x, "events");
      int i = 0;
      if (ok) s->events.reserve(x.Size());
      for (auto it = x.Begin(); ok && it != x.End(); ++it) {
        ok = object(*it, ("events[" + std::to_string(i) + "]").c_str());
        Scope p(path_, "events", i++);
        ok = ok && event(*it, &s->events.emplace_back());
      }
    } else if (key_matches(k, "droppedEventsCount")) {
      ok = u32(x, "droppedEventsCount", &s->dropped_events_count);
    } else if (k == "links") {
      ok = array(x, "links");
      int i = 0;
      if (ok) s->links.reserve(x.Size());
      for (auto it = x.Begin(); ok && it != x.End(); ++it) {
        ok = object(*it, ("links[" + std::to_string(i) + "]").c_str());
        Scope p(path_, "links", i++);
        ok = ok && link(*it, &s->links.emplace_back(), reject);
      }
    } else if (key_matches(k, "droppedLinksCount")) {
      ok = u32(x, "droppedLinksCount", &s->dropped_links_count);
    } else if (k == "status") {
      ok = object(x, "status");
      Scope p(path_, "status");
      ok = ok && status(x, &s->status);
    } else if (key_matches(k, "weftRpcId")) {
      ok = str(x, "weftRpcId", &s->rpc_id);
    }
    if (!ok) return false;
  }
  const char* why;
  std::string field;
  if ((why = parse_hex_id(trace_id, false, &s->trace_id))) {
    field = "traceId";
  } else if ((why = parse_hex_id(span_id, false, &s->span_id))) {
    field = "spanId";
  } else if ((why = parse_hex_id(parent_span_id, true, &s->parent_span_id))) {
    field = "parentSpanId";
  }
  if (why) *reject = path_.member(field) + ": " + why;  // the span's ids before its links'
  return true;
}

bool Decoder::event(const Value& v, SpanEvent* e) {
  for (auto& m : v.GetObject()) {
    if (m.value.IsNull()) continue;
    std::string_view k = json::view(m.name);
    bool ok = true;
    if (key_matches(k, "timeUnixNano")) {
      ok = u64(m.value, "timeUnixNano", &e->time_unix_nano);
    } else if (k == "name") {
      ok = str(m.value, "name", &e->name);
    } else if (k == "attributes") {
      ok = attributes(m.value, "attributes", &e->attributes);
    } else if (key_matches(k, "droppedAttributesCount")) {
      ok = u32(m.value, "droppedAttributesCount", &e->dropped_attributes_count);
    }
    if (!ok) return false;
  }
  return true;
}

bool Decoder::link(const Value& v, SpanLink* l, std::string* reject) {
  std::string trace_id, span_id;
  for (auto& m : v.GetObject()) {
    if (m.value.IsNull()) continue;
    std::string_view k = json::view(m.name);
    bool ok = true;
    if (key_matches(k, "traceId")) {
      ok = str(m.value, "traceId", &trace_id);
    } else if (key_matches(k, "spanId")) {
      ok = str(m.value, "spanId", &span_id);
    } else if (key_matches(k, "traceState")) {
      ok = str(m.value, "traceState", &l->trace_state);
    } else if (k == "attributes") {
      ok = attributes(m.value, "attributes", &l->attributes);
    } else if (key_matches(k, "droppedAttributesCount")) {
      ok = u32(m.value, "droppedAttributesCount", &l->dropped_attributes_count);
    } else if (k == "flags") {
      ok = u32(m.value, "flags", &l->flags);
    }
    if (!ok) return false;
  }
  const char* why = parse_hex_id(trace_id, false, &l->trace_id);
  const char* field = "traceId";
  if (!why) {
    why = parse_hex_id(span_id, false, &l->span_id);
    field = "spanId";
  }
  if (why && reject->empty()) *reject = path_.member(field) + ": " + why;
  return true;
}

bool Decoder::status(const Value& v, SpanStatus* st) {
  for (auto& m : v.GetObject()) {
    if (m.value.IsNull()) continue;
    std::string_view k = json::view(m.name);
    if (k == "message") {
      if (!str(m.value, "message", &st->message)) return false;
    } else if (k == "code") {
      uint64_t n;
      if (m.value.IsString() && parse_status_code(json::view(m.value), &st->code)) {
      } else if (json::read_uint64(m.value, &n)) {
        st->code = n <= 2 ? static_cast<SpanStatusCode>(n) : SpanStatusCode::kUnset;
      } else {
        return fail("code", "expected a ResultCode number or name");
      }
    }
  }
  return true;
}

bool Decoder::attributes(const Value& v, const char* name, KeyValueList* out, int depth) {
  if (!array(v, name)) return false;
  out->reserve(out->size() + v.Size());
  int i = 0;
  for (const Value& kv : v.GetArray()) {
    Scope p(path_, name, i++);
    if (!kv.IsObject()) return fail("", "expected an object");
    KeyValue& dst = out->emplace_back();
    for (auto& m : kv.GetObject()) {
      if (m.value.IsNull()) continue;
      std::string_view k = json::view(m.name);
      if (k == "key") {
        if (!str(m.value, "key", &dst.key)) return false;
      } else if (k == "value") {
        if (!object(m.value, "value")) return false;
        Scope pv(path_, "value");
        if (!any_value(m.value, &dst.value, depth + 1)) return false;
      }
    }
  }
  return true;
}

bool Decoder::any_value(const Value& v, AnyValue* out, int depth) {
  if (depth > kMaxValueDepth)
    return fail("", "values nested deeper than " + std::to_string(kMaxValueDepth));
  for (auto& m : v.GetObject()) {
    if (m.value.IsNull()) continue;
    std::string_view k = json::view(m.name);
    const Value& x = m.value;
    if (key_matches(k, "stringValue")) {
      if (!str(x, "stringValue", &out->v.emplace<std::string>())) return false;
    } else if (key_matches(k, "boolValue")) {
      bool b;
      if (!json::read_bool(x, &b)) return fail("boolValue", "expected true or false");
      out->v = b;
    } else if (key_matches(k, "intValue")) {
      int64_t i;
      if (!json::read_int64(x, &i)) return fail("intValue", "expected a 64-bit integer");
      out->v = i;
    } else if (key_matches(k, "doubleValue")) {
      double d;
      if (!json::read_double(x, &d)) return fail("doubleValue", "expected a number");
      out->v = d;
    } else if (key_matches(k, "bytesValue")) {
      std::string b64;
      if (!str(x, "bytesValue", &b64)) return false;
      for (char& c : b64) {  // the URL-safe alphabet is allowed too
        if (c == '-') c = '+';
        if (c == '_') c = '/';
      }
      Bytes bytes;
      if (!base64_decode(b64, &bytes.data)) return fail("bytesValue", "not valid base64");
      out->v = std::move(bytes);
    } else if (key_matches(k, "arrayValue")) {
      if (!object(x, "arrayValue")) return false;
      Scope p(path_, "arrayValue");
      auto& arr = out->v.emplace<ArrayValue>();
      const auto values = x.FindMember("values");
      if (values == x.MemberEnd() || values->value.IsNull()) continue;
      if (!array(values->value, "values")) return false;
      arr.reserve(values->value.Size());
      int i = 0;
      for (const Value& e : values->value.GetArray()) {
        Scope pe(path_, "values", i++);
        if (!e.IsObject()) return fail("", "expected an object");
        if (!any_value(e, &arr.emplace_back(), depth + 1)) return false;
      }
    } else if (key_matches(k, "kvlistValue")) {
      if (!object(x, "kvlistValue")) return false;
      Scope p(path_, "kvlistValue");
      auto& list = out->v.emplace<KeyValueList>();
      const auto values = x.FindMember("values");
      if (values == x.MemberEnd() || values->value.IsNull()) continue;
      if (!attributes(values->value, "values", &list, depth + 1)) return false;
    }
  }
  return true;
}

}  // namespace

Status decode_otlp_json(std::string_view json, DecodeResult* out) {
  const DecodeResult::Mark before = out->mark();
  Status st = Decoder(out).run(json);
  if (!st.is_ok()) out->rollback(before);  // leave *out as it was
  return st;
}

}  // namespace weft::wire
