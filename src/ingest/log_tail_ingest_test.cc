// LogTailIngest against the real tailer, assembler, Ingestor and embedded store, driven
// synchronously (run_once) with a manual clock for the trace window.
#include "ingest/log_tail_ingest.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>

#include "logline/logline_test_util.h"
#include "store/embedded_store.h"
#include "store/testing/temp_dir.h"

namespace weft::ingest {

using namespace weft::model;

namespace {

namespace fs = std::filesystem;
using logline::testing::line;
constexpr uint64_t kSecond = 1'000'000'000ULL;

const char* kT1 = "11111111111111111111111111111111";
const char* kT2 = "22222222222222222222222222222222";
const char* kT3 = "33333333333333333333333333333333";

void append(const std::string& path, const std::string& data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  ::close(fd);
}

// A store that refuses its first `refuse` writes as overloaded, then passes them on.
class RefusingStore : public Store {
 public:
  explicit RefusingStore(Store& inner, int refuse) : inner_(inner), refuse_(refuse) {}
  void write(SpanBatch batch, std::function<void(Status)> done) override {
    if (refuse_.fetch_sub(1) > 0) return done(resource_exhausted("store overloaded (test)"));
    inner_.write(std::move(batch), std::move(done));
  }
  Result<std::optional<Trace>> get_trace(const TraceId& id) override {
    return inner_.get_trace(id);
  }
  Result<std::vector<TraceSummary>> search(const TraceQuery& q) override {
    return inner_.search(q);
  }
  Result<std::vector<std::string>> services() override { return inner_.services(); }
  Result<std::vector<OperationInfo>> operations(const std::string& s) override {
    return inner_.operations(s);
  }
  Result<std::vector<std::string>> attribute_keys() override { return inner_.attribute_keys(); }
  Result<std::vector<std::string>> attribute_values(const std::string& k, size_t n) override {
    return inner_.attribute_values(k, n);
  }
  StoreStats stats() const override { return inner_.stats(); }
  Status flush() override { return inner_.flush(); }
  Status compact() override { return inner_.compact(); }
  Status close() override { return inner_.close(); }

 private:
  Store& inner_;
  std::atomic<int> refuse_;
};

class LogTailIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    logs_ = dir_.path() + "/logs";
    fs::create_directories(logs_);
    store_ = open_store(dir_.path() + "/data");
  }

  static std::unique_ptr<Store> open_store(const std::string& path) {
    EmbeddedStoreOptions o;
    o.data_dir = path;
    o.fsync = EmbeddedStoreOptions::Fsync::kNever;
    auto s = open_embedded_store(o);
    EXPECT_TRUE(s.is_ok()) << s.status().to_string();
    return std::move(s).value();
  }

  LogTailOptions options(const std::string& checkpoint_dir) {
    LogTailOptions o;
    o.tail.globs = {logs_ + "/*.log"};
    o.tail.from = tail::From::kBeginning;
    o.tail.checkpoint_path = checkpoint_dir + "/tail.checkpoint";
    o.tail.force_polling = true;
    o.tail.clock = &clock_;
    o.assembler.window_ns = static_cast<int64_t>(kSecond);
    o.clock = &clock_;
    o.retry_initial_ms = 5;
    o.log = [this](const std::string& l) {
      std::lock_guard lock(log_mu_);
      log_ += l + "\n";
    };
    return o;
  }

  std::unique_ptr<LogTailIngest> open(Ingestor& ingestor, LogTailOptions o) {
    auto r = LogTailIngest::open(ingestor, std::move(o));
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return r.is_ok() ? std::move(r).value() : nullptr;
  }

  static size_t span_count(Store& store, const char* trace) {
    auto t = store.get_trace(*TraceId::from_hex(trace));
    EXPECT_TRUE(t.is_ok());
    return t.is_ok() && t->has_value() ? (*t)->spans.size() : 0;
  }

  std::string log_text() {
    std::lock_guard lock(log_mu_);
    return log_;
  }

  store::testing::TempDir dir_;
  std::string logs_;
  std::unique_ptr<Store> store_;
  ManualClock clock_;
  std::mutex log_mu_;
  std::string log_;
};

