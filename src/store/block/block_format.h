#pragma once
// On-disk constants of a block file. docs/format/block.md is the specification; this
// header only names its numbers.
//
// file    := header page* id_index_chunk* footer trailer
// header  := magic[8] = "WEFTBLK\n" | version fixed32 | mask(crc32c(magic|version)) fixed32
// page    := stream bytes, streams in Stream order (so a column's streams are contiguous);
//            pages hold whole traces in ascending (trace start, trace ID) order
// id_index_chunk := (trace_id[16] | page fixed32){entries}, ascending trace ID
// footer  := one zstd frame of the footer fields (block_footer.h)
// trailer := footer_offset fixed64 | footer_length fixed64 | footer_raw_length fixed64 |
//            mask(crc32c(footer bytes)) fixed32 | version fixed32 | magic[8]
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace weft::store::block {

inline constexpr std::string_view kMagic{"WEFTBLK\n", 8};
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kTrailerSize = 8 + 8 + 8 + 4 + 4 + 8;

// A decoded stream or footer larger than this is corrupt (a damaged length must not make
// the reader allocate without bound).
inline constexpr uint64_t kMaxDecodedBytes = 1ull << 30;

// Streams of a page, in file order. Streams of one column are consecutive.
enum Stream : uint8_t {
  // column trace
  kTraceId,
  kTraceStart,
  kTraceDuration,
  kTraceSpanCount,
  // column span
  kSpanId,
  kSpanParentRef,
  kSpanParentIdRaw,
  kSpanStartDelta,
  kSpanDuration,
  kSpanResource,
  kSpanScope,
  kSpanName,
  kSpanNameRaw,
  kSpanKindStatus,
  kSpanFlags,
  // column attr
  kAttrCount,
  kAttrSlot,
  kAttrCode,
  kAttrInt,
  kAttrDouble,
  kAttrRaw,
  // column event
  kEventCount,
  kEventTimeDelta,
  kEventName,
  kEventNameRaw,
  kEventDropped,
  kEventAttrCount,
  kEventAttrSlot,
  kEventAttrCode,
  kEventAttrInt,
  kEventAttrDouble,
  kEventAttrRaw,
  // column extra
  kExtraRow,
  kNumStreams,
};

enum Column : uint8_t { kColTrace, kColSpan, kColAttr, kColEvent, kColExtra, kNumColumns };

// First stream of each column, and one past the last column.
inline constexpr uint8_t kColumnFirstStream[kNumColumns + 1] = {
    kTraceId, kSpanId, kAttrCount, kEventCount, kExtraRow, kNumStreams};

inline constexpr const char* kStreamNames[kNumStreams] = {
    "trace.id",        "trace.start",      "trace.duration",     "trace.span_count",
    "span.id",         "span.parent_ref",  "span.parent_id_raw", "span.start_delta",
    "span.duration",   "span.resource",    "span.scope",         "span.name",
    "span.name_raw",   "span.kind_status", "span.flags",         "attr.count",
    "attr.slot",       "attr.code",        "attr.int",           "attr.double",
    "attr.raw",        "event.count",      "event.time_delta",   "event.name",
    "event.name_raw",  "event.dropped",    "event.attr_count",   "event.attr_slot",
    "event.attr_code", "event.attr_int",   "event.attr_double",  "event.attr_raw",
    "extra.row",
};

// Stream encodings (directory entry).
enum StreamEncoding : uint8_t { kStoredRaw = 0, kStoredZstd = 1 };

// span.kind_status byte.
inline constexpr uint8_t kKindMask = 0x07;
inline constexpr int kStatusShift = 3;
inline constexpr uint8_t kStatusMask = 0x18;
inline constexpr uint8_t kHasExtras = 0x20;
inline constexpr uint8_t kHasEvents = 0x40;
inline constexpr uint8_t kKindStatusReserved = 0x80;

// extra.row presence bits.
enum ExtraBit : uint32_t {
  kExtraTraceState = 1u << 0,
  kExtraStatusMessage = 1u << 1,
  kExtraDroppedAttributes = 1u << 2,
  kExtraDroppedEvents = 1u << 3,
  kExtraDroppedLinks = 1u << 4,
  kExtraRpcId = 1u << 5,
  kExtraLinks = 1u << 6,
  kExtraAll = (1u << 7) - 1,
};

// Attribute value types of a slot: the AnyValue variant index.
enum ValueType : uint8_t {
  kTypeEmpty = 0,
  kTypeString = 1,
  kTypeBool = 2,
  kTypeInt = 3,
  kTypeDouble = 4,
  kTypeBytes = 5,
  kTypeArray = 6,
  kTypeKvList = 7,
  kNumValueTypes = 8,
};

// Dictionary limits of the writer (values past them are stored raw). Readers accept any
// dictionary that fits in the footer.
inline constexpr uint32_t kMaxNameDict = 1u << 16;  // span names, event names
inline constexpr size_t kMaxDictStringBytes = 512;  // longer strings are stored raw
// 16 bits per trace ID (about 2 bytes per trace, 0.15 per span): about 1 false positive in
// 2,000 — a trace-by-ID probes every block's filter, and so does each new trace in the head
// (is it split?), so a false positive costs an index read.
inline constexpr int kTraceBloomBitsPerKey = 16;
// Entries per trace-ID index chunk (20 bytes each: a trace-by-ID reads one chunk).
inline constexpr uint32_t kIdIndexChunkEntries = 1024;
inline constexpr size_t kIdIndexEntryBytes = 16 + 4;
inline constexpr int kRawBloomBitsPerKey = 8;

// Key under which raw span names go into the page's value bloom filter (attribute keys are
// hashed as key | 0 | value; this key cannot collide in a way that matters: a collision
// only costs a page read).
inline constexpr std::string_view kSpanNameBloomKey{"\0span.name", 10};

}  // namespace weft::store::block
