// BlockSet: a merge that commits while a flush is writing its block (they run on different
// threads) leaves the manifest in id order, and the directory opens again.
#include "store/block_set.h"

#include <gtest/gtest.h>

#include "store/testing/span_builder.h"
#include "store/testing/temp_dir.h"

namespace weft::store {

using namespace weft::model;

namespace {

using namespace testing;

Status add_one(BlockWriter& w, uint64_t trace) {
  return w.add_trace(Trace{trace_id(trace), {make_span(trace, 1, 0, "a", "op", trace, 1)}});
}

TEST(BlockSet, MergeCommittingDuringAFlushKeepsIdsAscending) {
  TempDir dir;
  BlockSetOptions o;
  o.data_dir = dir.path();
  auto set = BlockSet::open(o);
  ASSERT_TRUE(set.is_ok()) << set.status().to_string();
  BlockSet& blocks = **set;
  ASSERT_TRUE(blocks.flush([](BlockWriter& w) { return add_one(w, 1); }, 1).is_ok());
  ASSERT_TRUE(blocks.flush([](BlockWriter& w) { return add_one(w, 2); }, 2).is_ok());
  // The third flush takes id 3; while it writes, a merge of blocks 1 and 2 takes id 4 and
  // commits first.
  Status flushed = blocks.flush(
      [&](BlockWriter& w) {
        Result<bool> merged = blocks.compact_step(/*full=*/true);
        EXPECT_TRUE(merged.is_ok() && *merged);
        return add_one(w, 3);
      },
      3);
  ASSERT_TRUE(flushed.is_ok()) << flushed.to_string();
  auto snap = blocks.snapshot();
  ASSERT_EQ(snap->size(), 2u);
  EXPECT_EQ((*snap)[0]->meta().id, 3u);
  EXPECT_EQ((*snap)[1]->meta().id, 4u);
  EXPECT_EQ(blocks.wal_flushed_through(), 3u);
  set->reset();
  auto again = BlockSet::open(o);
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  EXPECT_EQ((*again)->snapshot()->size(), 2u);
  EXPECT_EQ((*again)->stats().spans, 3u);
}

}  // namespace
}  // namespace weft::store
