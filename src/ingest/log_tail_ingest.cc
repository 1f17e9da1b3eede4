#include "ingest/log_tail_ingest.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <unordered_set>

#include "common/metrics.h"

namespace weft::ingest {

using namespace weft::model;

namespace {

using SteadyClock = std::chrono::steady_clock;

uint64_t steady_ns() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch())
          .count());
}

SteadyClock::time_point steady_at(uint64_t ns) {
  return SteadyClock::time_point(std::chrono::nanoseconds(ns));
}

constexpr uint64_t kMs = 1'000'000;

// The first bytes of a line, printable: what a rejected line looked like, for the log.
std::string excerpt(std::string_view bytes, size_t max = 160) {
  std::string out;
  const size_t n = std::min(bytes.size(), max);
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c != 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (bytes.size() > max) out += "…";
  return out;
}

}  // namespace

// weft_log_* on /metrics. Families are global (one process, one tailer); children cached.
struct LogTailIngest::Metrics {
  Counter* lines_read;
  Counter* bytes_read;
  Counter* truncated;
  Counter* skipped;
  Counter* duplicates;
  Counter* spans_emitted;
  Counter* events_emitted;
  Counter* placeholders;
  Counter* checkpoint_writes;
  Counter* checkpoint_errors;
  Counter* write_retries;
  std::vector<Counter*> rejected;  // by RejectReason
  Gauge* traces_open;
  Gauge* lines_open;
  Gauge* lines_pending;
  Gauge* spans_pending;
  Gauge* files_followed;
  logline::AssemblerStats last;  // for deltas

  Metrics() {
    auto& reg = MetricsRegistry::global();
    auto counter = [&](const char* name, const char* help) {
      return &reg.counter(name, help).get();
    };
    auto gauge = [&](const char* name, const char* help) { return &reg.gauge(name, help).get(); };
    lines_read = counter("weft_log_lines_read_total", "Log lines read by the tailer (--tail)");
    bytes_read = counter("weft_log_bytes_read_total",
                         "Bytes of log lines read by the tailer, newlines and cut parts included");
    truncated = counter("weft_log_lines_truncated_total",
                        "Log lines longer than --tail-max-line-bytes (rejected as too_long)");
    skipped = counter("weft_log_lines_skipped_total",
                      "Log lines read again after a restart but already stored: skipped");
    duplicates = counter("weft_log_lines_duplicate_total",
                         "Log lines whose bytes were read before (no new span)");
    spans_emitted = counter("weft_log_spans_emitted_total",
                            "Spans built from log lines, placeholders included");
    events_emitted = counter("weft_log_events_emitted_total", "Log lines that became span events");
    placeholders = counter("weft_log_placeholders_emitted_total",
                           "Placeholder spans standing for a missing log line");
    checkpoint_writes = counter("weft_log_checkpoint_writes_total",
                                "Tail checkpoint writes (read offsets, and stored-lines file)");
    checkpoint_errors =
        counter("weft_log_checkpoint_errors_total", "Failed tail checkpoint writes (retried)");
    write_retries = counter("weft_log_write_retries_total",
                            "Batches of log-built spans the store refused and were sent again");
    auto& rej =
        reg.counter("weft_log_lines_rejected_total", "Log lines rejected, by reason", {"reason"});
    for (size_t r = 1; r < logline::kRejectReasonCount; ++r)
      rejected.push_back(
          &rej.with({std::string(reject_reason_name(static_cast<logline::RejectReason>(r)))}));
    traces_open = gauge("weft_log_traces_open", "Traces held open for more of their log lines");
    lines_open = gauge("weft_log_lines_open", "Log lines held in open traces");
    lines_pending = gauge("weft_log_lines_pending",
                          "Log lines read and not yet stored durably (read again after a crash)");
    spans_pending = gauge("weft_log_spans_pending", "Log-built spans waiting to be made durable");
    files_followed = gauge("weft_log_files_followed", "Log files the tailer has open");
  }
  Counter* rejected_for(logline::RejectReason r) {
    const size_t i = static_cast<size_t>(r);
    return i >= 1 && i <= rejected.size() ? rejected[i - 1] : rejected.back();
  }
};

