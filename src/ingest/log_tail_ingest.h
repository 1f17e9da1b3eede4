#pragma once
// LogTailIngest: traces from log files, durable end to end (`weft serve --tail GLOB…`).
//
//   Tailer (tail/) ──line──► TraceAssembler (logline/) ──SpanBatch + tokens──► Ingestor ──► store
//        ▲                                                                        │ durable
//        └──── commit (highest position per file whose every earlier line is done) ◄┘
//
// Every line the tailer delivers gets a token in a TailLedger (tail_ledger.h). The assembler
// holds the line in its trace until the trace's window runs out, then emits the trace's spans
// with the tokens of its lines; once the Ingestor reports that batch (and every batch emitted
// before it) durable, those lines are done. About once a second the ledger's state is written
// to the stored-lines file (docs/format/tail-done.md) and then the per-file prefixes of done
// lines are committed to the tailer, whose own checkpoint (docs/format/tail-checkpoint.md)
// resumes there after a restart. So a kill -9 loses no line (lines past the commit are read
// again) and doubles none (lines stored past it are skipped; an emission read again whole is
// built into the same span IDs, which the store drops).
//
// Backpressure: a store that refuses (overloaded, out of disk) gets the batch again with
// backoff, never drops it; while more than max_pending_spans wait, the assembler's emit blocks,
// and with it the tailer's callback: the files are the buffer, memory stays bounded.
//
// Threads (start()): the tailer's own, a ticker (assembler.tick about once a second, the
// checkpoint, metrics) and a writer (hands batches to the Ingestor, retries). stop() flushes
// every open trace, waits for it to be durable (up to shutdown_timeout_ms) and writes the
// final checkpoint; call it before the store closes.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "ingest/ingestor.h"
#include "ingest/tail_ledger.h"
#include "logline/trace_assembler.h"
#include "tail/tailer.h"

namespace weft::ingest {

using namespace weft::model;

struct LogTailOptions {
  // globs, from, checkpoint_path, max_line_bytes (also the parser's), exclude, intervals.
  // `log` defaults to this component's log.
  tail::TailOptions tail;
  // Window, scheme, service mappings, bounds. max_batch_spans is capped at the Ingestor's
  // max_spans_per_request.
  logline::AssemblerOptions assembler;
  // The stored-lines file; "" = tail.checkpoint_path + ".done" (none if that is empty too).
  std::string done_path;
  uint32_t tick_interval_ms = 1000;  // assembler.tick and checkpoint cadence
  // Spans emitted and not yet durable; past it the emit (and so the tailer) waits.
  size_t max_pending_spans = 50'000;
  size_t max_in_flight_batches = 8;  // handed to the Ingestor at once
  uint32_t retry_initial_ms = 100;   // backoff after a refusal, doubling ...
  uint32_t retry_max_ms = 5000;      // ... up to this
  // A rejected line's reason, file, offset and excerpt are logged at most this often per
  // reason (with how many were held back).
  uint32_t reject_log_interval_ms = 10'000;
  // Forget the previous run's stored-lines entries of files no line came from after this.
  uint32_t forget_unseen_after_ms = 600'000;
  uint32_t shutdown_timeout_ms = 10'000;
  // Receives "tail: ..." messages (the tailer's too); default: stderr, "weft: " prefixed.
  std::function<void(const std::string&)> log;
  Clock* clock = nullptr;  // default Clock::system()
};

// Plain numbers for tests and the startup log; /metrics gets the same as weft_log_*.
struct LogTailStats {
  uint64_t lines_read = 0;
  uint64_t bytes_read = 0;
  uint64_t lines_rejected = 0;
  uint64_t lines_truncated = 0;
  uint64_t lines_skipped = 0;  // stored by the previous run: not read again
  uint64_t spans_emitted = 0;
  uint64_t spans_written = 0;  // acknowledged durable
  uint64_t write_retries = 0;
  uint64_t done_file_writes = 0;
  size_t lines_outstanding = 0;  // delivered, not yet stored
  size_t pending_spans = 0;      // emitted, not yet durable
  logline::AssemblerStats assembler;
};

class LogTailIngest {
 public:
  // Checks the options, reads both checkpoints and opens the tailer (no file yet).
  static Result<std::unique_ptr<LogTailIngest>> open(Ingestor& ingestor, LogTailOptions options);
  ~LogTailIngest();  // stop()
  LogTailIngest(const LogTailIngest&) = delete;
  LogTailIngest& operator=(const LogTailIngest&) = delete;

