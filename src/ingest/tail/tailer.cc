#include "tail/tailer.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/crc32c.h"

namespace weft::tail {
namespace {

constexpr uint64_t kNanosPerMs = 1'000'000;
// How far back from the end a start "from the end" looks for the start of the last line.
constexpr size_t kEndBackscanBytes = 64 * 1024;
// Rate-limit keys kept before the table is cleared (bounds memory with many bad files).
constexpr size_t kMaxLogKeys = 4096;

std::string dir_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string base_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The longest leading directory of a glob pattern free of wildcards: the directory that
// exists (or will) whatever the pattern matches, worth an inotify watch.
std::string literal_dir(const std::string& pattern) {
  size_t wild = pattern.find_first_of("*?[{\\");
  std::string prefix = wild == std::string::npos ? pattern : pattern.substr(0, wild);
  return dir_of(prefix);
}

std::string errno_text(std::string_view what, const std::string& path, int err) {
  return errno_status(what, path, err).message();
}

// glob(3)'s error callback has no context argument: the scan in progress collects here.
thread_local std::vector<std::pair<std::string, int>>* t_glob_errors = nullptr;
int on_glob_error(const char* path, int err) {
  if (t_glob_errors != nullptr && err != ENOENT && err != ENOTDIR)
    t_glob_errors->emplace_back(path, err);
  return 0;  // go on with the rest
}

// Logs one line per (kind, file) at most once per interval; says how many were held back.
class RateLimitedLog {
 public:
  RateLimitedLog(std::function<void(const std::string&)> sink, Clock& clock, uint64_t interval)
      : sink_(std::move(sink)), clock_(clock), interval_(interval) {}

  void operator()(const std::string& key, const std::string& message) {
    std::lock_guard<std::mutex> lock(mu_);
    const uint64_t now = clock_.monotonic_nanos();
    auto it = last_.find(key);
    uint64_t suppressed = 0;
    if (it != last_.end()) {
      if (now - it->second.at < interval_) {
        ++it->second.suppressed;
        return;
      }
      suppressed = it->second.suppressed;
      it->second = {now, 0};
    } else {
      if (last_.size() >= kMaxLogKeys) last_.clear();
      last_.emplace(key, Entry{now, 0});
    }
    std::string line = "tail: " + message;
    if (suppressed > 0) line += " (" + std::to_string(suppressed) + " more like it not logged)";
    sink_(line);
  }

 private:
  struct Entry {
    uint64_t at;
    uint64_t suppressed;
  };
  std::function<void(const std::string&)> sink_;
  Clock& clock_;
  const uint64_t interval_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> last_;
};

struct FileState {
  FileKey key;
  std::string path;  // the matching path it was last seen at
  int fd = -1;
  uint64_t generation = 0;
  uint64_t read_pos = 0;    // next byte to read
  uint64_t line_start = 0;  // where the line not yet ended by '\n' begins
  std::string partial;      // its first bytes (at most max_line_bytes)
  bool skipping = false;    // started mid-line at the end: drop bytes through the next '\n'
  bool gone = false;        // no glob matches it any more: renamed away or deleted
  bool caught_up = false;   // the last read reached the size fstat reported
  bool read_failed = false;
  uint64_t last_scan = 0;   // scan epoch it was last seen in
  uint64_t idle_since = 0;  // monotonic: last growth, or when it went away
  uint32_t fp_len = 0;
  uint32_t fp_crc = 0;
  std::vector<std::string> watch_dirs;  // its directory, and its target's for a symlink
};

struct Committed {
  uint64_t generation = 0;
  uint64_t offset = 0;
};

}  // namespace

class Tailer::Impl {
 public:
  Impl(TailOptions options, Callback on_line)
      : opt_(std::move(options)),
        cb_(std::move(on_line)),
        clock_(opt_.clock != nullptr ? *opt_.clock : Clock::system()),
        log_(opt_.log, clock_, uint64_t{opt_.log_interval_ms} * kNanosPerMs),
        buf_(std::max<size_t>(opt_.read_buffer_bytes, 1)) {}

