#include "store/wal/wal_file.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

namespace weft::store {
namespace {

class PosixWalFile final : public WalFile {
 public:
  PosixWalFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWalFile() override { (void)close(); }

  Status append(const std::vector<std::string_view>& pieces) override {
    std::vector<iovec> iov;
    iov.reserve(pieces.size());
    for (auto p : pieces)
      if (!p.empty()) iov.push_back({const_cast<char*>(p.data()), p.size()});
    size_t i = 0;
    while (i < iov.size()) {
      int n = static_cast<int>(std::min<size_t>(iov.size() - i, IOV_MAX));
      ssize_t w = ::writev(fd_, &iov[i], n);
      if (w < 0) {
        if (errno == EINTR) continue;
        return write_error(errno);
      }
      // Advance past what was written; a short write resumes mid-piece.
      size_t left = static_cast<size_t>(w);
      while (i < iov.size() && left >= iov[i].iov_len) left -= iov[i++].iov_len;
      if (left > 0) {
        iov[i].iov_base = static_cast<char*>(iov[i].iov_base) + left;
        iov[i].iov_len -= left;
      }
    }
    return Status::ok();
  }

  Status sync() override {
    if (::fdatasync(fd_) != 0) return errno_status("syncing", path_, errno);
    return Status::ok();
  }

  Status truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0)
      return errno_status("truncating", path_, errno);
    if (::lseek(fd_, 0, SEEK_END) < 0) return errno_status("seeking", path_, errno);
    return Status::ok();
  }

  Status close() override {
    if (fd_ < 0) return Status::ok();
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return errno_status("closing", path_, errno);
    return Status::ok();
  }

  const std::string& path() const override { return path_; }

 private:
  // Every write failure is UNAVAILABLE to the client: the batch can be retried later.
  Status write_error(int err) const {
    if (err == ENOSPC || err == EDQUOT) return unavailable("out of disk space writing " + path_);
    return unavailable("writing " + path_ + ": " + std::strerror(err));
  }

  std::string path_;
  int fd_;
};

}  // namespace

Result<std::unique_ptr<WalFile>> open_posix_wal_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status("opening", path, errno);
  return std::unique_ptr<WalFile>(std::make_unique<PosixWalFile>(path, fd));
}

Status sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_status("opening directory", dir, errno);
  Status s;
  if (::fsync(fd) != 0) s = errno_status("syncing directory", dir, errno);
  ::close(fd);
  return s;
}

}  // namespace weft::store
