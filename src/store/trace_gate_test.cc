// The embedded store's side of tail sampling (trace_gate.h): what a gate drops never reaches
// a block, a cut waits for undecided traces, and the WAL is replayed into the gate at open.
// The gate here is a table the test fills; the real one (src/pipeline/sampling) is tested
// through the binary in tests/integration/tail_sampling.test.mjs.
#include "store/trace_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <unordered_map>
#include <mutex>
#include <thread>

#include "store/embedded_store.h"
#include "store/testing/span_builder.h"
#include "store/testing/sync_write.h"
#include "store/testing/temp_dir.h"

namespace weft {

using namespace weft::model;
namespace {

using namespace store::testing;

class TableGate final : public TraceGate {
 public:
  void set(int trace, Fate f) {
    std::lock_guard lock(mu_);
    fates_[trace_id(trace)] = f;
  }
  void replayed(const SpanBatch& batch) override {
    std::lock_guard lock(mu_);
    replayed_spans_ += batch.spans.size();
  }
  void head_frozen() override { ++frozen_; }
  Fate fate(const TraceId& id, bool force) override {
    std::lock_guard lock(mu_);
    ++asked_;
    auto it = fates_.find(id);
    Fate f = it == fates_.end() ? Fate::kWait : it->second;
    if (f == Fate::kWait && force) {
      ++forced_;
      return Fate::kKeep;
    }
    return f;
  }
  void head_written() override { ++written_; }
  uint64_t max_wait_nanos() const override { return max_wait_; }

  uint64_t max_wait_ = 30'000'000'000ULL;
  std::atomic<int> frozen_{0}, written_{0};
  size_t replayed_spans() {
    std::lock_guard lock(mu_);
    return replayed_spans_;
  }
  int forced() {
    std::lock_guard lock(mu_);
    return forced_;
  }

