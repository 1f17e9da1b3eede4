// The UTF-8 validator (common/utf8.h) against Unicode's well-formedness table: overlong
// forms, surrogates, code points past U+10FFFF, truncated and stray bytes.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/utf8.h"

namespace weft::utf8 {
namespace {

// The reference: the shortest encoding of a code point (nothing for surrogates and past
// U+10FFFF). A sequence is well-formed iff it is the encoding of some code point.
std::string encode(uint32_t cp) {
  std::string s;
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return s;
  if (cp < 0x80) {
    s.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    s.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    s.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return s;
}

// Reference: is s exactly one well-formed sequence? Decodes the bits the lead byte announces
// and checks that re-encoding gives s back.
bool reference_one_sequence(const std::string& s) {
  const auto c = static_cast<uint8_t>(s[0]);
  size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (n == 0 || n != s.size()) return false;
  uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<uint8_t>(s[k]) & 0xC0) != 0x80) return false;
    cp = (cp << 6) | (static_cast<uint8_t>(s[k]) & 0x3F);
  }
  return encode(cp) == s;
}

size_t len(std::string_view s) { return sequence_length(s.data(), s.data() + s.size()); }

TEST(Utf8, EveryCodePointIsValid) {
  for (uint32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    std::string s = encode(cp);
    if (s.empty()) continue;  // surrogates
    ASSERT_EQ(len(s), s.size()) << std::hex << cp;
    ASSERT_TRUE(is_valid(s)) << std::hex << cp;
  }
}

