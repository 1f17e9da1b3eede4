// DiskQueue: order, acks and restarts, the byte bound, damaged files, threads
// (docs/format/agent-queue.md).
#include "store/queue/disk_queue.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <set>
#include <thread>

#include "store/queue/queue_cursor.h"
#include "store/testing/fault_wal_file.h"
#include "store/testing/span_builder.h"
#include "store/testing/temp_dir.h"
#include "store/wal/segment_name.h"
#include "store/wal/wal_reader.h"

namespace weft::store {

using namespace weft::model;

namespace {

using namespace testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

// A batch whose first span's trace number is `n` (how tests recognise batches); `pad`
// bytes of incompressible attribute make it big.
SpanBatch numbered(uint64_t n, size_t spans = 1, size_t pad = 0) {
  std::vector<Span> v;
  std::mt19937_64 rng(n);
  for (size_t i = 0; i < spans; ++i) {
    KeyValueList attrs;
    if (pad > 0) {
      std::string junk(pad, '\0');
      for (char& c : junk) c = static_cast<char>(rng());
      attrs.push_back({"junk", AnyValue(junk)});
    }
    v.push_back(make_span(n, i + 1, 0, "svc", "op", n, 1, SpanKind::kServer, std::move(attrs)));
  }
  return batch_of(std::move(v));
}
uint64_t number_of(const DiskQueue::Entry& e) {
  const auto& b = e.batch.spans.at(0).trace_id.bytes;
  uint64_t n = 0;
  for (int i = 8; i < 16; ++i) n = (n << 8) | b[i];
  return n;
}

Status write_sync(DiskQueue& q, SpanBatch batch) {
  std::promise<Status> p;
  auto f = p.get_future();
  q.write(std::move(batch), [&p](Status s) { p.set_value(std::move(s)); });
  return f.get();
}

struct Logs {
  std::shared_ptr<std::vector<std::string>> lines = std::make_shared<std::vector<std::string>>();
  std::shared_ptr<std::mutex> mu = std::make_shared<std::mutex>();
  std::function<void(const std::string&)> fn() {
    return [l = lines, m = mu](const std::string& s) {
      std::lock_guard lock(*m);
      l->push_back(s);
    };
  }
};

DiskQueueOptions options_for(const std::string& dir, Logs* logs = nullptr) {
  DiskQueueOptions o;
  o.dir = dir;
  o.sync = false;  // tests do not need power-loss safety; one test runs with sync on
  o.cursor_interval = 10ms;
  if (logs)
    o.log = logs->fn();
  else
    o.log = [](const std::string&) {};
  return o;
}

std::unique_ptr<DiskQueue> open_queue(const DiskQueueOptions& o) {
  auto q = DiskQueue::open(o);
  EXPECT_TRUE(q.is_ok()) << q.status().to_string();
  return q.is_ok() ? std::move(q).value() : nullptr;
}

std::vector<uint64_t> numbers(const std::vector<DiskQueue::Entry>& es) {
  std::vector<uint64_t> out;
  for (const auto& e : es) out.push_back(number_of(e));
  return out;
}

// Everything the queue hands out within `wait` per call, until a call comes back empty.
std::vector<DiskQueue::Entry> drain(DiskQueue& q, std::chrono::milliseconds wait = 0ms) {
  std::vector<DiskQueue::Entry> all;
  for (;;) {
    auto es = q.next(7, wait);
    if (es.empty()) return all;
    for (auto& e : es) all.push_back(std::move(e));
  }
}

std::vector<uint64_t> segment_files(const std::string& dir) {
  auto s = list_segments(dir);
  EXPECT_TRUE(s.is_ok());
  return s.is_ok() ? *s : std::vector<uint64_t>{};
}

TEST(DiskQueue, RoundTripInOrder) {
  TempDir dir;
  auto o = options_for(dir.path());
  o.sync = true;
  auto q = open_queue(o);
  std::vector<SpanBatch> written;
  for (uint64_t n = 1; n <= 20; ++n) {
    written.push_back(numbered(n, n % 4 + 1));
    ASSERT_TRUE(write_sync(*q, numbered(n, n % 4 + 1)).is_ok());
  }
  auto got = drain(*q);
  ASSERT_EQ(got.size(), 20u);
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(number_of(got[i]), i + 1);
    if (i > 0) {
      EXPECT_GT(got[i].id, got[i - 1].id);
    }
    EXPECT_GT(got[i].bytes, 9u);
    ASSERT_EQ(got[i].batch.spans.size(), written[i].spans.size());
    for (size_t k = 0; k < written[i].spans.size(); ++k)
      EXPECT_TRUE(same_span(got[i].batch.spans[k], written[i].spans[k]));
  }
  auto s = q->stats();
  EXPECT_EQ(s.appended_batches, 20u);
  EXPECT_EQ(s.pending_entries, 20u);  // handed out, not acked
  EXPECT_EQ(s.pending_spans, s.appended_spans);
  EXPECT_EQ(s.bytes, q->bytes());
  EXPECT_GT(q->bytes(), 0u);
  for (const auto& e : got) q->ack(e.id);
  s = q->stats();
  EXPECT_EQ(s.acked_batches, 20u);
  EXPECT_EQ(s.acked_spans, s.appended_spans);
  EXPECT_EQ(s.pending_entries, 0u);
  EXPECT_EQ(s.pending_spans, 0u);
  // Nothing more, and an empty batch stores nothing.
  EXPECT_TRUE(write_sync(*q, SpanBatch{}).is_ok());
  EXPECT_TRUE(q->next(10, 0ms).empty());
}

TEST(DiskQueue, AcksOutOfOrderThenReopenReturnsExactlyTheUnacked) {
  TempDir dir;
  auto o = options_for(dir.path());
  o.segment_bytes = 600;  // several segments
  std::set<uint64_t> unacked;
  {
    auto q = open_queue(o);
    for (uint64_t n = 1; n <= 30; ++n) ASSERT_TRUE(write_sync(*q, numbered(n, 2)).is_ok());
    auto got = drain(*q);
    ASSERT_EQ(got.size(), 30u);
    // Ack out of order, leaving holes (and the last entry) out.
    std::vector<size_t> order = {5,  0,  29 - 1, 1,  12, 2,  20, 8,  7,  6,  9, 11,
                                 13, 14, 15,     25, 21, 22, 23, 24, 19, 26, 27};
    std::set<uint64_t> acked;
    for (size_t i : order) {
      q->ack(got[i].id);
      q->ack(got[i].id);  // twice: harmless
      acked.insert(number_of(got[i]));
    }
    q->ack(123456789);  // never handed out: harmless
    for (uint64_t n = 1; n <= 30; ++n)
      if (!acked.count(n)) unacked.insert(n);
    EXPECT_EQ(q->stats().pending_entries, unacked.size());
    EXPECT_EQ(q->stats().acked_batches, acked.size());
    q->close();
  }
  for (int round = 0; round < 2; ++round) {  // a second restart changes nothing
    auto q = open_queue(o);
    EXPECT_EQ(q->stats().recovered_entries, unacked.size());
    EXPECT_EQ(q->stats().pending_entries, unacked.size());
    EXPECT_EQ(q->stats().corrupt_records, 0u);
    auto got = numbers(drain(*q));
    EXPECT_EQ(std::set<uint64_t>(got.begin(), got.end()), unacked);
    EXPECT_EQ(got.size(), unacked.size());
    EXPECT_TRUE(std::is_sorted(got.begin(), got.end()));
  }
  // Now ack them after a restart; a third open finds nothing.
  {
    auto q = open_queue(o);
    for (const auto& e : drain(*q)) q->ack(e.id);
    ASSERT_TRUE(write_sync(*q, numbered(99)).is_ok());
  }
  auto q = open_queue(o);
  EXPECT_EQ(numbers(drain(*q)), std::vector<uint64_t>{99});
}

TEST(DiskQueue, IdsStayUniqueAcrossRestarts) {
  TempDir dir;
  auto o = options_for(dir.path());
  std::set<uint64_t> ids;
  for (int round = 0; round < 3; ++round) {
    auto q = open_queue(o);
    ASSERT_TRUE(write_sync(*q, numbered(round + 1)).is_ok());
    auto got = q->next(10, 0ms);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_TRUE(ids.insert(got[0].id).second);
    q->ack(got[0].id);
  }
}

TEST(DiskQueue, ByteBoundDropsOldestSegmentsAndCounts) {
  TempDir dir;
  Logs logs;
  auto o = options_for(dir.path(), &logs);
  o.max_bytes = 64 << 10;
  o.segment_bytes = 8 << 10;
  auto q = open_queue(o);
  const uint64_t kBatches = 400;
  auto first = q->next(1, 0ms);  // nothing yet
  EXPECT_TRUE(first.empty());
  uint64_t handed_id = 0;
  for (uint64_t n = 1; n <= kBatches; ++n) {
    ASSERT_TRUE(write_sync(*q, numbered(n, 1, 700)).is_ok());
    EXPECT_LE(q->bytes(), o.max_bytes);
    if (n == 3) {  // hand one out; its segment goes before it is acked
      auto es = q->next(1, 0ms);
      ASSERT_EQ(es.size(), 1u);
      handed_id = es[0].id;
    }
  }
  auto s = q->stats();
  EXPECT_EQ(s.appended_batches, kBatches);
  EXPECT_GT(s.dropped_batches, 0u);
  EXPECT_EQ(s.dropped_spans, s.dropped_batches);
  EXPECT_EQ(s.pending_entries + s.dropped_batches, kBatches);
  EXPECT_LE(s.bytes, o.max_bytes);
  EXPECT_GT(s.bytes, o.max_bytes / 2);
  // The entry handed out is the consumer's: not counted dropped, and its ack counts.
  q->ack(handed_id);
  EXPECT_EQ(q->stats().acked_batches, 1u);
  EXPECT_EQ(q->stats().pending_entries, s.pending_entries - 1);
  q->ack(handed_id);  // twice: harmless
  EXPECT_EQ(q->stats().acked_batches, 1u);
  auto got = numbers(drain(*q));
  ASSERT_EQ(got.size(), s.pending_entries - 1);
  // The newest survive, in order, without gaps.
  EXPECT_EQ(got.back(), kBatches);
  for (size_t i = 1; i < got.size(); ++i) EXPECT_EQ(got[i], got[i - 1] + 1);
  q->close();
  bool logged = false;
  for (const auto& l : *logs.lines) logged |= l.find("max_bytes") != std::string::npos;
  EXPECT_TRUE(logged);
}

TEST(DiskQueue, DropsWholeActiveSegmentWhenItIsTheOnlyOne) {
  TempDir dir;
  auto o = options_for(dir.path());
  o.max_bytes = 16 << 10;
  o.segment_bytes = 1 << 20;  // larger than the bound: only the active segment ever exists
  auto q = open_queue(o);
  for (uint64_t n = 1; n <= 100; ++n) {
    Status s = write_sync(*q, numbered(n, 1, 500));
    ASSERT_TRUE(s.is_ok()) << n << ": " << s.to_string();
    EXPECT_LE(q->bytes(), o.max_bytes);
  }
  EXPECT_GT(q->stats().dropped_batches, 0u);
  auto got = numbers(drain(*q));
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back(), 100u);
}

