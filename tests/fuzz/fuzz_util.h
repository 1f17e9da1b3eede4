#pragma once
// Helpers shared by the fuzz targets: an input as a file (the readers under test take
// paths), and a scratch directory.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace weft::fuzz {

// One in-memory file (memfd) per process, rewritten with each input; path() opens it
// afresh through /proc/self/fd, as a reader would open a file on disk.
class InputFile {
 public:
  InputFile() {
    fd_ = ::memfd_create("weft-fuzz-input", MFD_CLOEXEC);
    if (fd_ < 0) {
      std::perror("memfd_create");
      std::abort();
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  const std::string& write(const uint8_t* data, size_t size) {
    if (::ftruncate(fd_, 0) != 0) std::abort();
    size_t done = 0;
    while (done < size) {
      ssize_t n = ::pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
      if (n <= 0) std::abort();
      done += static_cast<size_t>(n);
    }
    return path_;
  }

 private:
  int fd_ = -1;
  std::string path_;
};

// A directory under /dev/shm (RAM: fsync is cheap) or $TMPDIR, removed at a normal exit
// (a crash leaves it behind; its name says which target made it).
inline std::string scratch_dir(const char* name) {
  static std::vector<std::string> made;
  static const bool cleanup_registered = [] {
    std::atexit([] {
      std::error_code ec;
      for (const auto& d : made) std::filesystem::remove_all(d, ec);
    });
    return true;
  }();
  (void)cleanup_registered;
  const char* tmp = std::getenv("TMPDIR");
  std::string base = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : (tmp ? tmp : "/tmp");
  std::string tmpl = base + "/weft-fuzz-" + name + "-XXXXXX";
  if (!::mkdtemp(tmpl.data())) {
    std::perror("mkdtemp");
    std::abort();
  }
  made.push_back(tmpl);
  return tmpl;
}

}  // namespace weft::fuzz