  ~Impl() {
    for (auto& f : files_)
      if (f->fd >= 0) ::close(f->fd);
    if (inotify_fd_ >= 0) ::close(inotify_fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  Status load_checkpoint();
  void resume_rotated();
  size_t round(bool rescan, uint64_t budget, bool* more);
  Status write_checkpoint();
  void maybe_checkpoint(bool at_stop);
  void commit(const TailPosition& pos);
  Status start();
  void stop();

  TailCounters counters_;
  std::atomic<bool> running_{false};
  std::atomic<bool> inotify_active_{false};

 private:
  uint64_t now() const { return clock_.monotonic_nanos(); }
  void scan();
  void consider(const std::string& path);
  void open_file(const std::string& path);
  uint64_t start_offset(FileState& f, uint64_t size);
  uint64_t start_at_end(FileState& f, uint64_t size);
  bool fingerprint_matches(int fd, const CheckpointEntry& e);
  void refresh_fingerprint(FileState& f);
  void seen(FileState& f, const std::string& path);
  bool excluded(const std::string& path) const;
  bool read_file(FileState& f, uint64_t budget);
  void consume(FileState& f, const char* data, size_t n);
  void append_partial(FileState& f, const char* p, size_t n);
  void deliver(FileState& f, std::string_view bytes, uint64_t start, uint64_t end, uint64_t length,
               bool unterminated);
  void flush_partial(FileState& f);
  void truncated(FileState& f, uint64_t size);
  void close_finished();
  void set_committed(const FileKey& key, uint64_t generation, uint64_t offset);
  void watch_dir(const std::string& dir);
  void run();
  int timeout_ms(uint64_t next_rescan) const;
  void wait(int timeout_ms, bool* rescan);
  void drain_inotify(bool* rescan);

  TailOptions opt_;
  Callback cb_;
  Clock& clock_;
  RateLimitedLog log_;
  std::vector<char> buf_;

  // The checkpoint read at open: entries not yet matched to a file, by key.
  bool have_checkpoint_ = false;
  std::vector<std::string> checkpoint_globs_;
  std::unordered_map<FileKey, CheckpointEntry, FileKeyHash> resume_;

  // Followed files, in the order they were first seen (older before newer: a rotated
  // file is read before the file that replaced it).
  std::vector<std::unique_ptr<FileState>> files_;
  std::unordered_map<FileKey, FileState*, FileKeyHash> by_key_;
  uint64_t scan_epoch_ = 0;
  bool first_scan_done_ = false;
  uint64_t next_generation_ = 1;
  size_t delivered_ = 0;

  std::mutex commit_mu_;
  std::unordered_map<FileKey, Committed, FileKeyHash> committed_;
  std::atomic<bool> dirty_{false};
  bool checkpoint_written_ = false;
  uint64_t last_checkpoint_ = 0;

  std::thread thread_;
  std::atomic<bool> stop_{false};
  int inotify_fd_ = -1;
  int wake_fd_ = -1;
  std::unordered_map<std::string, int> wd_by_dir_;
  std::unordered_map<int, std::string> dir_by_wd_;
  bool watch_failed_ = false;
};

// ---- checkpoint ------------------------------------------------------------------------

Status Tailer::Impl::load_checkpoint() {
  if (opt_.checkpoint_path.empty()) return Status::ok();
  const std::string dir = dir_of(opt_.checkpoint_path);
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return errno_status("tail checkpoint directory", dir, errno);
  if (!S_ISDIR(st.st_mode))
    return invalid_argument("tail checkpoint directory " + dir + " is not a directory");
  Result<std::optional<Checkpoint>> r = read_checkpoint_file(opt_.checkpoint_path);
  if (!r.is_ok()) {
    if (r.status().code() != ResultCode::kDataLoss) return r.status();
    log_("checkpoint", r.status().message() + ": ignored; files start from the " +
                           (opt_.from == From::kEnd ? "end" : "beginning") +
                           " as on a first start (some lines may be lost or read twice)");
    return Status::ok();
  }
  if (!r->has_value()) return Status::ok();
  Checkpoint& c = **r;
  have_checkpoint_ = true;
  checkpoint_globs_ = std::move(c.globs);
  for (CheckpointEntry& e : c.files) resume_[e.file] = std::move(e);
  return Status::ok();
}

void Tailer::Impl::refresh_fingerprint(FileState& f) {
  if (f.fp_len >= kFingerprintBytes) return;
  char head[kFingerprintBytes];
  ssize_t n = ::pread(f.fd, head, sizeof head, 0);
  if (n <= static_cast<ssize_t>(f.fp_len)) return;
  f.fp_len = static_cast<uint32_t>(n);
  f.fp_crc = crc32c::value(std::string_view(head, static_cast<size_t>(n)));
}

bool Tailer::Impl::fingerprint_matches(int fd, const CheckpointEntry& e) {
  if (e.fingerprint_len == 0) return true;
  char head[kFingerprintBytes];
  ssize_t n = ::pread(fd, head, e.fingerprint_len, 0);
  return n == static_cast<ssize_t>(e.fingerprint_len) &&
         crc32c::value(std::string_view(head, e.fingerprint_len)) == e.fingerprint_crc;
}

Status Tailer::Impl::write_checkpoint() {
  if (opt_.checkpoint_path.empty()) return Status::ok();
  // Before the first scan there is nothing to say, and an empty checkpoint would erase
  // the one read at open.
  if (!first_scan_done_) return Status::ok();
  Checkpoint c;
  c.written_unix_nanos = clock_.now_unix_nanos();
  c.globs = opt_.globs;
  dirty_.store(false, std::memory_order_relaxed);
  std::unordered_map<FileKey, Committed, FileKeyHash> committed;
  {
    std::lock_guard<std::mutex> lock(commit_mu_);
    committed = committed_;
  }
  c.files.reserve(files_.size() + resume_.size());
  for (auto& f : files_) {
    refresh_fingerprint(*f);
    auto it = committed.find(f->key);
    CheckpointEntry e;
    e.file = f->key;
    e.offset = it != committed.end() ? it->second.offset : f->line_start;
    e.fingerprint_len = f->fp_len;
    e.fingerprint_crc = f->fp_crc;
    e.path = f->path;
    c.files.push_back(std::move(e));
  }
  // Entries of the old checkpoint not found again are kept while their directory is
  // missing (an unmounted volume, a directory created later); otherwise the file was
  // deleted or renamed out of the globs and there is nothing to resume.
  for (auto it = resume_.begin(); it != resume_.end();) {
    struct stat st;
    if (::stat(dir_of(it->second.path).c_str(), &st) != 0 && errno == ENOENT) {
      c.files.push_back(it->second);
      ++it;
    } else {
      it = resume_.erase(it);
    }
  }
  Status s = write_checkpoint_file(opt_.checkpoint_path, c);
  last_checkpoint_ = now();
  if (!s.is_ok()) {
    dirty_.store(true, std::memory_order_relaxed);
    counters_.checkpoint_errors.fetch_add(1, std::memory_order_relaxed);
    log_("checkpoint-write", "cannot write the checkpoint (will retry): " + s.message());
    return s;
  }
  checkpoint_written_ = true;
  counters_.checkpoint_writes.fetch_add(1, std::memory_order_relaxed);
  return s;
}

void Tailer::Impl::maybe_checkpoint(bool at_stop) {
  if (opt_.checkpoint_path.empty() || !first_scan_done_) return;
  // The first write comes right after the first scan (see round()).
  const bool due =
      at_stop || !checkpoint_written_ ||
      (dirty_.load(std::memory_order_relaxed) &&
       now() - last_checkpoint_ >= uint64_t{opt_.checkpoint_interval_ms} * kNanosPerMs);
  if (due) (void)write_checkpoint();
}

void Tailer::Impl::set_committed(const FileKey& key, uint64_t generation, uint64_t offset) {
  std::lock_guard<std::mutex> lock(commit_mu_);
  committed_[key] = Committed{generation, offset};
  dirty_.store(true, std::memory_order_relaxed);
}

void Tailer::Impl::commit(const TailPosition& pos) {
  std::lock_guard<std::mutex> lock(commit_mu_);
  auto it = committed_.find(pos.file);
  if (it == committed_.end() || it->second.generation != pos.generation ||
      pos.offset <= it->second.offset)
    return;
  it->second.offset = pos.offset;
  dirty_.store(true, std::memory_order_relaxed);
}

// ---- scanning --------------------------------------------------------------------------

bool Tailer::Impl::excluded(const std::string& path) const {
  if (!opt_.checkpoint_path.empty() &&
      (path == opt_.checkpoint_path || path == opt_.checkpoint_path + ".tmp"))
    return true;
  for (const std::string& pattern : opt_.exclude) {
    const bool whole = pattern.find('/') != std::string::npos;
    const std::string subject = whole ? path : base_of(path);
    if (::fnmatch(pattern.c_str(), subject.c_str(), whole ? FNM_PATHNAME : 0) == 0) return true;
  }
  return false;
}

void Tailer::Impl::scan() {
  counters_.scans.fetch_add(1, std::memory_order_relaxed);
  ++scan_epoch_;
  std::vector<std::pair<std::string, int>> glob_errors;
  t_glob_errors = &glob_errors;
  for (const std::string& pattern : opt_.globs) {
    watch_dir(literal_dir(pattern));
    glob_t g{};
    int rc = ::glob(pattern.c_str(), GLOB_BRACE, on_glob_error, &g);
    if (rc == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) consider(g.gl_pathv[i]);
    } else if (rc != GLOB_NOMATCH) {
      counters_.read_errors.fetch_add(1, std::memory_order_relaxed);
      log_("glob:" + pattern,
           "cannot expand " + pattern + " (glob error " + std::to_string(rc) + ")");
    }
    ::globfree(&g);
  }
  t_glob_errors = nullptr;
  for (const auto& [path, err] : glob_errors) {
    counters_.read_errors.fetch_add(1, std::memory_order_relaxed);
    log_("glob:" + path, errno_text("listing", path, err));
  }

  const uint64_t t = now();
  for (auto& fp : files_) {
    FileState& f = *fp;
    for (const std::string& d : f.watch_dirs) watch_dir(d);
    if (f.last_scan == scan_epoch_ || f.gone) continue;
    // Not listed: make sure (a glob that failed to list a directory is no rotation).
    struct stat st;
    if (::stat(f.path.c_str(), &st) == 0 && FileKey{st.st_dev, st.st_ino} == f.key) {
      f.last_scan = scan_epoch_;
      continue;
    }
    f.gone = true;
    f.idle_since = t;
    if (::fstat(f.fd, &st) == 0 && st.st_nlink == 0)
      counters_.files_deleted.fetch_add(1, std::memory_order_relaxed);
    else
      counters_.files_rotated.fetch_add(1, std::memory_order_relaxed);
  }

  if (!first_scan_done_) {
    resume_rotated();
    first_scan_done_ = true;
    if (files_.empty()) {
      std::string globs;
      for (const std::string& g : opt_.globs) globs += (globs.empty() ? "" : " ") + g;
      log_("no-match", "no file matches " + globs + " yet; waiting for one");
    }
  }
}

// A file the checkpoint follows that no glob matches any more was rotated by rename (app.log
// -> app.log.1) while weft was down, maybe with lines not yet committed. It is looked up by
// identity in the directory it was last seen in and read from its checkpoint offset to its
// end, like a file rotated while running; otherwise those lines would be lost.
void Tailer::Impl::resume_rotated() {
  std::unordered_map<std::string, int> dirs;
  for (const auto& [key, e] : resume_) dirs[dir_of(e.path)] = 0;
  for (const auto& [dir, unused] : dirs) {
    DIR* d = ::opendir(dir.c_str());
    if (!d) continue;
    while (const dirent* ent = ::readdir(d)) {
      const std::string path = (dir == "/" ? "" : dir) + "/" + ent->d_name;
      struct stat st;
      if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || excluded(path)) continue;
      const FileKey key{st.st_dev, st.st_ino};
      auto it = resume_.find(key);
      if (it == resume_.end() || by_key_.count(key)) continue;
      const CheckpointEntry& e = it->second;
      if (static_cast<uint64_t>(st.st_size) <= e.offset) continue;  // nothing left to read
      int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      const bool ours = fd >= 0 && fingerprint_matches(fd, e);
      if (fd >= 0) ::close(fd);
      if (!ours) continue;
      const std::string was = e.path;
      open_file(path);
      auto f = by_key_.find(key);
      if (f == by_key_.end()) continue;
      f->second->gone = true;  // drained to its end, then closed
      f->second->idle_since = now();
      counters_.files_rotated.fetch_add(1, std::memory_order_relaxed);
      log_("resume:" + path, was + " was rotated to " + path +
                                 " while weft was down: reading its last " +
                                 std::to_string(st.st_size - f->second->read_pos) + " bytes");
    }
    ::closedir(d);
  }
}

void Tailer::Impl::consider(const std::string& path) {
  if (excluded(path)) return;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      counters_.open_errors.fetch_add(1, std::memory_order_relaxed);
      log_("stat:" + path, errno_text("stat", path, errno));
    }
    return;
  }
  if (!S_ISREG(st.st_mode)) return;
  auto it = by_key_.find(FileKey{st.st_dev, st.st_ino});
  if (it != by_key_.end()) {
    seen(*it->second, path);
    return;
  }
  open_file(path);
}

