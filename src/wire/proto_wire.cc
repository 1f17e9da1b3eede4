#include "wire/proto_wire.h"

namespace weft::wire::proto {

namespace {
constexpr int kMaxGroupDepth = 32;

const char* wire_type_name(WireType t) {
  switch (t) {
    case WireType::kVarint:
      return "0 (varint)";
    case WireType::kFixed64:
      return "1 (fixed64)";
    case WireType::kLen:
      return "2 (length-delimited)";
    case WireType::kStartGroup:
      return "3 (start group)";
    case WireType::kEndGroup:
      return "4 (end group)";
    case WireType::kFixed32:
      return "5 (fixed32)";
  }
  return "?";
}
}  // namespace

Reader::Next Reader::bad_tag(uint64_t number, uint8_t type) {
  if (number == 0 || number > 0x1FFFFFFF) {
    set_error("invalid field number " + std::to_string(number));
  } else if (type == 4) {
    set_error("unmatched end group " + std::to_string(number));
  } else {
    set_error("field " + std::to_string(number) + " has invalid wire type " + std::to_string(type));
  }
  return kError;
}

Reader::Next Reader::truncated(uint64_t number) {
  set_error(number == 0 ? std::string("truncated tag")
                        : "truncated field " + std::to_string(number));
  return kError;
}

bool Reader::skip_group(uint32_t number, int depth) {
  if (depth > kMaxGroupDepth) {
    set_error("groups nested deeper than " + std::to_string(kMaxGroupDepth));
    return false;
  }
  for (;;) {
    if (p_ == end_) {
      set_error("truncated group " + std::to_string(number));
      return false;
    }
    uint64_t tag;
    if (!read_varint(&tag)) {
      set_error("truncated tag");
      return false;
    }
    uint64_t n = tag >> 3;
    uint8_t type = tag & 7;
    if (n == 0 || n > 0x1FFFFFFF) {
      set_error("invalid field number " + std::to_string(n));
      return false;
    }
    uint64_t v;
    switch (type) {
      case 0:
        if (!read_varint(&v)) break;
        continue;
      case 1:
        if (end_ - p_ < 8) break;
        p_ += 8;
        continue;
      case 2:
        if (!read_varint(&v) || v > static_cast<uint64_t>(end_ - p_)) break;
        p_ += v;
        continue;
      case 3:
        if (!skip_group(static_cast<uint32_t>(n), depth + 1)) return false;
        continue;
      case 4:
        if (n != number) {
          set_error("end group " + std::to_string(n) + " does not match start group " +
                    std::to_string(number));
          return false;
        }
        return true;
      case 5:
        if (end_ - p_ < 4) break;
        p_ += 4;
        continue;
      default:
        set_error("field " + std::to_string(n) + " has invalid wire type " + std::to_string(type));
        return false;
    }
    set_error("truncated field " + std::to_string(n));
    return false;
  }
}

bool Reader::wrong_type(const Field& f, WireType t) {
  set_error("field " + std::to_string(f.number) + " has wire type " + wire_type_name(f.type) +
            ", expected " + wire_type_name(t));
  return false;
}

}  // namespace weft::wire::proto