TEST(DiskQueue, OversizeBatchRefused) {
  TempDir dir;
  auto o = options_for(dir.path());
  o.max_bytes = 32 << 10;
  auto q = open_queue(o);
  Status s = write_sync(*q, numbered(1, 1, 40 << 10));
  EXPECT_EQ(s.code(), ResultCode::kResourceExhausted) << s.to_string();
  EXPECT_TRUE(write_sync(*q, numbered(2, 1, 1000)).is_ok());
  EXPECT_EQ(numbers(drain(*q)), std::vector<uint64_t>{2});
  EXPECT_EQ(q->stats().appended_batches, 1u);
}

TEST(DiskQueue, TornTailIsCutAtEveryOffsetOfTheLastRecord) {
  TempDir base;
  auto o = options_for(base.path());
  {
    auto q = open_queue(o);
    for (uint64_t n = 1; n <= 3; ++n) ASSERT_TRUE(write_sync(*q, numbered(n, 3)).is_ok());
  }
  auto segs = segment_files(base.path());
  ASSERT_EQ(segs.size(), 1u);
  const std::string seg_name = segment_file_name(segs[0]);
  uint64_t last_start = 0, size = 0;
  {
    auto r = WalSegmentReader::open(base.path() + "/" + seg_name);
    ASSERT_TRUE(r.is_ok());
    wal::RecordType t;
    std::string_view p;
    uint64_t prev = r->good_offset();
    while (r->next(&t, &p) == WalSegmentReader::Outcome::kRecord) {
      last_start = prev;
      prev = r->good_offset();
    }
    size = prev;
  }
  ASSERT_GT(size, last_start);
  for (uint64_t cut = last_start; cut < size; ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    TempDir dir;
    fs::copy_file(base.path() + "/" + seg_name, dir.path() + "/" + seg_name);
    ASSERT_EQ(::truncate((dir.path() + "/" + seg_name).c_str(), static_cast<off_t>(cut)), 0);
    auto oc = options_for(dir.path());
    {
      auto q = open_queue(oc);
      ASSERT_TRUE(q);
      EXPECT_EQ(q->stats().corrupt_records, cut == last_start ? 0u : 1u);
      EXPECT_EQ(q->stats().recovered_entries, 2u);
      EXPECT_EQ(numbers(drain(*q)), (std::vector<uint64_t>{1, 2}));
      EXPECT_EQ(fs::file_size(dir.path() + "/" + seg_name), last_start);
    }
    auto q = open_queue(oc);  // nothing acked, nothing damaged any more
    EXPECT_EQ(q->stats().corrupt_records, 0u);
    EXPECT_EQ(numbers(drain(*q)), (std::vector<uint64_t>{1, 2}));
  }
}

