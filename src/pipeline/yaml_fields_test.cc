#include "pipeline/yaml_fields.h"

#include <gtest/gtest.h>

namespace weft::pipeline::yaml_fields {
namespace {

// The error message of `s`, "" if it is OK.
template <typename T>
std::string error_of(const Result<T>& r) {
  return r.is_ok() ? "" : r.status().message();
}
std::string error_of(const Status& s) { return s.is_ok() ? "" : s.message(); }

// The value of `key` in the one-line map "key: <value>" (on config line 1).
YAML::Node value(const std::string& text) { return YAML::Load("key: " + text)["key"]; }

constexpr DurationSyntax kLenient{
    .trim_blanks = true, .bare_zero = true, .day_units = true, .max_ns = 0x1p63};
constexpr DurationSyntax kStrict{
    .trim_blanks = false, .bare_zero = false, .day_units = false, .max_ns = 1e18};

std::optional<uint64_t> lenient(std::string_view s) { return parse_duration_ns(s, kLenient); }
std::optional<uint64_t> strict(std::string_view s) { return parse_duration_ns(s, kStrict); }

TEST(YamlFieldsTest, ErrorNamesTheLineAndPath) {
  const YAML::Node root = YAML::Load("a: 1\nb: 2\n");
  EXPECT_EQ(error_of(error_at(root["b"], "s.b", "is wrong")), "config line 2: s.b: is wrong");
  EXPECT_EQ(error_of(error_at(YAML::Node(), "s.c", "is wrong")), "s.c: is wrong");
  EXPECT_EQ(quoted("x y"), "\"x y\"");
}

TEST(YamlFieldsTest, CheckMapRefusesUnknownAndEmptyKeys) {
  const YAML::Node root = YAML::Load("a: 1\nb:\n");
  EXPECT_EQ(error_of(check_map(root, "s", {"a", "b"}, {"b"})), "");
  EXPECT_EQ(error_of(check_map(root, "s", {"a", "b"})), "config line 2: s.b: has no value");
  EXPECT_EQ(error_of(check_map(root, "s", {"a", "c"})),
            "config line 2: s.b: unknown key (expected one of: a, c)");
  EXPECT_EQ(error_of(check_map(value("[1]"), "s", {"a"})),
            "config line 1: s: must be a mapping of key: value");
}

TEST(YamlFieldsTest, ScalarsAndNonEmpty) {
  EXPECT_EQ(*scalar(value("x"), "k"), "x");
  EXPECT_EQ(error_of(scalar(value("[1, 2]"), "k")),
            "config line 1: k: must be a single value, not a list or map");
  EXPECT_EQ(error_of(scalar(YAML::Load("key:\nother: 1")["key"], "k")),
            "config line 2: k: has no value");
  EXPECT_EQ(error_of(non_empty(value("''"), "k")), "config line 1: k: must not be empty");
}

TEST(YamlFieldsTest, ParsesDecimals) {
  EXPECT_DOUBLE_EQ(*parse_decimal("1.5"), 1.5);
  EXPECT_DOUBLE_EQ(*parse_decimal(".5"), 0.5);
  EXPECT_DOUBLE_EQ(*parse_decimal("12"), 12);
  for (const char* bad : {"", ".", "1..5", "-1", "1e3", " 1", "0x1"})
    EXPECT_FALSE(parse_decimal(bad)) << bad;
}

TEST(YamlFieldsTest, DurationSyntaxes) {
  EXPECT_EQ(lenient("1m30s"), 90'000'000'000u);
  EXPECT_EQ(strict("1m30s"), 90'000'000'000u);
  EXPECT_EQ(strict("1.5s"), 1'500'000'000u);
  EXPECT_EQ(lenient(" 10s\t"), 10'000'000'000u);
  EXPECT_FALSE(strict(" 10s"));
  EXPECT_EQ(lenient("0"), 0u);
  EXPECT_FALSE(strict("0"));
  EXPECT_EQ(strict("0s"), 0u);
  EXPECT_EQ(lenient("1d"), 86'400'000'000'000u);
  EXPECT_EQ(lenient("2\xC2\xB5s"), 2'000u);
  EXPECT_FALSE(strict("1d"));
  EXPECT_FALSE(strict("2\xC2\xB5s"));
  EXPECT_FALSE(strict("1000000001s"));  // over max_ns (1e18 ns)
  EXPECT_EQ(strict("1000000000s"), 1'000'000'000'000'000'000u);
  EXPECT_FALSE(lenient("2562048h"));  // 2^63 ns or more: refused whatever max_ns says
  for (const char* bad : {"", "300", "ms", "5 m", "-5m", "5x", "1e3ms", "1..5s", "5mm", ".s"}) {
    EXPECT_FALSE(lenient(bad)) << bad;
    EXPECT_FALSE(strict(bad)) << bad;
  }
}

TEST(YamlFieldsTest, DurationFieldsGiveTheSectionsExample) {
  EXPECT_EQ(*duration(value("0"), "k", lenient, "300ms"), 0u);
  EXPECT_EQ(error_of(duration(value("soon"), "k", lenient, "300ms")),
            "config line 1: k: \"soon\" is not a duration (e.g. 300ms)");
  EXPECT_EQ(*positive_duration(value("2s"), "k", strict, "30s"), 2'000'000'000u);
  EXPECT_EQ(error_of(positive_duration(value("0s"), "k", strict, "30s")),
            "config line 1: k: must be more than 0");
  EXPECT_EQ(error_of(positive_duration(value("[]"), "k", strict, "30s")),
            "config line 1: k: must be a single value, not a list or map");
}

TEST(YamlFieldsTest, WholeNumberSyntaxes) {
  constexpr auto kDigits = WholeNumbers::kDigits;
  constexpr auto kOtel = WholeNumbers::kSignedWithUnderscores;
  EXPECT_EQ(*integer(value("007"), "k", 0, 100, kDigits), 7);
  EXPECT_EQ(*integer(value("100_000"), "k", 0, 1'000'000, kOtel), 100'000);
  EXPECT_EQ(*integer(value("-5"), "k", -10, 10, kOtel), -5);
  EXPECT_EQ(error_of(integer(value("100_000"), "k", 0, 1'000'000, kDigits)),
            "config line 1: k: \"100_000\" is not a whole number from 0 to 1000000");
  EXPECT_EQ(error_of(integer(value("-0"), "k", 0, 1, kDigits)),
            "config line 1: k: \"-0\" is not a whole number from 0 to 1");
  EXPECT_EQ(error_of(integer(value("00000000000000000001"), "k", 0, 1, kDigits)),
            "config line 1: k: \"00000000000000000001\" is not a whole number from 0 to 1");
  EXPECT_EQ(error_of(integer(value("_1"), "k", 0, 9, kOtel)),
            "config line 1: k: \"_1\" is not a whole number from 0 to 9");
  EXPECT_EQ(error_of(integer(value("11"), "k", -1, 9, kOtel)),
            "config line 1: k: \"11\" is not a whole number from -1 to 9");
  EXPECT_EQ(error_of(integer(value("99999999999999999999"), "k", 0, 9, kOtel)),
            "config line 1: k: \"99999999999999999999\" is not a whole number from 0 to 9");
}

TEST(YamlFieldsTest, Booleans) {
  for (const char* t : {"true", "True", "TRUE"}) EXPECT_TRUE(*boolean(value(t), "k")) << t;
  for (const char* f : {"false", "False", "FALSE"}) EXPECT_FALSE(*boolean(value(f), "k")) << f;
  EXPECT_EQ(error_of(boolean(value("yes"), "k")), "config line 1: k: \"yes\" is not true or false");
}

TEST(YamlFieldsTest, LoadsYaml) {
  auto root = load_yaml("a: 1\n");
  ASSERT_TRUE(root.is_ok());
  EXPECT_EQ((*root)["a"].Scalar(), "1");
  auto empty = load_yaml("");
  ASSERT_TRUE(empty.is_ok());
  EXPECT_TRUE(empty->IsNull());
  auto bad = load_yaml("a: 1\nb: [1, 2\n");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().code(), ResultCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message().rfind("config line ", 0), 0u) << bad.status().message();
  EXPECT_NE(bad.status().message().find(": not valid YAML: "), std::string::npos);
}

// A section parser that throws on a non-number, as a wrong accessor would.
Result<int> as_int(const YAML::Node& node) { return node.as<int>(); }

TEST(YamlFieldsTest, ParsesASectionWithoutThrowing) {
  EXPECT_EQ(*parse_section(YAML::Load("a: 7"), "a", as_int), 7);
  auto thrown = parse_section(YAML::Load("a: x"), "a", as_int);
  ASSERT_FALSE(thrown.is_ok());
  EXPECT_EQ(thrown.status().code(), ResultCode::kInternal);
  EXPECT_EQ(thrown.status().message().rfind("a config: ", 0), 0u) << thrown.status().message();
  EXPECT_EQ(error_of(parse_section(YAML::Load("[1]"), "a", as_int)),
            "config: must be a YAML mapping of key: value");
}

}  // namespace
}  // namespace weft::pipeline::yaml_fields
