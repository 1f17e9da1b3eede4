#include "alerts/units.h"

#include <gtest/gtest.h>

namespace weft::pipeline::alerts {
namespace {

TEST(UnitsTest, ParsesDurations) {
  EXPECT_EQ(parse_duration_ns("300ms"), 300'000'000u);
  EXPECT_EQ(parse_duration_ns("5m"), 300'000'000'000u);
  EXPECT_EQ(parse_duration_ns("1m30s"), 90'000'000'000u);
  EXPECT_EQ(parse_duration_ns("1.5s"), 1'500'000'000u);
  EXPECT_EQ(parse_duration_ns("250us"), 250'000u);
  EXPECT_EQ(parse_duration_ns("250\xC2\xB5s"), 250'000u);
  EXPECT_EQ(parse_duration_ns("7ns"), 7u);
  EXPECT_EQ(parse_duration_ns("2h"), 7'200'000'000'000u);
  EXPECT_EQ(parse_duration_ns("1d"), 86'400'000'000'000u);
  EXPECT_EQ(parse_duration_ns(" 10s "), 10'000'000'000u);
  EXPECT_EQ(parse_duration_ns("0"), 0u);
  EXPECT_EQ(parse_duration_ns("0s"), 0u);
}

TEST(UnitsTest, RefusesWhatIsNotADuration) {
  for (const char* bad :
       {"", "300", "ms", "5 m", "-5m", "5x", "1e3ms", "1..5s", "5mm", "s5", "99999999999h", ".s"})
    EXPECT_FALSE(parse_duration_ns(bad)) << bad;
}

TEST(UnitsTest, ParsesFractionsAndPercentages) {
  EXPECT_DOUBLE_EQ(*parse_fraction("1%"), 0.01);
  EXPECT_DOUBLE_EQ(*parse_fraction("0.5 %"), 0.005);
  EXPECT_DOUBLE_EQ(*parse_fraction("0.01"), 0.01);
  EXPECT_DOUBLE_EQ(*parse_fraction("1"), 1.0);
  EXPECT_DOUBLE_EQ(*parse_fraction("100%"), 1.0);
  for (const char* bad : {"", "%", "1.5", "101%", "-1%", "abc", "1%%", "0x1"})
    EXPECT_FALSE(parse_fraction(bad)) << bad;
}

TEST(UnitsTest, FormatsBack) {
  EXPECT_EQ(format_duration(300'000'000), "300ms");
  EXPECT_EQ(format_duration(300'000'000'000), "5m");
  EXPECT_EQ(format_duration(90'000'000'000), "90s");
  EXPECT_EQ(format_duration(1'500'000), "1500us");
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_percent(0.01), "1%");
  EXPECT_EQ(format_percent(0.005), "0.5%");
  EXPECT_EQ(format_millis(312'500'000), "312.5ms");
  EXPECT_EQ(format_rfc3339(1'700'000'000'000'000'000ULL), "2023-11-14T22:13:20Z");
  EXPECT_EQ(format_rfc3339(1'700'000'000'500'000'000ULL), "2023-11-14T22:13:20.5Z");
}

}  // namespace
}  // namespace weft::pipeline::alerts