LogTailIngest::LogTailIngest(Ingestor& ingestor, LogTailOptions options)
    : ingestor_(ingestor),
      options_(std::move(options)),
      clock_(options_.clock ? options_.clock : &Clock::system()),
      metrics_(std::make_unique<Metrics>()),
      reject_logged_ns_(logline::kRejectReasonCount, 0),
      reject_held_(logline::kRejectReasonCount, 0) {}

LogTailIngest::~LogTailIngest() { stop(); }

void LogTailIngest::log_raw(const std::string& line) const {
  if (options_.log)
    options_.log(line);
  else
    std::fprintf(stderr, "weft: %s\n", line.c_str());
}

Result<std::unique_ptr<LogTailIngest>> LogTailIngest::open(Ingestor& ingestor,
                                                           LogTailOptions options) {
  if (options.tail.globs.empty()) return invalid_argument("no file glob to tail");
  if (options.assembler.window_ns <= 0) return invalid_argument("the trace window must be > 0");
  if (options.tick_interval_ms == 0) return invalid_argument("tick_interval_ms must be > 0");
  if (options.tail.max_line_bytes == 0) return invalid_argument("max_line_bytes must be > 0");
  auto& a = options.assembler;
  a.parser.max_line_bytes = std::max(a.parser.max_line_bytes, options.tail.max_line_bytes);
  a.max_open_ns = std::max(a.max_open_ns, a.window_ns);
  a.max_batch_spans =
      std::max<size_t>(1, std::min(a.max_batch_spans, ingestor.limits().max_spans_per_request));
  if (options.done_path.empty() && !options.tail.checkpoint_path.empty())
    options.done_path = options.tail.checkpoint_path + ".done";
  if (!options.done_path.empty()) {
    options.tail.exclude.push_back(options.done_path);
    options.tail.exclude.push_back(options.done_path + ".tmp");
  }
  if (!options.tail.checkpoint_path.empty())
    options.tail.exclude.push_back(options.tail.checkpoint_path + ".tmp");

  std::unique_ptr<LogTailIngest> self(new LogTailIngest(ingestor, std::move(options)));
  LogTailIngest* me = self.get();
  LogTailOptions& o = me->options_;
  me->done_path_ = o.done_path;
  // The tailer's messages come "tail: "-prefixed already.
  if (!o.tail.log) o.tail.log = [me](const std::string& line) { me->log_raw(line); };
  if (!o.tail.clock) o.tail.clock = me->clock_;

  // What the previous run stored beyond its committed offsets, for the files the tailer's
  // checkpoint will resume (without that checkpoint, e.g. deleted to read everything again,
  // the stored-lines file means nothing).
  if (!me->done_path_.empty()) {
    auto done = read_done_file(me->done_path_);
    if (!done.is_ok()) {
      me->log(done.status().message() +
              ": ignored (lines read again are stored again; the "
              "store drops spans it holds already)");
    } else if (done->has_value()) {
      std::unordered_set<tail::FileKey, tail::FileKeyHash> resumable;
      if (!o.tail.checkpoint_path.empty()) {
        auto cp = tail::read_checkpoint_file(o.tail.checkpoint_path);
        if (cp.is_ok() && cp->has_value())
          for (const tail::CheckpointEntry& e : (*cp)->files) resumable.insert(e.file);
      }
      size_t files = (*done)->files.size(), kept = 0;
      for (const DoneFileEntry& e : (*done)->files) kept += resumable.contains(e.file);
      if (files)
        me->log("resuming: " + me->done_path_ + " records stored lines of " + std::to_string(kept) +
                " file(s) the checkpoint resumes" +
                (files > kept ? " (" + std::to_string(files - kept) + " other(s) ignored)" : "") +
                "; lines read again that it lists are not stored again");
      std::lock_guard lock(me->lmu_);
      me->ledger_.load(std::move(**done),
                       [&](const tail::FileKey& k) { return resumable.contains(k); });
    }
  }

  me->assembler_ = std::make_unique<logline::TraceAssembler>(
      o.assembler, [me](SpanBatch spans, std::vector<uint64_t> tokens) {
        me->on_emit(std::move(spans), std::move(tokens));
      });
  auto tailer = tail::Tailer::open(o.tail, [me](const tail::TailLine& l) { me->on_line(l); });
  if (!tailer.is_ok()) return tailer.status();
  me->tailer_ = std::move(tailer).value();
  me->opened_ns_ = steady_ns();
  me->writer_ = std::thread([me] { me->writer_loop(); });
  return self;
}

