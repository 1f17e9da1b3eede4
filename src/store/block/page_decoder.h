#pragma once
// Page decoding: reading one column of a page from the file (CRC check, zstd), decoding its
// streams into arrays (every count, code and length bounds-checked: DATA_LOSS, never a
// crash), and building model spans from the arrays.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/span.h"
#include "store/block/block_footer.h"

namespace weft::store::block {

using namespace weft::model;

inline constexpr uint32_t kNoCode = UINT32_MAX;

struct DecodedAttr {
  uint32_t slot = 0;
  uint32_t code = kNoCode;  // string: value-dictionary code; kNoCode: stored raw
  std::string_view raw;     // string stored raw
  int64_t i = 0;            // int, bool (0/1)
  double d = 0;
  uint32_t complex = 0;  // bytes / array / kvlist: index into DecodedAttrs::complex
};

// The attributes of a run of owners (spans or events): owner k's are
// attrs[begin[k] .. begin[k+1]).
struct DecodedAttrs {
  std::vector<uint32_t> begin{0};
  std::vector<DecodedAttr> attrs;
  std::vector<AnyValue> complex;
};

struct DecodedEvent {
  uint64_t time = 0;
  uint32_t name_code = kNoCode;
  std::string_view name_raw;
  uint32_t dropped = 0;
};

struct DecodedExtras {
  std::string_view trace_state;
  std::string_view status_message;
  std::string_view rpc_id;
  uint32_t dropped_attributes = 0;
  uint32_t dropped_events = 0;
  uint32_t dropped_links = 0;
  std::vector<SpanLink> links;
};

// One page, decoded column by column. Views point into the buffers held here, so a
// PageData never moves.
class PageData {
 public:
  PageData() = default;
  PageData(const PageData&) = delete;
  PageData& operator=(const PageData&) = delete;

  bool loaded[kNumColumns] = {};
  std::string file_bytes[kNumColumns];   // as read from the file
  std::string decoded[kNumStreams];      // decompressed streams
  std::string_view stream[kNumStreams];  // each stream's raw bytes

  // column trace
  std::vector<TraceId> trace_id;
  std::vector<uint64_t> trace_start;
  std::vector<uint64_t> trace_duration;
  std::vector<uint32_t> trace_begin;  // spans of trace t: [trace_begin[t], trace_begin[t+1])
  // column span
  std::vector<SpanId> span_id;
  std::vector<uint32_t> parent_ref;  // 0 root, 1 external (parent_raw), r >= 2: span r-2
  std::vector<SpanId> parent_raw;    // of external parents (zero otherwise)
  std::vector<uint64_t> start;
  std::vector<uint64_t> end;
  std::vector<uint32_t> resource;   // 0 null, r: footer resources[r-1]
  std::vector<uint32_t> scope;      // likewise
  std::vector<uint32_t> name_code;  // kNoCode: name_raw
  std::vector<std::string_view> name_raw;
  std::vector<uint8_t> kind_status;
  std::vector<uint32_t> flags;
  // column attr
  DecodedAttrs attrs;  // owner = span
  // column event
  std::vector<uint32_t> event_begin;  // events of span i: [event_begin[i], event_begin[i+1])
  std::vector<DecodedEvent> events;
  DecodedAttrs event_attrs;  // owner = event
  // column extra
  std::vector<int32_t> extra_of;  // index into extras, -1 if none
  std::vector<DecodedExtras> extras;

  uint32_t traces() const { return static_cast<uint32_t>(trace_id.size()); }
  uint32_t spans() const { return static_cast<uint32_t>(span_id.size()); }
  SpanKind kind(uint32_t i) const { return static_cast<SpanKind>(kind_status[i] & kKindMask); }
  bool is_error(uint32_t i) const {
    return ((kind_status[i] & kStatusMask) >> kStatusShift) ==
           static_cast<uint8_t>(SpanStatusCode::kError);
  }
};

// Reads column `c` of page `p` (one pread), checks each stream's CRC and decompresses it,
// then decodes it. The columns it depends on (span on trace; attr, event, extra on span) are
// loaded first. No-op if already loaded. `page_no` names the page in errors.
Status load_column(int fd, const std::string& path, const Footer& f, const PageEntry& p,
                   uint32_t page_no, Column c, PageData* d);

// What a search needs of a page beyond its trace column: the span streams that say which
// service, operation, kind and status each span has (and where it sits in the tree), the
// span times only for span-duration queries, and the values of the attribute slots its tags
// name. Nothing else is decompressed or decoded.
struct SearchColumns {
  bool times = false;                             // span start / end
  const std::vector<bool>* attr_slots = nullptr;  // span slots to decode; null: no attributes
};
// Loads the trace column and the parts of the span and attr columns `what` names: fills
// trace_*, parent_ref, resource, name_code / name_raw, kind_status, start / end (if
// what.times) and attrs (only the wanted slots' attributes; owner = span). The columns are
// not marked loaded: a later load_column() decodes them whole.
Status load_for_search(int fd, const std::string& path, const Footer& f, const PageEntry& p,
                       uint32_t page_no, const SearchColumns& what, PageData* d);

// The value of a decoded attribute.
AnyValue attr_value(const std::vector<SlotEntry>& slots, const DecodedAttrs& a,
                    const DecodedAttr& x);

// Builds the model span `i` of the page (every column loaded).
void build_span(const Footer& f, const PageData& d, uint32_t trace, uint32_t i, Span* out);

}  // namespace weft::store::block
