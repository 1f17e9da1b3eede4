#include "model/rpc_id_order.h"

#include <gtest/gtest.h>

namespace weft::model {
namespace {

TEST(RpcIdOrderTest, ComponentsCompareAsNumbersAndPrefixesComeFirst) {
  EXPECT_LT(compare_rpc_ids("0.1", "0.1.1"), 0);
  EXPECT_LT(compare_rpc_ids("0.1.1", "0.1.2"), 0);
  EXPECT_LT(compare_rpc_ids("0.1.2", "0.2"), 0);
  EXPECT_LT(compare_rpc_ids("0.2", "0.10"), 0);
  EXPECT_GT(compare_rpc_ids("0.10", "0.9.9"), 0);
  EXPECT_EQ(compare_rpc_ids("0.02", "0.2"), 0);
  EXPECT_EQ(compare_rpc_ids("", ""), 0);
  EXPECT_LT(compare_rpc_ids("0.1", "0.x"), 0);
  EXPECT_LT(compare_rpc_ids("0.123456789012345678901", "0.1234567890123456789010"), 0);
}

TEST(RpcIdOrderTest, SplitGivesTheParentPrefixAndTheLastCallNumber) {
  std::string_view parent;
  uint32_t last = 0;
  ASSERT_TRUE(split_rpc_id("0.2.13", &parent, &last));
  EXPECT_EQ(parent, "0.2");
  EXPECT_EQ(last, 13u);
  EXPECT_FALSE(split_rpc_id("0", &parent, &last));
  EXPECT_FALSE(split_rpc_id("", &parent, &last));
  EXPECT_FALSE(split_rpc_id("0.x", &parent, &last));
  EXPECT_FALSE(split_rpc_id("0.1234567890", &parent, &last));
}

}  // namespace
}  // namespace weft::model