Status LogTailIngest::start() {
  if (started_ || stopped_) return invalid_argument("log tail ingest already started");
  WEFT_RETURN_IF_ERROR(tailer_->start());
  started_ = true;
  ticker_ = std::thread([this] { ticker_loop(); });
  return Status::ok();
}

// ---------------------------------------------------------------------------------------
// Lines in.

void LogTailIngest::on_line(const tail::TailLine& line) {
  lines_read_.fetch_add(1, std::memory_order_relaxed);
  const uint64_t bytes = line.end_offset > line.offset ? line.end_offset - line.offset : 0;
  bytes_read_.fetch_add(bytes, std::memory_order_relaxed);
  metrics_->lines_read->inc();
  metrics_->bytes_read->inc(bytes);

  TailLedger::Added added;
  {
    std::lock_guard lock(lmu_);
    added = ledger_.add(line);
  }
  if (added.stored) {
    lines_skipped_.fetch_add(1, std::memory_order_relaxed);
    metrics_->skipped->inc();
    return;
  }
  logline::LineStatus st;
  if (line.truncated) {
    lines_truncated_.fetch_add(1, std::memory_order_relaxed);
    metrics_->truncated->inc();
    st = logline::LineStatus::reject(
        logline::RejectReason::kTooLong,
        "too_long: a line of " + std::to_string(line.length) + " bytes, over the limit of " +
            std::to_string(options_.tail.max_line_bytes) + " (--tail-max-line-bytes)");
  } else {
    std::lock_guard lock(amu_);
    st = assembler_->add_line(line.bytes, line.path, now_ns(), added.token);
  }
  if (!st.ok()) {
    reject_line(line, st);
    std::lock_guard lock(lmu_);
    ledger_.done(added.token);
  }
}

void LogTailIngest::reject_line(const tail::TailLine& line, const logline::LineStatus& st) {
  lines_rejected_.fetch_add(1, std::memory_order_relaxed);
  metrics_->rejected_for(st.reason)->inc();
  const size_t r =
      std::min<size_t>(static_cast<size_t>(st.reason), logline::kRejectReasonCount - 1);
  const uint64_t now = clock_->monotonic_nanos();
  uint64_t held = 0;
  {
    std::lock_guard lock(rmu_);
    if (reject_logged_ns_[r] != 0 &&
        now - reject_logged_ns_[r] < uint64_t{options_.reject_log_interval_ms} * kMs) {
      ++reject_held_[r];
      return;
    }
    reject_logged_ns_[r] = now ? now : 1;
    held = reject_held_[r];
    reject_held_[r] = 0;
  }
  std::string msg = "rejected a line of " + std::string(line.path) + " at offset " +
                    std::to_string(line.offset) + ": " + st.status.message() +
                    "; the line: " + excerpt(line.bytes);
  if (held)
    msg += " (and " + std::to_string(held) + " more " + std::string(reject_reason_name(st.reason)) +
           " lines since the last report)";
  log(msg);
}

// ---------------------------------------------------------------------------------------
// Spans out, to the store.

void LogTailIngest::on_emit(SpanBatch spans, std::vector<uint64_t> tokens) {
  const size_t n = spans.spans.size();
  spans_emitted_.fetch_add(n, std::memory_order_relaxed);
  metrics_->spans_emitted->inc(n);
  {
    std::unique_lock lock(wmu_);
    while (!abandon_ && pending_spans_ > 0 && pending_spans_ + n > options_.max_pending_spans) {
      if (deadline_ns_ == UINT64_MAX) {
        space_cv_.wait(lock);
      } else if (space_cv_.wait_until(lock, steady_at(deadline_ns_)) == std::cv_status::timeout) {
        abandon_ = true;
      }
    }
    // Shutting down past the deadline: dropped here, its lines were never committed and are
    // read again at the next start.
    if (abandon_) return;
    Pending p;
    p.seq = next_seq_++;
    p.span_count = n;
    p.spans = std::move(spans);
    p.tokens = std::move(tokens);
    p.durable = n == 0;  // tokens only (duplicate lines): done once the batches before are
    pending_spans_ += n;
    pending_.push_back(std::move(p));
    release_durable_locked();
  }
  wcv_.notify_one();
}

