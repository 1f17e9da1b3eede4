// The embedded store with blocks: flush, late spans across blocks, compaction, retention,
// orphan clean-up and the manifest.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "store/embedded_store.h"
#include "store/manifest.h"
#include "store/testing/span_builder.h"
#include "store/testing/sync_write.h"
#include "store/testing/temp_dir.h"

namespace weft {

using namespace weft::model;
namespace {

using namespace store::testing;
namespace fs = std::filesystem;

EmbeddedStoreOptions options_for(const TempDir& dir) {
  EmbeddedStoreOptions o;
  o.data_dir = dir.path() + "/data";
  o.fsync = EmbeddedStoreOptions::Fsync::kNever;
  o.compaction = false;  // tests ask for it
  return o;
}

std::unique_ptr<Store> open_or_die(const EmbeddedStoreOptions& o) {
  auto s = open_embedded_store(o);
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  return s.is_ok() ? std::move(s).value() : nullptr;
}

size_t files_in(const std::string& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

TEST(BlockStore, FlushMovesTheHeadIntoABlockThatAnswersEveryQuery) {
  TempDir dir;
  auto o = options_for(dir);
  auto store = open_or_die(o);
  ASSERT_TRUE(write_and_wait(*store, batch_of({make_span(1, 1, 0, "front", "GET /", 0, 100,
                                                         SpanKind::kServer, {{"user", "ann"}}),
                                               make_span(1, 2, 1, "back", "query", 10, 50,
                                                         SpanKind::kClient)}))
                  .is_ok());
  ASSERT_TRUE(store->flush().is_ok());
  StoreStats st = store->stats();
  EXPECT_EQ(st.blocks, 1u);
  EXPECT_EQ(st.block_spans, 2u);
  EXPECT_EQ(st.spans, 2u);  // in the block only, not twice
  auto t = store->get_trace(trace_id(1));
  ASSERT_TRUE(t.is_ok() && t->has_value());
  EXPECT_EQ((*t)->spans.size(), 2u);
  EXPECT_EQ(*store->services(), (std::vector<std::string>{"back", "front"}));
  TraceQuery q;
  q.service = "front";
  q.tags = {{"user", "ann"}};
  auto found = store->search(q);
  ASSERT_TRUE(found.is_ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].span_count, 2u);
  EXPECT_EQ((*found)[0].root_service, "front");
  q.tags = {{"user", "bob"}};
  EXPECT_TRUE(store->search(q)->empty());
  auto values = store->attribute_values("user", 10);
  ASSERT_TRUE(values.is_ok());
  EXPECT_EQ(*values, (std::vector<std::string>{"ann"}));
  // An empty head flushes to nothing.
  ASSERT_TRUE(store->flush().is_ok());
  EXPECT_EQ(store->stats().blocks, 1u);
}

TEST(BlockStore, LateSpansJoinTheirTraceAcrossBlocksAndCompactionMergesThem) {
  TempDir dir;
  auto o = options_for(dir);
  auto store = open_or_die(o);
  ASSERT_TRUE(write_and_wait(*store, batch_of({make_span(7, 1, 0, "a", "root", 0, 1000),
                                               make_span(8, 1, 0, "a", "other", 5, 10)}))
                  .is_ok());
  ASSERT_TRUE(store->flush().is_ok());
  ASSERT_TRUE(
      write_and_wait(*store, batch_of({make_span(7, 2, 1, "b", "late", 500, 100)})).is_ok());
  ASSERT_TRUE(store->flush().is_ok());
  // The same span again (a retried request) must not show twice.
  ASSERT_TRUE(write_and_wait(*store, batch_of({make_span(7, 2, 1, "b", "late", 500, 100),
                                               make_span(7, 3, 1, "c", "later", 600, 10)}))
                  .is_ok());
  auto whole = [&] {
    auto t = store->get_trace(trace_id(7));
    EXPECT_TRUE(t.is_ok() && t->has_value());
    return t.is_ok() && t->has_value() ? (*t)->spans.size() : 0u;
  };
  EXPECT_EQ(whole(), 3u);
  // Many at once: parts joined the same way (two blocks and the head), absent ones nullopt.
  auto many = store->get_traces({trace_id(8), trace_id(99), trace_id(7)});
  ASSERT_TRUE(many.is_ok()) << many.status().to_string();
  ASSERT_EQ(many->size(), 3u);
  ASSERT_TRUE((*many)[0].has_value());
  EXPECT_EQ((*many)[0]->spans.size(), 1u);
  EXPECT_FALSE((*many)[1].has_value());
  ASSERT_TRUE((*many)[2].has_value());
  EXPECT_EQ((*many)[2]->spans.size(), 3u);
  // Search summarises the whole trace, wherever its parts are.
  TraceQuery q;
  q.service = "b";
  auto found = store->search(q);
  ASSERT_TRUE(found.is_ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].span_count, 3u);
  EXPECT_EQ((*found)[0].root_name, "root");
  ASSERT_TRUE(store->flush().is_ok());
  EXPECT_EQ(store->stats().blocks, 3u);

