#pragma once
// The file layer under the WAL writer, injectable so tests can simulate a full disk or a
// crash halfway through a record (testing/fault_wal_file.h). Only the write side is
// abstracted: recovery reads segments with plain reads.
//
// Thread-safety: a WalFile is used by one thread at a time (the WAL writer thread).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace weft::store {

class WalFile {
 public:
  virtual ~WalFile() = default;
  // Appends all pieces, in order, at the end of the file (one writev where possible).
  // On error some prefix of the bytes may have been written; the caller truncates.
  // Errors are UNAVAILABLE naming the path ("out of disk space writing <path>" for
  // ENOSPC/EDQUOT).
  virtual Status append(const std::vector<std::string_view>& pieces) = 0;
  // Makes everything appended so far durable (fdatasync).
  virtual Status sync() = 0;
  // Cuts the file back to `size` bytes (drops a partially written record).
  virtual Status truncate(uint64_t size) = 0;
  virtual Status close() = 0;
  virtual const std::string& path() const = 0;
};

// Opens (creating, or appending to) the file at `path`.
using WalFileFactory = std::function<Result<std::unique_ptr<WalFile>>(const std::string& path)>;

// The POSIX implementation.
Result<std::unique_ptr<WalFile>> open_posix_wal_file(const std::string& path);

// fsyncs the directory so a created, renamed or removed file's entry is durable.
Status sync_dir(const std::string& dir);

}  // namespace weft::store
