#include "store/wal/wal_log.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "store/testing/fault_wal_file.h"
#include "store/testing/span_builder.h"
#include "store/testing/temp_dir.h"
#include "store/wal/segment_name.h"
#include "store/wal/span_codec.h"
#include "store/wal/wal_recovery.h"

namespace weft::store {

using namespace weft::model;

namespace {

using namespace testing;

std::string payload_for(uint64_t trace) {
  return encode_wal_payload(batch_of({make_span(trace, 1, 0, "svc", "op", trace, 1)}));
}

TEST(WalLog, RollsAtSegmentSizeAndRecoversInOrder) {
  TempDir dir;
  {
    auto log = WalLog::open(dir.path(), 256, open_posix_wal_file, {});
    ASSERT_TRUE(log.is_ok());
    for (uint64_t t = 1; t <= 20; ++t) {
      std::string p = payload_for(t);
      ASSERT_TRUE((*log)->append({p}).is_ok());
    }
    EXPECT_GT((*log)->segments(), 3u);
    EXPECT_EQ((*log)->bytes(), [&] {
      uint64_t n = 0;
      auto segs = list_segments(dir.path());
      EXPECT_TRUE(segs.is_ok());
      if (segs.is_ok())
        for (uint64_t seq : segs.value())
          n += std::filesystem::file_size(segment_path(dir.path(), seq));
      return n;
    }());
    ASSERT_TRUE((*log)->close().is_ok());
  }
  std::vector<uint64_t> seen;
  uint64_t last_seq = 0;
  auto r = recover_wal(dir.path(), [&](uint64_t seq, SpanBatch&& b) {
    EXPECT_GE(seq, last_seq);
    last_seq = seq;
    seen.push_back(b.spans[0].trace_id.low64());
  });
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(seen.size(), 20u);
  for (uint64_t t = 1; t <= 20; ++t) EXPECT_EQ(seen[t - 1], trace_id(t).low64());
  EXPECT_EQ(r->corruptions, 0u);
}

TEST(WalLog, NewProcessNeverAppendsToAnOldSegment) {
  TempDir dir;
  {
    auto log = WalLog::open(dir.path(), 1 << 20, open_posix_wal_file, {});
    ASSERT_TRUE(log.is_ok());
    std::string p = payload_for(1);
    ASSERT_TRUE((*log)->append({p}).is_ok());
    EXPECT_EQ((*log)->active_seq(), 1u);
  }
  auto log = WalLog::open(dir.path(), 1 << 20, open_posix_wal_file, {{1, 100}});
  ASSERT_TRUE(log.is_ok());
  EXPECT_EQ((*log)->active_seq(), 2u);
  EXPECT_EQ((*log)->segments(), 2u);
  ASSERT_TRUE((*log)->remove(1).is_ok());
  auto segs = list_segments(dir.path());
  ASSERT_TRUE(segs.is_ok());
  EXPECT_EQ(segs.value(), std::vector<uint64_t>{2});
}

TEST(WalLog, DiskFullWhileCreatingASegmentLeavesNoDamagedFile) {
  TempDir dir;
  auto plan = std::make_shared<FaultPlan>();
  {
    auto log = WalLog::open(dir.path(), 64, fault_factory(plan), {});
    ASSERT_TRUE(log.is_ok());
    std::string p = payload_for(1);
    ASSERT_TRUE((*log)->append({p}).is_ok());  // fills segment 1 past 64 bytes
    plan->disk_full = true;
    auto failed = (*log)->append({p});  // needs a new segment: its header cannot be written
    ASSERT_FALSE(failed.is_ok());
    EXPECT_EQ(failed.status().code(), ResultCode::kUnavailable);
    plan->disk_full = false;
    std::string p2 = payload_for(2);
    ASSERT_TRUE((*log)->append({p2}).is_ok());
    ASSERT_TRUE((*log)->close().is_ok());
  }
  std::vector<uint64_t> seen;
  auto r = recover_wal(
      dir.path(), [&](uint64_t, SpanBatch&& b) { seen.push_back(b.spans[0].trace_id.low64()); });
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->corruptions, 0u);
  EXPECT_EQ(seen, (std::vector<uint64_t>{trace_id(1).low64(), trace_id(2).low64()}));
}

}  // namespace
}  // namespace weft::store