TEST(DiskQueue, DamagedRecordInAnOlderSegmentSkipsTheRestOfIt) {
  TempDir dir;
  auto o = options_for(dir.path());
  o.segment_bytes = 400;
  {
    auto q = open_queue(o);
    for (uint64_t n = 1; n <= 12; ++n) ASSERT_TRUE(write_sync(*q, numbered(n, 2)).is_ok());
  }
  auto segs = segment_files(dir.path());
  ASSERT_GE(segs.size(), 3u);
  // Flip a byte inside the second record of the first segment.
  const std::string path = segment_path(dir.path(), segs[0]);
  std::vector<uint64_t> ends;
  {
    auto r = WalSegmentReader::open(path);
    ASSERT_TRUE(r.is_ok());
    wal::RecordType t;
    std::string_view p;
    while (r->next(&t, &p) == WalSegmentReader::Outcome::kRecord) ends.push_back(r->good_offset());
  }
  ASSERT_GE(ends.size(), 2u);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(ends[0] + 12));
    f.put('\x5a');
  }
  Logs logs;
  auto q = open_queue(options_for(dir.path(), &logs));
  EXPECT_EQ(q->stats().corrupt_records, 1u);
  auto got = numbers(drain(*q));
  // Batch 1 survives; the rest of the first segment is lost; later segments are whole.
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got[0], 1u);
  EXPECT_EQ(got.size(), 12 - (ends.size() - 1));
  EXPECT_EQ(got.back(), 12u);
  EXPECT_FALSE(logs.lines->empty());
}

