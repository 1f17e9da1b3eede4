#include "wire/thrift_compact.h"

#include <algorithm>
#include <cstring>

#include "common/coding.h"

namespace weft::wire::thrift {

namespace {
constexpr uint8_t kProtocolId = 0x82;
constexpr uint8_t kVersion = 1;

// Compact type ids (the low nibble of a field header, element types of containers).
enum Compact : uint8_t {
  kCStop = 0,
  kCBoolTrue = 1,
  kCBoolFalse = 2,
  kCByte = 3,
  kCI16 = 4,
  kCI32 = 5,
  kCI64 = 6,
  kCDouble = 7,
  kCBinary = 8,
  kCList = 9,
  kCSet = 10,
  kCMap = 11,
  kCStruct = 12,
  kCUuid = 13,
};
}  // namespace

// coding::decode_varint64 over at most max_bytes bytes (3 for i16, 5 for i32 and lengths,
// 10 for i64): the 10-byte rule is coding.h's; the narrower ones bound what a field may take.
bool CompactReader::read_varint(int max_bytes, const char* what, uint64_t* v) {
  if (failed()) return false;
  const size_t n = std::min(remaining(), static_cast<size_t>(max_bytes));
  if (const char* q = coding::decode_varint64(p_, p_ + n, v)) [[likely]] {
    p_ = q;
    return true;
  }
  // Cold: say why, at the byte where it went wrong. Truncated if the input ended before
  // a last byte and before max_bytes; malformed otherwise (too long, or a 10th byte > 1).
  size_t k = 0;
  while (k < n && (static_cast<uint8_t>(p_[k]) & 0x80)) ++k;
  if (k == n && n < static_cast<size_t>(max_bytes)) {
    p_ += n;
    const char* unused;
    return take(1, what, &unused);  // fails: "truncated <what> (needs 1 bytes, 0 left)"
  }
  p_ += std::min(k + 1, n);
  return fail(std::string("malformed varint (") + what + ")");
}

bool CompactReader::to_type(uint8_t nibble, Type* out) {
  switch (nibble) {
    case kCBoolTrue:
    case kCBoolFalse:
      *out = Type::kBool;
      return true;
    case kCByte:
      *out = Type::kByte;
      return true;
    case kCI16:
      *out = Type::kI16;
      return true;
    case kCI32:
      *out = Type::kI32;
      return true;
    case kCI64:
      *out = Type::kI64;
      return true;
    case kCDouble:
      *out = Type::kDouble;
      return true;
    case kCBinary:
      *out = Type::kString;
      return true;
    case kCList:
      *out = Type::kList;
      return true;
    case kCSet:
      *out = Type::kSet;
      return true;
    case kCMap:
      *out = Type::kMap;
      return true;
    case kCStruct:
      *out = Type::kStruct;
      return true;
    case kCUuid:
      *out = Type::kUuid;
      return true;
    default:
      return fail("unknown compact type " + std::to_string(nibble));
  }
}

bool CompactReader::message_begin(MessageHeader* h) {
  const char* p;
  if (!take(2, "message header", &p)) return false;
  uint8_t id = static_cast<uint8_t>(p[0]), vt = static_cast<uint8_t>(p[1]);
  if (id != kProtocolId)
    return fail("not a Thrift compact message (first byte " + std::to_string(id) +
                ", expected 130 = 0x82)");
  if ((vt & 0x1f) != kVersion)
    return fail("compact protocol version " + std::to_string(vt & 0x1f) + ", expected 1");
  h->type = static_cast<MessageType>((vt >> 5) & 0x07);
  uint64_t seq;
  if (!read_varint(5, "message seq id", &seq)) return false;
  h->seq_id = static_cast<int32_t>(static_cast<uint32_t>(seq));
  return read_binary(&h->name);
}

bool CompactReader::struct_begin() {
  if (!enter()) return false;
  ++struct_depth_;  // <= depth_ <= kMaxDepth
  last_field_[struct_depth_] = 0;
  return true;
}

bool CompactReader::struct_end() {
  --struct_depth_;
  leave();
  return true;
}

bool CompactReader::field_begin(Type* type, int16_t* id) {
  const char* p;
  if (!take(1, "field header", &p)) return false;
  uint8_t b = static_cast<uint8_t>(*p);
  *id = 0;
  if (b == kCStop) {
    *type = Type::kStop;
    return true;
  }
  uint8_t nibble = b & 0x0f, delta = b >> 4;
  if (!to_type(nibble, type)) return false;
  int16_t& last = last_field_[struct_depth_];
  if (delta != 0) {
    *id = static_cast<int16_t>(last + delta);
  } else if (!read_i16(id)) {
    return false;
  }
  last = *id;
  if (nibble == kCBoolTrue) pending_bool_ = PendingBool::kTrue;
  if (nibble == kCBoolFalse) pending_bool_ = PendingBool::kFalse;
  return true;
}

bool CompactReader::list_begin(Type* element, uint32_t* size) {
  const char* p;
  if (!take(1, "list header", &p)) return false;
  uint8_t b = static_cast<uint8_t>(*p);
  uint64_t n = b >> 4;
  if (n == 15 && !read_varint(5, "list size", &n)) return false;
  if (n > UINT32_MAX) return fail("list size " + std::to_string(n) + " out of range");
  if (!check_count(static_cast<int64_t>(n), 1, "list")) return false;
  if (!to_type(b & 0x0f, element) || !enter()) return false;
  *size = static_cast<uint32_t>(n);
  return true;
}

bool CompactReader::map_begin(Type* key, Type* value, uint32_t* size) {
  uint64_t n;
  if (!read_varint(5, "map size", &n)) return false;
  if (n > UINT32_MAX) return fail("map size " + std::to_string(n) + " out of range");
  *key = *value = Type::kVoid;
  if (n != 0) {
    const char* p;
    if (!take(1, "map types", &p)) return false;
    uint8_t b = static_cast<uint8_t>(*p);
    if (!check_count(static_cast<int64_t>(n), 2, "map") || !to_type(b >> 4, key) ||
        !to_type(b & 0x0f, value))
      return false;
  }
  if (!enter()) return false;
  *size = static_cast<uint32_t>(n);
  return true;
}

bool CompactReader::read_bool(bool* v) {
  if (pending_bool_ != PendingBool::kNone) {
    *v = pending_bool_ == PendingBool::kTrue;
    pending_bool_ = PendingBool::kNone;
    return true;
  }
  const char* p;
  if (!take(1, "bool", &p)) return false;
  *v = static_cast<uint8_t>(*p) == kCBoolTrue;
  return true;
}

bool CompactReader::read_byte(int8_t* v) {
  const char* p;
  if (!take(1, "byte", &p)) return false;
  *v = static_cast<int8_t>(*p);
  return true;
}

bool CompactReader::read_i16(int16_t* v) {
  uint64_t x;
  if (!read_varint(3, "i16", &x)) return false;
  int64_t s = coding::unzigzag(x);
  if (s < INT16_MIN || s > INT16_MAX) return fail("i16 out of range: " + std::to_string(s));
  *v = static_cast<int16_t>(s);
  return true;
}

bool CompactReader::read_i32(int32_t* v) {
  uint64_t x;
  if (!read_varint(5, "i32", &x)) return false;
  int64_t s = coding::unzigzag(x);
  if (s < INT32_MIN || s > INT32_MAX) return fail("i32 out of range: " + std::to_string(s));
  *v = static_cast<int32_t>(s);
  return true;
}

bool CompactReader::read_i64(int64_t* v) {
  uint64_t x;
  if (!read_varint(10, "i64", &x)) return false;
  *v = coding::unzigzag(x);
  return true;
}

bool CompactReader::read_double(double* v) {
  const char* p;
  if (!take(8, "double", &p)) return false;
  uint64_t x = 0;
  for (int i = 7; i >= 0; --i) x = (x << 8) | static_cast<uint8_t>(p[i]);  // little-endian
  std::memcpy(v, &x, sizeof x);
  return true;
}

bool CompactReader::read_binary(std::string_view* v) {
  uint64_t n;
  if (!read_varint(5, "string length", &n)) return false;
  if (n > remaining())
    return fail("string of " + std::to_string(n) + " bytes, only " + std::to_string(remaining()) +
                " left");
  const char* p;
  if (!take(static_cast<size_t>(n), "string", &p)) return false;
  *v = std::string_view(p, static_cast<size_t>(n));
  return true;
}

}  // namespace weft::wire::thrift
