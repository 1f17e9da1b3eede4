#pragma once
// The disk queue's cursor file (docs/format/agent-queue.md, "Cursor file"): which entries
// were delivered. Entries are numbered in log order; the cursor says "every entry below
// `read_id` was delivered, except the ones listed in `undelivered`". Acks may come in any
// order, so an entry acked after an older one that is still out is remembered too: after a
// restart, exactly the entries not acked come back (up to kQueueCursorMaxIds of them below
// read_id; past that the cursor falls back to a lower read_id and some acked entries come
// back, which at-least-once delivery allows).
//
// Thread-safety: the functions are pure or touch only the named file.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace weft::store {

inline constexpr std::string_view kQueueCursorMagic{"WEFTQCUR", 8};
inline constexpr uint32_t kQueueCursorVersion = 1;
inline constexpr std::string_view kQueueCursorFileName = "cursor";
inline constexpr size_t kQueueCursorMaxIds = 16384;
// Largest cursor file: header, ids (at most 10 bytes each), CRC.
inline constexpr size_t kQueueCursorMaxBytes = 8 + 4 + 8 + 4 + 10 * kQueueCursorMaxIds + 4;

// Entry ids: (segment seq << 32) | record index within the segment, so ids sort in log
// order and stay unique across restarts (segment numbers are never reused).
inline uint64_t queue_entry_id(uint64_t seq, uint64_t index) { return (seq << 32) | index; }
inline uint64_t queue_entry_seq(uint64_t id) { return id >> 32; }
inline uint64_t queue_entry_index(uint64_t id) { return id & 0xffffffffu; }

struct QueueCursor {
  uint64_t read_id = 0;               // entries >= read_id are not delivered
  std::vector<uint64_t> undelivered;  // ascending, each < read_id

  bool delivered(uint64_t id) const;
  // The first entry not delivered: everything in segments below its segment can go.
  uint64_t first_undelivered() const {
    return undelivered.empty() ? read_id : undelivered.front();
  }
};

// REQUIRES: cursor.undelivered ascending and below read_id. Keeps at most
// kQueueCursorMaxIds ids, lowering read_id to the first one left out.
std::string encode_queue_cursor(QueueCursor cursor);
// DATA_LOSS naming what is wrong (size, magic, checksum, version, order).
Result<QueueCursor> decode_queue_cursor(std::string_view bytes);

// The cursor of `dir`: nullopt if there is no cursor file; DATA_LOSS if it is damaged.
Result<std::optional<QueueCursor>> read_queue_cursor(const std::string& dir);
// Replaces the cursor file of `dir` with `bytes` (from encode_queue_cursor), atomically.
Status write_queue_cursor(const std::string& dir, std::string_view bytes);

}  // namespace weft::store
