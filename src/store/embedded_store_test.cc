#include "store/embedded_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "store/testing/fault_wal_file.h"
#include "store/testing/span_builder.h"
#include "store/testing/sync_write.h"
#include "store/testing/temp_dir.h"
#include "store/wal/segment_name.h"

namespace weft {

using namespace weft::model;
namespace {

using namespace store::testing;

EmbeddedStoreOptions options_for(const TempDir& dir) {
  EmbeddedStoreOptions o;
  o.data_dir = dir.path() + "/data";
  return o;
}

std::unique_ptr<Store> open_or_die(const EmbeddedStoreOptions& o) {
  auto s = open_embedded_store(o);
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  return std::move(s).value();
}

TEST(EmbeddedStore, WriteThenReadBack) {
  TempDir dir;
  auto store = open_or_die(options_for(dir));
  ASSERT_TRUE(write_and_wait(*store, batch_of({make_span(1, 1, 0, "front", "GET /", 0, 100),
                                               make_span(1, 2, 1, "back", "query", 10, 50)}))
                  .is_ok());
  auto t = store->get_trace(trace_id(1));
  ASSERT_TRUE(t.is_ok());
  ASSERT_TRUE(t->has_value());
  ASSERT_EQ((*t)->spans.size(), 2u);
  EXPECT_EQ((*t)->spans[0].name, "GET /");
  EXPECT_FALSE(store->get_trace(trace_id(2))->has_value());
  EXPECT_EQ(*store->services(), (std::vector<std::string>{"back", "front"}));
  StoreStats st = store->stats();
  EXPECT_EQ(st.spans, 2u);
  EXPECT_EQ(st.traces, 1u);
  EXPECT_GE(st.wal_syncs, 1u);
  EXPECT_EQ(st.wal_segments, 1u);
  EXPECT_TRUE(store->close().is_ok());
  EXPECT_TRUE(store->close().is_ok());  // idempotent
}

TEST(EmbeddedStore, RecoversAcknowledgedSpansAfterReopen) {
  TempDir dir;
  auto o = options_for(dir);
  o.flush_on_close = false;  // the WAL is left as after a crash
  std::vector<Span> written;
  {
    auto store = open_or_die(o);
    for (int i = 1; i <= 50; ++i) {
      Span s = make_span(i % 7 + 1, i, 0, "svc" + std::to_string(i % 3), "op", i, 5,
                         SpanKind::kServer, {{"i", i}});
      written.push_back(s);
      ASSERT_TRUE(write_and_wait(*store, batch_of({s})).is_ok());
    }
    // The destructor closes.
  }
  auto store = open_or_die(o);
  EXPECT_EQ(store->stats().recovered_spans, 50u);
  EXPECT_EQ(store->stats().spans, 50u);
  for (const Span& w : written) {
    auto t = store->get_trace(w.trace_id);
    ASSERT_TRUE(t.is_ok() && t->has_value());
    bool found = false;
    for (const Span& s : (*t)->spans) found |= same_span(s, w);
    EXPECT_TRUE(found) << w.span_id.to_hex();
  }
}

TEST(EmbeddedStore, CleanCloseLeavesEverythingInBlocksAndNoWal) {
  TempDir dir;
  auto o = options_for(dir);
  {
    auto store = open_or_die(o);
    for (int i = 1; i <= 20; ++i)
      ASSERT_TRUE(write_and_wait(*store, batch_of({make_span(i, 1, 0, "a", "op", i, 1)})).is_ok());
  }
  auto segs = store::list_segments(o.data_dir + "/wal");
  ASSERT_TRUE(segs.is_ok());
  EXPECT_TRUE(segs->empty());
  auto store = open_or_die(o);
  EXPECT_EQ(store->stats().recovered_spans, 0u);
  EXPECT_EQ(store->stats().spans, 20u);
  EXPECT_EQ(store->stats().block_spans, 20u);
  for (int i = 1; i <= 20; ++i) EXPECT_TRUE(store->get_trace(trace_id(i))->has_value()) << i;
}

// A crash in the middle of the last record (simulated by cutting the newest segment):
// reopening recovers every earlier acknowledged batch and cuts the torn tail.
TEST(EmbeddedStore, CrashMidRecordRecoversEverythingBefore) {
  TempDir dir;
  auto o = options_for(dir);
  o.flush_on_close = false;  // the WAL is left as after a crash
  {
    auto store = open_or_die(o);
    for (int i = 1; i <= 3; ++i)
      ASSERT_TRUE(write_and_wait(*store, batch_of({make_span(i, 1, 0, "a", "op", i, 1)})).is_ok());
  }
  auto segs = store::list_segments(o.data_dir + "/wal");
  ASSERT_TRUE(segs.is_ok() && !segs->empty());
  std::string last = store::segment_path(o.data_dir + "/wal", segs->back());
  std::filesystem::resize_file(last, std::filesystem::file_size(last) - 7);
  {
    auto store = open_or_die(o);
    EXPECT_EQ(store->stats().recovered_spans, 2u);
    EXPECT_EQ(store->stats().wal_corruptions, 1u);
    EXPECT_TRUE(store->get_trace(trace_id(2))->has_value());
    EXPECT_FALSE(store->get_trace(trace_id(3))->has_value());
    ASSERT_TRUE(write_and_wait(*store, batch_of({make_span(4, 1, 0, "a", "op", 4, 1)})).is_ok());
  }
  auto store = open_or_die(o);
  EXPECT_EQ(store->stats().wal_corruptions, 0u);  // the tail was cut the first time
  EXPECT_EQ(store->stats().recovered_spans, 3u);
}

TEST(EmbeddedStore, SecondOpenOfSameDirectoryFailsClearly) {
  TempDir dir;
  auto store = open_or_die(options_for(dir));
  auto second = open_embedded_store(options_for(dir));
  ASSERT_FALSE(second.is_ok());
  EXPECT_EQ(second.status().code(), ResultCode::kUnavailable);
  EXPECT_NE(second.status().message().find("in use"), std::string::npos);
  store.reset();
  EXPECT_TRUE(open_embedded_store(options_for(dir)).is_ok());  // released on close
}

TEST(EmbeddedStore, WriteAfterCloseIsUnavailable) {
  TempDir dir;
  auto store = open_or_die(options_for(dir));
  ASSERT_TRUE(store->close().is_ok());
  Status s = write_and_wait(*store, batch_of({make_span(1, 1, 0, "a", "b", 0, 1)}));
  EXPECT_EQ(s.code(), ResultCode::kUnavailable);
  EXPECT_EQ(s.message(), "shutting down");
}

TEST(EmbeddedStore, DiskFullFailsTheBatchAndTheStoreKeepsWorking) {
  TempDir dir;
  auto plan = std::make_shared<FaultPlan>();
  auto o = options_for(dir);
  o.wal_file_factory = fault_factory(plan);
  o.flush_on_close = false;  // the reopen below reads the WAL the disk-full episode left
  {
    auto store = open_or_die(o);
    ASSERT_TRUE(write_and_wait(*store, batch_of({make_span(1, 1, 0, "a", "ok1", 0, 1)})).is_ok());
    plan->disk_full = true;
    plan->partial_bytes = 12;  // a record header and a bit: a torn record on disk
    Status s = write_and_wait(*store, batch_of({make_span(2, 1, 0, "a", "lost", 0, 1)}));
    EXPECT_EQ(s.code(), ResultCode::kUnavailable);
    EXPECT_NE(s.message().find("out of disk space writing"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(".wal"), std::string::npos) << s.message();
    EXPECT_FALSE(store->get_trace(trace_id(2))->has_value());  // nothing half-visible
    plan->disk_full = false;
    ASSERT_TRUE(write_and_wait(*store, batch_of({make_span(3, 1, 0, "a", "ok2", 0, 1)})).is_ok());
    EXPECT_EQ(store->stats().spans, 2u);
  }
  // The partial record was cut away: a reopen finds no damage and exactly the acked spans.
  o.wal_file_factory = nullptr;
  auto store = open_or_die(o);
  EXPECT_EQ(store->stats().wal_corruptions, 0u);
  EXPECT_EQ(store->stats().recovered_spans, 2u);
  EXPECT_TRUE(store->get_trace(trace_id(1))->has_value());
  EXPECT_FALSE(store->get_trace(trace_id(2))->has_value());
  EXPECT_TRUE(store->get_trace(trace_id(3))->has_value());
}

TEST(EmbeddedStore, FailedSyncFailsTheBatchAndDropsIt) {
  TempDir dir;
  auto plan = std::make_shared<FaultPlan>();
  auto o = options_for(dir);
  o.wal_file_factory = fault_factory(plan);
  {
    auto store = open_or_die(o);
    plan->fail_sync = true;
    Status s = write_and_wait(*store, batch_of({make_span(2, 1, 0, "a", "lost", 0, 1)}));
    EXPECT_EQ(s.code(), ResultCode::kUnavailable);
    plan->fail_sync = false;
    ASSERT_TRUE(write_and_wait(*store, batch_of({make_span(3, 1, 0, "a", "ok", 0, 1)})).is_ok());
    EXPECT_FALSE(store->get_trace(trace_id(2))->has_value());
  }
  o.wal_file_factory = nullptr;
  auto store = open_or_die(o);
  EXPECT_FALSE(store->get_trace(trace_id(2))->has_value());
  EXPECT_TRUE(store->get_trace(trace_id(3))->has_value());
}

TEST(EmbeddedStore, ConcurrentWritersAllAckedSpansReadable) {
  TempDir dir;
  auto o = options_for(dir);
  auto store = open_or_die(o);
  constexpr int kThreads = 6, kBatches = 200, kSpansPerBatch = 5;
  std::atomic<int> acked{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        std::vector<Span> spans;
        uint64_t trace = static_cast<uint64_t>(t) * 100000 + b;
        for (int i = 1; i <= kSpansPerBatch; ++i)
          spans.push_back(
              make_span(trace, i, i == 1 ? 0 : 1, "svc" + std::to_string(t), "op", b, 1));
        Status s = write_and_wait(*store, batch_of(std::move(spans)));
        (s.is_ok() ? acked : failed)++;
      }
    });
  }
  std::thread reader([&] {
    TraceQuery q;
    while (acked + failed < kThreads * kBatches) (void)store->search(q);
  });
  for (auto& th : threads) th.join();
  reader.join();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(store->stats().spans, uint64_t{kThreads * kBatches * kSpansPerBatch});
  for (int t = 0; t < kThreads; ++t)
    for (int b = 0; b < kBatches; ++b) {
      auto tr = store->get_trace(trace_id(static_cast<uint64_t>(t) * 100000 + b));
      ASSERT_TRUE(tr->has_value());
      EXPECT_EQ((*tr)->spans.size(), size_t{kSpansPerBatch});
    }
  // Group commit: far fewer syncs than writes when writers overlap.
  EXPECT_LE(store->stats().wal_syncs, uint64_t{kThreads * kBatches + 1});
  store.reset();
  auto again = open_or_die(o);
  EXPECT_EQ(again->stats().spans, uint64_t{kThreads * kBatches * kSpansPerBatch});
}

