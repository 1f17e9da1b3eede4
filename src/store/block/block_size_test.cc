// Bytes on disk per span for the reference workload (shared/WORKLOAD.md, src/loadgen),
// with the per-column breakdown. Prints the figures; asserts only a generous bound.
#include <gtest/gtest.h>

#include <cstdio>

#include "loadgen/workload.h"
#include "store/block/block_test_traces.h"
#include "store/testing/temp_dir.h"

namespace weft::store {

using namespace weft::model;

namespace {

using namespace testing;

TEST(BlockSize, ReferenceWorkload) {
  loadgen::WorkloadOptions wo;
  wo.seed = 7;
  loadgen::WorkloadGenerator gen(wo);
  std::vector<Trace> traces;
  uint64_t spans = 0;
  while (spans < 50000) {
    traces.push_back(gen.next_trace());
    spans += traces.back().spans.size();
  }
  TempDir dir;
  const std::string path = dir.path() + "/ref.blk";
  BlockMeta m = write_block(path, traces);
  auto r = open_block(path);
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->verify().is_ok());
  const double per_span = static_cast<double>(m.file_bytes) / static_cast<double>(spans);
  std::printf("reference workload: %llu spans, %llu traces, %u pages, %llu bytes, %.2f B/span\n",
              static_cast<unsigned long long>(spans), static_cast<unsigned long long>(m.traces),
              r->pages(), static_cast<unsigned long long>(m.file_bytes), per_span);
  uint64_t pages_bytes = 0;
  for (const BlockColumnBytes& c : r->column_bytes()) {
    pages_bytes += c.compressed;
    if (c.uncompressed == 0) continue;
    std::printf("  %-18s %7.2f B/span stored  %7.2f B/span raw\n", c.column.c_str(),
                static_cast<double>(c.compressed) / static_cast<double>(spans),
                static_cast<double>(c.uncompressed) / static_cast<double>(spans));
  }
  std::printf("  %-18s %7.2f B/span\n", "footer+header",
              static_cast<double>(m.file_bytes - pages_bytes) / static_cast<double>(spans));
  EXPECT_LT(per_span, 80.0);

  // Sanity: what went in comes out.
  auto want = in_block_order(traces);
  size_t i = 0;
  ASSERT_TRUE(r->scan([&](Trace&& t) { return same_trace(want[i++], t); }).is_ok());
  EXPECT_EQ(i, want.size());
}

}  // namespace
}  // namespace weft::store
