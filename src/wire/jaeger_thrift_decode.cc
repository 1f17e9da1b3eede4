// Jaeger Thrift -> model. The mapping is docs/format/jaeger-thrift.md; field numbers are
// jaeger-idl's thrift/jaeger.thrift (Batch, Process, Span, Tag, Log, SpanRef) and
// thrift/agent.thrift (Agent.emitBatch). The protocol (binary or compact) is the Reader's
// business: this file only walks the structs.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "wire/jaeger_thrift.h"
#include "wire/thrift_binary.h"
#include "wire/thrift_compact.h"

namespace weft::wire {

using namespace weft::model;

namespace {

using thrift::Type;

// Tags with a meaning in the model (removed from the attributes once they are applied).
constexpr char kServiceName[] = "service.name";
constexpr char kSpanKind[] = "span.kind";
constexpr char kError[] = "error";
constexpr char kStatusCode[] = "otel.status_code";
constexpr char kStatusDescription[] = "otel.status_description";
constexpr char kEvent[] = "event";  // a log's field naming it; also the default event name
// Link attribute saying which kind of reference the link was (OTel semantic conventions).
constexpr char kRefType[] = "opentracing.ref_type";

// jaeger.thrift enums.
enum TagType : int32_t {
  kTagString = 0,
  kTagDouble = 1,
  kTagBool = 2,
  kTagLong = 3,
  kTagBinary = 4
};
enum SpanRefType : int32_t { kChildOf = 0, kFollowsFrom = 1 };

constexpr size_t kMaxPath = 8;
constexpr size_t kReserveCap = 1024;  // counts come from the input: never reserve more

struct Ref {
  int32_t type = kChildOf;
  int64_t trace_id_low = 0, trace_id_high = 0, span_id = 0;
};

void put_be64(uint8_t* out, int64_t v) {
  auto u = static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(u >> (56 - 8 * i));
}
TraceId trace_id_of(int64_t high, int64_t low) {
  TraceId id;
  put_be64(id.bytes.data(), high);
  put_be64(id.bytes.data() + 8, low);
  return id;
}
SpanId span_id_of(int64_t v) {
  SpanId id;
  put_be64(id.bytes.data(), v);
  return id;
}

// Microseconds since the epoch (or a duration) -> nanoseconds; false when negative or too
// large for uint64 nanoseconds.
bool micros_to_nanos(int64_t micros, uint64_t* nanos) {
  if (micros < 0 || static_cast<uint64_t>(micros) > UINT64_MAX / 1000) return false;
  *nanos = static_cast<uint64_t>(micros) * 1000;
  return true;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

// The span.kind values Jaeger clients write ("client", "server", "producer", "consumer",
// "internal"; any case).
bool jaeger_span_kind(std::string_view v, SpanKind* out) {
  static constexpr std::pair<const char*, SpanKind> kKinds[] = {
      {"client", SpanKind::kClient},     {"server", SpanKind::kServer},
      {"producer", SpanKind::kProducer}, {"consumer", SpanKind::kConsumer},
      {"internal", SpanKind::kInternal},
  };
  for (const auto& [name, kind] : kKinds) {
    if (iequals(v, name)) {
      *out = kind;
      return true;
    }
  }
  return false;
}

// Index of the first attribute named `key`, or -1.
ptrdiff_t find_index(const KeyValueList& attrs, std::string_view key) {
  for (size_t i = 0; i < attrs.size(); ++i)
    if (attrs[i].key == key) return static_cast<ptrdiff_t>(i);
  return -1;
}

// Removes the first attribute named `key` and returns its value if it is a string.
std::optional<std::string> take_string(KeyValueList* attrs, std::string_view key) {
  ptrdiff_t i = find_index(*attrs, key);
  if (i < 0 || !(*attrs)[static_cast<size_t>(i)].value.as_string()) return std::nullopt;
  std::string v = std::move(*(*attrs)[static_cast<size_t>(i)].value.as_string());
  attrs->erase(attrs->begin() + i);
  return v;
}

// span.kind -> Span::kind (the tag removed; an unknown value stays an attribute).
void apply_kind(Span* s) {
  ptrdiff_t i = find_index(s->attributes, kSpanKind);
  if (i < 0) return;
  const std::string* v = s->attributes[static_cast<size_t>(i)].value.as_string();
  if (v && jaeger_span_kind(*v, &s->kind)) s->attributes.erase(s->attributes.begin() + i);
}

// error / otel.status_code / otel.status_description -> Span::status, as the OTel
// Collector's Jaeger translator does: `error` true (bool, or the string "true") is the
// ultimate truth; otherwise otel.status_code "OK" / "ERROR" says it. The tags that made
// the status are removed; an `error` tag that is false stays an attribute.
void apply_status(Span* s) {
  bool error = false;
  ptrdiff_t e = find_index(s->attributes, kError);
  if (e >= 0) {
    const AnyValue& v = s->attributes[static_cast<size_t>(e)].value;
    error = (v.as_bool() && *v.as_bool()) || (v.as_string() && iequals(*v.as_string(), "true"));
    if (error) s->attributes.erase(s->attributes.begin() + e);
  }
  bool status_set = error;
  if (error) s->status.code = SpanStatusCode::kError;
  ptrdiff_t c = find_index(s->attributes, kStatusCode);
  if (c >= 0 && s->attributes[static_cast<size_t>(c)].value.as_string()) {
    std::string code = *take_string(&s->attributes, kStatusCode);
    if (!error) {
      status_set = true;
      if (iequals(code, "OK")) s->status.code = SpanStatusCode::kOk;
      if (iequals(code, "ERROR")) s->status.code = SpanStatusCode::kError;
    }
  }
  if (status_set) {
    if (auto d = take_string(&s->attributes, kStatusDescription)) s->status.message = std::move(*d);
  }
}

// Bytes a human can read in an error message: printable ASCII, others as \xNN, at most 64.
std::string printable(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < 64; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > 64) out += "...";
  return out;
}

class Decoder {
 public:
  Decoder(thrift::Reader& r, DecodeResult* out) : r_(r), out_(out) {}

