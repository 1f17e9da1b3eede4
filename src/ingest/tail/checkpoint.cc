#include "tail/checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "common/coding.h"
#include "common/crc32c.h"

namespace weft::tail {
namespace {

constexpr std::string_view kMagic{"WEFTTAIL", 8};
constexpr size_t kMaxCheckpointBytes = 64u << 20;

void put_string(std::string& out, std::string_view s) {
  coding::put_varint64(out, s.size());
  out.append(s);
}

bool get_string(std::string_view& in, std::string* s) {
  uint64_t n = 0;
  if (!coding::get_varint64(in, &n) || n > in.size()) return false;
  s->assign(in.data(), static_cast<size_t>(n));
  in.remove_prefix(static_cast<size_t>(n));
  return true;
}

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

std::string encode_checkpoint(const Checkpoint& c) {
  std::string body;
  coding::put_varint64(body, c.written_unix_nanos);
  coding::put_varint64(body, c.globs.size());
  for (const std::string& g : c.globs) put_string(body, g);
  coding::put_varint64(body, c.files.size());
  for (const CheckpointEntry& e : c.files) {
    coding::put_varint64(body, e.file.dev);
    coding::put_varint64(body, e.file.ino);
    coding::put_varint64(body, e.offset);
    coding::put_varint64(body, e.fingerprint_len);
    coding::put_fixed32(body, e.fingerprint_crc);
    put_string(body, e.path);
  }
  std::string file(kMagic);
  coding::put_fixed32(file, kCheckpointVersion);
  coding::put_fixed32(file, static_cast<uint32_t>(body.size()));
  file += body;
  coding::put_fixed32(file, crc32c::mask(crc32c::value(body)));
  return file;
}

Result<Checkpoint> decode_checkpoint(std::string_view in) {
  auto bad = [](const std::string& why) { return data_loss("tail checkpoint: " + why); };
  if (in.size() < kMagic.size() + 12 || in.substr(0, kMagic.size()) != kMagic)
    return bad("not a weft tail checkpoint (bad magic or truncated)");
  in.remove_prefix(kMagic.size());
  uint32_t version = 0, length = 0, crc = 0;
  coding::get_fixed32(in, &version);
  coding::get_fixed32(in, &length);
  if (version != kCheckpointVersion)
    return bad("unknown format version " + std::to_string(version));
  if (in.size() != uint64_t{length} + 4) return bad("truncated or trailing bytes");
  std::string_view body = in.substr(0, length);
  in.remove_prefix(length);
  coding::get_fixed32(in, &crc);
  if (crc32c::unmask(crc) != crc32c::value(body)) return bad("checksum mismatch");

  Checkpoint c;
  uint64_t n = 0;
  if (!coding::get_varint64(body, &c.written_unix_nanos) || !coding::get_varint64(body, &n) ||
      n > body.size())
    return bad("malformed header");
  c.globs.resize(static_cast<size_t>(n));
  for (std::string& g : c.globs)
    if (!get_string(body, &g)) return bad("malformed glob");
  if (!coding::get_varint64(body, &n) || n > body.size()) return bad("malformed file count");
  c.files.resize(static_cast<size_t>(n));
  for (CheckpointEntry& e : c.files) {
    uint64_t fp_len = 0;
    if (!coding::get_varint64(body, &e.file.dev) || !coding::get_varint64(body, &e.file.ino) ||
        !coding::get_varint64(body, &e.offset) || !coding::get_varint64(body, &fp_len) ||
        fp_len > kFingerprintBytes || !coding::get_fixed32(body, &e.fingerprint_crc) ||
        !get_string(body, &e.path))
      return bad("malformed file entry");
    e.fingerprint_len = static_cast<uint32_t>(fp_len);
  }
  if (!body.empty()) return bad("trailing bytes in body");
  return c;
}

Status write_checkpoint_file(const std::string& path, const Checkpoint& c) {
  const std::string data = encode_checkpoint(c);
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

Result<std::optional<Checkpoint>> read_checkpoint_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<Checkpoint>();
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
    if (data.size() > kMaxCheckpointBytes) {
      ::close(fd);
      return data_loss("tail checkpoint " + path + ": larger than " +
                       std::to_string(kMaxCheckpointBytes) + " bytes");
    }
  }
  ::close(fd);
  Result<Checkpoint> c = decode_checkpoint(data);
  if (!c.is_ok()) return data_loss(c.status().message() + " (" + path + ")");
  return std::optional<Checkpoint>(std::move(c).value());
}

}  // namespace weft::tail
