#include "wire/proto_wire.h"

namespace weft::wire::proto {

namespace {
constexpr int kMaxGroupDepth = 32;

const char* wire_type_name(WireType t) {
  switch (t) {
    case WireType::kVarint: return "0 (varint)";
    case WireType::kFixed64: return "1 (fixed64)";
    case WireType::kLen: return "2 (length-delimited)";
    case WireType::kStartGroup: return "3 (start group)";
    case WireType::kEndGroup: return "4 (end group)";
    case WireType::kFixed32: return "5 (fixed32)";
  }
  return "?";
}
}  // namespace

Reader::Next Reader::next(Field* f) {
  for (;;) {
    if (p_ == end_) return kEnd;
    uint64_t tag;
    if (!read_varint(&tag)) {
      set_error("truncated tag");
      return kError;
    }
    uint64_t number = tag >> 3;
    uint8_t type = tag & 7;
    if (number == 0 || number > 0x1FFFFFFF) {
      set_error("invalid field number " + std::to_string(number));
      return kError;
    }
    f->number = static_cast<uint32_t>(number);
    f->type = static_cast<WireType>(type);
    switch (type) {
      case 0:
        if (!read_varint(&f->value)) break;
        return kField;
      case 1:
        if (end_ - p_ < 8) break;
        std::memcpy(&f->value, p_, 8);  // OTLP runs on little-endian hosts only
        p_ += 8;
        return kField;
      case 2: {
        uint64_t len;
        if (!read_varint(&len) || len > static_cast<uint64_t>(end_ - p_)) break;
        f->bytes = std::string_view(p_, len);
        p_ += len;
        return kField;
      }
      case 3:
        if (!skip_group(f->number, 1)) return kError;
        continue;  // unknown groups are never yielded
      case 5: {
        if (end_ - p_ < 4) break;
        uint32_t v;
        std::memcpy(&v, p_, 4);
        f->value = v;
        p_ += 4;
        return kField;
      }
      case 4:
        set_error("unmatched end group " + std::to_string(number));
        return kError;
      default:
        set_error("field " + std::to_string(number) + " has invalid wire type " +
                  std::to_string(type));
        return kError;
    }
    set_error("truncated field " + std::to_string(number));
    return kError;
  }
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
        set_error("field " + std::to_string(n) + " has invalid wire type " +
                  std::to_string(type));
        return false;
    }
    set_error("truncated field " + std::to_string(n));
    return false;
  }
}

bool Reader::expect(const Field& f, WireType t) {
  if (f.type == t) return true;
  set_error("field " + std::to_string(f.number) + " has wire type " + wire_type_name(f.type) +
            ", expected " + wire_type_name(t));
  return false;
}

}  // namespace weft::wire::proto