void Tailer::Impl::seen(FileState& f, const std::string& path) {
  if (f.last_scan == scan_epoch_) return;  // a second name of the same file
  f.last_scan = scan_epoch_;
  const bool was_gone = f.gone;
  f.gone = false;
  if (f.path != path) {
    if (!was_gone) counters_.files_rotated.fetch_add(1, std::memory_order_relaxed);
    f.path = path;
    std::string d = dir_of(path);
    if (std::find(f.watch_dirs.begin(), f.watch_dirs.end(), d) == f.watch_dirs.end())
      f.watch_dirs.push_back(std::move(d));
    dirty_.store(true, std::memory_order_relaxed);
  }
}

void Tailer::Impl::open_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno != ENOENT) {
      counters_.open_errors.fetch_add(1, std::memory_order_relaxed);
      log_("open:" + path, errno_text("opening", path, errno) + " (will retry)");
    }
    return;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return;
  }
  const FileKey key{st.st_dev, st.st_ino};
  if (auto it = by_key_.find(key); it != by_key_.end()) {  // replaced between stat and open
    ::close(fd);
    seen(*it->second, path);
    return;
  }
  auto f = std::make_unique<FileState>();
  f->key = key;
  f->path = path;
  f->fd = fd;
  f->generation = next_generation_++;
  f->last_scan = scan_epoch_;
  f->idle_since = now();
  f->watch_dirs.push_back(dir_of(path));
  if (char* real = ::realpath(path.c_str(), nullptr)) {
    std::string d = dir_of(real);
    if (d != f->watch_dirs[0]) f->watch_dirs.push_back(d);
    std::free(real);
  }
  const uint64_t start = start_offset(*f, static_cast<uint64_t>(st.st_size));
  f->read_pos = f->line_start = start;
  set_committed(key, f->generation, start);
  counters_.files_opened.fetch_add(1, std::memory_order_relaxed);
  for (const std::string& d : f->watch_dirs) watch_dir(d);
  by_key_[key] = f.get();
  files_.push_back(std::move(f));
}

