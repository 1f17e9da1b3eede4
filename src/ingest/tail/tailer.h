#pragma once
// Tailer: follows the log files matching one or more globs and hands every line to a
// callback, through rotation by rename and by copy-truncate, new and deleted files, with
// the consumer's committed offsets checkpointed durably so that a restart (or kill -9)
// resumes where the stored lines end. The contracts are in src/ingest/tail/README.md, the
// checkpoint file in docs/format/tail-checkpoint.md.
//
// Two ways to drive it: start()/stop() run it on a thread of its own (inotify on the
// globs' directories where it works, polling otherwise, and a rescan every
// rescan_interval anyway); poll_once() does one round synchronously (tests, or a caller
// with a loop of its own). Not both at once.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "tail/checkpoint.h"

namespace weft::tail {

// Where a consumer stands in one incarnation of a file. `generation` changes whenever the
// tailer opens a file or finds it truncated; a commit for another generation is stale and
// ignored, so a late commit cannot point past the start of a truncated file.
struct TailPosition {
  FileKey file;
  uint64_t generation = 0;
  uint64_t offset = 0;
};

// One line, as handed to the callback. Every view is valid during the call only.
struct TailLine {
  std::string_view bytes;  // the line without its '\n' ('\r', NULs, invalid UTF-8 kept)
  std::string_view path;   // the matching path the file was last seen at
  FileKey file;
  uint64_t generation = 0;
  uint64_t offset = 0;      // where the line starts in the file
  uint64_t end_offset = 0;  // just past its '\n' (past its last byte if `unterminated`)
  uint64_t length = 0;      // the line's full length without '\n'; > bytes.size() if truncated
  // Longer than max_line_bytes: `bytes` holds its first max_line_bytes bytes, the rest of
  // the line was skipped (and counted in TailCounters::truncated_lines).
  bool truncated = false;
  // The file ended without a newline and will not grow any more (rotated away or deleted
  // and rotate_wait passed, or truncated under the line): the last bytes, delivered anyway.
  bool unterminated = false;

  TailPosition position() const { return {file, generation, end_offset}; }
};

// Where to start in a file seen for the first time when the tailer starts without a
// checkpoint entry for it. Files that appear later while running are read from the
// beginning, whatever this says.
enum class From { kEnd, kBeginning };

struct TailOptions {
  // glob(3) patterns (GLOB_BRACE too): "/var/log/app/*.log", "/srv/*/logs/{a,b}.log".
  // Only regular files are followed; symlinks are followed to their target.
  std::vector<std::string> globs;
  // fnmatch(3) patterns of paths never to follow: matched against the whole path if the
  // pattern holds a '/', against the file name otherwise ("*.gz").
  std::vector<std::string> exclude;
  From from = From::kEnd;
  // A longer line is delivered cut to this many bytes with TailLine::truncated set.
  size_t max_line_bytes = size_t{1} << 20;
  // Where committed offsets are persisted; empty: nowhere (every start is a first start).
  // Its directory must exist.
  std::string checkpoint_path;
  // A checkpoint is written at most this often (if anything changed), and at stop().
  uint32_t checkpoint_interval_ms = 1000;
  // A file that left the globs (renamed to a name no glob matches, or deleted) is still
  // read until it has not grown for this long; then its unterminated last line, if any,
  // is delivered and it is closed.
  uint32_t rotate_wait_ms = 5000;
  // Thread mode: never use inotify.
  bool force_polling = false;
  // Thread mode, polling: how often files are checked for new data.
  uint32_t poll_interval_ms = 250;
  // Thread mode: how often the globs are expanded again and every file checked, with
  // inotify too (for what inotify does not see: NFS, a directory created later, ...).
  uint32_t rescan_interval_ms = 1000;
  // Bytes read per read(2).
  size_t read_buffer_bytes = 64 * 1024;
  // Thread mode: bytes read from one file before the others get their turn.
  uint64_t max_bytes_per_pass = 8u << 20;
  // Receives warnings and errors (rate-limited per kind and file); default: stderr,
  // "weft: tail: " prefixed.
  std::function<void(const std::string&)> log;
  // The same kind of message about the same file is logged at most this often.
  uint32_t log_interval_ms = 10'000;
  // Time for rotate_wait, intervals and log rate limits; default Clock::system().
  Clock* clock = nullptr;
};

// Plain counters, updated by the tailer, read by anyone (relaxed atomics).
struct TailCounters {
  std::atomic<uint64_t> lines{0};  // lines delivered, all kinds
  std::atomic<uint64_t> bytes{0};  // bytes of delivered lines, '\n' and cut parts included
  std::atomic<uint64_t> truncated_lines{0};     // over max_line_bytes, delivered cut
  std::atomic<uint64_t> unterminated_lines{0};  // last lines without '\n', delivered anyway
  std::atomic<uint64_t> files_opened{0};
  std::atomic<uint64_t> files_closed{0};
  std::atomic<uint64_t> files_rotated{0};    // renamed (to a matching name or away)
  std::atomic<uint64_t> files_truncated{0};  // shrank below the read offset: read again from 0
  std::atomic<uint64_t> files_deleted{0};
  std::atomic<uint64_t> open_errors{0};  // a matching path that could not be opened
  std::atomic<uint64_t> read_errors{0};  // read/fstat failures, glob errors
  std::atomic<uint64_t> checkpoint_writes{0};
  std::atomic<uint64_t> checkpoint_errors{0};
  std::atomic<uint64_t> scans{0};  // glob expansions
};

class Tailer {
 public:
  // Called on the tailer's thread (or in poll_once()) for each line, in file order per
  // file. If it blocks, tailing waits: that is the backpressure. It may call commit(); it
  // must not call poll_once(), start(), stop() or write_checkpoint().
  using Callback = std::function<void(const TailLine&)>;

  // Checks the options and reads the checkpoint. A damaged checkpoint is logged and
  // ignored (files start per `from`); an unreadable one is an error, as is a checkpoint
  // directory that does not exist. No file is opened before the first poll.
  static Result<std::unique_ptr<Tailer>> open(TailOptions options, Callback on_line);
  ~Tailer();  // stop()
  Tailer(const Tailer&) = delete;
  Tailer& operator=(const Tailer&) = delete;

  // One synchronous round: expand the globs, notice new, renamed, deleted and truncated
  // files, read every file to the size it had when it was checked, deliver the lines,
  // close files that left the globs once rotate_wait has passed, and write the checkpoint
  // if it is due. Returns the number of lines delivered. Not while the thread runs.
  size_t poll_once();

  // Runs the tailer on a thread of its own until stop(). Error if already running.
  Status start();
  // Stops the thread (waiting for a callback in progress) and writes the checkpoint.
  // Lines not yet ended by a newline are not delivered: they are read again next time.
  // Idempotent; also fine when start() was never called.
  void stop();

  // The consumer has stored every line up to `pos.offset` (a TailLine::end_offset) of that
  // file: the next checkpoint persists it. Monotonic: a lower offset, a stale generation
  // or a file no longer followed is ignored. Thread-safe, cheap (a mutex and a map).
  void commit(const TailPosition& pos);
  void commit(const TailLine& line) { commit(line.position()); }

  // Writes the checkpoint now. From the thread that calls poll_once(), or when the thread
  // is not running.
  Status write_checkpoint();

  const TailCounters& counters() const;
  // Whether the thread waits on inotify (false: polling, forced or because it failed).
  bool inotify_active() const;

  class Impl;

 private:
  explicit Tailer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace weft::tail