  // A bare Batch struct.
  bool batch_root() {
    PathScope p(this, "Batch", -1);
    return batch();
  }
  // A message Agent.emitBatch(1: Batch batch).
  bool emit_batch_message();

  std::string error() const {
    if (!error_.empty()) return error_;
    return r_.failed() ? r_.error() : "malformed Thrift";
  }

 private:
  // Path of the struct being read, for error messages ("Batch.spans[2].tags[0]").
  struct Frame {
    const char* name;
    int64_t index;  // -1: not an element of a list
  };
  class PathScope {
   public:
    PathScope(Decoder* d, const char* name, int64_t index) : d_(d) {
      if (d_->depth_ < kMaxPath) d_->path_[d_->depth_] = {name, index};
      ++d_->depth_;
    }
    // The innermost scope open when the reader failed records where it was.
    ~PathScope() {
      if (d_->error_.empty() && d_->r_.failed()) d_->error_ = d_->path() + ": " + d_->r_.error();
      --d_->depth_;
    }
    PathScope(const PathScope&) = delete;
    PathScope& operator=(const PathScope&) = delete;

   private:
    Decoder* d_;
  };
  std::string path() const {
    std::string p;
    for (size_t i = 0; i < depth_ && i < kMaxPath; ++i) {
      if (i) p += '.';
      p += path_[i].name;
      if (path_[i].index >= 0) p += "[" + std::to_string(path_[i].index) + "]";
    }
    return p;
  }
  bool fail(const std::string& what) {
    if (error_.empty()) {
      std::string p = path();
      error_ = p.empty() ? what : p + ": " + what;
    }
    return false;
  }

