#pragma once
// Test-only Thrift encoder for both protocols (binary and compact), to build the inputs of
// the Thrift readers' and the Jaeger decoder's tests and the fuzz seeds. Not used by weft
// itself (weft only reads Thrift). Header-only; written from the protocol specifications
// (Apache Thrift doc/specs/thrift-binary-protocol.md and thrift-compact-protocol.md), not
// from the readers, so that a test compares two independent readings of the spec.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/coding.h"
#include "wire/thrift_reader.h"

namespace weft::wire::thrift::testing {

class Writer {
 public:
  virtual ~Writer() = default;
  std::string& bytes() { return out_; }

  // strict: the binary protocol's versioned header (ignored by the compact writer).
  virtual void message_begin(std::string_view name, MessageType type, int32_t seq,
                             bool strict = true) = 0;
  virtual void struct_begin() = 0;
  virtual void struct_end() = 0;  // writes the stop field
  virtual void field(Type type, int16_t id) = 0;  // not for bool fields: field_bool
  virtual void field_bool(int16_t id, bool v) = 0;
  virtual void list_begin(Type element, uint32_t size) = 0;
  virtual void map_begin(Type key, Type value, uint32_t size) = 0;
  virtual void boolean(bool v) = 0;  // a bool inside a container
  virtual void byte(int8_t v) = 0;
  virtual void i16(int16_t v) = 0;
  virtual void i32(int32_t v) = 0;
  virtual void i64(int64_t v) = 0;
  virtual void f64(double v) = 0;
  virtual void binary(std::string_view v) = 0;
  void uuid(std::string_view sixteen) { out_.append(sixteen.substr(0, 16)); }

  // Shorthands for a field and its value.
  void field_i32(int16_t id, int32_t v) {
    field(Type::kI32, id);
    i32(v);
  }
  void field_i64(int16_t id, int64_t v) {
    field(Type::kI64, id);
    i64(v);
  }
  void field_double(int16_t id, double v) {
    field(Type::kDouble, id);
    f64(v);
  }
  void field_string(int16_t id, std::string_view v) {
    field(Type::kString, id);
    binary(v);
  }
  void field_struct_begin(int16_t id) {
    field(Type::kStruct, id);
    struct_begin();
  }
  void field_list_begin(int16_t id, Type element, uint32_t size) {
    field(Type::kList, id);
    list_begin(element, size);
  }

 protected:
  std::string out_;
};

class BinaryWriter final : public Writer {
 public:
  void message_begin(std::string_view name, MessageType type, int32_t seq,
                     bool strict = true) override {
    if (strict) {
      be(0x80010000u | static_cast<uint8_t>(type), 4);
      binary(name);
    } else {
      binary(name);
      out_.push_back(static_cast<char>(type));
    }
    i32(seq);
  }
  void struct_begin() override {}
  void struct_end() override { out_.push_back(0); }
  void field(Type type, int16_t id) override {
    out_.push_back(static_cast<char>(type));
    i16(id);
  }
  void field_bool(int16_t id, bool v) override {
    field(Type::kBool, id);
    boolean(v);
  }
  void list_begin(Type element, uint32_t size) override {
    out_.push_back(static_cast<char>(element));
    be(size, 4);
  }
  void map_begin(Type key, Type value, uint32_t size) override {
    out_.push_back(static_cast<char>(key));
    out_.push_back(static_cast<char>(value));
    be(size, 4);
  }
  void boolean(bool v) override { out_.push_back(v ? 1 : 0); }
  void byte(int8_t v) override { out_.push_back(static_cast<char>(v)); }
  void i16(int16_t v) override { be(static_cast<uint16_t>(v), 2); }
  void i32(int32_t v) override { be(static_cast<uint32_t>(v), 4); }
  void i64(int64_t v) override { be(static_cast<uint64_t>(v), 8); }
  void f64(double v) override {
    uint64_t x;
    std::memcpy(&x, &v, 8);
    be(x, 8);
  }
  void binary(std::string_view v) override {
    be(static_cast<uint32_t>(v.size()), 4);
    out_.append(v);
  }

 private:
  void be(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) out_.push_back(static_cast<char>(v >> (8 * i)));
  }
};

class CompactWriter final : public Writer {
 public:
  void message_begin(std::string_view name, MessageType type, int32_t seq, bool = true) override {
    out_.push_back(static_cast<char>(0x82));
    out_.push_back(static_cast<char>((static_cast<uint8_t>(type) << 5) | 1));
    varint(static_cast<uint32_t>(seq));
    binary(name);
  }
  void struct_begin() override { last_.push_back(0); }
  void struct_end() override {
    out_.push_back(0);
    last_.pop_back();
  }
  void field(Type type, int16_t id) override { header(compact(type), id); }
  void field_bool(int16_t id, bool v) override { header(v ? 1 : 2, id); }
  void list_begin(Type element, uint32_t size) override {
    if (size < 15) {
      out_.push_back(static_cast<char>((size << 4) | compact(element)));
    } else {
      out_.push_back(static_cast<char>(0xf0 | compact(element)));
      varint(size);
    }
  }
  void map_begin(Type key, Type value, uint32_t size) override {
    varint(size);
    if (size) out_.push_back(static_cast<char>((compact(key) << 4) | compact(value)));
  }
  void boolean(bool v) override { out_.push_back(v ? 1 : 2); }
  void byte(int8_t v) override { out_.push_back(static_cast<char>(v)); }
  void i16(int16_t v) override { varint(zigzag(v)); }
  void i32(int32_t v) override { varint(zigzag(v)); }
  void i64(int64_t v) override { varint(zigzag(v)); }
  void f64(double v) override {
    uint64_t x;
    std::memcpy(&x, &v, 8);
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>(x >> (8 * i)));
  }
  void binary(std::string_view v) override {
    varint(v.size());
    out_.append(v);
  }

  // The compact type id of a Type (bool as "true"; containers use it for elements).
  static uint8_t compact(Type t) {
    switch (t) {
      case Type::kBool:
        return 1;
      case Type::kByte:
        return 3;
      case Type::kI16:
        return 4;
      case Type::kI32:
        return 5;
      case Type::kI64:
        return 6;
      case Type::kDouble:
        return 7;
      case Type::kString:
        return 8;
      case Type::kList:
        return 9;
      case Type::kSet:
        return 10;
      case Type::kMap:
        return 11;
      case Type::kStruct:
        return 12;
      case Type::kUuid:
        return 13;
      default:
        return 0;
    }
  }

 private:
  static uint64_t zigzag(int64_t v) { return coding::zigzag(v); }
  void varint(uint64_t v) { coding::put_varint64(out_, v); }
  void header(uint8_t type, int16_t id) {
    int16_t& last = last_.empty() ? top_ : last_.back();
    int delta = id - last;
    if (delta > 0 && delta <= 15) {
      out_.push_back(static_cast<char>((delta << 4) | type));
    } else {
      out_.push_back(static_cast<char>(type));
      i16(id);
    }
    last = id;
  }
  std::vector<int16_t> last_;
  int16_t top_ = 0;
};

}  // namespace weft::wire::thrift::testing
