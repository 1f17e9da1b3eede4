#include "store/wal/span_codec.h"

#include <zstd.h>

#include <cstring>
#include <unordered_map>

#include "common/coding.h"

namespace weft::store {

using namespace weft::model;

namespace {

using coding::get_varint64;
using coding::put_varint64;

// Tags of an encoded AnyValue (docs/format/wal.md).
enum ValueTag : uint8_t {
  kEmpty = 0,
  kString = 1,
  kBool = 2,
  kInt = 3,
  kDouble = 4,
  kBytes = 5,
  kArray = 6,
  kKvList = 7,
};

// Arrays and key-value lists nest; a corrupt record must not recurse without bound.
constexpr int kMaxValueDepth = 64;
// Upper bound on a decompressed record, so a corrupt frame header cannot allocate wildly.
constexpr uint64_t kMaxDecodedBytes = 1ull << 30;

using coding::unzigzag;
using coding::zigzag;

void put_str(std::string& out, std::string_view s) {
  put_varint64(out, s.size());
  out.append(s);
}

void put_value(std::string& out, const AnyValue& v);

void put_kvs(std::string& out, const KeyValueList& kvs) {
  put_varint64(out, kvs.size());
  for (const auto& kv : kvs) {
    put_str(out, kv.key);
    put_value(out, kv.value);
  }
}

void put_value(std::string& out, const AnyValue& v) {
  switch (v.v.index()) {
    case 0:
      out.push_back(kEmpty);
      break;
    case 1:
      out.push_back(kString);
      put_str(out, std::get<std::string>(v.v));
      break;
    case 2:
      out.push_back(kBool);
      out.push_back(std::get<bool>(v.v) ? 1 : 0);
      break;
    case 3:
      out.push_back(kInt);
      put_varint64(out, zigzag(std::get<int64_t>(v.v)));
      break;
    case 4: {
      out.push_back(kDouble);
      uint64_t bits;
      double d = std::get<double>(v.v);
      std::memcpy(&bits, &d, 8);
      coding::put_fixed64(out, bits);
      break;
    }
    case 5:
      out.push_back(kBytes);
      put_str(out, std::get<Bytes>(v.v).data);
      break;
    case 6: {
      out.push_back(kArray);
      const auto& a = std::get<ArrayValue>(v.v);
      put_varint64(out, a.size());
      for (const auto& e : a) put_value(out, e);
      break;
    }
    case 7:
      out.push_back(kKvList);
      put_kvs(out, std::get<KeyValueList>(v.v));
      break;
  }
}

void put_id(std::string& out, std::string_view raw) { out.append(raw); }

void put_resource(std::string& o, const Resource& r) {
  put_kvs(o, r.attributes);
  put_varint64(o, r.dropped_attributes_count);
  put_str(o, r.schema_url);
}

void put_scope(std::string& o, const InstrumentationScope& sc) {
  put_str(o, sc.name);
  put_str(o, sc.version);
  put_kvs(o, sc.attributes);
  put_varint64(o, sc.dropped_attributes_count);
  put_str(o, sc.schema_url);
}

void put_link(std::string& o, const SpanLink& l) {
  put_id(o, l.trace_id.as_bytes());
  put_id(o, l.span_id.as_bytes());
  put_str(o, l.trace_state);
  put_kvs(o, l.attributes);
  put_varint64(o, l.dropped_attributes_count);
  put_varint64(o, l.flags);
}

// Cursor over codec bytes; every getter fails (returns false) instead of reading past the end.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool empty() const { return in_.empty(); }
  std::string_view rest() const { return in_; }