  ASSERT_TRUE(store->compact().is_ok());
  StoreStats st = store->stats();
  EXPECT_EQ(st.blocks, 1u);
  EXPECT_EQ(st.block_spans, 4u);  // 3 of trace 7 (one duplicate dropped) + trace 8
  EXPECT_EQ(st.compactions, 1u);
  EXPECT_EQ(whole(), 3u);
  EXPECT_EQ(files_in(store::blocks_dir(o.data_dir)), 1u);  // inputs deleted
  ASSERT_TRUE(store->close().is_ok());

  auto again = open_or_die(o);
  auto t = again->get_trace(trace_id(7));
  ASSERT_TRUE(t.is_ok() && t->has_value());
  EXPECT_EQ((*t)->spans.size(), 3u);
  EXPECT_EQ(again->stats().recovered_spans, 0u);
}

// A trace whose parts lie in different sources is searched as one trace: conditions may
// hold on different parts, the duration is the whole trace's, and a part alone never
// answers for the whole. In the head and a block, in two blocks, after a restart (the
// split list is on disk) and after compaction joined the parts.
TEST(BlockStore, SplitTracesAreSearchedWhole) {
  TempDir dir;
  auto o = options_for(dir);
  auto store = open_or_die(o);
  // Trace 1: root in "front" (0..1000 ms); its "db" child with the tag arrives after a cut.
  // Trace 2: the same shape, all in one batch, as a control. Trace 3: a short trace.
  ASSERT_TRUE(write_and_wait(*store, batch_of({make_span(1, 1, 0, "front", "GET /", 0, 1000),
                                               make_span(2, 1, 0, "front", "GET /", 10, 1000),
                                               make_span(2, 2, 1, "db", "query", 20, 5,
                                                         SpanKind::kClient, {{"db", "pg"}}),
                                               make_span(3, 1, 0, "front", "GET /", 30, 1)}))
                  .is_ok());
  ASSERT_TRUE(store->flush().is_ok());
  ASSERT_TRUE(write_and_wait(*store, batch_of({make_span(1, 2, 1, "db", "query", 500, 600,
                                                         SpanKind::kClient, {{"db", "pg"}})}))
                  .is_ok());
  auto ids = [&](TraceQuery q) {
    std::vector<TraceId> out;
    auto r = store->search(q);
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    if (r.is_ok())
      for (const TraceSummary& t : *r) out.push_back(t.trace_id);
    return out;
  };
  auto check = [&](const char* when) {
    SCOPED_TRACE(when);
    TraceQuery both;  // service on one part, tag on the other
    both.service = "front";
    both.tags = {{"db", "pg"}};
    EXPECT_EQ(ids(both), (std::vector<TraceId>{trace_id(2), trace_id(1)}));
    TraceQuery longer;  // only the whole trace 1 lasts 1100 ms
    longer.min_duration_nanos = 1050 * kMs;
    EXPECT_EQ(ids(longer), std::vector<TraceId>{trace_id(1)});
    TraceQuery shorter;  // trace 1's late part alone would pass; the whole must not
    shorter.service = "db";
    shorter.max_duration_nanos = 700 * kMs;
    EXPECT_TRUE(ids(shorter).empty());
    TraceQuery one;  // limit 1, newest first: trace 3 (start 30 ms), not a part of trace 1
    one.limit = 1;
    EXPECT_EQ(ids(one), std::vector<TraceId>{trace_id(3)});
    auto summary = store->search(both);
    ASSERT_TRUE(summary.is_ok() && summary->size() == 2u);
    EXPECT_EQ((*summary)[1].span_count, 2u);
    EXPECT_EQ((*summary)[1].root_name, "GET /");
    EXPECT_EQ((*summary)[1].duration_nanos(), 1100 * kMs);
  };
  check("head + block");
  ASSERT_TRUE(store->flush().is_ok());
  EXPECT_EQ(store->stats().blocks, 2u);
  check("two blocks");
  ASSERT_TRUE(store->close().is_ok());
  store = open_or_die(o);
  check("after restart");
  ASSERT_TRUE(store->compact().is_ok());
  EXPECT_EQ(store->stats().blocks, 1u);
  check("compacted");
}

TEST(BlockStore, RetentionDropsWholeBlocksByAgeAndByDiskBudget) {
  TempDir dir;
  ManualClock clock(kT0 + 3600 * 1'000'000'000ull);
  auto o = options_for(dir);
  o.clock = &clock;
  o.retention_nanos = 1800 * 1'000'000'000ull;  // 30 minutes
  auto store = open_or_die(o);
  // Trace 1 started at kT0 (an hour ago): past retention. Trace 2 now.
  ASSERT_TRUE(write_and_wait(*store, batch_of({make_span(1, 1, 0, "a", "old", 0, 1)})).is_ok());
  ASSERT_TRUE(store->flush().is_ok());
  ASSERT_TRUE(
      write_and_wait(*store, batch_of({make_span(2, 1, 0, "a", "new", 3600 * 1000, 1)})).is_ok());
  ASSERT_TRUE(store->flush().is_ok());
  ASSERT_TRUE(store->compact().is_ok());  // runs a retention pass too
  EXPECT_FALSE(store->get_trace(trace_id(1))->has_value());
  EXPECT_TRUE(store->get_trace(trace_id(2))->has_value());
  EXPECT_EQ(store->stats().retention_dropped_blocks, 1u);
  EXPECT_EQ(files_in(store::blocks_dir(o.data_dir)), 1u);
  ASSERT_TRUE(store->close().is_ok());

  // A disk budget smaller than two blocks keeps the newest only.
  o.retention_nanos = 0;
  o.max_disk_bytes = 1;
  auto again = open_or_die(o);
  ASSERT_TRUE(
      write_and_wait(*again, batch_of({make_span(3, 1, 0, "a", "newer", 3601 * 1000, 1)})).is_ok());
  ASSERT_TRUE(again->flush().is_ok());
  ASSERT_TRUE(again->compact().is_ok());
  EXPECT_EQ(again->stats().blocks, 0u);  // even the newest block is over a 1-byte budget
  EXPECT_EQ(files_in(store::blocks_dir(o.data_dir)), 0u);
}

TEST(BlockStore, OpenDeletesOrphansAndTemporaryFiles) {
  TempDir dir;
  auto o = options_for(dir);
  {
    auto store = open_or_die(o);
    ASSERT_TRUE(write_and_wait(*store, batch_of({make_span(1, 1, 0, "a", "x", 0, 1)})).is_ok());
    ASSERT_TRUE(store->close().is_ok());
  }
  const std::string blocks = store::blocks_dir(o.data_dir);
  ASSERT_EQ(files_in(blocks), 1u);
  std::ofstream(blocks + "/" + store::block_file_name(999)) << "orphan";
  std::ofstream(blocks + "/" + store::block_file_name(1000) + ".tmp") << "partial";
  std::ofstream(store::manifest_path(o.data_dir) + ".tmp") << "partial";
  auto store = open_or_die(o);
  EXPECT_EQ(files_in(blocks), 1u);
  EXPECT_FALSE(fs::exists(store::manifest_path(o.data_dir) + ".tmp"));
  EXPECT_TRUE(store->get_trace(trace_id(1))->has_value());
}

TEST(Manifest, RoundTripsAndRefusesDamage) {
  TempDir dir;
  EXPECT_FALSE(store::read_manifest(dir.path())->has_value());
  store::Manifest m;
  m.next_block_id = 9;
  m.wal_flushed_through = 4;
  store::BlockMeta b;
  b.id = 3;
  b.level = 1;
  b.min_start = 10;
  b.max_start = 20;
  b.max_end = 30;
  b.spans = 100;
  b.traces = 10;
  b.file_bytes = 4096;
  m.blocks.push_back(b);
  ASSERT_TRUE(store::write_manifest(dir.path(), m).is_ok());
  auto back = store::read_manifest(dir.path());
  ASSERT_TRUE(back.is_ok() && back->has_value());
  EXPECT_EQ((*back)->next_block_id, 9u);
  EXPECT_EQ((*back)->wal_flushed_through, 4u);
  ASSERT_EQ((*back)->blocks.size(), 1u);
  EXPECT_EQ((*back)->blocks[0].file_bytes, 4096u);
  EXPECT_EQ((*back)->blocks[0].level, 1u);

  const std::string path = store::manifest_path(dir.path());
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] ^= 0x40;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << damaged;
    auto r = store::read_manifest(dir.path());
    EXPECT_FALSE(r.is_ok()) << "flipped byte " << i;
  }
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes.substr(0, n);
    EXPECT_FALSE(store::read_manifest(dir.path()).is_ok()) << "truncated to " << n;
  }
}

}  // namespace
}  // namespace weft