 private:
  std::mutex mu_;
  std::unordered_map<TraceId, Fate, FixedIdHash> fates_;
  size_t replayed_spans_ = 0;
  int asked_ = 0, forced_ = 0;
};

EmbeddedStoreOptions gated(const TempDir& dir, std::shared_ptr<TableGate> gate) {
  EmbeddedStoreOptions o;
  o.data_dir = dir.path() + "/data";
  o.trace_gate = std::move(gate);
  return o;
}

SpanBatch two_traces() {
  return batch_of({make_span(1, 1, 0, "front", "GET /", 0, 100),
                   make_span(1, 2, 1, "back", "query", 10, 50),
                   make_span(2, 3, 0, "front", "GET /x", 0, 100)});
}

bool stored(Store& store, int trace) {
  auto t = store.get_trace(trace_id(trace));
  return t.is_ok() && t->has_value();
}

TEST(TraceGate, DroppedTracesNeverReachABlockKeptOnesGoInWhole) {
  TempDir dir;
  auto gate = std::make_shared<TableGate>();
  gate->set(1, TraceGate::Fate::kKeep);
  gate->set(2, TraceGate::Fate::kDrop);
  auto store = std::move(open_embedded_store(gated(dir, gate))).value();
  ASSERT_TRUE(write_and_wait(*store, two_traces()).is_ok());
  EXPECT_TRUE(stored(*store, 2));  // in the head until the cut
  ASSERT_TRUE(store->flush().is_ok());
  EXPECT_EQ(gate->frozen_, 1);
  EXPECT_EQ(gate->written_, 1);
  EXPECT_FALSE(stored(*store, 2));
  auto t = store->get_trace(trace_id(1));
  ASSERT_TRUE(t.is_ok() && t->has_value());
  EXPECT_EQ((*t)->spans.size(), 2u);
  StoreStats st = store->stats();
  EXPECT_EQ(st.gate_dropped_traces, 1u);
  EXPECT_EQ(st.gate_dropped_spans, 1u);
  EXPECT_EQ(st.block_spans, 2u);
  ASSERT_TRUE(store->close().is_ok());
  // Gone for good: the WAL that held it was deleted with the cut.
  gate = std::make_shared<TableGate>();
  store = std::move(open_embedded_store(gated(dir, gate))).value();
  EXPECT_EQ(gate->replayed_spans(), 0u);
  EXPECT_FALSE(stored(*store, 2));
  EXPECT_TRUE(stored(*store, 1));
}

TEST(TraceGate, EveryTraceDroppedStillAdvancesTheWal) {
  TempDir dir;
  auto gate = std::make_shared<TableGate>();
  gate->set(1, TraceGate::Fate::kDrop);
  gate->set(2, TraceGate::Fate::kDrop);
  auto store = std::move(open_embedded_store(gated(dir, gate))).value();
  ASSERT_TRUE(write_and_wait(*store, two_traces()).is_ok());
  ASSERT_TRUE(store->flush().is_ok());
  StoreStats st = store->stats();
  EXPECT_EQ(st.blocks, 0u);
  EXPECT_EQ(st.spans, 0u);
  EXPECT_EQ(st.gate_dropped_traces, 2u);
  EXPECT_EQ(st.gate_dropped_spans, 3u);
  EXPECT_EQ(gate->written_, 1);
}

TEST(TraceGate, ACutWaitsForUndecidedTracesThenWritesThemAsDecided) {
  TempDir dir;
  auto gate = std::make_shared<TableGate>();
  gate->set(1, TraceGate::Fate::kKeep);  // trace 2 undecided
  auto store = std::move(open_embedded_store(gated(dir, gate))).value();
  ASSERT_TRUE(write_and_wait(*store, two_traces()).is_ok());
  std::atomic<bool> flushed{false};
  std::thread flusher([&] {
    EXPECT_TRUE(store->flush().is_ok());
    flushed = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_FALSE(flushed.load());  // waiting on trace 2
  EXPECT_EQ(gate->written_, 0);
  gate->set(2, TraceGate::Fate::kDrop);
  flusher.join();
  EXPECT_FALSE(stored(*store, 2));
  EXPECT_TRUE(stored(*store, 1));
  EXPECT_EQ(gate->forced(), 0);
}

TEST(TraceGate, PastItsMaxWaitTheCutForcesADecision) {
  TempDir dir;
  auto gate = std::make_shared<TableGate>();
  gate->max_wait_ = 300'000'000;  // 0.3 s; trace 1 and 2 never decided
  auto store = std::move(open_embedded_store(gated(dir, gate))).value();
  ASSERT_TRUE(write_and_wait(*store, two_traces()).is_ok());
  ASSERT_TRUE(store->flush().is_ok());
  EXPECT_EQ(gate->forced(), 2);  // the table gate keeps what it must decide
  EXPECT_EQ(store->stats().block_spans, 3u);
}

TEST(TraceGate, CloseForcesTheDecisionsAtOnce) {
  TempDir dir;
  auto gate = std::make_shared<TableGate>();
  gate->max_wait_ = UINT64_MAX / 2;  // a close that waited for it would never end (ctest's timeout)
  auto store = std::move(open_embedded_store(gated(dir, gate))).value();
  ASSERT_TRUE(write_and_wait(*store, two_traces()).is_ok());
  ASSERT_TRUE(store->close().is_ok());
  EXPECT_EQ(gate->forced(), 2);
}

TEST(TraceGate, TheWalIsReplayedIntoTheGateAtOpenAndDecidedAgain) {
  TempDir dir;
  {
    auto gate = std::make_shared<TableGate>();
    auto o = gated(dir, gate);
    o.flush_on_close = false;  // the WAL is left as after a crash
    auto store = std::move(open_embedded_store(o)).value();
    ASSERT_TRUE(write_and_wait(*store, two_traces()).is_ok());
  }
  auto gate = std::make_shared<TableGate>();
  gate->set(1, TraceGate::Fate::kKeep);
  gate->set(2, TraceGate::Fate::kDrop);
  auto store = std::move(open_embedded_store(gated(dir, gate))).value();
  EXPECT_EQ(gate->replayed_spans(), 3u);
  ASSERT_TRUE(store->flush().is_ok());
  EXPECT_TRUE(stored(*store, 1));
  EXPECT_FALSE(stored(*store, 2));
}

}  // namespace
}  // namespace weft
