#include "logline/packed_line.h"

#include <cstdint>
#include <cstring>
#include <variant>

#include "common/coding.h"

namespace weft::logline {

using namespace weft::model;

namespace {

// Varints: common/coding.h's.
void put_varint(uint64_t v, std::string* out) { coding::put_varint64(*out, v); }

void put_string(std::string_view s, std::string* out) {
  put_varint(s.size(), out);
  out->append(s);
}

template <typename T>
void put_raw(T v, std::string* out) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out->append(buf, sizeof(T));
}

void put_value(const AnyValue& v, std::string* out);

void put_kvs(const KeyValueList& kvs, std::string* out) {
  put_varint(kvs.size(), out);
  for (const KeyValue& kv : kvs) {
    put_string(kv.key, out);
    put_value(kv.value, out);
  }
}

void put_value(const AnyValue& v, std::string* out) {
  out->push_back(static_cast<char>(v.v.index()));
  std::visit(
      [out](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          put_string(x, out);
        } else if constexpr (std::is_same_v<T, bool>) {
          out->push_back(x ? 1 : 0);
        } else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, double>) {
          put_raw(x, out);
        } else if constexpr (std::is_same_v<T, Bytes>) {
          put_string(x.data, out);
        } else if constexpr (std::is_same_v<T, ArrayValue>) {
          put_varint(x.size(), out);
          for (const AnyValue& e : x) put_value(e, out);
        } else if constexpr (std::is_same_v<T, KeyValueList>) {
          put_kvs(x, out);
        }
      },
      v.v);
}

bool get_varint(std::string_view* in, uint64_t* v) { return coding::get_varint64(*in, v); }

bool get_string(std::string_view* in, std::string_view* s) {
  uint64_t n;
  if (!get_varint(in, &n) || n > in->size()) return false;
  *s = in->substr(0, n);
  in->remove_prefix(n);
  return true;
}

template <typename T>
bool get_raw(std::string_view* in, T* v) {
  if (in->size() < sizeof(T)) return false;
  std::memcpy(v, in->data(), sizeof(T));
  in->remove_prefix(sizeof(T));
  return true;
}

bool get_value(std::string_view* in, AnyValue* v, int depth);

bool get_kvs(std::string_view* in, KeyValueList* out, int depth) {
  uint64_t n;
  if (!get_varint(in, &n) || n > in->size()) return false;
  out->reserve(out->size() + n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view key;
    if (!get_string(in, &key)) return false;
    KeyValue& kv = out->emplace_back();
    kv.key.assign(key);
    if (!get_value(in, &kv.value, depth)) return false;
  }
  return true;
}

bool get_value(std::string_view* in, AnyValue* v, int depth) {
  if (in->empty() || depth > 64) return false;
  const auto tag = static_cast<uint8_t>(in->front());
  in->remove_prefix(1);
  switch (tag) {
    case 0:
      *v = AnyValue();
      return true;
    case 1: {
      std::string_view s;
      if (!get_string(in, &s)) return false;
      v->v.emplace<std::string>(s);
      return true;
    }
    case 2:
      if (in->empty()) return false;
      *v = AnyValue(in->front() != 0);
      in->remove_prefix(1);
      return true;
    case 3: {
      int64_t i;
      if (!get_raw(in, &i)) return false;
      *v = AnyValue(i);
      return true;
    }
    case 4: {
      double d;
      if (!get_raw(in, &d)) return false;
      *v = AnyValue(d);
      return true;
    }
    case 5: {
      std::string_view s;
      if (!get_string(in, &s)) return false;
      *v = AnyValue(Bytes{std::string(s)});
      return true;
    }
    case 6: {
      uint64_t n;
      if (!get_varint(in, &n) || n > in->size()) return false;
      ArrayValue a(n);
      for (AnyValue& e : a)
        if (!get_value(in, &e, depth + 1)) return false;
      *v = AnyValue(std::move(a));
      return true;
    }
    case 7: {
      KeyValueList l;
      if (!get_kvs(in, &l, depth + 1)) return false;
      *v = AnyValue(std::move(l));
      return true;
    }
  }
  return false;
}

}  // namespace