  // Calls f(type, id) for each field of the struct that starts here; f reads or skips the
  // field's value.
  template <typename F>
  bool each_field(F&& f) {
    if (!r_.struct_begin()) return false;
    for (;;) {
      Type t;
      int16_t id;
      if (!r_.field_begin(&t, &id)) return false;
      if (t == Type::kStop) return r_.struct_end();
      if (!f(t, id)) return false;
    }
  }
  // Calls f(i) for each element of the list that starts here, which must hold structs,
  // after reserve(n) with n capped (the count comes from the input).
  template <typename R, typename F>
  bool each_struct(const char* name, R&& reserve, F&& f) {
    Type et;
    uint32_t n;
    if (!r_.list_begin(&et, &n)) return false;
    reserve(std::min<size_t>(n, kReserveCap));
    if (n > 0 && et != Type::kStruct) {
      PathScope p(this, name, -1);
      return fail("list of " + thrift::type_name(et) + ", expected a list of structs");
    }
    for (uint32_t i = 0; i < n; ++i) {
      PathScope p(this, name, i);
      if (!f(i)) return false;
    }
    r_.container_end();
    return true;
  }
  // Field readers: a field of another type than the IDL's is skipped, as Thrift's
  // generated code does.
  bool i64(Type t, int64_t* v) { return t == Type::kI64 ? r_.read_i64(v) : r_.skip(t); }
  bool i32(Type t, int32_t* v) { return t == Type::kI32 ? r_.read_i32(v) : r_.skip(t); }
  bool f64(Type t, double* v) { return t == Type::kDouble ? r_.read_double(v) : r_.skip(t); }
  bool boolean(Type t, bool* v) { return t == Type::kBool ? r_.read_bool(v) : r_.skip(t); }
  bool str(Type t, std::string* v) {
    if (t != Type::kString) return r_.skip(t);
    std::string_view sv;
    if (!r_.read_binary(&sv)) return false;
    v->assign(sv);
    return true;
  }

  bool batch();
  bool process(Resource* res);
  bool span(Span* s, std::string* reject);
  bool tags(Type t, const char* name, KeyValueList* out);
  bool tag(KeyValue* kv);
  bool logs(Type t, Span* s, std::string* reject);
  bool log(SpanEvent* e, std::string* reject);
  bool refs(Type t, std::vector<Ref>* out);
  bool ref(Ref* out);

