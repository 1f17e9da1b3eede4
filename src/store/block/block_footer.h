#pragma once
// The block footer: meta, dictionaries, bloom filters and the page directory, and its
// encoding (docs/format/block.md, "Footer"). The writer fills one at finish(); the reader
// decodes and validates one at open() and keeps it in memory.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/ids.h"
#include "common/status.h"
#include "model/span.h"
#include "store/block/block_dictionary.h"
#include "store/block/block_format.h"
#include "store/block/block_meta.h"
#include "store/block/bloom_filter.h"

namespace weft::store::block {

using namespace weft::model;

struct StreamEntry {
  uint64_t stored = 0;  // bytes in the file
  uint64_t raw = 0;     // bytes once decoded (0: empty stream, nothing stored)
  uint8_t encoding = kStoredRaw;
  uint32_t crc = 0;  // mask(crc32c(stored bytes))
};

struct PageEntry {
  uint64_t offset = 0;  // of the page's first stream
  uint32_t spans = 0;
  uint32_t traces = 0;
  uint64_t min_start = 0;  // trace starts (pages ascend: a page's min_start is at least
                           // the previous page's max_start)
  uint64_t max_start = 0;
  uint64_t min_duration = 0;  // trace durations
  uint64_t max_duration = 0;
  std::array<StreamEntry, kNumStreams> streams;
  // The page's raw (not dictionary-coded) string values and span names, hashed as
  // hash_key_value(key, value) / (kSpanNameBloomKey, name): a search for a rare value reads
  // only the pages that may hold it.
  BloomFilter raw_bloom;

  uint64_t stored_bytes() const;
  // File range of column `c`'s streams.
  uint64_t column_offset(Column c) const;
  uint64_t column_bytes(Column c) const;
};

// One chunk of the trace-ID index: `entries` (trace ID, page) pairs in ascending trace-ID
// order, 20 bytes each, stored raw after the pages.
struct IdIndexChunk {
  TraceId first;  // its smallest trace ID
  uint32_t entries = 0;
  uint32_t crc = 0;     // mask(crc32c(chunk bytes))
  uint64_t offset = 0;  // not stored: the chunks follow the pages back to back
  uint64_t bytes() const { return uint64_t{entries} * kIdIndexEntryBytes; }
};

struct OperationEntry {
  uint32_t service = 0;  // service code
  uint32_t name = 0;     // span name code
  uint8_t kind = 0;
  friend auto operator<=>(const OperationEntry&, const OperationEntry&) = default;
};
// (service, kind) pairs of spans whose name is stored raw (not in the name dictionary).
struct RawNameEntry {
  uint32_t service = 0;
  uint8_t kind = 0;
  friend auto operator<=>(const RawNameEntry&, const RawNameEntry&) = default;
};

struct Footer {
  BlockMeta meta;  // file_bytes is not stored: the reader sets it from the file size
  std::vector<std::string> services;
  std::vector<std::shared_ptr<const Resource>> resources;           // resource code r >= 1 is [r-1]
  std::vector<uint32_t> resource_service;                           // service code of each resource
  std::vector<std::shared_ptr<const InstrumentationScope>> scopes;  // likewise
  std::vector<std::string> span_names;
  std::vector<OperationEntry> operations;         // sorted, unique
  std::vector<RawNameEntry> raw_name_operations;  // sorted, unique
  std::vector<std::string> event_names;
  std::vector<SlotEntry> span_slots;
  std::vector<SlotEntry> event_slots;
  BloomFilter trace_bloom;
  std::vector<PageEntry> pages;
  std::vector<IdIndexChunk> id_index;  // ascending `first`
  // Traces of this block that other blocks or the head may also hold spans of (split by a
  // cut; docs/format/block.md, "Split traces"), ascending.
  std::vector<SplitTrace> split_traces;
};

// The footer's raw (uncompressed) bytes.
void encode_footer(const Footer& f, std::string* out);
// Decodes and validates raw footer bytes of a file whose footer starts at `footer_offset`:
// pages and then the trace-ID index chunks must tile [header end, footer_offset) in order,
// page time ranges ascend, counts add up to the meta, and every code refers into its
// dictionary.
Result<Footer> decode_footer(std::string_view raw, uint64_t footer_offset);

}  // namespace weft::store::block