void LogTailIngest::release_durable_locked() {
  // In emit order: a trace split over several batches has its tokens in the last, so its
  // lines are done only once every batch before is durable too. The ledger is updated before
  // wmu_ is released, so whoever sees a batch gone sees its lines done (lock order: amu_,
  // then wmu_, then lmu_; never the other way).
  std::vector<uint64_t> released;
  while (!pending_.empty() && pending_.front().durable) {
    Pending& f = pending_.front();
    released.insert(released.end(), f.tokens.begin(), f.tokens.end());
    pending_spans_ -= f.span_count;
    pending_.pop_front();
  }
  if (!released.empty()) {
    std::lock_guard lock(lmu_);
    ledger_.done(released);
  }
}

void LogTailIngest::writer_loop() {
  std::unique_lock lock(wmu_);
  for (;;) {
    if (writer_stop_ && in_flight_ == 0) return;
    const bool more = submit_ready(lock);
    if (writer_stop_ && in_flight_ == 0) return;
    if (more) continue;
    // Sleep until a new batch, an answer, or the earliest retry.
    uint64_t wake = UINT64_MAX;
    if (!writer_stop_ && !abandon_)
      for (const Pending& p : pending_)
        if (!p.in_flight && !p.durable) wake = std::min(wake, p.retry_at_ns);
    if (wake == UINT64_MAX)
      wcv_.wait(lock);
    else
      wcv_.wait_until(lock, steady_at(wake));
  }
}

bool LogTailIngest::submit_ready(std::unique_lock<std::mutex>& lock) {
  if (abandon_ || writer_stop_) return false;
  const uint64_t now = steady_ns();
  std::vector<std::pair<uint64_t, SpanBatch>> go;
  for (Pending& p : pending_) {
    if (in_flight_ >= options_.max_in_flight_batches) break;
    if (p.in_flight || p.durable || p.retry_at_ns > now) continue;
    p.in_flight = true;
    ++in_flight_;
    go.emplace_back(p.seq, p.spans);  // a copy: a refused batch is sent again
  }
  if (go.empty()) return false;
  lock.unlock();
  for (auto& [seq, batch] : go) {
    const uint64_t s = seq;
    ingestor_.ingest_spans(Protocol::kLogTail, std::move(batch),
                           [this, s](IngestOutcome o) { on_written(s, std::move(o)); });
  }
  lock.lock();
  return true;
}

void LogTailIngest::on_written(uint64_t seq, IngestOutcome outcome) {
  std::string problem;
  {
    std::lock_guard lock(wmu_);
    --in_flight_;
    auto it = std::lower_bound(pending_.begin(), pending_.end(), seq,
                               [](const Pending& p, uint64_t s) { return p.seq < s; });
    if (it != pending_.end() && it->seq == seq) {
      Pending& p = *it;
      p.in_flight = false;
      const ResultCode code = outcome.status.code();
      if (outcome.status.is_ok()) {
        p.durable = true;
        spans_written_.fetch_add(outcome.accepted_spans, std::memory_order_relaxed);
        if (outcome.rejected_spans)
          problem = "the store rejected " + std::to_string(outcome.rejected_spans) +
                    " log-built spans: " + outcome.rejection_message;
      } else if (outcome.request_too_large || code == ResultCode::kInvalidArgument) {
        // Retrying cannot help (max_batch_spans is kept under the limit, so not expected).
        p.durable = true;
        problem = "the store refused a batch of " + std::to_string(p.span_count) +
                  " log-built spans for good: " + outcome.status.message();
      } else {
        ++p.attempts;
        const uint64_t backoff =
            std::min<uint64_t>(uint64_t{options_.retry_initial_ms} << std::min(p.attempts - 1, 16u),
                               options_.retry_max_ms);
        p.retry_at_ns = steady_ns() + backoff * kMs;
        write_retries_.fetch_add(1, std::memory_order_relaxed);
        metrics_->write_retries->inc();
        if (p.attempts == 1 || p.attempts % 10 == 0)
          problem = "the store refused " + std::to_string(p.span_count) + " log-built spans (" +
                    outcome.status.message() + "); retrying in " + std::to_string(backoff) +
                    " ms (attempt " + std::to_string(p.attempts) + "); tailing waits meanwhile";
      }
    }
    release_durable_locked();
  }
  wcv_.notify_one();
  space_cv_.notify_all();
  if (!problem.empty()) log(problem);
}