TEST(EmbeddedStore, OverloadAnswersResourceExhausted) {
  TempDir dir;
  auto o = options_for(dir);
  o.max_pending_bytes = 0;  // anything queued at all is "too much"
  auto store = open_or_die(o);
  // Flood from one thread without waiting: some writes must find bytes queued.
  std::atomic<int> exhausted{0}, ok{0}, other{0};
  constexpr int kWrites = 2000;
  for (int i = 0; i < kWrites; ++i)
    store->write(batch_of({make_span(i + 1, 1, 0, "a", "b", 0, 1)}), [&](Status s) {
      if (s.is_ok())
        ++ok;
      else if (s.code() == ResultCode::kResourceExhausted &&
               s.message().find("store overloaded") == 0)
        ++exhausted;
      else
        ++other;
    });
  ASSERT_TRUE(store->close().is_ok());
  EXPECT_EQ(ok + exhausted + other, kWrites);
  EXPECT_EQ(other, 0);
  EXPECT_GT(exhausted, 0);
  EXPECT_EQ(store->stats().spans, uint64_t(ok.load()));
}

TEST(EmbeddedStore, PastTheBudgetTheHeadIsCutIntoBlocksAndNothingIsLost) {
  TempDir dir;
  auto o = options_for(dir);
  o.fsync = EmbeddedStoreOptions::Fsync::kNever;
  o.wal_segment_bytes = 4096;
  o.head_budget_bytes = 200 * 1024;
  constexpr int kTraces = 2000;
  {
    auto store = open_or_die(o);
    for (int i = 1; i <= kTraces; ++i) {
      KeyValueList attrs{{"payload", std::string(64, static_cast<char>('a' + i % 26))}};
      ASSERT_TRUE(write_and_wait(*store, batch_of({make_span(i, 1, 0, "a", "op", i, 1,
                                                             SpanKind::kServer, attrs)}))
                      .is_ok());
    }
    // Cuts happen between groups on the writer thread; give the block thread a moment.
    for (int i = 0; i < 500 && store->stats().flushes == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    StoreStats st = store->stats();
    EXPECT_GT(st.flushes, 0u);
    EXPECT_EQ(st.spans, uint64_t{kTraces});
    EXPECT_TRUE(store->get_trace(trace_id(1))->has_value());  // oldest still there
    EXPECT_TRUE(store->get_trace(trace_id(kTraces))->has_value());
    // WAL segments already in blocks are deleted.
    auto segs = store::list_segments(o.data_dir + "/wal");
    ASSERT_TRUE(segs.is_ok());
    EXPECT_LT(segs->size(), 60u);
    ASSERT_TRUE(store->close().is_ok());
  }
  // A clean close cuts the rest: nothing to replay, everything in blocks, each span once.
  auto again = open_or_die(o);
  StoreStats st = again->stats();
  EXPECT_EQ(st.recovered_spans, 0u);
  EXPECT_EQ(st.block_spans, uint64_t{kTraces});
  for (int i = 1; i <= kTraces; i += 97) {
    auto t = again->get_trace(trace_id(i));
    ASSERT_TRUE(t.is_ok() && t->has_value()) << i;
    EXPECT_EQ((*t)->spans.size(), 1u);
  }
  TraceQuery q;
  q.service = "a";
  q.limit = 5;
  auto found = again->search(q);
  ASSERT_TRUE(found.is_ok());
  ASSERT_EQ(found->size(), 5u);
  EXPECT_EQ((*found)[0].trace_id, trace_id(kTraces));  // newest first across blocks
}

TEST(EmbeddedStore, IntervalFsyncSyncsPeriodically) {
  TempDir dir;
  auto o = options_for(dir);
  o.fsync = EmbeddedStoreOptions::Fsync::kInterval;
  o.fsync_interval_ms = 10;
  auto store = open_or_die(o);
  ASSERT_TRUE(write_and_wait(*store, batch_of({make_span(1, 1, 0, "a", "b", 0, 1)})).is_ok());
  uint64_t before = store->stats().wal_syncs;
  for (int i = 0; i < 200 && store->stats().wal_syncs == before; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_GT(store->stats().wal_syncs, before);
}

}  // namespace
}  // namespace weft
