// Damaged block files: open or verify reports DATA_LOSS naming the problem; no reader call
// crashes on any single-byte flip or truncation.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/coding.h"
#include "store/block/block_format.h"
#include "store/block/block_test_traces.h"
#include "store/testing/temp_dir.h"

namespace weft::store {

using namespace weft::model;

namespace {

using namespace testing;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void write_file(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

// Every reader call; returns the first error (or OK). Must never crash.
Status exercise(const std::string& path) {
  auto r = BlockReader::open(path);
  if (!r.is_ok()) return r.status();
  const BlockReader& b = **r;
  Status first = b.verify();
  auto note = [&](const Status& s) {
    if (first.is_ok() && !s.is_ok()) first = s;
  };
  note(b.scan([](Trace&&) { return true; }));
  for (uint64_t n : {uint64_t{1}, uint64_t{50}, uint64_t{99}})
    note(b.get_trace(trace_id(n)).status());
  TraceQuery q;
  q.tags = {{"user.id", "u7"}};
  BlockSearchState st;
  note(b.search(q, &st));
  TraceQuery q2;
  q2.service = "svc";
  q2.order = TraceOrder::kLongestFirst;
  q2.tags = {{"error", "true"}, {"k", "v3"}};
  note(b.search(q2, &st));
  (void)b.services();
  (void)b.attribute_keys();
  (void)b.column_bytes();
  return first;
}

class BlockCorruption : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.path() + "/good.blk";
    std::vector<Trace> traces;
    for (uint64_t t = 1; t <= 100; ++t) {
      Trace tr{trace_id(t), {}};
      for (uint64_t i = 1; i <= 3; ++i) {
        Span s = make_span(t, i, i == 1 ? 0 : 1, i == 2 ? "db" : "svc", "op" + std::to_string(i),
                           t + i, 5, SpanKind::kClient,
                           {{"user.id", "u" + std::to_string(t)}, {"k", "v" + std::to_string(i)}});
        if (t % 9 == 0) s.events.push_back({s.start_time_unix_nano, "e", {{"x", int64_t{1}}}, 0});
        if (t % 11 == 0) s.status = {SpanStatusCode::kError, "bad"};
        tr.spans.push_back(s);
      }
      traces.push_back(tr);
    }
    BlockWriterOptions o;
    o.page_spans = 30;
    o.max_dict_values_per_key = 20;
    meta_ = write_block(path_, traces, o);
    good_ = read_file(path_);
    footer_offset_ = coding::decode_fixed64(good_.data() + good_.size() - block::kTrailerSize);
  }

  TempDir dir_;
  std::string path_;
  BlockMeta meta_;
  std::string good_;
  uint64_t footer_offset_ = 0;
};

TEST_F(BlockCorruption, GoodFileVerifies) {
  EXPECT_TRUE(exercise(path_).is_ok()) << exercise(path_).to_string();
  EXPECT_EQ(meta_.file_bytes, good_.size());
}

TEST_F(BlockCorruption, FlippedPageByteIsNamed) {
  std::string bad = good_;
  bad[100] ^= 0x40;  // inside the first page
  const std::string p = dir_.path() + "/page.blk";
  write_file(p, bad);
  auto r = BlockReader::open(p);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();  // pages are checked when read
  Status s = (*r)->verify();
  EXPECT_EQ(s.code(), ResultCode::kDataLoss);
  EXPECT_NE(s.message().find("page 0"), std::string::npos) << s.to_string();
  EXPECT_NE(s.message().find("CRC"), std::string::npos) << s.to_string();
}

TEST_F(BlockCorruption, FlippedFooterByteFailsOpen) {
  std::string bad = good_;
  bad[footer_offset_ + 5] ^= 0x01;
  const std::string p = dir_.path() + "/footer.blk";
  write_file(p, bad);
  auto r = BlockReader::open(p);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ResultCode::kDataLoss);
  EXPECT_NE(r.status().message().find("footer"), std::string::npos) << r.status().to_string();
}

TEST_F(BlockCorruption, HeaderAndVersion) {
  std::string bad = good_;
  bad[0] = 'X';
  write_file(dir_.path() + "/m.blk", bad);
  EXPECT_EQ(BlockReader::open(dir_.path() + "/m.blk").status().code(), ResultCode::kDataLoss);
  bad = good_;
  bad[bad.size() - 12] = 2;  // trailer version
  write_file(dir_.path() + "/v.blk", bad);
  auto r = BlockReader::open(dir_.path() + "/v.blk");
  EXPECT_EQ(r.status().code(), ResultCode::kDataLoss);
  EXPECT_NE(r.status().message().find("version 2"), std::string::npos) << r.status().to_string();
}

TEST_F(BlockCorruption, TruncationFailsOpen) {
  const std::string p = dir_.path() + "/trunc.blk";
  for (size_t len : {size_t{0}, size_t{10}, size_t{16}, size_t{200}, good_.size() / 2,
                     static_cast<size_t>(footer_offset_), good_.size() - block::kTrailerSize - 1,
                     good_.size() - block::kTrailerSize, good_.size() - 1}) {
    write_file(p, std::string_view(good_).substr(0, len));
    auto r = BlockReader::open(p);
    ASSERT_FALSE(r.is_ok()) << len;
    EXPECT_EQ(r.status().code(), ResultCode::kDataLoss) << len << ": " << r.status().to_string();
  }
}

// Every single-byte flip (a sample of bit patterns) and every truncation: never a crash;
// damage outside the pages fails open, damage inside is found by verify.
TEST_F(BlockCorruption, EveryByteFlipIsCaught) {
  const std::string p = dir_.path() + "/flip.blk";
  const size_t step = good_.size() > 4000 ? good_.size() / 4000 + 1 : 1;
  for (size_t i = 0; i < good_.size(); i += step) {
    std::string bad = good_;
    bad[i] ^= static_cast<char>(1 << (i % 8));
    write_file(p, bad);
    Status s = exercise(p);
    EXPECT_FALSE(s.is_ok()) << "flip at " << i;
    if (!s.is_ok()) {
      EXPECT_EQ(s.code(), ResultCode::kDataLoss) << i << ": " << s.to_string();
    }
  }
  for (size_t len = 0; len < good_.size(); len += step * 3) {
    write_file(p, std::string_view(good_).substr(0, len));
    EXPECT_FALSE(exercise(p).is_ok()) << "truncated at " << len;
  }
}

// Random garbage and garbage after a valid-looking trailer: never a crash.
TEST_F(BlockCorruption, GarbageNeverCrashes) {
  const std::string p = dir_.path() + "/garbage.blk";
  uint64_t x = 7;
  for (int round = 0; round < 200; ++round) {
    std::string bad = good_;
    for (int k = 0; k < 1 + round % 8; ++k) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      bad[(x >> 20) % bad.size()] = static_cast<char>(x >> 56);
    }
    write_file(p, bad);
    (void)exercise(p);
  }
}

}  // namespace
}  // namespace weft::store
