// Trace log-line exporter: formats spans as LOGFORMAT.md lines (log/line_format.h) into a
// preallocated buffer and appends the buffer to the file with one write() of whole lines.
//
// Contract (LOGFORMAT.md, "Writing such logs at high rate"):
//  * The buffer (buffer_bytes) is allocated once. A span's lines are appended together; when
//    they do not fit in what is left, the buffer is written first. A span whose lines do not
//    fit even in an empty buffer is appended line by line, and a single line longer than the
//    buffer is dropped (its span counts as failed).
//  * Each write() holds whole lines only and the file is opened O_APPEND, so several writers
//    (threads with their own exporters, or processes) never interleave inside a line.
//  * Lines wait at most ~2 s: a flusher thread writes the buffer 2 s after it stopped being
//    empty, and each Export writes it when its oldest line is that old.
//  * Flush() writes the buffer and fsyncs (fsync_on_flush): the processor's flush on
//    SIGTERM/SIGINT and on shutdown lands here.
//  * A span is counted as exported when the write holding its lines succeeded, as failed
//    when that write failed (the buffer is discarded: retrying could duplicate lines) or a
//    line of it was dropped.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "log/line_format.h"
#include "weft/exporter.h"

namespace weft {
namespace {

using Clock = SteadyClock;
constexpr std::chrono::seconds kMaxLineAge{2};

class LogLineExporter final : public SpanExporter {
 public:
  explicit LogLineExporter(LogLineExporterOptions options)
      : options_(std::move(options)),
        clock_(options_.clock ? options_.clock.get() : &SystemSteadyClock()),
        capacity_(std::max<size_t>(options_.buffer_bytes, 256)),
        buffer_(new char[capacity_]) {
    Open();
    if (fd_ < 0)
      throw std::invalid_argument("weft: cannot open trace log \"" + options_.path +
                                  "\": " + std::strerror(errno));
    flusher_ = std::thread([this] { FlusherLoop(); });
  }

  ~LogLineExporter() override { Shutdown(); }

  ExportResult Export(const ExportBatch& batch) override {
    std::unique_lock lock(mu_);
    if (shutdown_) {
      failed_ += batch.spans.size();
      return ExportResult::kFailure;
    }
    const uint64_t failed_before = failed_;
    formatter_.SetResource(batch.resource);
    for (const SpanRecord* r : batch.spans) {
      lines_.clear();
      formatter_.Format(*r, &lines_);
      if (Append(lines_))
        ++pending_spans_;
      else
        ++failed_;
    }
    if (used_ > 0 && clock_->Now() - oldest_ >= kMaxLineAge) WriteBuffer();
    return failed_ == failed_before ? ExportResult::kSuccess : ExportResult::kFailure;
  }

  bool Flush(std::chrono::milliseconds) override {
    std::lock_guard lock(mu_);
    const bool ok = WriteBuffer();
    if (options_.fsync_on_flush && fd_ >= 0) return ::fsync(fd_) == 0 && ok;
    return ok;
  }

  void Shutdown() override {
    {
      std::lock_guard lock(mu_);
      if (shutdown_) return;
      shutdown_ = true;
    }
    cv_.notify_all();
    if (flusher_.joinable()) flusher_.join();
    std::lock_guard lock(mu_);
    WriteBuffer();
    if (fd_ >= 0) {
      if (options_.fsync_on_flush) ::fsync(fd_);
      ::close(fd_);
      fd_ = -1;
    }
  }

  ExporterStats stats() const override {
    std::lock_guard lock(mu_);
    return {exported_, failed_, 0};
  }

 private:
  void Open() {
    fd_ = ::open(options_.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  }

  // Appends one span's lines; false if a line of it was dropped.
  bool Append(std::string_view lines) {
    if (lines.size() <= capacity_) {
      if (used_ + lines.size() > capacity_) WriteBuffer();
      Put(lines);
      return true;
    }
    // Too big as a block: line by line, dropping lines longer than the whole buffer.
    bool complete = true;
    while (!lines.empty()) {
      const size_t end = lines.find('\n');
      const size_t n = end == std::string_view::npos ? lines.size() : end + 1;
      const std::string_view line = lines.substr(0, n);
      lines.remove_prefix(n);
      if (line.size() > capacity_) {
        complete = false;
        continue;
      }
      if (used_ + line.size() > capacity_) WriteBuffer();
      Put(line);
    }
    return complete;
  }

  void Put(std::string_view s) {
    if (used_ == 0) {
      oldest_ = clock_->Now();
      cv_.notify_one();  // the flusher starts its 2 s clock
    }
    std::memcpy(buffer_.get() + used_, s.data(), s.size());
    used_ += s.size();
  }

  // Writes the buffered lines with one write() (more only after a short write, which regular
  // files do only when the disk is full); empties the buffer either way. Caller holds mu_.
  bool WriteBuffer() {
    if (used_ == 0) return true;
    if (fd_ < 0) Open();  // e.g. the directory appeared later
    bool ok = fd_ >= 0;
    for (size_t off = 0; ok && off < used_;) {
      const ssize_t n = ::write(fd_, buffer_.get() + off, used_ - off);
      if (n > 0)
        off += static_cast<size_t>(n);
      else if (n < 0 && errno == EINTR)
        continue;
      else
        ok = false;
    }
    (ok ? exported_ : failed_) += pending_spans_;
    pending_spans_ = 0;
    used_ = 0;
    return ok;
  }

  void FlusherLoop() {
    std::unique_lock lock(mu_);
    while (!shutdown_) {
      if (used_ == 0) {
        cv_.wait(lock);
        continue;
      }
      const Clock::time_point due = oldest_ + kMaxLineAge;
      if (clock_->Now() >= due)
        WriteBuffer();
      else
        clock_->WaitUntil(cv_, lock, due);
    }
  }

  const LogLineExporterOptions options_;
  const SteadyClock* clock_;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unique_ptr<char[]> buffer_;
  size_t used_ = 0;
  Clock::time_point oldest_;    // when the buffer last became non-empty
  uint64_t pending_spans_ = 0;  // spans whose lines are in the buffer
  uint64_t exported_ = 0, failed_ = 0;
  int fd_ = -1;
  bool shutdown_ = false;
  log::LineFormatter formatter_;
  std::string lines_;  // one span's lines, reused
  std::thread flusher_;
};

}  // namespace

std::unique_ptr<SpanExporter> MakeLogLineExporter(LogLineExporterOptions options) {
  return std::make_unique<LogLineExporter>(std::move(options));
}

}  // namespace weft