void pack_attributes(const KeyValueList& attrs, std::string* out) { put_kvs(attrs, out); }

void pack_events(const std::vector<SpanEvent>& events, std::string* out) {
  put_varint(events.size(), out);
  for (const SpanEvent& e : events) {
    put_raw(e.time_unix_nano, out);
    put_string(e.name, out);
    put_kvs(e.attributes, out);
    put_raw(e.dropped_attributes_count, out);
  }
}

bool unpack_attributes(std::string_view* in, KeyValueList* out) { return get_kvs(in, out, 0); }

void pack_line(const LogLine& l, std::string* out) {
  out->append(reinterpret_cast<const char*>(l.trace_id.bytes.data()), l.trace_id.bytes.size());
  out->append(reinterpret_cast<const char*>(l.span_id.bytes.data()), l.span_id.bytes.size());
  out->append(reinterpret_cast<const char*>(l.parent_span_id.bytes.data()),
              l.parent_span_id.bytes.size());
  put_raw(l.hash, out);
  put_raw(l.end_ns, out);
  put_raw(l.start_ns, out);
  put_raw(l.dropped_attributes, out);
  out->push_back(static_cast<char>(l.role));
  out->push_back(l.error ? 1 : 0);
  put_varint(l.bytes, out);
  put_varint(l.rpc.size(), out);
  for (uint32_t c : l.rpc) put_varint(c, out);
  for (const std::string* s : {&l.trace_id_original, &l.rpc_id, &l.type, &l.prefix, &l.service,
                               &l.version, &l.name, &l.message})
    put_string(*s, out);
  put_kvs(l.attributes, out);
  pack_events(l.events, out);
}

bool unpack_line(std::string_view in, LogLine* l) {
  auto get_id = [&in](auto* id) {
    if (in.size() < id->bytes.size()) return false;
    std::memcpy(id->bytes.data(), in.data(), id->bytes.size());
    in.remove_prefix(id->bytes.size());
    return true;
  };
  if (!get_id(&l->trace_id) || !get_id(&l->span_id) || !get_id(&l->parent_span_id) ||
      !get_raw(&in, &l->hash) || !get_raw(&in, &l->end_ns) || !get_raw(&in, &l->start_ns) ||
      !get_raw(&in, &l->dropped_attributes) || in.size() < 2)
    return false;
  l->role = static_cast<LineRole>(in[0]);
  l->error = in[1] != 0;
  in.remove_prefix(2);
  uint64_t v, n;
  if (!get_varint(&in, &v) || !get_varint(&in, &n) || n > in.size()) return false;
  l->bytes = v;
  l->rpc.resize(n);
  for (uint32_t& c : l->rpc) {
    if (!get_varint(&in, &v)) return false;
    c = static_cast<uint32_t>(v);
  }
  for (std::string* s : {&l->trace_id_original, &l->rpc_id, &l->type, &l->prefix, &l->service,
                         &l->version, &l->name, &l->message}) {
    std::string_view t;
    if (!get_string(&in, &t)) return false;
    s->assign(t);
  }
  l->attributes.clear();
  l->events.clear();
  return get_kvs(&in, &l->attributes, 0) && unpack_events(&in, &l->events) && in.empty();
}

bool unpack_events(std::string_view* in, std::vector<SpanEvent>* out) {
  uint64_t n;
  if (!get_varint(in, &n) || n > in->size()) return false;
  out->reserve(out->size() + n);
  for (uint64_t i = 0; i < n; ++i) {
    SpanEvent& e = out->emplace_back();
    std::string_view name;
    if (!get_raw(in, &e.time_unix_nano) || !get_string(in, &name) ||
        !get_kvs(in, &e.attributes, 0) || !get_raw(in, &e.dropped_attributes_count))
      return false;
    e.name.assign(name);
  }
  return true;
}

}  // namespace weft::logline
