#pragma once
// PageEncoder: turns whole traces into the raw (not yet compressed) streams of one page
// (docs/format/block.md, "Pages"), coding strings through the block's dictionaries.
#include <array>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "model/span.h"
#include "store/block/block_dictionary.h"
#include "store/block/block_footer.h"
#include "store/block/column_streams.h"

namespace weft::store::block {

using namespace weft::model;

// The block-wide state the pages of one block share.
struct BlockDictionaries {
  explicit BlockDictionaries(uint32_t max_dict_values_per_key)
      : span_names(kMaxNameDict, kMaxDictStringBytes),
        event_names(kMaxNameDict, kMaxDictStringBytes),
        span_slots(max_dict_values_per_key),
        event_slots(max_dict_values_per_key) {}

  StringDictBuilder services;
  InternTable<Resource> resources;
  std::vector<uint32_t> resource_service;  // service code per resource code - 1
  InternTable<InstrumentationScope> scopes;
  StringDictBuilder span_names;
  StringDictBuilder event_names;
  std::unordered_set<uint64_t> operations;      // packed (service, name, kind)
  std::unordered_set<uint64_t> raw_name_kinds;  // packed (service, kind)
  SlotDictBuilder span_slots;
  SlotDictBuilder event_slots;
  // Moves the dictionaries into `f` (meta, blooms and pages are the caller's).
  void fill_footer(Footer* f);
};

class PageEncoder {
 public:
  explicit PageEncoder(BlockDictionaries* dicts) : dicts_(dicts) {}

  // REQUIRES: trace.spans non-empty, all of trace.trace_id, traces in ascending
  // (trace start, trace ID) order.
  void add_trace(const Trace& trace);
  uint32_t spans() const { return spans_; }
  uint32_t traces() const { return static_cast<uint32_t>(trace_starts_.size()); }

  // The raw bytes of every stream and the page's directory fields (offset and stream
  // entries are the caller's); resets the encoder for the next page.
  void finish(std::array<std::string, kNumStreams>* streams, PageEntry* entry);

 private:
  void add_span(const Span& s, uint64_t trace_start, uint32_t parent_ref);
  void add_attributes(const KeyValueList& attrs, SlotDictBuilder& slots, std::string& count,
                      std::string& slot_stream, PartitionedWriter* parts);

  BlockDictionaries* dicts_;
  std::array<std::string, kNumStreams> s_;
  // attr.code, attr.int, attr.double, attr.raw and the event.attr_* ones, partitioned by
  // slot.
  PartitionedWriter attr_parts_[4];
  PartitionedWriter event_attr_parts_[4];
  uint32_t spans_ = 0;
  // xxh3 of every string attribute value (key | 0 | value; coded or raw) and raw span name
  // of the page: its value bloom filter.
  std::vector<uint64_t> raw_hashes_;
  std::vector<uint64_t> trace_starts_;
  std::vector<uint64_t> trace_durations_;
  std::vector<const Span*> order_;
  std::vector<std::pair<SpanId, uint32_t>> positions_;
  std::string scratch_;
};

}  // namespace weft::store::block