uint64_t Tailer::Impl::start_offset(FileState& f, uint64_t size) {
  if (auto it = resume_.find(f.key); it != resume_.end()) {
    CheckpointEntry e = std::move(it->second);
    resume_.erase(it);
    if (size < e.offset) {
      counters_.files_truncated.fetch_add(1, std::memory_order_relaxed);
      log_("resume:" + f.path, f.path + " is shorter (" + std::to_string(size) +
                                   " bytes) than its checkpoint offset " +
                                   std::to_string(e.offset) + ": reading it from the start");
      return 0;
    }
    if (!fingerprint_matches(f.fd, e)) {
      log_("resume:" + f.path, f.path + " has the identity of " + e.path +
                                   " in the checkpoint but not its first bytes (a new file): "
                                   "reading it from the start");
      return 0;
    }
    f.fp_len = e.fingerprint_len;
    f.fp_crc = e.fingerprint_crc;
    return e.offset;
  }
  if (first_scan_done_) return 0;  // appeared while running
  // Unknown to a checkpoint whose globs match it: it appeared while weft was not running.
  if (have_checkpoint_) {
    for (const std::string& g : checkpoint_globs_)
      if (::fnmatch(g.c_str(), f.path.c_str(), FNM_PATHNAME | FNM_PERIOD) == 0) return 0;
  }
  return opt_.from == From::kBeginning ? 0 : start_at_end(f, size);
}

