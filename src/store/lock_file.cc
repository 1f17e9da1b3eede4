#include "store/lock_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

namespace weft::store {

Result<std::unique_ptr<LockFile>> LockFile::acquire(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status("opening lock file", path, errno);
  // flock locks belong to the open file description, so a second open in this process
  // conflicts too: one store per directory, whoever asks.
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK)
      return unavailable("data directory is in use by another weft process (lock " + path +
                         " is held)");
    return errno_status("locking", path, err);
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) (void)!::write(fd, pid.data(), pid.size());
  return std::unique_ptr<LockFile>(new LockFile(fd));
}

LockFile::~LockFile() {
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
}

}  // namespace weft::store