TEST(DiskQueue, CorruptCursorFileRedeliversEverything) {
  for (int damage = 0; damage < 4; ++damage) {
    SCOPED_TRACE("damage " + std::to_string(damage));
    TempDir dir;
    auto o = options_for(dir.path());
    {
      auto q = open_queue(o);
      for (uint64_t n = 1; n <= 5; ++n) ASSERT_TRUE(write_sync(*q, numbered(n)).is_ok());
      auto got = drain(*q);
      q->ack(got[0].id);
      q->ack(got[3].id);
    }
    const std::string cursor = dir.path() + "/cursor";
    ASSERT_TRUE(fs::exists(cursor));
    std::string bytes;
    {
      std::ifstream f(cursor, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(f), {});
    }
    switch (damage) {
      case 0:
        bytes[bytes.size() / 2] ^= 0x40;
        break;  // checksum fails
      case 1:
        bytes.resize(10);
        break;  // cut short
      case 2:
        bytes.clear();
        break;  // empty
      case 3:
        bytes[8] = 9;
        break;  // unknown version
    }
    {
      std::ofstream f(cursor, std::ios::binary | std::ios::trunc);
      f << bytes;
    }
    Logs logs;
    auto q = open_queue(options_for(dir.path(), &logs));
    ASSERT_TRUE(q);
    EXPECT_EQ(q->stats().corrupt_records, 1u);
    EXPECT_EQ(numbers(drain(*q)), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
    EXPECT_FALSE(logs.lines->empty());
  }
}

TEST(DiskQueue, NextWaitsAndWakes) {
  TempDir dir;
  auto q = open_queue(options_for(dir.path()));
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(q->next(10, 30ms).empty());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 25ms);

  auto waiter = std::async(std::launch::async, [&] { return q->next(10, 20s); });
  std::this_thread::sleep_for(50ms);
  t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(write_sync(*q, numbered(7)).is_ok());
  auto got = waiter.get();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  EXPECT_EQ(numbers(got), std::vector<uint64_t>{7});
}

