#pragma once
// Small files written so that a crash leaves the old or the new version, never a mix
// (checkpoints and other state beside the data), and read back whole.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace weft {

// Writes `data` to `path` through `path + ".tmp"`: write, fsync, rename over `path`, fsync
// of the directory. On failure the temporary file is removed and `path` is untouched.
Status write_file_atomically(const std::string& path, std::string_view data);

// The whole file; nullopt if it does not exist. `what` names the file in errors ("tail
// checkpoint"); a file larger than `max_bytes` is DATA_LOSS.
Result<std::optional<std::string>> read_small_file(const std::string& path, size_t max_bytes,
                                                   std::string_view what);

// Reads exactly `n` bytes at `offset` of the open file `fd` (named `path` in errors) into
// `*out`: IO_ERROR if the read fails, DATA_LOSS if the file ends first.
Status pread_exact(int fd, const std::string& path, uint64_t offset, uint64_t n,
                   std::string* out);

// Appends the varint length and the bytes of `s` / reads them back (false if truncated).
void put_length_prefixed(std::string& out, std::string_view s);
bool get_length_prefixed(std::string_view& in, std::string* s);

}  // namespace weft