// The start of the last, unfinished line if there is one (so it is delivered whole once
// its newline comes), the end otherwise.
uint64_t Tailer::Impl::start_at_end(FileState& f, uint64_t size) {
  if (size == 0) return 0;
  const size_t window = static_cast<size_t>(std::min<uint64_t>(size, kEndBackscanBytes));
  std::string tail(window, '\0');
  ssize_t n = ::pread(f.fd, tail.data(), window, static_cast<off_t>(size - window));
  if (n == static_cast<ssize_t>(window)) {
    const void* nl = ::memrchr(tail.data(), '\n', window);
    if (nl != nullptr)
      return size - window + static_cast<size_t>(static_cast<const char*>(nl) - tail.data()) + 1;
    if (window == size) return 0;  // the whole file is one unfinished line
  }
  f.skipping = true;  // an unfinished line longer than the window: skip to its end
  return size;
}

// ---- reading ---------------------------------------------------------------------------

bool Tailer::Impl::read_file(FileState& f, uint64_t budget) {
  struct stat st;
  if (::fstat(f.fd, &st) != 0) {
    counters_.read_errors.fetch_add(1, std::memory_order_relaxed);
    log_("read:" + f.path, errno_text("stat", f.path, errno));
    f.read_failed = true;
    return false;
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < f.read_pos) truncated(f, size);
  uint64_t read = 0;
  bool more = false;
  f.read_failed = false;
  while (f.read_pos < size) {
    if (read >= budget) {
      more = true;
      break;
    }
    ssize_t n = ::pread(f.fd, buf_.data(), buf_.size(), static_cast<off_t>(f.read_pos));
    if (n < 0) {
      if (errno == EINTR) continue;
      counters_.read_errors.fetch_add(1, std::memory_order_relaxed);
      log_("read:" + f.path, errno_text("reading", f.path, errno));
      f.read_failed = true;
      break;
    }
    if (n == 0) break;  // shrank meanwhile: the next round sees it
    consume(f, buf_.data(), static_cast<size_t>(n));
    read += static_cast<uint64_t>(n);
  }
  if (read > 0) f.idle_since = now();
  f.caught_up = f.read_pos >= size;
  return more;
}

