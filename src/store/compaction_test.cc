// Compaction and retention plans, on block metas alone.
#include "store/compaction.h"

#include <gtest/gtest.h>

namespace weft::store {

using namespace weft::model;

namespace {

// A block that is only its meta: the plans read nothing else.
class MetaOnlyBlock final : public BlockReader {
 public:
  explicit MetaOnlyBlock(BlockMeta m) : m_(m) {}
  const BlockMeta& meta() const override { return m_; }
  const std::string& path() const override { return path_; }
  bool may_contain(const TraceId&) const override { return false; }
  Result<bool> contains(const TraceId&) const override { return false; }
  Result<std::optional<Trace>> get_trace(const TraceId&) const override {
    return std::optional<Trace>();
  }
  Status search(const TraceQuery&, BlockSearchState*) const override { return Status::ok(); }
  bool may_match(const TraceQuery&) const override { return false; }
  Status scan(const std::function<bool(Trace&&)>&) const override { return Status::ok(); }
  Result<std::vector<Trace>> read_page_traces(uint32_t) const override {
    return std::vector<Trace>{};
  }
  const std::vector<SplitTrace>& split_traces() const override { return split_; }
  std::vector<std::string> services() const override { return {}; }
  std::vector<OperationInfo> operations(const std::string&) const override { return {}; }
  std::vector<std::string> attribute_keys() const override { return {}; }
  std::vector<std::string> attribute_values(const std::string&, size_t) const override {
    return {};
  }
  Status verify() const override { return Status::ok(); }
  std::vector<BlockColumnBytes> column_bytes() const override { return {}; }
  uint32_t pages() const override { return 0; }

 private:
  BlockMeta m_;
  std::string path_;
  std::vector<SplitTrace> split_;
};

std::vector<std::shared_ptr<BlockReader>> blocks(
    const std::vector<std::pair<uint32_t, uint64_t>>& level_spans) {
  std::vector<std::shared_ptr<BlockReader>> out;
  uint64_t id = 1;
  for (auto [level, spans] : level_spans) {
    BlockMeta m;
    m.id = id++;
    m.level = level;
    m.spans = spans;
    m.max_start = 1000 * m.id;
    m.file_bytes = spans;
    out.push_back(std::make_shared<MetaOnlyBlock>(m));
  }
  return out;
}

TEST(PlanCompaction, MergesTheOldestFanInOfALevel) {
  auto b = blocks({{0, 10}, {1, 50}, {0, 10}, {0, 10}, {0, 10}});
  EXPECT_EQ(plan_compaction(b, 4, 3, 1000), (std::vector<size_t>{0, 2, 3, 4}));
  EXPECT_TRUE(plan_compaction(b, 5, 3, 1000).empty());  // no level holds 5
}

TEST(PlanCompaction, TakesAsManyAsFitAndSkipsBlocksTooBigToPair) {
  // Level 0 holds 4 (the fan-in), but only 2 fit under 25 spans together.
  auto b = blocks({{0, 10}, {0, 12}, {0, 10}, {0, 10}});
  EXPECT_EQ(plan_compaction(b, 4, 3, 25), (std::vector<size_t>{0, 1}));
  // A block over the limit is passed over; the run starts after it.
  b = blocks({{0, 30}, {0, 10}, {0, 10}, {0, 10}});
  EXPECT_EQ(plan_compaction(b, 4, 3, 25), (std::vector<size_t>{1, 2}));
  // Levels at max_level are never merged.
  b = blocks({{3, 1}, {3, 1}, {3, 1}, {3, 1}});
  EXPECT_TRUE(plan_compaction(b, 4, 3, 25).empty());
}

TEST(PlanFullCompaction, MergesNeighboursUntilNoTwoFit) {
  auto b = blocks({{1, 600}, {0, 100}, {0, 100}, {2, 900}, {0, 50}, {0, 50}});
  EXPECT_EQ(plan_full_compaction(b, 3, 1000, 16), (std::vector<size_t>{0, 1, 2}));
  b = blocks({{1, 950}, {0, 100}, {0, 100}});
  EXPECT_EQ(plan_full_compaction(b, 3, 1000, 16), (std::vector<size_t>{1, 2}));
  b = blocks({{1, 950}, {0, 100}});
  EXPECT_TRUE(plan_full_compaction(b, 3, 1000, 16).empty());
  b = blocks({{0, 1}, {0, 1}, {0, 1}});
  EXPECT_EQ(plan_full_compaction(b, 3, 1000, 2), (std::vector<size_t>{0, 1}));  // max inputs
}

TEST(PlanRetention, ByAgeThenOldestFirstUnderTheBudget) {
  auto b = blocks({{0, 100}, {0, 100}, {0, 100}, {0, 100}});  // max_start 1000..4000
  EXPECT_EQ(plan_retention(b, 2500, 0, 0), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(plan_retention(b, 0, 250, 0), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(plan_retention(b, 0, 250, 100), (std::vector<uint64_t>{1, 2, 3}));  // WAL counts
  EXPECT_TRUE(plan_retention(b, 0, 0, 0).empty());
}

}  // namespace
}  // namespace weft::store
