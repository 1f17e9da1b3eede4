// Varints (common/coding.h): the one codec of src/ and its overflow rule.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "common/coding.h"

namespace weft::coding {
namespace {

std::string bytes(std::initializer_list<unsigned> b) {
  std::string s;
  for (unsigned x : b) s.push_back(static_cast<char>(x));
  return s;
}

TEST(Varint, RoundTripsAtEveryLengthBoundary) {
  std::vector<uint64_t> values = {0, 1, 127, 128, 255, 300, 16383, 16384};
  for (int bits = 7; bits < 64; bits += 7) {
    values.push_back((uint64_t{1} << bits) - 1);
    values.push_back(uint64_t{1} << bits);
  }
  values.push_back(std::numeric_limits<uint64_t>::max() - 1);
  values.push_back(std::numeric_limits<uint64_t>::max());
  for (uint64_t v : values) {
    std::string buf;
    put_varint64(buf, v);
    EXPECT_EQ(buf.size(), varint64_size(v)) << v;
    char raw[kMaxVarint64Bytes];
    EXPECT_EQ(std::string(raw, encode_varint64(raw, v)), buf) << v;
    buf += "tail";
    std::string_view in = buf;
    uint64_t got = 12345;
    ASSERT_TRUE(get_varint64(in, &got)) << v;
    EXPECT_EQ(got, v);
    EXPECT_EQ(in, "tail");
  }
}

TEST(Varint, KnownEncodings) {
  std::string buf;
  put_varint64(buf, 300);
  EXPECT_EQ(buf, bytes({0xac, 0x02}));
  buf.clear();
  put_varint64(buf, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(buf, bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}));
  EXPECT_EQ(varint64_size(0), 1u);
  EXPECT_EQ(varint64_size(std::numeric_limits<uint64_t>::max()), 10u);
}

TEST(Varint, TenthByteAboveOneIsMalformed) {
  uint64_t v = 7;
  // 0x01 in the 10th byte: bit 63, the largest values.
  std::string max = bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01});
  std::string_view in = max;
  ASSERT_TRUE(get_varint64(in, &v));
  EXPECT_EQ(v, std::numeric_limits<uint64_t>::max());
  std::string bit63 = bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01});
  in = bit63;
  ASSERT_TRUE(get_varint64(in, &v));
  EXPECT_EQ(v, uint64_t{1} << 63);
  // 0x02..0x7f in the 10th byte: bits past 64, refused (not truncated to 64 bits).
  for (unsigned tenth : {0x02u, 0x03u, 0x40u, 0x7fu}) {
    std::string s = bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, tenth});
    v = 7;
    in = s;
    EXPECT_FALSE(get_varint64(in, &v)) << tenth;
    EXPECT_EQ(v, 7u) << "untouched on failure";
    EXPECT_EQ(in.size(), 10u) << "cursor unchanged on failure";
    EXPECT_EQ(decode_varint64(s.data(), s.data() + s.size(), &v), nullptr);
  }
  // A continuation bit in the 10th byte (an 11th byte): refused, whatever follows.
  std::string eleven = bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00});
  in = eleven;
  EXPECT_FALSE(get_varint64(in, &v));
  std::string eleven_ones = bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00});
  in = eleven_ones;
  EXPECT_FALSE(get_varint64(in, &v));
}

TEST(Varint, NonMinimalEncodingsAreAccepted) {
  uint64_t v = 7;
  std::string zero = bytes({0x80, 0x00});
  std::string_view in = zero;
  ASSERT_TRUE(get_varint64(in, &v));
  EXPECT_EQ(v, 0u);
  EXPECT_TRUE(in.empty());
  std::string padded = bytes({0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00});
  in = padded;
  ASSERT_TRUE(get_varint64(in, &v));
  EXPECT_EQ(v, 1u);
}

TEST(Varint, TruncatedIsRefusedAtEveryLength) {
  std::string full;
  put_varint64(full, std::numeric_limits<uint64_t>::max());
  for (size_t n = 0; n < full.size(); ++n) {
    std::string_view in(full.data(), n);
    uint64_t v = 7;
    EXPECT_FALSE(get_varint64(in, &v)) << n;
    EXPECT_EQ(in.size(), n);
    EXPECT_EQ(v, 7u);
    EXPECT_EQ(decode_varint64(full.data(), full.data() + n, &v), nullptr) << n;
  }
  // decode_varint64 honours `end` even if bytes follow it.
  std::string two = bytes({0xac, 0x02});
  uint64_t v;
  EXPECT_EQ(decode_varint64(two.data(), two.data() + 1, &v), nullptr);
  EXPECT_EQ(decode_varint64(two.data(), two.data() + 2, &v), two.data() + 2);
  EXPECT_EQ(v, 300u);
}

TEST(Varint, ZigzagRoundTrip) {
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1}, int64_t{-64}, int64_t{63},
                    std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()})
    EXPECT_EQ(unzigzag(zigzag(v)), v);
  EXPECT_EQ(zigzag(-1), 1u);
  EXPECT_EQ(zigzag(1), 2u);
}

}  // namespace
}  // namespace weft::coding
