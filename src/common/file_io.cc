#include "common/file_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "common/coding.h"

namespace weft {
namespace {

Status write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_status("writing", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::ok();
}

std::string dir_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_status("opening directory", dir, errno);
  Status s;
  if (::fsync(fd) != 0) s = errno_status("syncing directory", dir, errno);
  ::close(fd);
  return s;
}

}  // namespace

Status write_file_atomically(const std::string& path, std::string_view data) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status("creating", tmp, errno);
  Status s = write_all(fd, data, tmp);
  if (s.is_ok() && ::fsync(fd) != 0) s = errno_status("syncing", tmp, errno);
  ::close(fd);
  if (!s.is_ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    s = errno_status("renaming", tmp, errno);
    ::unlink(tmp.c_str());
    return s;
  }
  return sync_dir(dir_of(path));
}

Result<std::optional<std::string>> read_small_file(const std::string& path, size_t max_bytes,
                                                   std::string_view what) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return errno_status("opening", path, errno);
  }
  std::string data;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = errno_status("reading", path, errno);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > max_bytes) {
      ::close(fd);
      return data_loss(std::string(what) + " " + path + ": larger than " +
                       std::to_string(max_bytes) + " bytes");
    }
  }
  ::close(fd);
  return std::optional<std::string>(std::move(data));
}

void put_length_prefixed(std::string& out, std::string_view s) {
  coding::put_varint64(out, s.size());
  out.append(s);
}

bool get_length_prefixed(std::string_view& in, std::string* s) {
  uint64_t n = 0;
  if (!coding::get_varint64(in, &n) || n > in.size()) return false;
  s->assign(in.data(), static_cast<size_t>(n));
  in.remove_prefix(static_cast<size_t>(n));
  return true;
}

Status pread_exact(int fd, const std::string& path, uint64_t offset, uint64_t n, std::string* out) {
  out->resize(n);
  uint64_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd, out->data() + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0) {
      if (errno == EINTR) continue;
      return errno_status("reading", path, errno);
    }
    if (r == 0)
      return data_loss(path + ": file ends at byte " + std::to_string(offset + got) +
                       ", before the " + std::to_string(n) + " bytes expected at " +
                       std::to_string(offset) + " (truncated?)");
    got += static_cast<uint64_t>(r);
  }
  return Status::ok();
}

}  // namespace weft
