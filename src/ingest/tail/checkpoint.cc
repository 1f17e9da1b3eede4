#include "tail/checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "common/coding.h"
#include "common/crc32c.h"
#include "common/file_io.h"

namespace weft::tail {
namespace {

constexpr std::string_view kMagic{"WEFTTAIL", 8};
constexpr size_t kMaxCheckpointBytes = 64u << 20;

}  // namespace

std::string encode_checkpoint(const Checkpoint& c) {
  std::string body;
  coding::put_varint64(body, c.written_unix_nanos);
  coding::put_varint64(body, c.globs.size());
  for (const std::string& g : c.globs) put_length_prefixed(body, g);
  coding::put_varint64(body, c.files.size());
  for (const CheckpointEntry& e : c.files) {
    coding::put_varint64(body, e.file.dev);
    coding::put_varint64(body, e.file.ino);
    coding::put_varint64(body, e.offset);
    coding::put_varint64(body, e.fingerprint_len);
    coding::put_fixed32(body, e.fingerprint_crc);
    put_length_prefixed(body, e.path);
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
    if (!get_length_prefixed(body, &g)) return bad("malformed glob");
  if (!coding::get_varint64(body, &n) || n > body.size()) return bad("malformed file count");
  c.files.resize(static_cast<size_t>(n));
  for (CheckpointEntry& e : c.files) {
    uint64_t fp_len = 0;
    if (!coding::get_varint64(body, &e.file.dev) || !coding::get_varint64(body, &e.file.ino) ||
        !coding::get_varint64(body, &e.offset) || !coding::get_varint64(body, &fp_len) ||
        fp_len > kFingerprintBytes || !coding::get_fixed32(body, &e.fingerprint_crc) ||
        !get_length_prefixed(body, &e.path))
      return bad("malformed file entry");
    e.fingerprint_len = static_cast<uint32_t>(fp_len);
  }
  if (!body.empty()) return bad("trailing bytes in body");
  return c;
}

Status write_checkpoint_file(const std::string& path, const Checkpoint& c) {
  const std::string data = encode_checkpoint(c);
  return write_file_atomically(path, data);
}

Result<std::optional<Checkpoint>> read_checkpoint_file(const std::string& path) {
  WEFT_ASSIGN_OR_RETURN(std::optional<std::string> data,
                        read_small_file(path, kMaxCheckpointBytes, "tail checkpoint"));
  if (!data) return std::optional<Checkpoint>();
  Result<Checkpoint> c = decode_checkpoint(*data);
  if (!c.is_ok()) return data_loss(c.status().message() + " (" + path + ")");
  return std::optional<Checkpoint>(std::move(c).value());
}

}  // namespace weft::tail
