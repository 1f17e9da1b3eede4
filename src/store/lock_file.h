#pragma once
// An exclusive flock on <data_dir>/LOCK, held while a store is open, so two processes can
// never write one data directory. Released when the LockFile is destroyed (and by the
// kernel if the process dies).
#include <memory>
#include <string>

#include "common/status.h"

namespace weft::store {

class LockFile {
 public:
  // UNAVAILABLE naming the directory if another process (or another open store in this
  // process) holds the lock.
  static Result<std::unique_ptr<LockFile>> acquire(const std::string& path);
  ~LockFile();
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;

 private:
  explicit LockFile(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace weft::store