  // Starts the tailer, ticker and writer threads. Error if already started.
  Status start();
  // Stops tailing, emits every open trace, waits (up to shutdown_timeout_ms) until it is
  // durable, writes the final checkpoint. Idempotent. Lines not durable by then are read
  // again at the next start.
  void stop();

  // Without start() (tests): one tailer round, a tick at the clock's time (or flush_all),
  // wait until every emitted batch is durable, checkpoint. Returns lines delivered.
  size_t run_once(bool flush_all = false);

  LogTailStats stats() const;
  const std::string& done_path() const { return done_path_; }

 private:
  struct Pending {
    uint64_t seq = 0;
    SpanBatch spans;
    std::vector<uint64_t> tokens;
    size_t span_count = 0;
    uint32_t attempts = 0;
    uint64_t retry_at_ns = 0;
    bool in_flight = false;
    bool durable = false;
  };
  struct Metrics;

  LogTailIngest(Ingestor& ingestor, LogTailOptions options);
  void on_line(const tail::TailLine& line);
  void reject_line(const tail::TailLine& line, const logline::LineStatus& st);
  void on_emit(SpanBatch spans, std::vector<uint64_t> tokens);
  void writer_loop();
  bool submit_ready(std::unique_lock<std::mutex>& lock);  // under wmu_
  void on_written(uint64_t seq, IngestOutcome outcome);
  void release_durable_locked();            // under wmu_: durable batches at the front -> ledger
  bool wait_written(uint64_t deadline_ns);  // every pending batch durable (or deadline)
  void ticker_loop();
  void tick(bool flush_all);
  Status checkpoint();
  void update_gauges();
  int64_t now_ns() const { return static_cast<int64_t>(clock_->monotonic_nanos()); }
  void log(const std::string& line) const { log_raw("tail: " + line); }
  void log_raw(const std::string& line) const;

  Ingestor& ingestor_;
  LogTailOptions options_;
  Clock* clock_;
  std::string done_path_;
  std::unique_ptr<tail::Tailer> tailer_;
  std::unique_ptr<Metrics> metrics_;
  uint64_t opened_ns_ = 0;
  bool forgot_unseen_ = false;

  // The assembler (tailer thread, ticker, stop()).
  mutable std::mutex amu_;
  std::unique_ptr<logline::TraceAssembler> assembler_;

  // The ledger (tailer thread, store threads via the writer, ticker).
  mutable std::mutex lmu_;
  TailLedger ledger_;

  // Batches between the assembler and the store, in emit order.
  mutable std::mutex wmu_;
  std::condition_variable wcv_;       // the writer: something to do
  std::condition_variable space_cv_;  // emitters and waiters: a batch became durable
  std::deque<Pending> pending_;
  uint64_t next_seq_ = 0;
  size_t pending_spans_ = 0;
  size_t in_flight_ = 0;
  bool writer_stop_ = false;
  bool abandon_ = false;  // shutdown deadline passed: drop instead of waiting
  uint64_t deadline_ns_ = UINT64_MAX;

  // Checkpoint step (ticker, stop()).
  std::mutex cmu_;
  std::string last_done_bytes_;

  // Rate-limited reject examples, per reason.
  std::mutex rmu_;
  std::vector<uint64_t> reject_logged_ns_;
  std::vector<uint64_t> reject_held_;

  std::thread writer_, ticker_;
  std::mutex tmu_;
  std::condition_variable tcv_;
  bool ticker_stop_ = false;
  bool started_ = false, stopped_ = false;

  std::atomic<uint64_t> lines_read_{0}, bytes_read_{0}, lines_rejected_{0}, lines_truncated_{0},
      lines_skipped_{0}, spans_emitted_{0}, spans_written_{0}, write_retries_{0},
      done_file_writes_{0};
  uint64_t seen_checkpoint_writes_ = 0;  // tailer counters already added to the metrics
  uint64_t seen_checkpoint_errors_ = 0;
};

}  // namespace weft::ingest
