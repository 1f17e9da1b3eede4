// Sizes given on the command line: --max-disk 10GiB and friends.
#include <gtest/gtest.h>

#include "server/serve_options.h"

namespace weft::server {
namespace {

TEST(ParseByteSize, UnitsAndErrors) {
  EXPECT_EQ(*parse_byte_size("--max-disk", "0"), 0u);
  EXPECT_EQ(*parse_byte_size("--max-disk", "1073741824"), 1073741824u);
  EXPECT_EQ(*parse_byte_size("--max-disk", "512MiB"), 512ull << 20);
  EXPECT_EQ(*parse_byte_size("--max-disk", "10GB"), 10'000'000'000ull);
  EXPECT_EQ(*parse_byte_size("--max-disk", "1.5 kib"), 1536u);
  EXPECT_EQ(*parse_byte_size("--max-disk", "164481B"), 164481u);
  for (const char* bad : {"", "GiB", "10 parsecs", "-1", "1e30"}) {
    auto r = parse_byte_size("--max-disk", bad);
    ASSERT_FALSE(r.is_ok()) << bad;
    EXPECT_NE(r.status().message().find("--max-disk"), std::string::npos);
  }
}

}  // namespace
}  // namespace weft::server