TEST_F(LogTailIngestTest, LinesBecomeSpansOnceTheirWindowEndsAndAreCommittedOnceDurable) {
  Ingestor ingestor(*store_, Limits{});
  const std::string a = logs_ + "/a.log", b = logs_ + "/b.log";
  append(a, line("request.info", kT1, "0.1", "front") + "\n" +
                line("mysql.request", kT1, "0.2", "front") + "\n" +
                line("log.info", kT1, "0.2", "front", 1700000000.5, ",\"x_msg\":\"hi\"") + "\n" +
                line("http.post", kT1, "0.3", "front") + "\n");
  append(b, line("request.info", kT1, "0.3.1", "back") + "\n");
  fs::create_directories(dir_.path() + "/cp");
  {
    auto tail = open(ingestor, options(dir_.path() + "/cp"));
    ASSERT_TRUE(tail);
    EXPECT_EQ(tail->run_once(), 5u);
    EXPECT_EQ(span_count(*store_, kT1), 0u);  // held open for its window
    EXPECT_EQ(tail->stats().lines_outstanding, 5u);
    clock_.advance(2 * kSecond);
    tail->run_once();
    EXPECT_EQ(span_count(*store_, kT1), 4u);  // request, mysql, http.post, back's request
    LogTailStats s = tail->stats();
    EXPECT_EQ(s.lines_outstanding, 0u);
    EXPECT_EQ(s.spans_written, 4u);
    EXPECT_EQ(s.assembler.events_emitted, 1u);
    EXPECT_EQ(s.lines_read, 5u);
    tail->stop();
  }
  // The tailer's checkpoint holds both files at their ends; the stored-lines file has
  // nothing beyond them.
  auto cp = tail::read_checkpoint_file(dir_.path() + "/cp/tail.checkpoint");
  ASSERT_TRUE(cp.is_ok());
  ASSERT_TRUE(cp->has_value());
  ASSERT_EQ((*cp)->files.size(), 2u);
  for (const auto& e : (*cp)->files) EXPECT_EQ(e.offset, fs::file_size(e.path)) << e.path;
  auto done = read_done_file(dir_.path() + "/cp/tail.checkpoint.done");
  ASSERT_TRUE(done.is_ok());
  ASSERT_TRUE(done->has_value());
  for (const auto& e : (*done)->files) EXPECT_TRUE(e.ranges.empty());
}

TEST_F(LogTailIngestTest, ARestartReadsAgainOnlyWhatWasNotStored) {
  const std::string a = logs_ + "/a.log";
  // T1 starts, T2 comes whole after it, T1 goes on: T2 is stored while T1 holds the
  // commit back before T2's lines.
  append(a, line("request.info", kT1, "0.1", "front") + "\n");
  append(a, line("request.info", kT2, "0.1", "front") + "\n" +
                line("mysql.request", kT2, "0.2", "front") + "\n" +
                line("log.info", kT2, "0.2", "front", 1700000000.5, ",\"x_msg\":\"after\"") + "\n");
  const std::string cp1 = dir_.path() + "/cp1", cp2 = dir_.path() + "/cp2";
  fs::create_directories(cp1);
  fs::create_directories(cp2);
  {
    Ingestor ingestor(*store_, Limits{});
    auto tail = open(ingestor, options(cp1));
    ASSERT_TRUE(tail);
    tail->run_once();
    clock_.advance(600'000'000);
    append(a, line("mysql.request", kT1, "0.2", "front") + "\n");
    tail->run_once();
    clock_.advance(600'000'000);
    tail->run_once();  // T2's window is over, T1's is not
    EXPECT_EQ(span_count(*store_, kT2), 2u);
    EXPECT_EQ(span_count(*store_, kT1), 0u);
    tail->run_once();  // the tailer's checkpoint gets its due write
    // "kill -9" here: keep the checkpoints as they are now.
    for (const char* f : {"/tail.checkpoint", "/tail.checkpoint.done"})
      fs::copy_file(cp1 + f, cp2 + f);
    auto done = read_done_file(cp2 + "/tail.checkpoint.done");
    ASSERT_TRUE(done.is_ok() && done->has_value());
    ASSERT_EQ((*done)->files.size(), 1u);
    EXPECT_EQ((*done)->files[0].prefix, 0u);
    EXPECT_EQ((*done)->files[0].ranges.size(), 1u);  // T2's three lines
  }
  // Restart on the saved checkpoints, into an empty store to see what is written again.
  auto store2 = open_store(dir_.path() + "/data2");
  Ingestor ingestor2(*store2, Limits{});
  auto tail = open(ingestor2, options(cp2));
  ASSERT_TRUE(tail);
  tail->run_once(/*flush_all=*/true);
  LogTailStats s = tail->stats();
  EXPECT_EQ(s.lines_read, 5u);
  EXPECT_EQ(s.lines_skipped, 3u);
  EXPECT_EQ(span_count(*store2, kT1), 2u);
  EXPECT_EQ(span_count(*store2, kT2), 0u);  // not again, and not in part
  EXPECT_EQ(s.lines_outstanding, 0u);
}