  bool varint(uint64_t* v) { return get_varint64(in_, v); }
  bool u32(uint32_t* v) {
    uint64_t x;
    if (!varint(&x) || x > UINT32_MAX) return false;
    *v = static_cast<uint32_t>(x);
    return true;
  }
  bool byte(uint8_t* b) {
    if (in_.empty()) return false;
    *b = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool str(std::string* s) {
    uint64_t n;
    if (!varint(&n) || n > in_.size()) return false;
    s->assign(in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  template <size_t N>
  bool id(FixedId<N>* id) {
    if (in_.size() < N) return false;
    std::memcpy(id->bytes.data(), in_.data(), N);
    in_.remove_prefix(N);
    return true;
  }
  // A count of items each taking at least one byte: larger than what is left is corrupt.
  bool count(uint64_t* n) { return varint(n) && *n <= in_.size(); }

  bool value(AnyValue* v, int depth) {
    if (depth > kMaxValueDepth) return false;
    uint8_t tag;
    if (!byte(&tag)) return false;
    switch (tag) {
      case kEmpty:
        v->v = std::monostate{};
        return true;
      case kString: {
        std::string s;
        if (!str(&s)) return false;
        v->v = std::move(s);
        return true;
      }
      case kBool: {
        uint8_t b;
        if (!byte(&b) || b > 1) return false;
        v->v = b == 1;
        return true;
      }
      case kInt: {
        uint64_t x;
        if (!varint(&x)) return false;
        v->v = unzigzag(x);
        return true;
      }
      case kDouble: {
        uint64_t bits;
        if (!coding::get_fixed64(in_, &bits)) return false;
        double d;
        std::memcpy(&d, &bits, 8);
        v->v = d;
        return true;
      }
      case kBytes: {
        Bytes b;
        if (!str(&b.data)) return false;
        v->v = std::move(b);
        return true;
      }
      case kArray: {
        uint64_t n;
        if (!count(&n)) return false;
        ArrayValue a(n);
        for (auto& e : a)
          if (!value(&e, depth + 1)) return false;
        v->v = std::move(a);
        return true;
      }
      case kKvList: {
        KeyValueList l;
        if (!kvs(&l, depth + 1)) return false;
        v->v = std::move(l);
        return true;
      }
      default:
        return false;
    }
  }
  bool kvs(KeyValueList* l, int depth = 0) {
    uint64_t n;
    if (!count(&n)) return false;
    l->resize(n);
    for (auto& kv : *l)
      if (!str(&kv.key) || !value(&kv.value, depth)) return false;
    return true;
  }
  bool resource(Resource* res) {
    return kvs(&res->attributes) && u32(&res->dropped_attributes_count) && str(&res->schema_url);
  }
  bool scope(InstrumentationScope* sc) {
    return str(&sc->name) && str(&sc->version) && kvs(&sc->attributes) &&
           u32(&sc->dropped_attributes_count) && str(&sc->schema_url);
  }
  bool link(SpanLink* l) {
    return id(&l->trace_id) && id(&l->span_id) && str(&l->trace_state) && kvs(&l->attributes) &&
           u32(&l->dropped_attributes_count) && u32(&l->flags);
  }

 private:
  std::string_view in_;
};

// Index of `p` in `table`, adding it if new. Index 0 means null; entries are 1-based.
template <typename T>
uint64_t intern(const std::shared_ptr<const T>& p, std::vector<const T*>& table,
                std::unordered_map<const T*, uint64_t>& index) {
  if (!p) return 0;
  if (!table.empty() && table.back() == p.get()) return table.size();
  auto [it, inserted] = index.emplace(p.get(), table.size() + 1);
  if (inserted) table.push_back(p.get());
  return it->second;
}

Status corrupt(const char* what) { return data_loss(std::string("span codec: malformed ") + what); }

}  // namespace

void encode_span_batch(const SpanBatch& batch, std::string* out) {
  std::string& o = *out;
  std::vector<const Resource*> resources;
  std::vector<const InstrumentationScope*> scopes;
  std::unordered_map<const Resource*, uint64_t> resource_index;
  std::unordered_map<const InstrumentationScope*, uint64_t> scope_index;
  std::vector<std::pair<uint64_t, uint64_t>> refs;
  refs.reserve(batch.spans.size());
  for (const Span& s : batch.spans)
    refs.emplace_back(intern(s.resource, resources, resource_index),
                      intern(s.scope, scopes, scope_index));

  put_varint64(o, kSpanCodecVersion);
  put_varint64(o, resources.size());
  for (const Resource* r : resources) put_resource(o, *r);
  put_varint64(o, scopes.size());
  for (const InstrumentationScope* sc : scopes) put_scope(o, *sc);
  put_varint64(o, batch.spans.size());
  for (size_t i = 0; i < batch.spans.size(); ++i) {
    const Span& s = batch.spans[i];
    put_id(o, s.trace_id.as_bytes());
    put_id(o, s.span_id.as_bytes());
    put_id(o, s.parent_span_id.as_bytes());
    put_varint64(o, refs[i].first);
    put_varint64(o, refs[i].second);
    put_str(o, s.trace_state);
    put_varint64(o, s.flags);
    put_str(o, s.name);
    o.push_back(static_cast<char>(s.kind));
    put_varint64(o, s.start_time_unix_nano);
    put_varint64(o, zigzag(static_cast<int64_t>(s.end_time_unix_nano - s.start_time_unix_nano)));
    put_kvs(o, s.attributes);
    put_varint64(o, s.dropped_attributes_count);
    put_varint64(o, s.events.size());
    for (const SpanEvent& e : s.events) {
      put_varint64(o, zigzag(static_cast<int64_t>(e.time_unix_nano - s.start_time_unix_nano)));
      put_str(o, e.name);
      put_kvs(o, e.attributes);
      put_varint64(o, e.dropped_attributes_count);
    }
    put_varint64(o, s.dropped_events_count);
    put_varint64(o, s.links.size());
    for (const SpanLink& l : s.links) put_link(o, l);
    put_varint64(o, s.dropped_links_count);
    o.push_back(static_cast<char>(s.status.code));
    put_str(o, s.status.message);
    put_str(o, s.rpc_id);
  }
}

Result<SpanBatch> decode_span_batch(std::string_view in) {
  Reader r(in);
  uint64_t version;
  if (!r.varint(&version)) return corrupt("header");
  if (version != kSpanCodecVersion)
    return data_loss("span codec: unknown version " + std::to_string(version));

  uint64_t n;
  if (!r.count(&n)) return corrupt("resource count");
  std::vector<std::shared_ptr<const Resource>> resources;
  resources.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    auto res = std::make_shared<Resource>();
    if (!r.resource(res.get())) return corrupt("resource");
    resources.push_back(std::move(res));
  }
  if (!r.count(&n)) return corrupt("scope count");
  std::vector<std::shared_ptr<const InstrumentationScope>> scopes;
  scopes.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    auto sc = std::make_shared<InstrumentationScope>();
    if (!r.scope(sc.get())) return corrupt("scope");
    scopes.push_back(std::move(sc));
  }

