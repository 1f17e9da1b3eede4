#pragma once
// Span records: how the head holds a span — one compact byte string instead of a model
// Span (about 150 bytes instead of about 1.3 KB for the reference workload). Names, keys and
// repeated short values are numbers into the head's HeadTables; resources and scopes are
// ids. Queries match records in place (SpanRecordView, RecordQuery); trace by ID and the
// block flush decode them back into model spans, field for field.
//
// record := span_id[8] parent_span_id[8] start fixed64 varint zigzag(end - start)
//           varint flags  varint name_id  byte kind_status  varint resource_id
//           varint scope_id  attrs  [events] [links] [extras]
// kind_status := kind (bits 0-2) | status (bits 3-4) | has_events 0x20 | has_links 0x40 |
//                has_extras 0x80
// attrs  := varint n  (varint key_id  byte type  value){n}
// value  := empty: nothing | interned string: varint id | inline string: varint len bytes |
//           bool: byte | int: varint zigzag | double: fixed64 |
//           bytes / array / kvlist: the span codec's value encoding (wal.md)
// events := varint n  (varint zigzag(time - start)  varint name_id  attrs  varint dropped){n}
// links  := varint n  link{n} (the span codec's link encoding)
// extras := varint present  then, for each bit set in order: trace_state str,
//           status message str, rpc_id str, dropped attributes, dropped events, dropped links
//
// A record is made and read by the same process: it is not an on-disk format.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/query.h"
#include "model/span.h"
#include "store/head/head_tables.h"

namespace weft::store {

using namespace weft::model;

// Appends the record of `span` to `*out`, interning into `tables`.
void encode_span_record(const Span& span, HeadTables& tables, std::string* out);
// Decodes a record made by encode_span_record with the same tables.
Span decode_span_record(std::string_view record, const TraceId& trace_id, const HeadTables& tables);

// The fixed fields of a record, and its attribute and event sections, without decoding
// anything else.
struct SpanRecordView {
  explicit SpanRecordView(std::string_view record);

  SpanId span_id;
  SpanId parent_span_id;
  uint64_t start = 0;
  uint64_t end = 0;
  uint32_t name_id = 0;
  uint8_t kind_status = 0;
  uint32_t resource_id = 0;
  uint32_t scope_id = 0;
  uint64_t flags = 0;
  std::string_view attrs;  // the attrs section
  std::string_view rest;   // what follows it: [events] [links] [extras]

  SpanKind kind() const { return static_cast<SpanKind>(kind_status & 0x07); }
  SpanStatusCode status() const { return static_cast<SpanStatusCode>((kind_status >> 3) & 3); }
  bool has_events() const { return kind_status & 0x20; }
  bool is_root() const { return parent_span_id.is_zero(); }
  uint64_t duration() const { return end > start ? end - start : 0; }
};

// A query compiled against one head's tables: names become ids once, so matching a record
// compares numbers. Holds references to `q` and `tables`: use it under the head's lock and
// while `q` lives.
class RecordQuery {
 public:
  RecordQuery(const TraceQuery& q, const HeadTables& tables);

  // False if no record of these tables can be the anchor (unknown service or operation).
  bool anchor_possible() const { return anchor_possible_; }
  bool span_is_anchor(const SpanRecordView& r) const;
  // Tag `i` of the query holds on this span (its attributes, resource, events, or a
  // pseudo-tag), as span_match.h's span_has_tag on the decoded span.
  bool span_has_tag(const SpanRecordView& r, size_t i) const;
  // The trace-level conditions other than the time window (span_match.h's spans_match) on
  // the records of one trace.
  bool records_match(const std::vector<SpanRecordView>& spans, uint64_t trace_duration) const;

 private:
  struct Tag {
    std::string_view key;
    std::string_view value;
    std::optional<uint32_t> key_id;
    std::optional<uint32_t> value_id;  // the value, if interned
    std::optional<SpanKind> kind;      // span.kind=<kind>
    std::vector<int8_t> resource;      // per resource id: 1 holds, 0 not, -1 unknown yet
  };
  bool attrs_have(std::string_view section, const Tag& t) const;

  const TraceQuery& q_;
  const HeadTables& tables_;
  bool anchor_possible_ = true;
  std::optional<uint32_t> service_id_;
  std::optional<uint32_t> name_id_;
  mutable std::vector<Tag> tags_;
};

}  // namespace weft::store
