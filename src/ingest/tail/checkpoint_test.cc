#include "tail/checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace weft::tail {
namespace {

Checkpoint sample() {
  Checkpoint c;
  c.written_unix_nanos = 1'700'000'000'123'456'789ULL;
  c.globs = {"/var/log/app/*.log", "/srv/{a,b}/x.log"};
  c.files.push_back({FileKey{2049, 1234567}, 4096, 256, 0xdeadbeef, "/var/log/app/a.log"});
  c.files.push_back({FileKey{UINT64_MAX, 1}, 0, 0, 0, "/srv/a/x.log"});
  c.files.push_back({FileKey{7, 8}, UINT64_MAX, 17, 1, std::string("odd\0name\n", 9)});
  return c;
}

void expect_equal(const Checkpoint& a, const Checkpoint& b) {
  EXPECT_EQ(a.written_unix_nanos, b.written_unix_nanos);
  EXPECT_EQ(a.globs, b.globs);
  ASSERT_EQ(a.files.size(), b.files.size());
  for (size_t i = 0; i < a.files.size(); ++i) {
    EXPECT_EQ(a.files[i].file, b.files[i].file);
    EXPECT_EQ(a.files[i].offset, b.files[i].offset);
    EXPECT_EQ(a.files[i].fingerprint_len, b.files[i].fingerprint_len);
    EXPECT_EQ(a.files[i].fingerprint_crc, b.files[i].fingerprint_crc);
    EXPECT_EQ(a.files[i].path, b.files[i].path);
  }
}

TEST(TailCheckpoint, RoundTrips) {
  const Checkpoint c = sample();
  Result<Checkpoint> back = decode_checkpoint(encode_checkpoint(c));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  expect_equal(c, *back);

  Result<Checkpoint> empty = decode_checkpoint(encode_checkpoint(Checkpoint{}));
  ASSERT_TRUE(empty.is_ok());
  EXPECT_TRUE(empty->files.empty());
}

TEST(TailCheckpoint, EveryTruncationIsRejected) {
  const std::string bytes = encode_checkpoint(sample());
  for (size_t n = 0; n < bytes.size(); ++n) {
    Result<Checkpoint> r = decode_checkpoint(std::string_view(bytes).substr(0, n));
    ASSERT_FALSE(r.is_ok()) << n;
    EXPECT_EQ(r.status().code(), ResultCode::kDataLoss);
  }
  EXPECT_FALSE(decode_checkpoint(bytes + "x").is_ok());
}

TEST(TailCheckpoint, EveryBitFlipIsRejected) {
  const std::string bytes = encode_checkpoint(sample());
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = bytes;
      damaged[i] = static_cast<char>(damaged[i] ^ (1 << bit));
      EXPECT_FALSE(decode_checkpoint(damaged).is_ok()) << "byte " << i << " bit " << bit;
    }
  }
}

TEST(TailCheckpoint, FileIsReplacedAtomicallyAndReadBack) {
  std::random_device rd;
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("weft-tailckpt-" + std::to_string(rd()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "tail.checkpoint").string();

  Result<std::optional<Checkpoint>> none = read_checkpoint_file(path);
  ASSERT_TRUE(none.is_ok());
  EXPECT_FALSE(none->has_value());

  ASSERT_TRUE(write_checkpoint_file(path, sample()).is_ok());
  Checkpoint second = sample();
  second.files.pop_back();
  ASSERT_TRUE(write_checkpoint_file(path, second).is_ok());
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  Result<std::optional<Checkpoint>> back = read_checkpoint_file(path);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  ASSERT_TRUE(back->has_value());
  expect_equal(second, **back);

  std::ofstream(path, std::ios::trunc) << "{\"not\": \"a checkpoint\"}";
  Result<std::optional<Checkpoint>> bad = read_checkpoint_file(path);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().code(), ResultCode::kDataLoss);
  EXPECT_NE(bad.status().message().find(path), std::string::npos);

  EXPECT_FALSE(write_checkpoint_file((dir / "missing" / "x").string(), sample()).is_ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace weft::tail
