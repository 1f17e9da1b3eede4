#pragma once
// Apache Thrift wire primitives for the Jaeger decoder: one bounds-checked reader interface
// with two implementations, the binary protocol (thrift_binary.h) and the compact protocol
// (thrift_compact.h). Internal to src/wire; the format is described in
// docs/format/jaeger-thrift.md.
//
// Reader contract:
//  * never reads outside the byte range it was given; every read checks what is left;
//  * a read that fails returns false and error() says where and why ("at byte 17: string
//    of 300 bytes, only 12 left"); the first error is kept, later reads keep failing;
//  * a container header (list, set, map) whose element count could not fit in the bytes
//    left (every element takes at least one byte) is an error, so no count read from the
//    input can make a caller allocate more than the input's size;
//  * structs and containers nest at most kMaxDepth deep (skip() and struct_begin() check).
#include <cstdint>
#include <string>
#include <string_view>

namespace weft::wire::thrift {

// Value types, numbered as the binary protocol numbers them (TType); the compact reader
// translates its own numbering into these.
enum class Type : uint8_t {
  kStop = 0,
  kVoid = 1,
  kBool = 2,
  kByte = 3,
  kDouble = 4,
  kI16 = 6,
  kI32 = 8,
  kI64 = 10,
  kString = 11,  // string and binary: bytes with a length
  kStruct = 12,
  kMap = 13,
  kSet = 14,
  kList = 15,
  kUuid = 16,
};
// "i64", "struct", ... ("type 7" for a number Thrift does not define).
std::string type_name(Type t);

enum class MessageType : uint8_t { kCall = 1, kReply = 2, kException = 3, kOneway = 4 };

struct MessageHeader {
  std::string_view name;  // points into the input
  MessageType type = MessageType::kCall;
  int32_t seq_id = 0;
};

inline constexpr int kMaxDepth = 64;

class Reader {
 public:
  explicit Reader(std::string_view data)
      : begin_(data.data()), p_(data.data()), end_(data.data() + data.size()) {}
  virtual ~Reader() = default;
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // A message envelope (method name, type, sequence id); its arguments struct follows.
  virtual bool message_begin(MessageHeader* h) = 0;

  // A struct is struct_begin(), field_begin() until it yields kStop (reading or skipping
  // each field's value in between), struct_end().
  virtual bool struct_begin() = 0;
  virtual bool struct_end() = 0;
  // The next field's type and id; *type == kStop (id 0) at the end of the struct.
  virtual bool field_begin(Type* type, int16_t* id) = 0;
  // List and set headers (their encoding is the same): element type and count.
  virtual bool list_begin(Type* element, uint32_t* size) = 0;
  // Map header. With *size == 0 the key and value types are kVoid (compact omits them).
  virtual bool map_begin(Type* key, Type* value, uint32_t* size) = 0;
  // Every container_begin (list/set/map) is closed with container_end() once its
  // elements are read, so that depth is tracked.
  void container_end() { --depth_; }

  virtual bool read_bool(bool* v) = 0;
  virtual bool read_byte(int8_t* v) = 0;
  virtual bool read_i16(int16_t* v) = 0;
  virtual bool read_i32(int32_t* v) = 0;
  virtual bool read_i64(int64_t* v) = 0;
  virtual bool read_double(double* v) = 0;
  // String or binary: *v points into the input (valid as long as the input is).
  virtual bool read_binary(std::string_view* v) = 0;
  // 16 bytes as they are, in both protocols.
  bool read_uuid(std::string_view* v);

  // Skips one value of type t, whatever it holds (containers and structs recursively).
  bool skip(Type t);

  // Why the last read failed ("at byte N: ...").
  const std::string& error() const { return error_; }
  bool failed() const { return !error_.empty(); }
  size_t offset() const { return static_cast<size_t>(p_ - begin_); }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }

 protected:
  // Sets the error (the first one is kept) and returns false.
  bool fail(const std::string& what);
  // The next n bytes, advancing; false (with an error naming `what`) if fewer are left.
  bool take(size_t n, const char* what, const char** out);
  // One nesting level more (struct or container); false past kMaxDepth.
  bool enter();
  void leave() { --depth_; }
  // Checks a container's element count against the bytes left (min_bytes per element).
  bool check_count(int64_t count, size_t min_bytes, const char* what);

  const char* begin_;
  const char* p_;
  const char* end_;
  int depth_ = 0;

 private:
  std::string error_;
};

}  // namespace weft::wire::thrift