  thrift::Reader& r_;
  DecodeResult* out_;
  uint32_t span_number_ = 0;
  Frame path_[kMaxPath];
  size_t depth_ = 0;
  std::string error_;
};

bool Decoder::emit_batch_message() {
  thrift::MessageHeader h;
  if (!r_.message_begin(&h)) return fail(r_.error());
  if (h.name == "emitZipkinBatch")
    return fail("Agent.emitZipkinBatch (Zipkin Thrift spans) is not supported; send emitBatch");
  if (h.name != "emitBatch")
    return fail("unknown method \"" + printable(h.name) + "\" (the Agent service has emitBatch)");
  if (h.type != thrift::MessageType::kOneway && h.type != thrift::MessageType::kCall)
    return fail("emitBatch message of type " + std::to_string(static_cast<int>(h.type)) +
                ", expected a oneway call (4) or a call (1)");
  PathScope p(this, "emitBatch", -1);
  bool have_batch = false;
  bool ok = each_field([&](Type t, int16_t id) {
    if (id != 1 || t != Type::kStruct) return r_.skip(t);
    have_batch = true;
    PathScope b(this, "batch", -1);
    return batch();
  });
  if (!ok) return false;
  return have_batch || fail("argument 1 (batch) is missing");
}

bool Decoder::batch() {
  auto res = std::make_shared<Resource>();
  std::shared_ptr<const Resource> shared_res = res;
  auto scope = std::make_shared<const InstrumentationScope>();
  auto& spans = out_->batch.spans;
  bool have_process = false, have_spans = false;
  bool ok = each_field([&](Type t, int16_t id) {
    if (id == 1 && t == Type::kStruct) {
      have_process = true;
      PathScope p(this, "process", -1);
      return process(res.get());  // spans read before it share the resource all the same
    }
    if (id == 2 && t == Type::kList) {
      have_spans = true;
      auto reserve = [&](size_t n) { spans.reserve(spans.size() + n); };
      return each_struct("spans", reserve, [&](uint32_t) {
        Span& s = spans.emplace_back();
        std::string reject;
        if (!span(&s, &reject)) return false;
        uint32_t number = span_number_++;
        if (!reject.empty()) {
          spans.pop_back();
          out_->reject("span " + std::to_string(number) + ": " + reject);
          return true;
        }
        s.resource = shared_res;
        s.scope = scope;
        return true;
      });
    }
    return r_.skip(t);  // seqNo (3), stats (4), fields of newer IDLs
  });
  if (!ok) return false;
  if (!have_process) return fail("required field process (1) is missing");
  if (!have_spans) return fail("required field spans (2) is missing");
  return true;
}

bool Decoder::process(Resource* res) {
  std::string service;
  KeyValueList tag_list;
  bool ok = each_field([&](Type t, int16_t id) {
    if (id == 1) return str(t, &service);
    if (id == 2) return tags(t, "tags", &tag_list);
    return r_.skip(t);
  });
  if (!ok) return false;
  res->attributes.reserve(tag_list.size() + 1);
  if (!service.empty()) res->attributes.push_back({kServiceName, std::move(service)});
  for (KeyValue& kv : tag_list) res->attributes.push_back(std::move(kv));
  return true;
}

bool Decoder::span(Span* s, std::string* reject) {
  int64_t trace_low = 0, trace_high = 0, span_id = 0, parent = 0, start = 0, duration = 0;
  int32_t flags = 0;
  std::vector<Ref> references;
  bool ok = each_field([&](Type t, int16_t id) {
    switch (id) {
      case 1:
        return i64(t, &trace_low);
      case 2:
        return i64(t, &trace_high);
      case 3:
        return i64(t, &span_id);
      case 4:
        return i64(t, &parent);
      case 5:
        return str(t, &s->name);
      case 6:
        return refs(t, &references);
      case 7:
        return i32(t, &flags);
      case 8:
        return i64(t, &start);
      case 9:
        return i64(t, &duration);
      case 10:
        return tags(t, "tags", &s->attributes);
      case 11:
        return logs(t, s, reject);
      default:
        return r_.skip(t);  // incomplete (12) and fields of newer IDLs
    }
  });
  if (!ok) return false;

  // Per-span problems, the span's own first (a log's problem may already be in *reject).
  std::string why;
  uint64_t start_ns = 0, duration_ns = 0;
  if (trace_low == 0 && trace_high == 0) {
    why = "traceIdHigh and traceIdLow must not both be zero";
  } else if (span_id == 0) {
    why = "spanId must not be zero";
  } else if (!micros_to_nanos(start, &start_ns)) {
    why = "startTime " + std::to_string(start) + " is not a time in microseconds since 1970";
  } else if (!micros_to_nanos(duration, &duration_ns) || duration_ns > UINT64_MAX - start_ns) {
    why = "duration " + std::to_string(duration) + " is not a number of microseconds";
  }
  if (!why.empty()) {
    *reject = std::move(why);
    return true;
  }
  if (!reject->empty()) return true;

  s->trace_id = trace_id_of(trace_high, trace_low);
  s->span_id = span_id_of(span_id);
  s->flags = static_cast<uint32_t>(flags) & 0xffu;  // W3C trace flags: 1 = sampled
  s->start_time_unix_nano = start_ns;
  s->end_time_unix_nano = start_ns + duration_ns;

  // The parent: parentSpanId, else the first CHILD_OF reference within the same trace.
  auto same_trace = [&](const Ref& r) {
    return r.trace_id_high == trace_high && r.trace_id_low == trace_low;
  };
  if (parent == 0) {
    for (const Ref& r : references) {
      if (r.type == kChildOf && same_trace(r) && r.span_id != 0) {
        parent = r.span_id;
        break;
      }
    }
  }
  if (parent != 0) s->parent_span_id = span_id_of(parent);
  // Every other reference is a link.
  s->links.reserve(references.size());
  for (size_t i = 0; i < references.size(); ++i) {
    const Ref& r = references[i];
    if (parent != 0 && r.type == kChildOf && same_trace(r) && r.span_id == parent) continue;
    if (r.trace_id_high == 0 && r.trace_id_low == 0) {
      *reject = "references[" + std::to_string(i) + "]: trace id must not be zero";
      return true;
    }
    if (r.span_id == 0) {
      *reject = "references[" + std::to_string(i) + "]: spanId must not be zero";
      return true;
    }
    SpanLink& l = s->links.emplace_back();
    l.trace_id = trace_id_of(r.trace_id_high, r.trace_id_low);
    l.span_id = span_id_of(r.span_id);
    l.attributes.push_back({kRefType, r.type == kChildOf ? "child_of" : "follows_from"});
  }
  apply_kind(s);
  apply_status(s);
  return true;
}

bool Decoder::tags(Type t, const char* name, KeyValueList* out) {
  if (t != Type::kList) return r_.skip(t);
  auto reserve = [&](size_t n) { out->reserve(out->size() + n); };
  return each_struct(name, reserve, [&](uint32_t) { return tag(&out->emplace_back()); });
}

bool Decoder::tag(KeyValue* kv) {
  int32_t type = kTagString;
  std::string v_str;
  double v_double = 0;
  bool v_bool = false;
  int64_t v_long = 0;
  std::string v_binary;
  bool ok = each_field([&](Type t, int16_t id) {
    switch (id) {
      case 1:
        return str(t, &kv->key);
      case 2:
        return i32(t, &type);
      case 3:
        return str(t, &v_str);
      case 4:
        return f64(t, &v_double);
      case 5:
        return boolean(t, &v_bool);
      case 6:
        return i64(t, &v_long);
      case 7:
        return str(t, &v_binary);
      default:
        return r_.skip(t);
    }
  });
  if (!ok) return false;
  // The value the type names (its zero value when that field is absent).
  switch (type) {
    case kTagString:
      kv->value = AnyValue(std::move(v_str));
      break;
    case kTagDouble:
      kv->value = AnyValue(v_double);
      break;
    case kTagBool:
      kv->value = AnyValue(v_bool);
      break;
    case kTagLong:
      kv->value = AnyValue(v_long);
      break;
    case kTagBinary:
      kv->value = AnyValue(Bytes{std::move(v_binary)});
      break;
    default:
      kv->value = AnyValue("<Unknown Jaeger TagType " + std::to_string(type) + ">");
  }
  return true;
}

bool Decoder::logs(Type t, Span* s, std::string* reject) {
  if (t != Type::kList) return r_.skip(t);
  auto reserve = [&](size_t n) { s->events.reserve(s->events.size() + n); };
  return each_struct("logs", reserve, [&](uint32_t i) {
    std::string why;
    if (!log(&s->events.emplace_back(), &why)) return false;
    if (!why.empty() && reject->empty()) *reject = "logs[" + std::to_string(i) + "]: " + why;
    return true;
  });
}

bool Decoder::log(SpanEvent* e, std::string* reject) {
  int64_t timestamp = 0;
  bool ok = each_field([&](Type t, int16_t id) {
    if (id == 1) return i64(t, &timestamp);
    if (id == 2) return tags(t, "fields", &e->attributes);
    return r_.skip(t);
  });
  if (!ok) return false;
  if (!micros_to_nanos(timestamp, &e->time_unix_nano))
    *reject =
        "timestamp " + std::to_string(timestamp) + " is not a time in microseconds since 1970";
  if (auto name = take_string(&e->attributes, kEvent))
    e->name = std::move(*name);
  else
    e->name = kEvent;
  return true;
}

bool Decoder::refs(Type t, std::vector<Ref>* out) {
  if (t != Type::kList) return r_.skip(t);
  auto reserve = [&](size_t n) { out->reserve(out->size() + n); };
  return each_struct("references", reserve, [&](uint32_t) { return ref(&out->emplace_back()); });
}

bool Decoder::ref(Ref* out) {
  return each_field([&](Type t, int16_t id) {
    switch (id) {
      case 1:
        return i32(t, &out->type);
      case 2:
        return i64(t, &out->trace_id_low);
      case 3:
        return i64(t, &out->trace_id_high);
      case 4:
        return i64(t, &out->span_id);
      default:
        return r_.skip(t);
    }
  });
}

Status run(thrift::Reader& r, bool message, DecodeResult* out) {
  // On error *out is left as it was: no half-decoded batch leaks to the caller.
  const DecodeResult::Mark before = out->mark();
  Decoder d(r, out);
  if (message ? d.emit_batch_message() : d.batch_root()) return Status::ok();
  out->rollback(before);
  return invalid_argument(d.error());
}

}  // namespace

Status decode_jaeger_thrift_batch(std::string_view bytes, DecodeResult* out) {
  thrift::BinaryReader r(bytes);
  return run(r, false, out);
}

Status decode_jaeger_thrift_emit_batch(std::string_view bytes, ThriftProtocol protocol,
                                       DecodeResult* out) {
  if (protocol == ThriftProtocol::kCompact) {
    thrift::CompactReader r(bytes);
    return run(r, true, out);
  }
  thrift::BinaryReader r(bytes);
  return run(r, true, out);
}

}  // namespace weft::wire
