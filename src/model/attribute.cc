#include "model/attribute.h"

#include <charconv>

#include "common/json_escape.h"

namespace weft::model {

namespace {

std::string double_to_string(double d) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  (void)ec;
  return std::string(buf, end);
}

void append_json(std::string& out, const AnyValue& v);

void append_json_kvlist(std::string& out, const KeyValueList& l) {
  out += '{';
  for (size_t i = 0; i < l.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, l[i].key);
    out += ':';
    append_json(out, l[i].value);
  }
  out += '}';
}

void append_json(std::string& out, const AnyValue& v) {
  switch (v.v.index()) {
    case 0:
      out += "null";
      break;
    case 1:
      append_json_string(out, std::get<std::string>(v.v));
      break;
    case 2:
      out += std::get<bool>(v.v) ? "true" : "false";
      break;
    case 3:
      out += std::to_string(std::get<int64_t>(v.v));
      break;
    case 4:
      out += double_to_string(std::get<double>(v.v));
      break;
    case 5:
      append_json_string(out, base64_encode(std::get<Bytes>(v.v).data));
      break;
    case 6: {
      const auto& a = std::get<ArrayValue>(v.v);
      out += '[';
      for (size_t i = 0; i < a.size(); ++i) {
        if (i) out += ',';
        append_json(out, a[i]);
      }
      out += ']';
      break;
    }
    case 7:
      append_json_kvlist(out, std::get<KeyValueList>(v.v));
      break;
  }
}

}  // namespace

std::string AnyValue::to_string() const {
  switch (v.index()) {
    case 0:
      return {};
    case 1:
      return std::get<std::string>(v);
    case 2:
      return std::get<bool>(v) ? "true" : "false";
    case 3:
      return std::to_string(std::get<int64_t>(v));
    case 4:
      return double_to_string(std::get<double>(v));
    case 5:
      return base64_encode(std::get<Bytes>(v).data);
    default: {
      std::string out;
      append_json(out, *this);
      return out;
    }
  }
}

const AnyValue* find_attribute(const KeyValueList& attrs, std::string_view key) {
  for (const auto& kv : attrs)
    if (kv.key == key) return &kv.value;
  return nullptr;
}

size_t approx_bytes(const AnyValue& v) {
  size_t n = 0;
  if (auto* s = std::get_if<std::string>(&v.v)) n += s->capacity() > 15 ? s->capacity() : 0;
  if (auto* b = std::get_if<Bytes>(&v.v)) n += b->data.capacity();
  if (auto* a = std::get_if<ArrayValue>(&v.v))
    for (const auto& e : *a) n += sizeof(AnyValue) + approx_bytes(e);
  if (auto* l = std::get_if<KeyValueList>(&v.v)) n += approx_bytes(*l);
  return n;
}

size_t approx_bytes(const KeyValueList& l) {
  size_t n = l.capacity() * sizeof(KeyValue);
  for (const auto& kv : l)
    n += (kv.key.capacity() > 15 ? kv.key.capacity() : 0) + approx_bytes(kv.value);
  return n;
}

static constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t v = static_cast<uint8_t>(data[i]) << 16 | static_cast<uint8_t>(data[i + 1]) << 8 |
                 static_cast<uint8_t>(data[i + 2]);
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  if (i < data.size()) {
    uint32_t v = static_cast<uint8_t>(data[i]) << 16;
    if (i + 1 < data.size()) v |= static_cast<uint8_t>(data[i + 1]) << 8;
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += i + 1 < data.size() ? kB64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

bool base64_decode(std::string_view in, std::string* out) {
  out->clear();
  uint32_t acc = 0;
  int bits = 0;
  size_t pad = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+' || c == '-')
      v = 62;
    else if (c == '/' || c == '_')
      v = 63;
    else if (c == '=') {
      ++pad;
      continue;
    } else
      return false;
    if (pad) return false;  // data after padding
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return pad <= 2;
}

}  // namespace weft::model
