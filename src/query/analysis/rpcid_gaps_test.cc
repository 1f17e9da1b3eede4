// RpcId completeness on hand-built log traces (rpcid_gaps.h).
#include "analysis/rpcid_gaps.h"

#include <gtest/gtest.h>

namespace weft::query::analysis {
namespace {

model::Trace with_rpc_ids(std::vector<std::string> ids) {
  model::Trace t;
  for (std::string& id : ids) {
    model::Span s;
    s.rpc_id = std::move(id);
    t.spans.push_back(std::move(s));
  }
  return t;
}

TEST(RpcIdGapsTest, MissingCallNumbersAreListedPerParent) {
  RpcIdCompleteness c =
      rpcid_completeness(with_rpc_ids({"0", "0.1", "0.2", "0.4", "0.4.1", "0.4.3", "0.2.1"}));
  EXPECT_TRUE(c.log_built);
  ASSERT_EQ(c.parents.size(), 2u);
  EXPECT_EQ(c.parents[0].parent_rpc_id, "0");
  EXPECT_EQ(c.parents[0].present, (std::vector<uint32_t>{1, 2, 4}));
  EXPECT_EQ(c.parents[0].missing, (std::vector<uint32_t>{3}));
  EXPECT_EQ(c.parents[1].parent_rpc_id, "0.4");
  EXPECT_EQ(c.parents[1].missing, (std::vector<uint32_t>{2}));
  EXPECT_EQ(c.missing_count, 2u);
}

TEST(RpcIdGapsTest, ACompleteTraceAndATraceWithoutRpcIdsHaveNoGaps) {
  RpcIdCompleteness full = rpcid_completeness(with_rpc_ids({"0", "0.1", "0.2", "0.2.1", "0.1"}));
  EXPECT_TRUE(full.log_built);
  EXPECT_TRUE(full.parents.empty());
  EXPECT_EQ(full.missing_count, 0u);
  RpcIdCompleteness none = rpcid_completeness(with_rpc_ids({"", ""}));
  EXPECT_FALSE(none.log_built);
}

TEST(RpcIdGapsTest, ZeroCountsAsPresentAndIsNeverMissing) {
  RpcIdCompleteness c = rpcid_completeness(with_rpc_ids({"1.0", "1.2"}));
  ASSERT_EQ(c.parents.size(), 1u);
  EXPECT_EQ(c.parents[0].missing, (std::vector<uint32_t>{1}));
}

TEST(RpcIdGapsTest, APlaceholdersLineIsMissing) {
  model::Trace t = with_rpc_ids({"0.1", "0.2", "0.3", "0.3.1"});
  t.spans[2].attributes.push_back({"weft.placeholder", model::AnyValue(true)});
  RpcIdCompleteness c = rpcid_completeness(t);
  ASSERT_EQ(c.parents.size(), 1u);
  EXPECT_EQ(c.parents[0].parent_rpc_id, "0");
  EXPECT_EQ(c.parents[0].missing, (std::vector<uint32_t>{3}));
}

TEST(RpcIdGapsTest, AHugeJumpIsCountedButListedOnlyInPart) {
  RpcIdCompleteness c = rpcid_completeness(with_rpc_ids({"0.1", "0.999999999"}));
  ASSERT_EQ(c.parents.size(), 1u);
  EXPECT_EQ(c.parents[0].missing.size(), kMaxListedMissing);
  EXPECT_EQ(c.parents[0].missing_count, 999999997u);
}

}  // namespace
}  // namespace weft::query::analysis
