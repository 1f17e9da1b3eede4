#include "api/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace weft::api {
namespace {

TEST(JsonWriter, CommasAndNesting) {
  JsonWriter w;
  w.begin_object().kv("a", "x").key("b").begin_array().i64(-1).u64(2).boolean(true).null();
  w.begin_object().end_object().end_array().key("c").u64_string(18446744073709551615ULL);
  w.end_object();
  EXPECT_EQ(w.take(), R"({"a":"x","b":[-1,2,true,null,{}],"c":"18446744073709551615"})");
}

TEST(JsonWriter, RawAndDirectAppend) {
  JsonWriter w;
  w.begin_array().raw("{\"r\":1}");
  w.before_value();
  w.out() += "[]";
  w.end_array();
  EXPECT_EQ(w.take(), R"([{"r":1},[]])");
}

TEST(JsonWriter, Doubles) {
  JsonWriter w;
  w.begin_array()
      .dbl(0.25)
      .dbl(1e21)
      .dbl(std::nan(""))
      .dbl(-std::numeric_limits<double>::infinity());
  w.end_array();
  EXPECT_EQ(w.take(), R"([0.25,1e+21,"NaN","-Infinity"])");
}

TEST(AppendJsonString, EscapesAndRepairsUtf8) {
  std::string out;
  append_json_string(out, std::string("q\"b\\n\n\x01\t", 8));
  EXPECT_EQ(out, R"("q\"b\\n\n\u0001\t")");
  out.clear();
  append_json_string(out, "\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");  // é € 😀 kept
  EXPECT_EQ(out, "\"\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
  out.clear();
  append_json_string(out,
                     "a\xFF"
                     "b\xC0\xAF"
                     "c\xED\xA0\x80");  // invalid, overlong, surrogate
  EXPECT_EQ(out,
            "\"a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD\xEF\xBF\xBD"
            "c\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

}  // namespace
}  // namespace weft::api
