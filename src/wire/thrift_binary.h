#pragma once
// Thrift's binary protocol (TBinaryProtocol): big-endian fixed-width integers and doubles,
// i32 lengths and counts, field headers as type byte + i16 id. Messages in the strict
// form (i32 0x8001_00TT, name, seq id) and the old non-strict one (name, type byte, seq
// id) are both read. See thrift_reader.h for the reader contract. Internal to src/wire.
#include "wire/thrift_reader.h"

namespace weft::wire::thrift {

class BinaryReader final : public Reader {
 public:
  explicit BinaryReader(std::string_view data) : Reader(data) {}

  bool message_begin(MessageHeader* h) override;
  bool struct_begin() override { return enter(); }
  bool struct_end() override {
    leave();
    return true;
  }
  bool field_begin(Type* type, int16_t* id) override;
  bool list_begin(Type* element, uint32_t* size) override;
  bool map_begin(Type* key, Type* value, uint32_t* size) override;
  bool read_bool(bool* v) override;
  bool read_byte(int8_t* v) override;
  bool read_i16(int16_t* v) override;
  bool read_i32(int32_t* v) override;
  bool read_i64(int64_t* v) override;
  bool read_double(double* v) override;
  bool read_binary(std::string_view* v) override;

 private:
  bool read_u8(uint8_t* v, const char* what);
  bool read_be(size_t n, const char* what, uint64_t* v);
};

}  // namespace weft::wire::thrift
