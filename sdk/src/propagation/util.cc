// Text helpers for the propagators (see util.h).
#include "propagation/util.h"

namespace weft::propagation {

std::string ToLowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = LowerAscii(c);
  return out;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  return true;
}

bool IStartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && IEquals(s.substr(0, prefix.size()), prefix);
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view TrimSpace(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) continue;
    switch (c) {
      case '!':
      case '#':
      case '$':
      case '%':
      case '&':
      case '\'':
      case '*':
      case '+':
      case '-':
      case '.':
      case '^':
      case '_':
      case '`':
      case '|':
      case '~':
        continue;
      default:
        return false;
    }
  }
  return true;
}

int HexNibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsLowerHex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool IsAllZero(std::string_view hex) {
  for (char c : hex)
    if (c != '0') return false;
  return true;
}

namespace {
template <size_t N>
bool ParsePadded(std::string_view s, Id<N>* out) {
  if (s.empty() || s.size() > 2 * N) return false;
  char buf[2 * N];
  const size_t pad = 2 * N - s.size();
  for (size_t i = 0; i < pad; ++i) buf[i] = '0';
  for (size_t i = 0; i < s.size(); ++i) buf[pad + i] = s[i];
  Id<N> id;
  if (!Id<N>::from_hex(std::string_view(buf, 2 * N), &id) || !id.valid()) return false;
  *out = id;
  return true;
}
}  // namespace

bool ParseTraceIdPadded(std::string_view s, TraceId* out) { return ParsePadded(s, out); }
bool ParseSpanIdPadded(std::string_view s, SpanId* out) { return ParsePadded(s, out); }

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

bool PercentDecode(std::string_view s, bool plus_is_space, bool strict, std::string* out) {
  std::string r;
  r.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      const int hi = i + 1 < s.size() ? HexNibble(s[i + 1]) : -1;
      const int lo = i + 2 < s.size() ? HexNibble(s[i + 2]) : -1;
      if (hi >= 0 && lo >= 0) {
        r.push_back(static_cast<char>(hi << 4 | lo));
        i += 2;
        continue;
      }
      if (strict) return false;
      r.push_back(c);
    } else if (c == '+' && plus_is_space) {
      r.push_back(' ');
    } else {
      r.push_back(c);
    }
  }
  *out = std::move(r);
  return true;
}

Context WithDebugFlags(const Context& base) {
  SpanContext sc = base.span();
  sc.flags |= kTraceFlagDebug | kTraceFlagSampled;
  return base.WithSpan(std::move(sc));
}

uint64_t Fnv1a64(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace weft::propagation
