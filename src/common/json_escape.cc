#include "common/json_escape.h"

#include <array>
#include <cstdint>
#include <cstring>

#include "common/utf8.h"

namespace weft {

namespace {

constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kHighs = 0x8080808080808080ull;

// True if any of the eight bytes of w is not copied as it is: >= 0x80 (maybe invalid
// UTF-8), < 0x20, '"' or '\\'. Exact ("has zero byte" / "has byte less than" tricks).
inline bool needs_look(uint64_t w) {
  const uint64_t quote = w ^ (kOnes * '"');
  const uint64_t backslash = w ^ (kOnes * '\\');
  const uint64_t control = (w - kOnes * 0x20) & ~w;
  const uint64_t q = (quote - kOnes) & ~quote;
  const uint64_t b = (backslash - kOnes) & ~backslash;
  return ((w | control | q | b) & kHighs) != 0;
}

void append_escape(std::string& out, uint8_t c) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '"':
      out.append("\\\"", 2);
      return;
    case '\\':
      out.append("\\\\", 2);
      return;
    case '\b':
      out.append("\\b", 2);
      return;
    case '\f':
      out.append("\\f", 2);
      return;
    case '\n':
      out.append("\\n", 2);
      return;
    case '\r':
      out.append("\\r", 2);
      return;
    case '\t':
      out.append("\\t", 2);
      return;
    default: {
      const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      out.append(u, 6);
    }
  }
}

// Bytes copied as they are: printable ASCII but '"' and '\\'.
constexpr auto kPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[c] = c != '"' && c != '\\';
  return t;
}();

[[gnu::always_inline]] inline void escape(std::string& out, std::string_view s) {
  const char* const begin = s.data();
  const char* const end = begin + s.size();
  const char* p = begin;
  const char* run = p;  // start of the bytes copied as they are, not yet appended
  while (p < end) {
    uint64_t w;
    if (end - p >= 8) {  // eight plain bytes at a time
      std::memcpy(&w, p, 8);
      if (!needs_look(w)) {
        p += 8;
        continue;
      }
    } else if (end - begin >= 8) {  // the tail, as the last eight bytes (read again)
      std::memcpy(&w, end - 8, 8);
      if (!needs_look(w)) break;
    }
    while (p < end && kPlain[static_cast<uint8_t>(*p)]) ++p;
    if (p == end) break;
    const auto c = static_cast<uint8_t>(*p);
    if (c >= 0x80) {
      if (const size_t n = utf8::sequence_length(p, end)) {
        p += n;  // well-formed: part of the run
        continue;
      }
      out.append(run, static_cast<size_t>(p - run));
      out.append("\xEF\xBF\xBD", 3);  // U+FFFD for this one byte
      run = ++p;
      continue;
    }
    out.append(run, static_cast<size_t>(p - run));
    append_escape(out, c);
    run = ++p;
  }
  out.append(run, static_cast<size_t>(end - run));
}

}  // namespace

void append_json_escaped(std::string& out, std::string_view s) { escape(out, s); }

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  escape(out, s);
  out.push_back('"');
}

}  // namespace weft
