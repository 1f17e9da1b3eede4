#pragma once
// On-disk constants of the write-ahead log. docs/format/wal.md is the specification; this
// header only names its numbers.
//
// Segment file := header record*
//   header := magic[8] = "WEFTWAL\n" | format_version fixed32 | masked crc32c fixed32 of the
//             preceding 12 bytes
//   record := masked crc32c fixed32 of (type | length | payload) | length fixed32 | type u8 |
//             payload[length]
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace weft::store::wal {

inline constexpr std::string_view kMagic{"WEFTWAL\n", 8};
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kFileHeaderSize = 16;   // magic + version + crc
inline constexpr size_t kRecordHeaderSize = 9;  // crc + length + type

// A record longer than this is treated as corrupt (a garbage length must not make the
// reader allocate gigabytes).
inline constexpr uint32_t kMaxRecordPayload = 256u << 20;

enum class RecordType : uint8_t {
  kZero = 0,       // reserved: never written (zero-filled pre-allocated space reads as it)
  kSpanBatch = 1,  // payload = zstd(span codec bytes), see span_codec.h
};

}  // namespace weft::store::wal
