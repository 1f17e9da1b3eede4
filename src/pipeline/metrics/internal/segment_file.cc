#include "metrics/internal/segment_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <utility>

#include "metrics/internal/record_format.h"

namespace weft::pipeline::metrics {
namespace {

constexpr std::string_view kPrefix = "metrics-";
constexpr std::string_view kSuffix = ".seg";

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

}  // namespace

std::string segment_path(const std::string& dir, uint64_t seq) {
  char name[64];
  std::snprintf(name, sizeof name, "metrics-%016llu.seg", static_cast<unsigned long long>(seq));
  return dir + "/" + name;
}

Result<std::vector<SegmentName>> list_segments(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return errno_status("listing", dir, errno);
  std::vector<SegmentName> out;
  while (dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name.size() != kPrefix.size() + 16 + kSuffix.size() || !name.starts_with(kPrefix) ||
        !name.ends_with(kSuffix))
      continue;
    std::string_view digits = name.substr(kPrefix.size(), 16);
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    out.push_back({std::stoull(std::string(digits)), dir + "/" + std::string(name)});
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(),
            [](const SegmentName& a, const SegmentName& b) { return a.seq < b.seq; });
  return out;
}

Result<std::string> read_whole_file(const std::string& path) {
  return read_file_prefix(path, UINT64_MAX);
}

Result<std::string> read_file_prefix(const std::string& path, uint64_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_status("opening", path, errno);
  std::string out;
  char buf[1 << 16];
  while (out.size() < max_bytes) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(sizeof buf, max_bytes - out.size()));
    ssize_t n = ::read(fd, buf, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = errno_status("reading", path, errno);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Result<SegmentWriter> SegmentWriter::create(const std::string& dir, uint64_t seq) {
  std::string path = segment_path(dir, seq);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status("creating", path, errno);
  SegmentWriter w(fd, std::move(path), seq, 0);
  WEFT_RETURN_IF_ERROR(w.append(segment_header()));
  // The new name must survive a crash too.
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return w;
}

SegmentWriter::SegmentWriter(SegmentWriter&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)), path_(std::move(o.path_)), seq_(o.seq_), size_(o.size_) {}

SegmentWriter& SegmentWriter::operator=(SegmentWriter&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
    path_ = std::move(o.path_);
    seq_ = o.seq_;
    size_ = o.size_;
  }
  return *this;
}

SegmentWriter::~SegmentWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Status SegmentWriter::append(std::string_view bytes) {
  Status s = write_all(fd_, bytes, path_);
  if (s.is_ok() && ::fdatasync(fd_) != 0) s = errno_status("syncing", path_, errno);
  if (!s.is_ok()) {
    (void)!::ftruncate(fd_, static_cast<off_t>(size_));  // best effort: see the header
    return s;
  }
  size_ += bytes.size();
  return Status::ok();
}

}  // namespace weft::pipeline::metrics
