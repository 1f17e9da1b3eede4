#pragma once
// Thrift's compact protocol (TCompactProtocol): zigzag varints for i16/i32/i64, varint
// lengths, field ids as a delta from the previous field in a nibble, booleans folded into
// the field header, doubles little-endian, list sizes below 15 in the header's nibble.
// Messages: 0x82, version 1 and type in one byte, varint seq id, name. See thrift_reader.h
// for the reader contract. Internal to src/wire.
#include "wire/thrift_reader.h"

namespace weft::wire::thrift {

class CompactReader final : public Reader {
 public:
  explicit CompactReader(std::string_view data) : Reader(data) {}

  bool message_begin(MessageHeader* h) override;
  bool struct_begin() override;
  bool struct_end() override;
  bool field_begin(Type* type, int16_t* id) override;
  bool list_begin(Type* element, uint32_t* size) override;
  bool map_begin(Type* key, Type* value, uint32_t* size) override;
  // A bool field's value is in its header: read_bool() right after field_begin() returns
  // it without reading a byte. A bool in a container is one byte (1 = true).
  bool read_bool(bool* v) override;
  bool read_byte(int8_t* v) override;
  bool read_i16(int16_t* v) override;
  bool read_i32(int32_t* v) override;
  bool read_i64(int64_t* v) override;
  bool read_double(double* v) override;
  bool read_binary(std::string_view* v) override;

 private:
  bool read_varint(int max_bytes, const char* what, uint64_t* v);
  // Compact type nibble -> Type; false (with an error) for a nibble Thrift does not define.
  bool to_type(uint8_t nibble, Type* out);

  // Id of the last field read in each struct being read (ids are deltas from it).
  int16_t last_field_[kMaxDepth + 1] = {};
  int struct_depth_ = 0;
  // Set by field_begin() for a bool field; consumed by the next read_bool().
  enum class PendingBool : uint8_t { kNone, kTrue, kFalse } pending_bool_ = PendingBool::kNone;
};

}  // namespace weft::wire::thrift
