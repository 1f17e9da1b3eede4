#pragma once
// Protobuf wire format primitives for the hand-written OTLP codec: a bounds-checked field
// reader and the writer helpers. Internal to src/wire.
//
// Reader contract: next() yields one field at a time from a byte range and never reads
// outside it. On malformed framing it returns kError and error() describes the problem
// ("truncated field 5", "field 3 has wire type 0, expected 2"); the caller adds the path.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "common/coding.h"

namespace weft::wire::proto {

enum class WireType : uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLen = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

struct Field {
  uint32_t number = 0;
  WireType type = WireType::kVarint;
  uint64_t value = 0;      // varint, fixed32 and fixed64 payloads
  std::string_view bytes;  // length-delimited payload
};

class Reader {
 public:
  enum Next { kField, kEnd, kError };

  // Error messages go to *error_sink, which must outlive the reader; nested readers share
  // one sink, so constructing a reader costs no allocation.
  Reader(std::string_view data, std::string* error_sink)
      : p_(data.data()), end_(data.data() + data.size()), error_(error_sink) {}

  // Reads the next field. Groups of unknown fields are skipped whole (never yielded).
  // Inline: this is the innermost loop of OTLP ingest.
  Next next(Field* f);

  // Describes the last kError; also set by the expect_* helpers.
  const std::string& error() const { return *error_; }

  // Checks f has the wire type a known field needs; false (with error()) otherwise.
  bool expect(const Field& f, WireType t);

 private:
  bool read_varint(uint64_t* v);
  bool skip_group(uint32_t number, int depth);
  void set_error(std::string msg) { *error_ = std::move(msg); }
  // Cold paths, out of line.
  Next bad_tag(uint64_t number, uint8_t type);
  Next truncated(uint64_t number);
  bool wrong_type(const Field& f, WireType t);

  const char* p_;
  const char* end_;
  std::string* error_;
};

// The varint rule is common/coding.h's: at most 10 bytes, the 10th 0 or 1.
inline bool Reader::read_varint(uint64_t* v) {
  const char* p = coding::decode_varint64(p_, end_, v);
  if (!p) [[unlikely]]
    return false;
  p_ = p;
  return true;
}

// Checked in order of frequency in OTLP: length-delimited, varint, fixed64, fixed32.
__attribute__((always_inline)) inline Reader::Next Reader::next(Field* f) {
  for (;;) {
    if (p_ == end_) return kEnd;
    uint64_t tag;
    if (!read_varint(&tag)) [[unlikely]]
      return truncated(0);
    uint64_t number = tag >> 3;
    uint8_t type = tag & 7;
    if (number == 0 || number > 0x1FFFFFFF) [[unlikely]]
      return bad_tag(number, type);
    f->number = static_cast<uint32_t>(number);
    f->type = static_cast<WireType>(type);
    if (type == 2) {
      uint64_t len;
      if (!read_varint(&len) || len > static_cast<uint64_t>(end_ - p_)) [[unlikely]]
        return truncated(number);
      f->bytes = std::string_view(p_, len);
      p_ += len;
      return kField;
    }
    if (type == 0) {
      if (!read_varint(&f->value)) [[unlikely]]
        return truncated(number);
      return kField;
    }
    if (type == 1) {
      if (end_ - p_ < 8) [[unlikely]]
        return truncated(number);
      std::memcpy(&f->value, p_, 8);  // OTLP runs on little-endian hosts only
      p_ += 8;
      return kField;
    }
    if (type == 5) {
      if (end_ - p_ < 4) [[unlikely]]
        return truncated(number);
      uint32_t v;
      std::memcpy(&v, p_, 4);
      f->value = v;
      p_ += 4;
      return kField;
    }
    if (type != 3) return bad_tag(number, type);
    if (!skip_group(f->number, 1)) return kError;  // unknown groups are never yielded
  }
}

inline bool Reader::expect(const Field& f, WireType t) {
  if (f.type == t) [[likely]]
    return true;
  return wrong_type(f, t);
}

// ---- writing ------------------------------------------------------------------------------

// Varints are written by coding::put_varint64 (common/coding.h).
inline void put_tag(std::string& out, uint32_t number, WireType t) {
  coding::put_varint64(out, (static_cast<uint64_t>(number) << 3) | static_cast<uint8_t>(t));
}

// Proto3 scalars: nothing is written for the default value.
inline void put_varint_field(std::string& out, uint32_t number, uint64_t v) {
  if (v == 0) return;
  put_tag(out, number, WireType::kVarint);
  coding::put_varint64(out, v);
}
inline void put_fixed32_field(std::string& out, uint32_t number, uint32_t v) {
  if (v == 0) return;
  put_tag(out, number, WireType::kFixed32);
  char buf[4];
  for (int i = 0; i < 4; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  out.append(buf, 4);
}
inline void put_fixed64_field(std::string& out, uint32_t number, uint64_t v) {
  if (v == 0) return;
  put_tag(out, number, WireType::kFixed64);
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  out.append(buf, 8);
}
// Writes the field even when empty (oneof members and repeated elements have presence).
inline void put_bytes_field_always(std::string& out, uint32_t number, std::string_view s) {
  put_tag(out, number, WireType::kLen);
  coding::put_varint64(out, s.size());
  out.append(s);
}
inline void put_bytes_field(std::string& out, uint32_t number, std::string_view s) {
  if (!s.empty()) put_bytes_field_always(out, number, s);
}

// Nested messages are written in place: begin_message() reserves one length byte and
// end_message() fills it in, shifting the body when the length needs more bytes. Most OTLP
// submessages (attributes, values) are under 128 bytes, so the shift is rare and cheap.
inline size_t begin_message(std::string& out, uint32_t number) {
  put_tag(out, number, WireType::kLen);
  out.push_back('\0');
  return out.size();
}
inline void end_message(std::string& out, size_t body_start) {
  size_t len = out.size() - body_start;
  if (len < 0x80) {
    out[body_start - 1] = static_cast<char>(len);
    return;
  }
  out.insert(body_start, coding::varint64_size(len) - 1, '\0');
  coding::encode_varint64(out.data() + body_start - 1, len);
}

}  // namespace weft::wire::proto
