// Fuzz target: a data directory whose MANIFEST (docs/format/manifest.md) is the input.
// read_manifest must answer DATA_LOSS for anything it cannot trust, never crash or
// allocate without bound; a manifest it accepts must survive write_manifest + read_manifest
// unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "fuzz_util.h"
#include "store/manifest.h"

namespace {

bool same(const weft::store::BlockMeta& a, const weft::store::BlockMeta& b) {
  return a.id == b.id && a.level == b.level && a.min_start == b.min_start &&
         a.max_start == b.max_start && a.max_end == b.max_end && a.spans == b.spans &&
         a.traces == b.traces && a.file_bytes == b.file_bytes;
}

bool same(const weft::store::Manifest& a, const weft::store::Manifest& b) {
  if (a.next_block_id != b.next_block_id || a.wal_flushed_through != b.wal_flushed_through ||
      a.blocks.size() != b.blocks.size())
    return false;
  for (size_t i = 0; i < a.blocks.size(); ++i)
    if (!same(a.blocks[i], b.blocks[i])) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = weft::fuzz::scratch_dir("manifest");
  static const std::string copy = weft::fuzz::scratch_dir("manifest-rewrite");
  {
    std::ofstream out(weft::store::manifest_path(dir), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out) std::abort();
  }
  auto m = weft::store::read_manifest(dir);
  if (!m.is_ok() || !*m) return 0;

  if (weft::Status s = weft::store::write_manifest(copy, **m); !s.is_ok()) {
    std::fprintf(stderr, "write_manifest of an accepted manifest: %s\n", s.to_string().c_str());
    std::abort();
  }
  auto back = weft::store::read_manifest(copy);
  if (!back.is_ok() || !*back || !same(**m, **back)) {
    std::fprintf(stderr, "manifest changed through write_manifest + read_manifest: %s\n",
                 back.status().to_string().c_str());
    std::abort();
  }
  return 0;
}