void Tailer::Impl::consume(FileState& f, const char* data, size_t n) {
  const char* p = data;
  const char* const end = data + n;
  uint64_t pos = f.read_pos;  // file offset of *p
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (nl == nullptr) {
      if (!f.skipping) append_partial(f, p, static_cast<size_t>(end - p));
      pos += static_cast<uint64_t>(end - p);
      break;
    }
    const size_t seg = static_cast<size_t>(nl - p);
    const uint64_t line_end = pos + seg + 1;
    if (f.skipping) {
      // The skipped bytes are never delivered: nothing of them is left to store.
      f.skipping = false;
      commit(TailPosition{f.key, f.generation, line_end});
    } else if (f.line_start == pos && seg <= opt_.max_line_bytes) {
      deliver(f, std::string_view(p, seg), pos, line_end, seg, false);  // straight from the buffer
    } else {
      append_partial(f, p, seg);
      deliver(f, f.partial, f.line_start, line_end, line_end - 1 - f.line_start, false);
      f.partial.clear();
    }
    f.line_start = line_end;
    pos = line_end;
    p = nl + 1;
  }
  f.read_pos = pos;
}

void Tailer::Impl::append_partial(FileState& f, const char* p, size_t n) {
  const size_t room = opt_.max_line_bytes - std::min(opt_.max_line_bytes, f.partial.size());
  f.partial.append(p, std::min(n, room));
}

void Tailer::Impl::deliver(FileState& f, std::string_view bytes, uint64_t start, uint64_t end,
                           uint64_t length, bool unterminated) {
  TailLine line;
  line.bytes = bytes;
  line.path = f.path;
  line.file = f.key;
  line.generation = f.generation;
  line.offset = start;
  line.end_offset = end;
  line.length = length;
  line.truncated = length > bytes.size();
  line.unterminated = unterminated;
  ++delivered_;
  counters_.lines.fetch_add(1, std::memory_order_relaxed);
  counters_.bytes.fetch_add(end - start, std::memory_order_relaxed);
  if (line.truncated) {
    counters_.truncated_lines.fetch_add(1, std::memory_order_relaxed);
    log_("long:" + f.path, "a line of " + std::to_string(length) + " bytes at offset " +
                               std::to_string(start) + " of " + f.path + " was cut to " +
                               std::to_string(bytes.size()) + " bytes (max_line_bytes)");
  }
  if (unterminated) counters_.unterminated_lines.fetch_add(1, std::memory_order_relaxed);
  cb_(line);
}

