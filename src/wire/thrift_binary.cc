#include "wire/thrift_binary.h"

#include <cstdio>
#include <cstring>

namespace weft::wire::thrift {

namespace {
constexpr uint32_t kVersionMask = 0xffff0000u;
constexpr uint32_t kVersion1 = 0x80010000u;
}  // namespace

bool BinaryReader::read_u8(uint8_t* v, const char* what) {
  const char* p;
  if (!take(1, what, &p)) return false;
  *v = static_cast<uint8_t>(*p);
  return true;
}

bool BinaryReader::read_be(size_t n, const char* what, uint64_t* v) {
  const char* p;
  if (!take(n, what, &p)) return false;
  uint64_t x = 0;
  for (size_t i = 0; i < n; ++i) x = (x << 8) | static_cast<uint8_t>(p[i]);
  *v = x;
  return true;
}

bool BinaryReader::message_begin(MessageHeader* h) {
  int32_t first;
  if (!read_i32(&first)) return false;
  if (first < 0) {  // strict: version and type in one i32
    uint32_t word = static_cast<uint32_t>(first);
    if ((word & kVersionMask) != kVersion1) {
      char hex[16];
      std::snprintf(hex, sizeof hex, "%08x", word);
      return fail(std::string("not a Thrift binary message (header 0x") + hex +
                  ", expected 0x800100TT)");
    }
    h->type = static_cast<MessageType>(word & 0xff);
    if (!read_binary(&h->name)) return false;
  } else {  // non-strict: the name's length, the name, then a type byte
    const char* p;
    if (static_cast<uint32_t>(first) > remaining())
      return fail("message name of " + std::to_string(first) + " bytes, only " +
                  std::to_string(remaining()) + " left");
    if (!take(static_cast<size_t>(first), "message name", &p)) return false;
    h->name = std::string_view(p, static_cast<size_t>(first));
    uint8_t type;
    if (!read_u8(&type, "message type")) return false;
    h->type = static_cast<MessageType>(type);
  }
  return read_i32(&h->seq_id);
}

bool BinaryReader::field_begin(Type* type, int16_t* id) {
  uint8_t t;
  if (!read_u8(&t, "field header")) return false;
  *type = static_cast<Type>(t);
  *id = 0;
  if (*type == Type::kStop) return true;
  return read_i16(id);
}

bool BinaryReader::list_begin(Type* element, uint32_t* size) {
  uint8_t t;
  int32_t n;
  if (!read_u8(&t, "list header") || !read_i32(&n)) return false;
  if (!check_count(n, 1, "list") || !enter()) return false;
  *element = static_cast<Type>(t);
  *size = static_cast<uint32_t>(n);
  return true;
}

bool BinaryReader::map_begin(Type* key, Type* value, uint32_t* size) {
  uint8_t k, v;
  int32_t n;
  if (!read_u8(&k, "map header") || !read_u8(&v, "map header") || !read_i32(&n)) return false;
  if (!check_count(n, 2, "map") || !enter()) return false;
  *key = static_cast<Type>(k);
  *value = static_cast<Type>(v);
  *size = static_cast<uint32_t>(n);
  return true;
}

bool BinaryReader::read_bool(bool* v) {
  uint8_t b;
  if (!read_u8(&b, "bool")) return false;
  *v = b != 0;
  return true;
}

bool BinaryReader::read_byte(int8_t* v) {
  uint8_t b;
  if (!read_u8(&b, "byte")) return false;
  *v = static_cast<int8_t>(b);
  return true;
}

bool BinaryReader::read_i16(int16_t* v) {
  uint64_t x;
  if (!read_be(2, "i16", &x)) return false;
  *v = static_cast<int16_t>(static_cast<uint16_t>(x));
  return true;
}

bool BinaryReader::read_i32(int32_t* v) {
  uint64_t x;
  if (!read_be(4, "i32", &x)) return false;
  *v = static_cast<int32_t>(static_cast<uint32_t>(x));
  return true;
}

bool BinaryReader::read_i64(int64_t* v) {
  uint64_t x;
  if (!read_be(8, "i64", &x)) return false;
  *v = static_cast<int64_t>(x);
  return true;
}

bool BinaryReader::read_double(double* v) {
  uint64_t x;
  if (!read_be(8, "double", &x)) return false;
  std::memcpy(v, &x, sizeof x);
  return true;
}

bool BinaryReader::read_binary(std::string_view* v) {
  int32_t n;
  if (!read_i32(&n)) return false;
  if (n < 0) return fail("string with a negative length " + std::to_string(n));
  const char* p;
  if (!take(static_cast<size_t>(n), "string", &p)) return false;
  *v = std::string_view(p, static_cast<size_t>(n));
  return true;
}

}  // namespace weft::wire::thrift
