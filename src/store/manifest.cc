#include "store/manifest.h"

#include <string_view>

#include "common/coding.h"
#include "common/crc32c.h"
#include "common/file_io.h"

namespace weft::store {
namespace {

constexpr std::string_view kMagic{"WEFTMAN\n", 8};
constexpr size_t kMaxManifestBytes = 64u << 20;

void put_meta(std::string& out, const BlockMeta& b) {
  using coding::put_varint64;
  put_varint64(out, b.id);
  put_varint64(out, b.level);
  put_varint64(out, b.min_start);
  put_varint64(out, b.max_start);
  put_varint64(out, b.max_end);
  put_varint64(out, b.spans);
  put_varint64(out, b.traces);
  put_varint64(out, b.file_bytes);
}

bool get_meta(std::string_view& in, BlockMeta* b) {
  uint64_t level = 0;
  bool ok = coding::get_varint64(in, &b->id) && coding::get_varint64(in, &level) &&
            coding::get_varint64(in, &b->min_start) && coding::get_varint64(in, &b->max_start) &&
            coding::get_varint64(in, &b->max_end) && coding::get_varint64(in, &b->spans) &&
            coding::get_varint64(in, &b->traces) && coding::get_varint64(in, &b->file_bytes);
  if (!ok || level > UINT32_MAX) return false;
  b->level = static_cast<uint32_t>(level);
  return true;
}

}  // namespace

std::string manifest_path(const std::string& data_dir) { return data_dir + "/MANIFEST"; }
std::string blocks_dir(const std::string& data_dir) { return data_dir + "/blocks"; }

Status write_manifest(const std::string& data_dir, const Manifest& m) {
  std::string body;
  coding::put_varint64(body, m.next_block_id);
  coding::put_varint64(body, m.wal_flushed_through);
  coding::put_varint64(body, m.blocks.size());
  for (const BlockMeta& b : m.blocks) put_meta(body, b);

  std::string file(kMagic);
  coding::put_fixed32(file, kManifestVersion);
  coding::put_fixed32(file, static_cast<uint32_t>(body.size()));
  file += body;
  coding::put_fixed32(file, crc32c::mask(crc32c::value(body)));

  return write_file_atomically(manifest_path(data_dir), file);
}

Result<std::optional<Manifest>> read_manifest(const std::string& data_dir) {
  const std::string path = manifest_path(data_dir);
  WEFT_ASSIGN_OR_RETURN(std::optional<std::string> read,
                        read_small_file(path, kMaxManifestBytes, "manifest"));
  if (!read) return std::optional<Manifest>();
  const std::string& data = *read;

  auto bad = [&](const char* why) { return data_loss("manifest " + path + ": " + why); };
  std::string_view in(data);
  if (in.size() < kMagic.size() + 12 || in.substr(0, kMagic.size()) != kMagic)
    return bad("not a weft manifest (bad magic or truncated)");
  in.remove_prefix(kMagic.size());
  uint32_t version = 0, length = 0, crc = 0;
  coding::get_fixed32(in, &version);
  coding::get_fixed32(in, &length);
  if (version != kManifestVersion)
    return bad(("unknown format version " + std::to_string(version)).c_str());
  if (in.size() != uint64_t{length} + 4) return bad("truncated or trailing bytes");
  std::string_view body = in.substr(0, length);
  in.remove_prefix(length);
  coding::get_fixed32(in, &crc);
  if (crc32c::unmask(crc) != crc32c::value(body)) return bad("checksum mismatch");

  Manifest m;
  uint64_t n = 0;
  if (!coding::get_varint64(body, &m.next_block_id) ||
      !coding::get_varint64(body, &m.wal_flushed_through) || !coding::get_varint64(body, &n) ||
      n > body.size())
    return bad("malformed header");
  m.blocks.resize(n);
  for (BlockMeta& b : m.blocks)
    if (!get_meta(body, &b)) return bad("malformed block entry");
  if (!body.empty()) return bad("trailing bytes in body");
  for (size_t i = 1; i < m.blocks.size(); ++i)
    if (m.blocks[i].id <= m.blocks[i - 1].id) return bad("block ids not ascending");
  if (!m.blocks.empty() && m.blocks.back().id >= m.next_block_id)
    return bad("block id beyond next_block_id");
  return std::optional<Manifest>(std::move(m));
}

}  // namespace weft::store