TEST(DiskQueue, CloseRefusesWritesAndWakesNext) {
  TempDir dir;
  auto q = open_queue(options_for(dir.path()));
  auto waiter = std::async(std::launch::async, [&] { return q->next(10, 20s); });
  std::this_thread::sleep_for(50ms);
  auto t0 = std::chrono::steady_clock::now();
  q->close();
  EXPECT_TRUE(waiter.get().empty());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  EXPECT_EQ(write_sync(*q, numbered(1)).code(), ResultCode::kUnavailable);
  EXPECT_TRUE(q->next(10, 0ms).empty());
  q->close();  // idempotent
}

TEST(DiskQueue, CloseFinishesQueuedWrites) {
  TempDir dir;
  auto o = options_for(dir.path());
  std::atomic<int> ok{0}, refused{0};
  {
    auto q = open_queue(o);
    for (uint64_t n = 1; n <= 50; ++n)
      q->write(numbered(n), [&](Status s) { (s.is_ok() ? ok : refused)++; });
    q->close();
    EXPECT_EQ(ok + refused, 50);
  }
  auto q = open_queue(o);
  EXPECT_EQ(q->stats().recovered_entries, static_cast<uint64_t>(ok.load()));
}

TEST(DiskQueue, DiskErrorFailsTheGroupAndTheQueueKeepsWorking) {
  TempDir dir;
  auto plan = std::make_shared<FaultPlan>();
  auto o = options_for(dir.path());
  o.sync = true;
  o.file_factory = fault_factory(plan);
  auto q = open_queue(o);
  ASSERT_TRUE(write_sync(*q, numbered(1)).is_ok());
  plan->disk_full = true;
  EXPECT_EQ(write_sync(*q, numbered(2)).code(), ResultCode::kUnavailable);
  plan->disk_full = false;
  plan->fail_sync = true;
  EXPECT_EQ(write_sync(*q, numbered(3)).code(), ResultCode::kUnavailable);
  plan->fail_sync = false;
  ASSERT_TRUE(write_sync(*q, numbered(4)).is_ok());
  EXPECT_EQ(numbers(drain(*q)), (std::vector<uint64_t>{1, 4}));
  q->close();
  auto q2 = open_queue(options_for(dir.path()));
  EXPECT_EQ(q2->stats().corrupt_records, 0u);
  EXPECT_EQ(numbers(drain(*q2)), (std::vector<uint64_t>{1, 4}));
}