bool LogTailIngest::wait_written(uint64_t deadline_ns) {
  std::unique_lock lock(wmu_);
  while (!pending_.empty() && !abandon_) {
    if (space_cv_.wait_until(lock, steady_at(deadline_ns)) == std::cv_status::timeout &&
        steady_ns() >= deadline_ns)
      break;
  }
  return pending_.empty();
}

// ---------------------------------------------------------------------------------------
// Time, checkpoints, metrics.

void LogTailIngest::tick(bool flush_all) {
  std::lock_guard lock(amu_);
  if (flush_all)
    assembler_->flush_all();
  else
    assembler_->tick(now_ns());
}

Status LogTailIngest::checkpoint() {
  std::lock_guard lock(cmu_);
  const uint64_t writes = tailer_->counters().checkpoint_writes.load(std::memory_order_relaxed);
  TailLedger::Snapshot s;
  {
    std::lock_guard l(lmu_);
    s = ledger_.snapshot(writes);
  }
  // The stored-lines file first: the tailer's checkpoint must never resume past lines it
  // does not record (docs/format/tail-done.md).
  if (!done_path_.empty()) {
    std::string bytes = encode_done_state(s.state);
    if (bytes != last_done_bytes_) {
      if (Status st = write_done_file(done_path_, s.state); !st.is_ok()) {
        metrics_->checkpoint_errors->inc();
        return st;
      }
      last_done_bytes_ = std::move(bytes);
      done_file_writes_.fetch_add(1, std::memory_order_relaxed);
      metrics_->checkpoint_writes->inc();
    }
  }
  for (const tail::TailPosition& p : s.commits) tailer_->commit(p);
  return Status::ok();
}

void LogTailIngest::update_gauges() {
  logline::AssemblerStats a;
  {
    std::lock_guard lock(amu_);
    a = assembler_->stats();
  }
  Metrics& m = *metrics_;
  m.duplicates->inc(a.duplicate_lines - m.last.duplicate_lines);
  m.events_emitted->inc(a.events_emitted - m.last.events_emitted);
  m.placeholders->inc(a.placeholders_emitted - m.last.placeholders_emitted);
  m.last = a;
  m.traces_open->set(static_cast<int64_t>(a.open_traces));
  m.lines_open->set(static_cast<int64_t>(a.open_lines));
  {
    std::lock_guard lock(lmu_);
    m.lines_pending->set(static_cast<int64_t>(ledger_.outstanding()));
  }
  {
    std::lock_guard lock(wmu_);
    m.spans_pending->set(static_cast<int64_t>(pending_spans_));
  }
  const tail::TailCounters& c = tailer_->counters();
  const uint64_t opened = c.files_opened.load(std::memory_order_relaxed);
  const uint64_t closed = c.files_closed.load(std::memory_order_relaxed);
  m.files_followed->set(static_cast<int64_t>(opened > closed ? opened - closed : 0));
  const uint64_t writes = c.checkpoint_writes.load(std::memory_order_relaxed);
  if (writes > seen_checkpoint_writes_) {
    m.checkpoint_writes->inc(writes - seen_checkpoint_writes_);
    seen_checkpoint_writes_ = writes;
  }
  const uint64_t errors = c.checkpoint_errors.load(std::memory_order_relaxed);
  if (errors > seen_checkpoint_errors_) {
    m.checkpoint_errors->inc(errors - seen_checkpoint_errors_);
    seen_checkpoint_errors_ = errors;
  }
}