// Delivers what is left of a line that will never get its newline.
void Tailer::Impl::flush_partial(FileState& f) {
  if (!f.skipping && f.read_pos > f.line_start) {
    deliver(f, f.partial, f.line_start, f.read_pos, f.read_pos - f.line_start, true);
  }
  f.partial.clear();
  f.skipping = false;
  f.line_start = f.read_pos;
}

void Tailer::Impl::truncated(FileState& f, uint64_t size) {
  flush_partial(f);
  counters_.files_truncated.fetch_add(1, std::memory_order_relaxed);
  log_("truncated:" + f.path, f.path + " shrank from " + std::to_string(f.read_pos) + " to " +
                                  std::to_string(size) +
                                  " bytes (copy-truncate?): reading it again from the start");
  f.generation = next_generation_++;
  f.read_pos = f.line_start = 0;
  f.fp_len = f.fp_crc = 0;
  set_committed(f.key, f.generation, 0);
}

void Tailer::Impl::close_finished() {
  const uint64_t t = now();
  const uint64_t wait = uint64_t{opt_.rotate_wait_ms} * kNanosPerMs;
  for (size_t i = 0; i < files_.size();) {
    FileState& f = *files_[i];
    if (!f.gone || !(f.caught_up || f.read_failed) || t - f.idle_since < wait) {
      ++i;
      continue;
    }
    flush_partial(f);
    ::close(f.fd);
    {
      std::lock_guard<std::mutex> lock(commit_mu_);
      committed_.erase(f.key);
    }
    dirty_.store(true, std::memory_order_relaxed);
    counters_.files_closed.fetch_add(1, std::memory_order_relaxed);
    by_key_.erase(f.key);
    files_.erase(files_.begin() + static_cast<ptrdiff_t>(i));
  }
}

size_t Tailer::Impl::round(bool rescan, uint64_t budget, bool* more) {
  const size_t before = delivered_;
  if (rescan || !first_scan_done_) scan();
  // The first checkpoint goes out before the first line: the offsets files start at
  // ("from the end") must be durable before anything after them is delivered.
  if (!checkpoint_written_) maybe_checkpoint(false);
  for (size_t i = 0; i < files_.size(); ++i)
    if (read_file(*files_[i], budget)) *more = true;
  close_finished();
  maybe_checkpoint(false);
  return delivered_ - before;
}

// ---- the thread ------------------------------------------------------------------------

void Tailer::Impl::watch_dir(const std::string& dir) {
  if (inotify_fd_ < 0 || wd_by_dir_.count(dir) != 0) return;
  constexpr uint32_t kMask = IN_MODIFY | IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE |
                             IN_DELETE_SELF | IN_MOVE_SELF | IN_ATTRIB;
  int wd = ::inotify_add_watch(inotify_fd_, dir.c_str(), kMask);
  if (wd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return;  // not there yet: the next scan retries
    watch_failed_ = true;                             // e.g. ENOSPC, the watch limit: poll as well
    log_("watch:" + dir, errno_text("watching", dir, errno) + ": polling it instead");
    return;
  }
  wd_by_dir_[dir] = wd;
  dir_by_wd_[wd] = dir;
}

