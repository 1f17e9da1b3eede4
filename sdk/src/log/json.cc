#include "log/json.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "weft/detail/proto_reader.h"

namespace weft::log {

using detail::ProtoField;
using detail::ProtoReader;

namespace {

// Length of the well-formed UTF-8 sequence starting at p (lead byte >= 0x80), or 0.
size_t Utf8SequenceLength(const unsigned char* p, const unsigned char* end) {
  const unsigned char c = *p;
  auto cont = [&](size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return p + i < end && p[i] >= lo && p[i] <= hi;
  };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1) && cont(2) ? 3 : 0;
  if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;  // no surrogates
  if (c == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

void AppendBase64(std::string* out, std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  size_t n = in.size(), i = 0;
  for (; i + 3 <= n; i += 3) {
    const uint32_t v = uint32_t{p[i]} << 16 | uint32_t{p[i + 1]} << 8 | p[i + 2];
    const char q[4] = {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63],
                       kAlphabet[v & 63]};
    out->append(q, 4);
  }
  if (n - i == 1) {
    const uint32_t v = uint32_t{p[i]} << 16;
    const char q[4] = {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], '=', '='};
    out->append(q, 4);
  } else if (n - i == 2) {
    const uint32_t v = uint32_t{p[i]} << 16 | uint32_t{p[i + 1]} << 8;
    const char q[4] = {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63],
                       '='};
    out->append(q, 4);
  }
}

void AppendInt(std::string* out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

// The value field of an AnyValue body (the last one, as for any protobuf oneof); number 0
// when there is none.
ProtoField AnyValueField(std::string_view any_value) {
  ProtoReader r(any_value);
  ProtoField f, last;
  while (r.Next(&f)) last = f;
  return last;
}

void AppendKeyValueMember(std::string* out, std::string_view kv, bool* first) {
  ProtoReader r(kv);
  ProtoField f;
  std::string_view key, value;
  while (r.Next(&f)) {
    if (f.number == 1) key = f.bytes;
    if (f.number == 2) value = f.bytes;
  }
  if (!*first) out->push_back(',');
  *first = false;
  AppendJsonString(out, key);
  out->push_back(':');
  AppendJsonAnyValue(out, value);
}

}  // namespace

void AppendJsonString(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* const end = p + s.size();
  const auto* run = p;  // start of bytes not yet copied
  auto flush = [&] { out->append(reinterpret_cast<const char*>(run), p - run); };
  while (p < end) {
    const unsigned char c = *p;
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++p;
      continue;
    }
    if (c >= 0x80) {
      if (const size_t n = Utf8SequenceLength(p, end)) {
        p += n;
        continue;
      }
      flush();
      out->append("\xEF\xBF\xBD");
      run = ++p;
      continue;
    }
    flush();
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default: {
        const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out->append(u, 6);
      }
    }
    run = ++p;
  }
  flush();
  out->push_back('"');
}

void AppendUint(std::string* out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

void AppendSeconds(std::string* out, uint64_t ns, int digits) {
  AppendUint(out, ns / 1'000'000'000);
  char frac[10] = {'.'};
  uint64_t rem = ns % 1'000'000'000;
  for (int i = 9; i >= 1; --i, rem /= 10) frac[i] = static_cast<char>('0' + rem % 10);
  out->append(frac, 1 + digits);
}

void AppendDouble(std::string* out, double d) {
  if (!std::isfinite(d)) {
    out->append("null");
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  out->append(buf, r.ptr);
}

void AppendJsonAnyValue(std::string* out, std::string_view any_value) {
  const ProtoField f = AnyValueField(any_value);
  switch (f.number) {
    case 1:
      AppendJsonString(out, f.bytes);
      return;
    case 2:
      out->append(f.value ? "true" : "false");
      return;
    case 3:
      AppendInt(out, static_cast<int64_t>(f.value));
      return;
    case 4: {
      double d;
      std::memcpy(&d, &f.value, 8);
      AppendDouble(out, d);
      return;
    }
    case 5: {
      out->push_back('[');
      ProtoReader r(f.bytes);
      ProtoField e;
      bool first = true;
      while (r.Next(&e)) {
        if (e.number != 1) continue;
        if (!first) out->push_back(',');
        first = false;
        AppendJsonAnyValue(out, e.bytes);
      }
      out->push_back(']');
      return;
    }
    case 6: {
      out->push_back('{');
      ProtoReader r(f.bytes);
      ProtoField e;
      bool first = true;
      while (r.Next(&e))
        if (e.number == 1) AppendKeyValueMember(out, e.bytes, &first);
      out->push_back('}');
      return;
    }
    case 7:
      out->push_back('"');
      AppendBase64(out, f.bytes);
      out->push_back('"');
      return;
    default:
      out->append("null");
  }
}

void AppendJsonAnyValueAsString(std::string* out, std::string_view any_value) {
  const ProtoField f = AnyValueField(any_value);
  if (f.number == 1 || f.number == 7) {
    AppendJsonAnyValue(out, any_value);
    return;
  }
  // The JSON text of a non-string value has no characters that need escaping except in
  // nested strings, so escape it as a whole.
  thread_local std::string scratch;
  scratch.clear();
  AppendJsonAnyValue(&scratch, any_value);
  AppendJsonString(out, scratch);
}

std::string_view AnyValueString(std::string_view any_value) {
  const ProtoField f = AnyValueField(any_value);
  return f.number == 1 ? f.bytes : std::string_view();
}

bool AnyValueInt(std::string_view any_value, int64_t* out) {
  const ProtoField f = AnyValueField(any_value);
  if (f.number != 3) return false;
  *out = static_cast<int64_t>(f.value);
  return true;
}

}  // namespace weft::log