void LogTailIngest::ticker_loop() {
  std::unique_lock lock(tmu_);
  uint64_t last_error_log = 0;
  while (!ticker_stop_) {
    tcv_.wait_for(lock, std::chrono::milliseconds(options_.tick_interval_ms),
                  [this] { return ticker_stop_; });
    if (ticker_stop_) break;
    lock.unlock();
    tick(false);
    // What the tick emitted is usually durable within milliseconds: commit it now rather
    // than a tick later (bounded: an overloaded store only delays the checkpoint).
    wait_written(steady_ns() + std::min<uint64_t>(options_.tick_interval_ms / 2, 500) * kMs);
    if (Status s = checkpoint(); !s.is_ok()) {
      const uint64_t now = steady_ns();
      if (last_error_log == 0 || now - last_error_log >= 10'000 * kMs) {
        log("cannot write " + done_path_ +
            " (will retry; nothing is committed meanwhile): " + s.message());
        last_error_log = now;
      }
    }
    if (!forgot_unseen_ &&
        steady_ns() - opened_ns_ >= uint64_t{options_.forget_unseen_after_ms} * kMs) {
      std::lock_guard l(lmu_);
      ledger_.forget_unseen_loaded();
      forgot_unseen_ = true;
    }
    update_gauges();
    lock.lock();
  }
}

size_t LogTailIngest::run_once(bool flush_all) {
  const size_t n = tailer_->poll_once();
  tick(flush_all);
  wait_written(steady_ns() + 30'000 * kMs);
  if (Status s = checkpoint(); !s.is_ok()) log(s.message());
  update_gauges();
  return n;
}

void LogTailIngest::stop() {
  if (stopped_ || !tailer_) return;
  stopped_ = true;
  const uint64_t deadline = steady_ns() + uint64_t{options_.shutdown_timeout_ms} * kMs;
  {
    std::lock_guard lock(wmu_);
    deadline_ns_ = deadline;
  }
  space_cv_.notify_all();
  {
    std::lock_guard lock(tmu_);
    ticker_stop_ = true;
  }
  tcv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  tailer_->stop();  // a callback waiting for room gives up at the deadline
  tick(/*flush_all=*/true);
  const bool all = wait_written(deadline);
  {
    std::lock_guard lock(wmu_);
    writer_stop_ = true;
    abandon_ = true;
  }
  wcv_.notify_all();
  space_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (Status s = checkpoint(); !s.is_ok()) log("final checkpoint: " + s.message());
  if (Status s = tailer_->write_checkpoint(); !s.is_ok()) log("final checkpoint: " + s.message());
  update_gauges();
  size_t outstanding;
  {
    std::lock_guard lock(lmu_);
    outstanding = ledger_.outstanding();
  }
  std::string msg = "stopped: " + std::to_string(lines_read_.load()) + " lines read, " +
                    std::to_string(spans_written_.load()) + " spans stored";
  if (!all || outstanding)
    msg += "; " + std::to_string(outstanding) +
           " lines not stored in time are read again at the next start";
  log(msg);
}

LogTailStats LogTailIngest::stats() const {
  LogTailStats s;
  s.lines_read = lines_read_.load();
  s.bytes_read = bytes_read_.load();
  s.lines_rejected = lines_rejected_.load();
  s.lines_truncated = lines_truncated_.load();
  s.lines_skipped = lines_skipped_.load();
  s.spans_emitted = spans_emitted_.load();
  s.spans_written = spans_written_.load();
  s.write_retries = write_retries_.load();
  s.done_file_writes = done_file_writes_.load();
  {
    std::lock_guard lock(lmu_);
    s.lines_outstanding = ledger_.outstanding();
  }
  {
    std::lock_guard lock(wmu_);
    s.pending_spans = pending_spans_;
  }
  {
    std::lock_guard lock(amu_);
    s.assembler = assembler_->stats();
  }
  return s;
}

}  // namespace weft::ingest
