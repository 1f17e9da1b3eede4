// The JSON string escaper (common/json_escape.h): every control character, quotes and
// backslashes, valid UTF-8 kept, invalid UTF-8 replaced byte by byte.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/json_escape.h"
#include "common/utf8.h"

namespace weft {
namespace {

const std::string kFFFD = "\xEF\xBF\xBD";

std::string escaped_literal(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

// A byte-at-a-time reference, for comparing the word-at-a-time scan against.
std::string reference(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<uint8_t>(s[i]);
    if (c >= 0x80) {
      const size_t n = utf8::sequence_length(s.data() + i, s.data() + s.size());
      out += n ? std::string(s.substr(i, n)) : kFFFD;
      i += n ? n : 1;
      continue;
    }
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\b') out += "\\b";
    else if (c == '\f') out += "\\f";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20) out += std::string("\\u00") + kHex[c >> 4] + kHex[c & 15];
    else out += static_cast<char>(c);
    ++i;
  }
  return out + "\"";
}

TEST(JsonEscape, EveryControlCharacter) {
  const char* want[32] = {"\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005",
                          "\\u0006", "\\u0007", "\\b",     "\\t",     "\\n",     "\\u000b",
                          "\\f",     "\\r",     "\\u000e", "\\u000f", "\\u0010", "\\u0011",
                          "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
                          "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d",
                          "\\u001e", "\\u001f"};
  for (int c = 0; c < 0x20; ++c) {
    EXPECT_EQ(escaped_literal(std::string(1, static_cast<char>(c))), std::string("\"") + want[c] + "\"")
        << c;
    // Inside a run long enough for the word-at-a-time scan, at both ends.
    std::string s = "abcdefghij" + std::string(1, static_cast<char>(c)) + "klmnopqrst";
    EXPECT_EQ(escaped_literal(s), std::string("\"abcdefghij") + want[c] + "klmnopqrst\"") << c;
  }
}

TEST(JsonEscape, QuotesBackslashAndWhatIsLeftAlone) {
  EXPECT_EQ(escaped_literal("say \"hi\" \\o/"), R"("say \"hi\" \\o/")");
  EXPECT_EQ(escaped_literal("a/b</script>"), "\"a/b</script>\"");  // '/' is not escaped
  EXPECT_EQ(escaped_literal("\x7F"), "\"\x7F\"");                  // DEL is not a JSON control
  EXPECT_EQ(escaped_literal(""), "\"\"");
  EXPECT_EQ(escaped_literal("\\u0000"), R"("\\u0000")");
  // Every printable ASCII character but '"' and '\\' is copied.
  std::string printable;
  for (int c = 0x20; c < 0x7F; ++c)
    if (c != '"' && c != '\\') printable.push_back(static_cast<char>(c));
  EXPECT_EQ(escaped_literal(printable), "\"" + printable + "\"");
}

TEST(JsonEscape, ValidUtf8IsCopied) {
  const std::string valid =
      "\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xE2\x80\xA8\xE2\x80\xA9 \xEF\xBF\xBF "
      "\xF4\x8F\xBF\xBF \xC2\x80 \xE4\xB8\xAD\xE6\x96\x87";  // é € 😀 U+2028/9 U+FFFF max 中文
  EXPECT_EQ(escaped_literal(valid), "\"" + valid + "\"");
  EXPECT_EQ(escaped_literal("\xF0\x9F\x98\x80"), "\"\xF0\x9F\x98\x80\"");  // a 4-byte sequence alone
}

TEST(JsonEscape, InvalidUtf8BecomesOneReplacementPerByte) {
  EXPECT_EQ(escaped_literal("a\xFF"), "\"a" + kFFFD + "\"");
  EXPECT_EQ(escaped_literal("\x80\xBF"), "\"" + kFFFD + kFFFD + "\"");              // stray
  EXPECT_EQ(escaped_literal("\xC0\xAF"), "\"" + kFFFD + kFFFD + "\"");              // overlong '/'
  EXPECT_EQ(escaped_literal("\xE0\x80\xAF"), "\"" + kFFFD + kFFFD + kFFFD + "\"");  // overlong '/'
  EXPECT_EQ(escaped_literal("\xED\xA0\x80"), "\"" + kFFFD + kFFFD + kFFFD + "\"");  // U+D800
  EXPECT_EQ(escaped_literal("\xED\xBF\xBF"), "\"" + kFFFD + kFFFD + kFFFD + "\"");  // U+DFFF
  EXPECT_EQ(escaped_literal("\xF4\x90\x80\x80"), "\"" + kFFFD + kFFFD + kFFFD + kFFFD + "\"");
  EXPECT_EQ(escaped_literal("\xF5"), "\"" + kFFFD + "\"");
  // Truncated: each byte of the cut sequence, then what follows is read again.
  EXPECT_EQ(escaped_literal("\xF0\x9F\x98"), "\"" + kFFFD + kFFFD + kFFFD + "\"");
  EXPECT_EQ(escaped_literal("\xE2\x82z"), "\"" + kFFFD + kFFFD + "z\"");
  EXPECT_EQ(escaped_literal("\xE2\x82\xE2\x82\xAC"), "\"" + kFFFD + kFFFD + "\xE2\x82\xAC\"");
  EXPECT_EQ(escaped_literal("\xC3\""), "\"" + kFFFD + "\\\"\"");
  // A surrogate pair written as two 3-byte sequences (CESU-8) is not UTF-8.
  EXPECT_EQ(escaped_literal("\xED\xA0\xBD\xED\xB8\x80"), "\"" + std::string() + kFFFD + kFFFD + kFFFD +
                                                    kFFFD + kFFFD + kFFFD + "\"");
}

TEST(JsonEscape, EscapedAppendsWithoutQuotes) {
  std::string out = "prefix:";
  append_json_escaped(out, "a\"b\n\xFF");
  EXPECT_EQ(out, "prefix:a\\\"b\\n" + kFFFD);
}

// Each special byte at every offset of strings long enough for the word-at-a-time scan,
// against the byte-at-a-time reference; the output is always valid UTF-8 with no raw
// control character.
TEST(JsonEscape, MatchesReferenceAtEveryOffset) {
  const std::string specials[] = {"\"",           "\\",           std::string(1, '\0'),
                                  "\x1f",         "\n",           "\x7f",
                                  "\x80",         "\xff",         "\xC3\xA9",
                                  "\xE2\x82\xAC", "\xE2\x82",     "\xF0\x9F\x98\x80",
                                  "\xF0\x9F\x98", "\xED\xA0\x80", "\xC0\xAF"};
  const std::string base = "0123456789abcdefghijklmnopqrstuv";  // 32 bytes
  for (const std::string& sp : specials) {
    for (size_t at = 0; at <= base.size(); ++at) {
      for (size_t len : {base.size(), at + 1, at + 8}) {
        std::string s = base.substr(0, std::min(len, base.size()));
        s.insert(std::min(at, s.size()), sp);
        const std::string got = escaped_literal(s);
        ASSERT_EQ(got, reference(s)) << "special " << static_cast<int>(static_cast<uint8_t>(sp[0]))
                                     << " at " << at;
        ASSERT_TRUE(utf8::is_valid(got));
        for (char c : got) ASSERT_GE(static_cast<uint8_t>(c), 0x20);
      }
    }
  }
  // Every single byte value, and every pair.
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      std::string s = {static_cast<char>(a), static_cast<char>(b)};
      const std::string got = escaped_literal(s);
      ASSERT_EQ(got, reference(s)) << a << " " << b;
      ASSERT_TRUE(utf8::is_valid(got)) << a << " " << b;
    }
  }
}

}  // namespace
}  // namespace weft