TEST_F(LogTailIngestTest, RejectedLinesAreCountedByReasonLoggedAndDoNotHoldCommitsBack) {
  Ingestor ingestor(*store_, Limits{});
  const std::string a = logs_ + "/a.log";
  append(a, line("request.info", kT3, "0.1", "front") + "\n" + "plain text, not json\n" +
                "{\"x_trace_id\":\"abc\",\"x_timestamp\":1700000000}\n" +
                "{\"x_trace_id\":\"abc\",\"x_rpc_id\":\"0..1\",\"x_timestamp\":1700000000}\n" +
                "plain text again\n" + std::string(300, 'x') + "\n" +
                line("mysql.request", kT3, "0.2", "front") + "\n");
  fs::create_directories(dir_.path() + "/cp");
  auto o = options(dir_.path() + "/cp");
  o.tail.max_line_bytes = 256;
  auto tail = open(ingestor, o);
  ASSERT_TRUE(tail);
  tail->run_once();
  LogTailStats s = tail->stats();
  EXPECT_EQ(s.lines_read, 7u);
  EXPECT_EQ(s.lines_rejected, 5u);
  EXPECT_EQ(s.lines_truncated, 1u);
  EXPECT_EQ(s.lines_outstanding, 2u);  // only T3's two lines wait for their trace
  const std::string text = log_text();
  EXPECT_NE(text.find("not_json"), std::string::npos) << text;
  EXPECT_NE(text.find("missing_rpc_id"), std::string::npos) << text;
  EXPECT_NE(text.find("bad_rpc_id"), std::string::npos) << text;
  EXPECT_NE(text.find("too_long"), std::string::npos) << text;
  // One example per reason per interval: the second plain-text line is held back.
  EXPECT_EQ(text.find("plain text again"), std::string::npos) << text;
  clock_.advance(2 * kSecond);
  tail->run_once();
  EXPECT_EQ(tail->stats().lines_outstanding, 0u);
  EXPECT_EQ(span_count(*store_, kT3), 2u);
}

TEST_F(LogTailIngestTest, RefusedBatchesAreSentAgainNeverDropped) {
  RefusingStore refusing(*store_, 3);
  Ingestor ingestor(refusing, Limits{});
  append(logs_ + "/a.log", line("request.info", kT1, "0.1", "front") + "\n" +
                               line("request.info", kT2, "0.1", "front") + "\n");
  fs::create_directories(dir_.path() + "/cp");
  auto o = options(dir_.path() + "/cp");
  o.assembler.max_batch_spans = 1;  // two batches
  o.max_pending_spans = 1;          // the second waits for room
  auto tail = open(ingestor, o);
  ASSERT_TRUE(tail);
  tail->run_once(/*flush_all=*/true);
  LogTailStats s = tail->stats();
  EXPECT_EQ(s.write_retries, 3u);
  EXPECT_EQ(s.spans_written, 2u);
  EXPECT_EQ(s.lines_outstanding, 0u);
  EXPECT_EQ(span_count(*store_, kT1), 1u);
  EXPECT_EQ(span_count(*store_, kT2), 1u);
  EXPECT_NE(log_text().find("retrying"), std::string::npos);
}

TEST_F(LogTailIngestTest, OptionsAreChecked) {
  Ingestor ingestor(*store_, Limits{});
  LogTailOptions o = options(dir_.path());
  o.tail.globs.clear();
  EXPECT_FALSE(LogTailIngest::open(ingestor, o).is_ok());
  o = options(dir_.path());
  o.assembler.window_ns = 0;
  EXPECT_FALSE(LogTailIngest::open(ingestor, o).is_ok());
  o = options(dir_.path() + "/missing-dir");
  EXPECT_FALSE(LogTailIngest::open(ingestor, o).is_ok());  // the tailer's checkpoint dir
}

}  // namespace
}  // namespace weft::ingest
