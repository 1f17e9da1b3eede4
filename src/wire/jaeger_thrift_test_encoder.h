#pragma once
// Test-only: jaeger.thrift values (Batch, Process, Span, Tag, Log, SpanRef) and their
// encoding with a thrift::testing::Writer, field numbers as in jaeger-idl's
// thrift/jaeger.thrift and thrift/agent.thrift. For the decoder's tests and fuzz seeds.
#include <optional>
#include <string>
#include <vector>

#include "wire/thrift_test_writer.h"

namespace weft::wire::jaeger_testing {

using thrift::MessageType;
using thrift::Type;
using thrift::testing::BinaryWriter;
using thrift::testing::CompactWriter;
using thrift::testing::Writer;

enum TagType : int32_t { kString = 0, kDouble = 1, kBool = 2, kLong = 3, kBinary = 4 };

struct JTag {
  std::string key;
  int32_t type = kString;
  std::optional<std::string> v_str;
  std::optional<double> v_double;
  std::optional<bool> v_bool;
  std::optional<int64_t> v_long;
  std::optional<std::string> v_binary;
};
inline JTag str_tag(std::string k, std::string v) { return {std::move(k), kString, std::move(v)}; }
inline JTag double_tag(std::string k, double v) {
  JTag t{std::move(k), kDouble};
  t.v_double = v;
  return t;
}
inline JTag bool_tag(std::string k, bool v) {
  JTag t{std::move(k), kBool};
  t.v_bool = v;
  return t;
}
inline JTag long_tag(std::string k, int64_t v) {
  JTag t{std::move(k), kLong};
  t.v_long = v;
  return t;
}
inline JTag binary_tag(std::string k, std::string v) {
  JTag t{std::move(k), kBinary};
  t.v_binary = std::move(v);
  return t;
}

struct JLog {
  int64_t timestamp = 0;
  std::vector<JTag> fields;
};

struct JRef {
  int32_t type = 0;  // 0 CHILD_OF, 1 FOLLOWS_FROM
  int64_t trace_id_low = 0, trace_id_high = 0, span_id = 0;
};

struct JSpan {
  int64_t trace_id_low = 0, trace_id_high = 0, span_id = 0, parent_span_id = 0;
  std::string operation_name;
  std::optional<std::vector<JRef>> references;
  int32_t flags = 1;
  int64_t start_time = 0, duration = 0;
  std::optional<std::vector<JTag>> tags;
  std::optional<std::vector<JLog>> logs;
  std::optional<bool> incomplete;
};

struct JProcess {
  std::string service_name;
  std::optional<std::vector<JTag>> tags;
};

struct JBatch {
  JProcess process;
  std::vector<JSpan> spans;
  std::optional<int64_t> seq_no;
  bool stats = false;  // ClientStats (field 4) with three i64s
};

// Fields no version of jaeger.thrift has (ids 100..), one of every Thrift type, nested
// containers included: a decoder must skip them all.
inline void unknown_fields(Writer& w) {
  w.field_bool(100, true);
  w.field(Type::kByte, 101);
  w.byte(-1);
  w.field(Type::kI16, 102);
  w.i16(-300);
  w.field_i32(103, 123456);
  w.field_i64(104, -1);
  w.field_double(105, 2.5);
  w.field_string(106, "unknown");
  w.field_struct_begin(107);
  w.field(Type::kMap, 1);
  w.map_begin(Type::kString, Type::kList, 2);
  w.binary("a");
  w.list_begin(Type::kBool, 2);
  w.boolean(true);
  w.boolean(false);
  w.binary("b");
  w.list_begin(Type::kStruct, 1);
  w.struct_begin();
  w.field_bool(1, false);
  w.struct_end();
  w.field(Type::kMap, 2);
  w.map_begin(Type::kI32, Type::kI32, 0);
  w.struct_end();
  w.field(Type::kSet, 108);
  w.list_begin(Type::kI64, 2);
  w.i64(1);
  w.i64(2);
  w.field(Type::kUuid, 109);
  w.uuid("0123456789abcdef");
  w.field_list_begin(-5, Type::kDouble, 1);  // a negative id, too
  w.f64(1.0);
}

// with_unknown: every struct also carries unknown_fields().
inline void encode(Writer& w, const JTag& t, bool with_unknown = false) {
  w.struct_begin();
  w.field_string(1, t.key);
  w.field_i32(2, t.type);
  if (t.v_str) w.field_string(3, *t.v_str);
  if (t.v_double) w.field_double(4, *t.v_double);
  if (t.v_bool) w.field_bool(5, *t.v_bool);
  if (t.v_long) w.field_i64(6, *t.v_long);
  if (t.v_binary) w.field_string(7, *t.v_binary);
  if (with_unknown) unknown_fields(w);
  w.struct_end();
}

inline void encode_tags(Writer& w, int16_t id, const std::vector<JTag>& tags, bool with_unknown) {
  w.field_list_begin(id, Type::kStruct, static_cast<uint32_t>(tags.size()));
  for (const JTag& t : tags) encode(w, t, with_unknown);
}

inline void encode(Writer& w, const JSpan& s, bool with_unknown = false) {
  w.struct_begin();
  w.field_i64(1, s.trace_id_low);
  w.field_i64(2, s.trace_id_high);
  w.field_i64(3, s.span_id);
  w.field_i64(4, s.parent_span_id);
  w.field_string(5, s.operation_name);
  if (s.references) {
    w.field_list_begin(6, Type::kStruct, static_cast<uint32_t>(s.references->size()));
    for (const JRef& r : *s.references) {
      w.struct_begin();
      w.field_i32(1, r.type);
      w.field_i64(2, r.trace_id_low);
      w.field_i64(3, r.trace_id_high);
      w.field_i64(4, r.span_id);
      if (with_unknown) unknown_fields(w);
      w.struct_end();
    }
  }
  w.field_i32(7, s.flags);
  w.field_i64(8, s.start_time);
  w.field_i64(9, s.duration);
  if (s.tags) encode_tags(w, 10, *s.tags, with_unknown);
  if (s.logs) {
    w.field_list_begin(11, Type::kStruct, static_cast<uint32_t>(s.logs->size()));
    for (const JLog& l : *s.logs) {
      w.struct_begin();
      w.field_i64(1, l.timestamp);
      encode_tags(w, 2, l.fields, with_unknown);
      if (with_unknown) unknown_fields(w);
      w.struct_end();
    }
  }
  if (s.incomplete) w.field_bool(12, *s.incomplete);
  if (with_unknown) unknown_fields(w);
  w.struct_end();
}

inline void encode(Writer& w, const JBatch& b, bool with_unknown = false) {
  w.struct_begin();
  if (with_unknown) unknown_fields(w);
  w.field_struct_begin(1);
  w.field_string(1, b.process.service_name);
  if (b.process.tags) encode_tags(w, 2, *b.process.tags, with_unknown);
  if (with_unknown) unknown_fields(w);
  w.struct_end();
  w.field_list_begin(2, Type::kStruct, static_cast<uint32_t>(b.spans.size()));
  for (const JSpan& s : b.spans) encode(w, s, with_unknown);
  if (b.seq_no) w.field_i64(3, *b.seq_no);
  if (b.stats) {
    w.field_struct_begin(4);
    w.field_i64(1, 1);
    w.field_i64(2, 2);
    w.field_i64(3, 3);
    w.struct_end();
  }
  if (with_unknown) unknown_fields(w);
  w.struct_end();
}

// A bare Batch in the binary protocol (the body of POST /api/traces).
inline std::string binary_batch(const JBatch& b, bool with_unknown = false) {
  BinaryWriter w;
  encode(w, b, with_unknown);
  return w.bytes();
}

// Agent.emitBatch as a oneway message, in the given writer's protocol.
inline std::string emit_batch(Writer& w, const JBatch& b, bool strict = true,
                              bool with_unknown = false) {
  w.message_begin("emitBatch", MessageType::kOneway, 1, strict);
  w.struct_begin();
  if (with_unknown) unknown_fields(w);
  w.field(Type::kStruct, 1);
  encode(w, b, with_unknown);
  if (with_unknown) unknown_fields(w);
  w.struct_end();
  return w.bytes();
}
inline std::string compact_emit_batch(const JBatch& b, bool with_unknown = false) {
  CompactWriter w;
  return emit_batch(w, b, true, with_unknown);
}
inline std::string binary_emit_batch(const JBatch& b, bool strict = true,
                                     bool with_unknown = false) {
  BinaryWriter w;
  return emit_batch(w, b, strict, with_unknown);
}

}  // namespace weft::wire::jaeger_testing
