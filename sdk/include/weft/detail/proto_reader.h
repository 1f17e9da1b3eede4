#pragma once
// Minimal protobuf wire-format reading, for walking SpanRecord data (which the SDK wrote
// itself, so malformed input means a bug; the reader still never reads out of bounds).
#include <cstdint>
#include <cstring>
#include <string_view>

#include "weft/detail/proto.h"

namespace weft::detail {

struct ProtoField {
  uint32_t number = 0;
  WireType type = kVarint;
  uint64_t value = 0;      // varint, fixed64, fixed32
  std::string_view bytes;  // kLen
};

class ProtoReader {
 public:
  explicit ProtoReader(std::string_view data) : p_(data.data()), end_(data.data() + data.size()) {}
  // Reads the next field; false at the end or on malformed data.
  bool Next(ProtoField* f) {
    uint64_t tag;
    if (p_ >= end_ || !varint(&tag)) return false;
    f->number = static_cast<uint32_t>(tag >> 3);
    f->type = static_cast<WireType>(tag & 7);
    switch (f->type) {
      case kVarint:
        return varint(&f->value);
      case kFixed64:
        if (end_ - p_ < 8) return false;
        std::memcpy(&f->value, p_, 8);
        p_ += 8;
        return true;
      case kFixed32: {
        if (end_ - p_ < 4) return false;
        uint32_t v;
        std::memcpy(&v, p_, 4);
        f->value = v;
        p_ += 4;
        return true;
      }
      case kLen: {
        uint64_t len;
        if (!varint(&len) || len > static_cast<uint64_t>(end_ - p_)) return false;
        f->bytes = std::string_view(p_, len);
        p_ += len;
        return true;
      }
      default:
        return false;
    }
  }

 private:
  bool varint(uint64_t* out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && p_ < end_; shift += 7) {
      uint8_t b = static_cast<uint8_t>(*p_++);
      v |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) {
        *out = v;
        return true;
      }
    }
    return false;
  }
  const char* p_;
  const char* end_;
};

}  // namespace weft::detail