TEST(DiskQueue, ManyWritersWithAConcurrentConsumer) {
  TempDir dir;
  auto o = options_for(dir.path());
  o.segment_bytes = 16 << 10;
  auto q = open_queue(o);
  constexpr int kThreads = 4, kPerThread = 150;
  std::atomic<int> acked_writes{0}, failed{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t)
    writers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        uint64_t n = uint64_t(t) * 1000 + i + 1;
        q->write(numbered(n, 1 + i % 3), [&](Status s) { (s.is_ok() ? acked_writes : failed)++; });
        if (i % 16 == 0) std::this_thread::yield();
      }
    });
  std::multiset<uint64_t> seen;
  std::thread consumer([&] {
    std::mt19937 rng(1);
    std::vector<uint64_t> held;
    while (seen.size() < size_t{kThreads} * kPerThread) {
      for (auto& e : q->next(1 + rng() % 20, 100ms)) {
        seen.insert(number_of(e));
        held.push_back(e.id);
      }
      std::shuffle(held.begin(), held.end(), rng);  // acks in any order
      while (held.size() > 5) {
        q->ack(held.back());
        held.pop_back();
      }
      if (failed > 0) break;
    }
    for (uint64_t id : held) q->ack(id);
  });
  for (auto& w : writers) w.join();
  consumer.join();
  // The consumer may see an entry before its writer's `done` has run.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (acked_writes + failed < kThreads * kPerThread &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(acked_writes, kThreads * kPerThread);
  ASSERT_EQ(seen.size(), size_t{kThreads} * kPerThread);
  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < kPerThread; ++i) EXPECT_EQ(seen.count(uint64_t(t) * 1000 + i + 1), 1u);
  auto s = q->stats();
  EXPECT_EQ(s.acked_batches, s.appended_batches);
  EXPECT_EQ(s.pending_entries, 0u);
  EXPECT_EQ(s.pending_spans, 0u);
}

TEST(DiskQueue, SegmentsAreDeletedOnceAcked) {
  TempDir dir;
  auto o = options_for(dir.path());
  o.segment_bytes = 1 << 10;
  auto q = open_queue(o);
  for (uint64_t n = 1; n <= 60; ++n) ASSERT_TRUE(write_sync(*q, numbered(n, 2, 100)).is_ok());
  ASSERT_GT(segment_files(dir.path()).size(), 5u);
  const uint64_t full = q->bytes();
  auto got = drain(*q);
  ASSERT_EQ(got.size(), 60u);
  // Acking only the second half deletes nothing: the first entry is still out.
  for (size_t i = 30; i < got.size(); ++i) q->ack(got[i].id);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(q->bytes() >= full, true);
  for (size_t i = 0; i < 30; ++i) q->ack(got[i].id);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  // Wait on the queue's own counters: they are published after the delete loop, so the
  // files can be gone a moment before bytes() and stats() say so.
  while ((segment_files(dir.path()).size() > 1 || q->stats().segments > 1) &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(segment_files(dir.path()).size(), 1u);  // the active one
  EXPECT_LT(q->bytes(), full / 4);
  EXPECT_EQ(q->stats().segments, 1u);
}

TEST(DiskQueue, SecondOpenOfTheSameDirectoryFails) {
  TempDir dir;
  auto q = open_queue(options_for(dir.path()));
  auto again = DiskQueue::open(options_for(dir.path()));
  EXPECT_EQ(again.status().code(), ResultCode::kUnavailable);
}

TEST(DiskQueueCursor, EncodesAndRejectsDamage) {
  QueueCursor c;
  c.read_id = queue_entry_id(7, 40);
  c.undelivered = {queue_entry_id(5, 3), queue_entry_id(6, 0), queue_entry_id(7, 39)};
  auto d = decode_queue_cursor(encode_queue_cursor(c));
  ASSERT_TRUE(d.is_ok()) << d.status().to_string();
  EXPECT_EQ(d->read_id, c.read_id);
  EXPECT_EQ(d->undelivered, c.undelivered);
  EXPECT_TRUE(d->delivered(queue_entry_id(5, 2)));
  EXPECT_FALSE(d->delivered(queue_entry_id(5, 3)));
  EXPECT_FALSE(d->delivered(queue_entry_id(7, 40)));
  std::string bytes = encode_queue_cursor(c);
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] ^= 1;
    EXPECT_FALSE(decode_queue_cursor(bad).is_ok()) << "flipped byte " << i;
  }
  // Too many ids: the cursor keeps the first ones and lowers read_id.
  QueueCursor big;
  for (uint64_t i = 0; i < kQueueCursorMaxIds + 10; ++i) big.undelivered.push_back(i * 2);
  big.read_id = 1ull << 40;
  auto b = decode_queue_cursor(encode_queue_cursor(big));
  ASSERT_TRUE(b.is_ok());
  EXPECT_EQ(b->undelivered.size(), kQueueCursorMaxIds);
  EXPECT_EQ(b->read_id, kQueueCursorMaxIds * 2);
}

}  // namespace
}  // namespace weft::store