void Tailer::Impl::drain_inotify(bool* rescan) {
  alignas(inotify_event) char buf[16384];
  for (;;) {
    ssize_t n = ::read(inotify_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    for (char* p = buf; p < buf + n;) {
      const auto* ev = reinterpret_cast<const struct inotify_event*>(p);
      p += sizeof(struct inotify_event) + ev->len;
      if (ev->mask & (IN_Q_OVERFLOW | IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE |
                      IN_DELETE_SELF | IN_MOVE_SELF | IN_ATTRIB))
        *rescan = true;
      if (ev->mask & (IN_IGNORED | IN_MOVE_SELF)) {
        // The directory went away or moved: forget the watch, the next scan sets one on
        // whatever is at that path by then.
        auto it = dir_by_wd_.find(ev->wd);
        if (it != dir_by_wd_.end()) {
          if (ev->mask & IN_MOVE_SELF) ::inotify_rm_watch(inotify_fd_, ev->wd);
          wd_by_dir_.erase(it->second);
          dir_by_wd_.erase(it);
        }
      }
    }
  }
}

int Tailer::Impl::timeout_ms(uint64_t next_rescan) const {
  const uint64_t t = now();
  uint64_t until = next_rescan;
  if (inotify_fd_ < 0 || watch_failed_)
    until = std::min(until, t + uint64_t{opt_.poll_interval_ms} * kNanosPerMs);
  const uint64_t wait = uint64_t{opt_.rotate_wait_ms} * kNanosPerMs;
  for (const auto& f : files_)
    if (f->gone) until = std::min(until, f->idle_since + wait);
  if (!opt_.checkpoint_path.empty() && dirty_.load(std::memory_order_relaxed))
    until = std::min(until, last_checkpoint_ + uint64_t{opt_.checkpoint_interval_ms} * kNanosPerMs);
  if (until <= t) return 0;
  return static_cast<int>(std::min<uint64_t>((until - t + kNanosPerMs - 1) / kNanosPerMs, 60'000));
}

void Tailer::Impl::wait(int timeout, bool* rescan) {
  struct pollfd fds[2];
  nfds_t n = 0;
  fds[n++] = {wake_fd_, POLLIN, 0};
  if (inotify_fd_ >= 0) fds[n++] = {inotify_fd_, POLLIN, 0};
  int rc = ::poll(fds, n, timeout);
  if (rc <= 0) return;
  if (fds[0].revents & POLLIN) {
    uint64_t v;
    (void)!::read(wake_fd_, &v, sizeof v);
  }
  if (n > 1 && (fds[1].revents & POLLIN)) drain_inotify(rescan);
}

void Tailer::Impl::run() {
  uint64_t next_rescan = 0;
  bool rescan = true;
  while (!stop_.load()) {
    const uint64_t t = now();
    if (rescan || t >= next_rescan) {
      rescan = true;
      next_rescan = t + uint64_t{opt_.rescan_interval_ms} * kNanosPerMs;
    }
    bool more = false;
    round(rescan, opt_.max_bytes_per_pass, &more);
    rescan = false;
    if (stop_.load()) break;
    wait(more ? 0 : timeout_ms(next_rescan), &rescan);
  }
}

Status Tailer::Impl::start() {
  if (running_.load()) return invalid_argument("tail: already running");
  if (wake_fd_ < 0) {
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) return errno_status("creating an eventfd", "tail", errno);
  }
  if (!opt_.force_polling && inotify_fd_ < 0) {
    inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_fd_ < 0)
      log_("inotify", errno_text("inotify_init1", "tail", errno) + ": polling instead");
  }
  inotify_active_.store(inotify_fd_ >= 0);
  stop_.store(false);
  running_.store(true);
  thread_ = std::thread([this] { run(); });
  return Status::ok();
}

void Tailer::Impl::stop() {
  if (running_.load()) {
    stop_.store(true);
    uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
    thread_.join();
    running_.store(false);
    inotify_active_.store(false);
  }
  maybe_checkpoint(true);
}

// ---- Tailer ----------------------------------------------------------------------------

Result<std::unique_ptr<Tailer>> Tailer::open(TailOptions options, Callback on_line) {
  if (options.globs.empty()) return invalid_argument("tail: no glob to follow");
  for (const std::string& g : options.globs)
    if (g.empty()) return invalid_argument("tail: empty glob");
  if (options.max_line_bytes == 0) return invalid_argument("tail: max_line_bytes must be > 0");
  if (options.max_bytes_per_pass == 0)
    return invalid_argument("tail: max_bytes_per_pass must be > 0");
  if (!on_line) return invalid_argument("tail: no line callback");
  if (!options.log)
    options.log = [](const std::string& line) { std::fprintf(stderr, "weft: %s\n", line.c_str()); };
  auto impl = std::make_unique<Impl>(std::move(options), std::move(on_line));
  WEFT_RETURN_IF_ERROR(impl->load_checkpoint());
  return std::unique_ptr<Tailer>(new Tailer(std::move(impl)));
}

Tailer::Tailer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tailer::~Tailer() { stop(); }

size_t Tailer::poll_once() {
  if (impl_->running_.load()) return 0;
  bool more = false;
  return impl_->round(true, UINT64_MAX, &more);
}

Status Tailer::start() { return impl_->start(); }
void Tailer::stop() { impl_->stop(); }
void Tailer::commit(const TailPosition& pos) { impl_->commit(pos); }
Status Tailer::write_checkpoint() { return impl_->write_checkpoint(); }
const TailCounters& Tailer::counters() const { return impl_->counters_; }
bool Tailer::inotify_active() const { return impl_->inotify_active_.load(); }

}  // namespace weft::tail
