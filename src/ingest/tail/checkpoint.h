#pragma once
// The tailer's checkpoint file: which files it follows and, for each, the offset up to
// which the consumer has committed its lines (everything before it is safely stored).
// Format: docs/format/tail-checkpoint.md. Replaced atomically (temp file, fsync, rename,
// fsync of the directory), so a reader sees the old or the new file, never a mix; a file
// damaged anyway (a disk fault, an editor) is rejected as a whole with DATA_LOSS.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace weft::tail {

// A file's identity: (device, inode). A file keeps it through renames; a new file at the
// same path (rotation) has another one.
struct FileKey {
  uint64_t dev = 0;
  uint64_t ino = 0;
  friend bool operator==(const FileKey&, const FileKey&) = default;
  friend auto operator<=>(const FileKey&, const FileKey&) = default;
};

struct FileKeyHash {
  size_t operator()(const FileKey& k) const noexcept {
    return static_cast<size_t>(k.ino * 0x9e3779b97f4a7c15ULL ^ (k.dev + (k.dev << 17)));
  }
};

// The fingerprint covers the first min(file size, kFingerprintBytes) bytes of a file.
constexpr uint32_t kFingerprintBytes = 256;

struct CheckpointEntry {
  FileKey file;
  uint64_t offset = 0;           // committed: every line ending at or before it is stored
  uint32_t fingerprint_len = 0;  // bytes the fingerprint covers (0: none)
  uint32_t fingerprint_crc = 0;  // crc32c of those first bytes (unmasked)
  std::string path;              // where the file was last seen (diagnostics, logs)
};

struct Checkpoint {
  uint64_t written_unix_nanos = 0;
  std::vector<std::string> globs;  // the globs the tailer followed when it wrote this
  std::vector<CheckpointEntry> files;
};

constexpr uint32_t kCheckpointVersion = 1;

std::string encode_checkpoint(const Checkpoint& c);
// DATA_LOSS naming what is wrong for anything but a whole, intact checkpoint.
Result<Checkpoint> decode_checkpoint(std::string_view bytes);

// Writes `c` to `path` atomically: `path`.tmp, fsync, rename over `path`, fsync the directory.
Status write_checkpoint_file(const std::string& path, const Checkpoint& c);
// nullopt if `path` does not exist; DATA_LOSS if it is damaged; IO_ERROR if unreadable.
Result<std::optional<Checkpoint>> read_checkpoint_file(const std::string& path);

}  // namespace weft::tail
