#include "store/queue/queue_cursor.h"

#include <algorithm>

#include "common/coding.h"
#include "common/crc32c.h"
#include "common/file_io.h"

namespace weft::store {
namespace {

std::string cursor_path(const std::string& dir) {
  return dir + "/" + std::string(kQueueCursorFileName);
}

constexpr size_t kHeaderSize = 8 + 4;  // magic + version

}  // namespace

bool QueueCursor::delivered(uint64_t id) const {
  return id < read_id && !std::binary_search(undelivered.begin(), undelivered.end(), id);
}

std::string encode_queue_cursor(QueueCursor cursor) {
  if (cursor.undelivered.size() > kQueueCursorMaxIds) {
    cursor.read_id = cursor.undelivered[kQueueCursorMaxIds];
    cursor.undelivered.resize(kQueueCursorMaxIds);
  }
  std::string out(kQueueCursorMagic);
  coding::put_fixed32(out, kQueueCursorVersion);
  coding::put_fixed64(out, cursor.read_id);
  coding::put_fixed32(out, static_cast<uint32_t>(cursor.undelivered.size()));
  uint64_t prev = 0;
  for (uint64_t id : cursor.undelivered) {
    coding::put_varint64(out, id - prev);
    prev = id;
  }
  coding::put_fixed32(out, crc32c::mask(crc32c::value(out)));
  return out;
}

Result<QueueCursor> decode_queue_cursor(std::string_view bytes) {
  if (bytes.size() < kHeaderSize || bytes.substr(0, kQueueCursorMagic.size()) != kQueueCursorMagic)
    return data_loss("not a queue cursor (bad magic)");
  uint32_t version = coding::decode_fixed32(bytes.data() + kQueueCursorMagic.size());
  if (version != kQueueCursorVersion)
    return data_loss("unknown queue cursor version " + std::to_string(version) +
                     " (this build reads version " + std::to_string(kQueueCursorVersion) + ")");
  if (bytes.size() < kHeaderSize + 8 + 4 + 4)
    return data_loss("queue cursor cut short (" + std::to_string(bytes.size()) + " bytes)");
  uint32_t stored = coding::decode_fixed32(bytes.data() + bytes.size() - 4);
  if (crc32c::unmask(stored) != crc32c::value(bytes.substr(0, bytes.size() - 4)))
    return data_loss("queue cursor checksum mismatch");
  std::string_view in = bytes.substr(kHeaderSize, bytes.size() - kHeaderSize - 4);
  QueueCursor c;
  uint32_t count = 0;
  if (!coding::get_fixed64(in, &c.read_id) || !coding::get_fixed32(in, &count) ||
      count > kQueueCursorMaxIds)
    return data_loss("queue cursor: bad header");
  c.undelivered.reserve(count);
  uint64_t prev = 0;
  for (uint32_t i = 0; i < count; ++i) {
    uint64_t delta = 0;
    if (!coding::get_varint64(in, &delta) || (i > 0 && delta == 0) || delta > c.read_id - prev)
      return data_loss("queue cursor: bad id list");
    prev += delta;
    c.undelivered.push_back(prev);
  }
  if (!in.empty() || (!c.undelivered.empty() && c.undelivered.back() >= c.read_id))
    return data_loss("queue cursor: bad id list");
  return c;
}

Result<std::optional<QueueCursor>> read_queue_cursor(const std::string& dir) {
  const std::string path = cursor_path(dir);
  WEFT_ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                        read_small_file(path, kQueueCursorMaxBytes, "queue cursor"));
  if (!bytes) return std::optional<QueueCursor>();
  auto c = decode_queue_cursor(*bytes);
  if (!c.is_ok()) return c.status().with_prefix(path);
  return std::optional<QueueCursor>(std::move(c).value());
}

Status write_queue_cursor(const std::string& dir, std::string_view bytes) {
  return write_file_atomically(cursor_path(dir), bytes);
}

}  // namespace weft::store