  SpanBatch batch;
  if (!r.count(&n)) return corrupt("span count");
  batch.spans.resize(n);
  for (Span& s : batch.spans) {
    uint64_t res_ref, scope_ref, end_delta;
    uint8_t kind, code;
    if (!r.id(&s.trace_id) || !r.id(&s.span_id) || !r.id(&s.parent_span_id) ||
        !r.varint(&res_ref) || !r.varint(&scope_ref) || res_ref > resources.size() ||
        scope_ref > scopes.size())
      return corrupt("span ids");
    if (res_ref) s.resource = resources[res_ref - 1];
    if (scope_ref) s.scope = scopes[scope_ref - 1];
    if (!r.str(&s.trace_state) || !r.u32(&s.flags) || !r.str(&s.name) || !r.byte(&kind) ||
        kind > static_cast<uint8_t>(SpanKind::kConsumer) || !r.varint(&s.start_time_unix_nano) ||
        !r.varint(&end_delta))
      return corrupt("span header");
    s.kind = static_cast<SpanKind>(kind);
    s.end_time_unix_nano = s.start_time_unix_nano + static_cast<uint64_t>(unzigzag(end_delta));
    if (!r.kvs(&s.attributes) || !r.u32(&s.dropped_attributes_count))
      return corrupt("span attributes");
    if (!r.count(&n)) return corrupt("event count");
    s.events.resize(n);
    for (SpanEvent& e : s.events) {
      uint64_t delta;
      if (!r.varint(&delta) || !r.str(&e.name) || !r.kvs(&e.attributes) ||
          !r.u32(&e.dropped_attributes_count))
        return corrupt("event");
      e.time_unix_nano = s.start_time_unix_nano + static_cast<uint64_t>(unzigzag(delta));
    }
    if (!r.u32(&s.dropped_events_count)) return corrupt("dropped events");
    if (!r.count(&n)) return corrupt("link count");
    s.links.resize(n);
    for (SpanLink& l : s.links)
      if (!r.link(&l)) return corrupt("link");
    if (!r.u32(&s.dropped_links_count) || !r.byte(&code) ||
        code > static_cast<uint8_t>(SpanStatusCode::kError) || !r.str(&s.status.message) ||
        !r.str(&s.rpc_id))
      return corrupt("span status");
    s.status.code = static_cast<SpanStatusCode>(code);
  }
  if (!r.empty()) return corrupt("trailer (bytes after the last span)");
  return batch;
}

namespace {
// Runs `f` on a Reader over *in and advances *in past what it consumed.
template <typename F>
bool read_from(std::string_view* in, F&& f) {
  Reader r(*in);
  if (!f(r)) return false;
  *in = r.rest();
  return true;
}
}  // namespace

void encode_value(const AnyValue& v, std::string* out) { put_value(*out, v); }
bool decode_value(std::string_view* in, AnyValue* out) {
  return read_from(in, [&](Reader& r) { return r.value(out, 0); });
}
void encode_kvlist(const KeyValueList& kvs, std::string* out) { put_kvs(*out, kvs); }
bool decode_kvlist(std::string_view* in, KeyValueList* out) {
  return read_from(in, [&](Reader& r) { return r.kvs(out); });
}
void encode_resource(const Resource& r, std::string* out) { put_resource(*out, r); }
bool decode_resource(std::string_view* in, Resource* out) {
  return read_from(in, [&](Reader& r) { return r.resource(out); });
}
void encode_scope(const InstrumentationScope& s, std::string* out) { put_scope(*out, s); }
bool decode_scope(std::string_view* in, InstrumentationScope* out) {
  return read_from(in, [&](Reader& r) { return r.scope(out); });
}
void encode_link(const SpanLink& l, std::string* out) { put_link(*out, l); }
bool decode_link(std::string_view* in, SpanLink* out) {
  return read_from(in, [&](Reader& r) { return r.link(out); });
}

namespace {
// zstd contexts are expensive to create; each thread keeps one of each.
struct ZstdContexts {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ~ZstdContexts() {
    ZSTD_freeCCtx(c);
    ZSTD_freeDCtx(d);
  }
};
ZstdContexts& zstd_contexts() {
  thread_local ZstdContexts ctx;
  return ctx;
}
constexpr int kZstdLevel = 1;
}  // namespace

std::string encode_wal_payload(const SpanBatch& batch) {
  thread_local std::string raw;
  raw.clear();
  encode_span_batch(batch, &raw);
  std::string out(ZSTD_compressBound(raw.size()), '\0');
  size_t n = ZSTD_compressCCtx(zstd_contexts().c, out.data(), out.size(), raw.data(), raw.size(),
                               kZstdLevel);
  WEFT_CHECK(!ZSTD_isError(n));  // only fails on a too-small buffer, which compressBound rules out
  out.resize(n);
  if (raw.capacity() > (4u << 20)) std::string().swap(raw);  // don't pin a huge buffer
  return out;
}

Result<SpanBatch> decode_wal_payload(std::string_view payload) {
  unsigned long long size = ZSTD_getFrameContentSize(payload.data(), payload.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN)
    return data_loss("wal payload: not a zstd frame with a known size");
  if (size > kMaxDecodedBytes) return data_loss("wal payload: decoded size too large");
  std::string raw(size, '\0');
  size_t n = ZSTD_decompressDCtx(zstd_contexts().d, raw.data(), raw.size(), payload.data(),
                                 payload.size());
  if (ZSTD_isError(n) || n != size)
    return data_loss(std::string("wal payload: zstd: ") +
                     (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short frame"));
  return decode_span_batch(raw);
}

}  // namespace weft::store
