#pragma once
// The strategies file given to `weft serve --sampling-strategies`, reloaded when it
// changes. A change is noticed by polling the file's (mtime, size, inode) on request, at
// most once per `check_interval`; no thread is involved. A file that cannot be read or
// parsed keeps the last good strategies; the error is logged once per version of the file
// and counted in weft_sampling_reload_errors_total. Good reloads are counted in
// weft_sampling_reloads_total.
//
// Replace the file atomically (write a temp file, rename it over) so a reader never sees
// it half-written; a half-written file is only an error that the next version repairs.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "api/sampling_strategies.h"
#include "common/status.h"

namespace weft::api {

class SamplingStrategiesFile {
 public:
  struct Options {
    // How long current() trusts the strategies before looking at the file again.
    std::chrono::milliseconds check_interval{1000};
    // Receives one line per reload, error or warning; default: stderr, "weft: " prefixed.
    std::function<void(const std::string&)> log;
  };

  // Reads and parses `path`. A missing, unreadable or invalid file is an error: the server
  // must not start without the strategies it was told to serve.
  static Result<std::unique_ptr<SamplingStrategiesFile>> open(std::string path, Options options);
  static Result<std::unique_ptr<SamplingStrategiesFile>> open(std::string path) {
    return open(std::move(path), Options{});
  }

  // The strategies in force, after checking the file if check_interval has passed since
  // the last check. Never null. Thread-safe.
  std::shared_ptr<const SamplingStrategies> current();

  // Checks the file now. Returns true when it had changed and the new version replaced the
  // strategies. Thread-safe.
  bool check_now();

  const std::string& path() const { return path_; }
  // Successful reloads after open(), and versions of the file that failed to load.
  uint64_t reloads() const;
  uint64_t reload_errors() const;

  // What identifies a version of the file; `exists` false when stat failed.
  struct Stamp {
    bool exists = false;
    int64_t mtime_ns = 0;
    uint64_t size = 0;
    uint64_t inode = 0;
    bool operator==(const Stamp&) const = default;
  };

 private:
  SamplingStrategiesFile(std::string path, Options options);
  // REQUIRES: mu_ held. Loads the file if its stamp changed; true when replaced.
  bool check_locked();

  const std::string path_;
  const Options options_;
  mutable std::mutex mu_;
  std::shared_ptr<const SamplingStrategies> strategies_;
  Stamp stamp_;  // of the last version looked at, good or not
  std::chrono::steady_clock::time_point last_check_;
  uint64_t reloads_ = 0;
  uint64_t reload_errors_ = 0;
};

}  // namespace weft::api
