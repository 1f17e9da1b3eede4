#include "graph/pending_table.h"

#include <gtest/gtest.h>

namespace weft::pipeline::graph {
namespace {

using namespace weft::model;

// A batch of halves built by hand: (trace n, span 1), one name per half.
struct Builder {
  HalfBatch b;
  Builder& half(uint64_t trace, Side side, std::string service, std::string peer = "") {
    HalfSpan h;
    h.key.trace_id.bytes[15] = static_cast<uint8_t>(trace);
    h.key.trace_id.bytes[14] = static_cast<uint8_t>(trace >> 8);
    h.key.span_id.bytes[7] = 1;
    h.side = side;
    h.service = static_cast<uint32_t>(b.names.size());
    b.names.push_back(std::move(service));
    if (!peer.empty()) {
      h.peer = static_cast<uint32_t>(b.names.size());
      h.peer_kind = PeerKind::kDatabase;
      b.names.push_back(std::move(peer));
    }
    h.end_unix_nano = 100 + trace;
    h.duration_nanos = 10;
    b.halves.push_back(h);  // one shard: already sorted
    return *this;
  }
};

TEST(PendingTableTest, MatchesExpiresAndFreesNames) {
  PendingTable table(1, 100);
  std::vector<EdgeSample> edges;
  PendingTally tally;
  Builder first;
  for (uint64_t t = 0; t < 50; ++t)
    first.half(t, Side::kClient, "svc-" + std::to_string(t), "db-" + std::to_string(t));
  table.offer(first.b, /*now=*/1000, edges, tally);
  EXPECT_EQ(table.size(), 50u);
  EXPECT_EQ(table.name_count(), 100u);
  Builder second;
  for (uint64_t t = 0; t < 25; ++t) second.half(t, Side::kServer, "server");
  table.offer(second.b, /*now=*/2000, edges, tally);
  EXPECT_EQ(tally.paired, 25u);
  EXPECT_EQ(edges.size(), 25u);
  EXPECT_EQ(edges[0].client, "svc-0");
  EXPECT_EQ(edges[0].server, "server");
  EXPECT_EQ(table.name_count(), 50u);  // the matched clients' names are gone

  table.expire(/*cutoff=*/999, edges, tally);
  EXPECT_EQ(table.size(), 25u);  // nothing inserted at or before 999
  table.expire(/*cutoff=*/1000, edges, tally);
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(tally.virtual_edges, 25u);
  EXPECT_EQ(edges.back().server, "db-49");
  EXPECT_TRUE(edges.back().virtual_server);
  EXPECT_EQ(edges.back().server_kind, PeerKind::kDatabase);
  EXPECT_EQ(table.name_count(), 0u);
  EXPECT_EQ(tally.pending_delta, 0);
}

// Enough entries for several slab chunks and index growth; an expiry that leaves the shard
// mostly empty compacts it; what is left still pairs, in its order.
TEST(PendingTableTest, ManyEntriesSurviveGrowthAndCompaction) {
  PendingTable table(1, 100'000);
  std::vector<EdgeSample> edges;
  PendingTally tally;
  Builder old_ones, new_ones;
  for (uint64_t t = 0; t < 3000; ++t)
    (t < 2500 ? old_ones : new_ones).half(t, Side::kClient, "c", "db-" + std::to_string(t % 7));
  table.offer(old_ones.b, /*now=*/1000, edges, tally);
  table.offer(new_ones.b, /*now=*/2000, edges, tally);
  EXPECT_EQ(table.size(), 3000u);
  EXPECT_EQ(table.name_count(), 8u);
  table.expire(/*cutoff=*/1000, edges, tally);
  EXPECT_EQ(table.size(), 500u);  // a sixth of the slab in use: compacted
  ASSERT_EQ(edges.size(), 2500u);
  EXPECT_EQ(edges.front().server, "db-0");  // oldest first
  EXPECT_EQ(edges.back().server, "db-" + std::to_string(2499 % 7));
  edges.clear();
  Builder servers;
  for (uint64_t t = 0; t < 3000; ++t) servers.half(t, Side::kServer, "s");
  table.offer(servers.b, /*now=*/3000, edges, tally);
  EXPECT_EQ(tally.paired, 500u);
  EXPECT_EQ(table.size(), 2500u);  // the servers of the expired clients wait
  for (const EdgeSample& e : edges) EXPECT_EQ(e.client, "c");
  table.expire(/*cutoff=*/3000, edges, tally);
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.name_count(), 0u);
  EXPECT_EQ(tally.unpaired, 2500u);
  EXPECT_EQ(tally.pending_delta, 0);
}

TEST(PendingTableTest, CapacityIsSplitBetweenShards) {
  PendingTable table(4, 8);  // two entries per shard
  std::vector<EdgeSample> edges;
  PendingTally tally;
  Builder b;
  for (uint64_t t = 0; t < 3; ++t) b.half(t, Side::kServer, "s");
  table.offer(b.b, 1, edges, tally);  // all in shard 0 (Builder leaves shard at 0)
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(tally.evicted, 1u);
  EXPECT_EQ(tally.unpaired, 1u);
  EXPECT_TRUE(edges.empty());
}

}  // namespace
}  // namespace weft::pipeline::graph