TEST(Utf8, BoundaryCodePoints) {
  EXPECT_TRUE(is_valid(std::string("\0", 1)));
  EXPECT_TRUE(is_valid("\x7F"));
  EXPECT_TRUE(is_valid("\xC2\x80"));          // U+0080
  EXPECT_TRUE(is_valid("\xDF\xBF"));          // U+07FF
  EXPECT_TRUE(is_valid("\xE0\xA0\x80"));      // U+0800
  EXPECT_TRUE(is_valid("\xED\x9F\xBF"));      // U+D7FF
  EXPECT_TRUE(is_valid("\xEE\x80\x80"));      // U+E000
  EXPECT_TRUE(is_valid("\xEF\xBF\xBF"));      // U+FFFF
  EXPECT_TRUE(is_valid("\xF0\x90\x80\x80"));  // U+10000
  EXPECT_TRUE(is_valid("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  EXPECT_TRUE(is_valid(""));
}

TEST(Utf8, OverlongForms) {
  EXPECT_FALSE(is_valid("\xC0\x80"));          // U+0000 in 2 bytes
  EXPECT_FALSE(is_valid("\xC0\xAF"));          // '/' in 2 bytes
  EXPECT_FALSE(is_valid("\xC1\xBF"));          // U+007F in 2 bytes
  EXPECT_FALSE(is_valid("\xE0\x80\x80"));      // U+0000 in 3 bytes
  EXPECT_FALSE(is_valid("\xE0\x9F\xBF"));      // U+07FF in 3 bytes
  EXPECT_FALSE(is_valid("\xF0\x80\x80\x80"));  // U+0000 in 4 bytes
  EXPECT_FALSE(is_valid("\xF0\x8F\xBF\xBF"));  // U+FFFF in 4 bytes
}

TEST(Utf8, Surrogates) {
  EXPECT_FALSE(is_valid("\xED\xA0\x80"));  // U+D800
  EXPECT_FALSE(is_valid("\xED\xAF\xBF"));  // U+DBFF
  EXPECT_FALSE(is_valid("\xED\xB0\x80"));  // U+DC00
  EXPECT_FALSE(is_valid("\xED\xBF\xBF"));  // U+DFFF
  EXPECT_FALSE(is_valid("\xED\xA0\xBD\xED\xB8\x80"));  // a CESU-8 pair (U+1F600)
}

TEST(Utf8, BeyondU10FFFFAndInvalidLeadBytes) {
  EXPECT_FALSE(is_valid("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(is_valid("\xF5\x80\x80\x80"));
  EXPECT_FALSE(is_valid("\xF7\xBF\xBF\xBF"));
  EXPECT_FALSE(is_valid("\xF8\x88\x80\x80\x80"));  // old 5-byte form
  EXPECT_FALSE(is_valid("\xFC\x84\x80\x80\x80\x80"));
  EXPECT_FALSE(is_valid("\xFE"));
  EXPECT_FALSE(is_valid("\xFF"));
}

TEST(Utf8, StrayAndTruncated) {
  EXPECT_FALSE(is_valid("\x80"));
  EXPECT_FALSE(is_valid("\xBF"));
  EXPECT_FALSE(is_valid("a\x80z"));
  EXPECT_FALSE(is_valid("\xC3"));
  EXPECT_FALSE(is_valid("\xE2\x82"));
  EXPECT_FALSE(is_valid("\xF0\x9F\x98"));
  EXPECT_FALSE(is_valid("\xC3("));          // bad continuation
  EXPECT_FALSE(is_valid("\xE2(\xA1"));
  EXPECT_FALSE(is_valid("\xF0\x9F(\x80"));
  // sequence_length stops at `end` even when the continuation bytes follow it.
  const char euro[] = "\xE2\x82\xAC";
  EXPECT_EQ(sequence_length(euro, euro + 2), 0u);
  EXPECT_EQ(sequence_length(euro, euro + 3), 3u);
}

// Every 1-, 2- and 3-byte string, and 4-byte ones around every boundary, against the
// reference.
TEST(Utf8, ExhaustiveAgainstReference) {
  std::string s;
  for (unsigned a = 0; a < 256; ++a) {
    s.assign(1, static_cast<char>(a));
    ASSERT_EQ(len(s) == 1, reference_one_sequence(s)) << a;
    for (unsigned b = 0; b < 256; ++b) {
      s.assign({static_cast<char>(a), static_cast<char>(b)});
      const bool want2 = reference_one_sequence(s);
      ASSERT_EQ(is_valid(s), want2 || (a < 0x80 && b < 0x80)) << a << " " << b;
      if (a < 0xE0) continue;
      for (unsigned c = 0; c < 256; ++c) {
        s.assign({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)});
        if (a < 0xF0) {
          ASSERT_EQ(len(s) == 3, reference_one_sequence(s)) << a << " " << b << " " << c;
          continue;
        }
        if (c != 0x7F && c != 0x80 && c != 0xBF && c != 0xC0) continue;
        for (unsigned d : {0x7Fu, 0x80u, 0xBFu, 0xC0u}) {
          s.assign({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c),
                    static_cast<char>(d)});
          ASSERT_EQ(len(s) == 4, reference_one_sequence(s))
              << a << " " << b << " " << c << " " << d;
        }
      }
    }
  }
}

TEST(Utf8, ValidPrefixFindsTheFirstBadByteAtEveryOffset) {
  // Long ASCII (the eight-bytes-at-a-time path) with multi-byte text mixed in.
  const std::string base = "The quick brown fox \xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80 jumps over";
  EXPECT_EQ(valid_prefix(base), base.size());
  for (size_t at = 0; at <= base.size(); ++at) {
    // Only at a sequence boundary: inserting inside one makes the break earlier.
    if (at < base.size() && (static_cast<uint8_t>(base[at]) & 0xC0) == 0x80) continue;
    for (char bad : {'\x80', '\xFF', '\xC0'}) {
      std::string s = base;
      s.insert(at, 1, bad);
      EXPECT_EQ(valid_prefix(s), at) << at;
      EXPECT_FALSE(is_valid(s));
    }
  }
  // A truncated sequence at the very end.
  EXPECT_EQ(valid_prefix(std::string(100, 'x') + "\xF0\x9F\x98"), 100u);
}

}  // namespace
}  // namespace weft::utf8
