// Thrift binary and compact readers: every primitive both ways (the test writer against the
// readers), hand-checked bytes, skipping, and the bounds (truncation, counts larger than
// the input, nesting depth).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>

#include "wire/thrift_binary.h"
#include "wire/thrift_compact.h"
#include "wire/thrift_test_writer.h"

namespace weft::wire::thrift {
namespace {

using testing::BinaryWriter;
using testing::CompactWriter;
using testing::Writer;

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}

enum class Proto { kBinary, kCompact };
std::unique_ptr<Writer> writer(Proto p) {
  if (p == Proto::kBinary) return std::make_unique<BinaryWriter>();
  return std::make_unique<CompactWriter>();
}
std::unique_ptr<Reader> reader(Proto p, std::string_view data) {
  if (p == Proto::kBinary) return std::make_unique<BinaryReader>(data);
  return std::make_unique<CompactReader>(data);
}

class ThriftProtocols : public ::testing::TestWithParam<Proto> {};

// One struct with a field of every type, written and read back field by field.
TEST_P(ThriftProtocols, EveryTypeRoundTrips) {
  auto w = writer(GetParam());
  w->struct_begin();
  w->field_bool(1, true);
  w->field_bool(2, false);
  w->field(Type::kByte, 3);
  w->byte(-5);
  w->field(Type::kI16, 4);
  w->i16(-32768);
  w->field_i32(20, std::numeric_limits<int32_t>::min());
  w->field_i64(-3, std::numeric_limits<int64_t>::min());  // negative id: long form in compact
  w->field_double(300, -1.5e300);
  w->field_string(301, std::string("a\0b", 3));
  w->field_list_begin(302, Type::kBool, 3);
  w->boolean(true);
  w->boolean(false);
  w->boolean(true);
  w->field(Type::kMap, 303);
  w->map_begin(Type::kString, Type::kI64, 1);
  w->binary("k");
  w->i64(int64_t{1} << 62);
  w->field(Type::kUuid, 304);
  w->uuid("0123456789abcdef");
  w->field_list_begin(305, Type::kI32, 20);  // 15 or more: the compact long list header
  for (int i = 0; i < 20; ++i) w->i32(i - 10);
  w->struct_end();
  const std::string data = w->bytes();

  auto r = reader(GetParam(), data);
  Type t;
  int16_t id;
  bool b;
  ASSERT_TRUE(r->struct_begin());
  ASSERT_TRUE(r->field_begin(&t, &id));
  EXPECT_EQ(t, Type::kBool);
  EXPECT_EQ(id, 1);
  ASSERT_TRUE(r->read_bool(&b));
  EXPECT_TRUE(b);
  ASSERT_TRUE(r->field_begin(&t, &id));
  EXPECT_EQ(id, 2);
  ASSERT_TRUE(r->read_bool(&b));
  EXPECT_FALSE(b);
  int8_t i8;
  ASSERT_TRUE(r->field_begin(&t, &id) && r->read_byte(&i8));
  EXPECT_EQ(i8, -5);
  int16_t i16;
  ASSERT_TRUE(r->field_begin(&t, &id) && r->read_i16(&i16));
  EXPECT_EQ(t, Type::kI16);
  EXPECT_EQ(i16, -32768);
  int32_t i32;
  ASSERT_TRUE(r->field_begin(&t, &id) && r->read_i32(&i32));
  EXPECT_EQ(id, 20);
  EXPECT_EQ(i32, std::numeric_limits<int32_t>::min());
  int64_t i64;
  ASSERT_TRUE(r->field_begin(&t, &id) && r->read_i64(&i64));
  EXPECT_EQ(id, -3);
  EXPECT_EQ(i64, std::numeric_limits<int64_t>::min());
  double d;
  ASSERT_TRUE(r->field_begin(&t, &id) && r->read_double(&d));
  EXPECT_EQ(id, 300);
  EXPECT_EQ(d, -1.5e300);
  std::string_view s;
  ASSERT_TRUE(r->field_begin(&t, &id) && r->read_binary(&s));
  EXPECT_EQ(t, Type::kString);
  EXPECT_EQ(s, std::string_view("a\0b", 3));
  Type et, kt, vt;
  uint32_t n;
  ASSERT_TRUE(r->field_begin(&t, &id) && r->list_begin(&et, &n));
  EXPECT_EQ(t, Type::kList);
  EXPECT_EQ(et, Type::kBool);
  ASSERT_EQ(n, 3u);
  bool bs[3];
  ASSERT_TRUE(r->read_bool(&bs[0]) && r->read_bool(&bs[1]) && r->read_bool(&bs[2]));
  EXPECT_TRUE(bs[0] && !bs[1] && bs[2]);
  r->container_end();
  ASSERT_TRUE(r->field_begin(&t, &id) && r->map_begin(&kt, &vt, &n));
  EXPECT_EQ(id, 303);
  EXPECT_EQ(kt, Type::kString);
  EXPECT_EQ(vt, Type::kI64);
  ASSERT_EQ(n, 1u);
  ASSERT_TRUE(r->read_binary(&s) && r->read_i64(&i64));
  EXPECT_EQ(s, "k");
  EXPECT_EQ(i64, int64_t{1} << 62);
  r->container_end();
  ASSERT_TRUE(r->field_begin(&t, &id) && r->read_uuid(&s));
  EXPECT_EQ(t, Type::kUuid);
  EXPECT_EQ(s, "0123456789abcdef");
  ASSERT_TRUE(r->field_begin(&t, &id) && r->list_begin(&et, &n));
  ASSERT_EQ(n, 20u);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(r->read_i32(&i32));
    EXPECT_EQ(i32, i - 10);
  }
  r->container_end();
  ASSERT_TRUE(r->field_begin(&t, &id));
  EXPECT_EQ(t, Type::kStop);
  EXPECT_TRUE(r->struct_end());
  EXPECT_EQ(r->remaining(), 0u);
  EXPECT_FALSE(r->failed());

  // The same struct skipped whole.
  auto r2 = reader(GetParam(), data);
  EXPECT_TRUE(r2->skip(Type::kStruct)) << r2->error();
  EXPECT_EQ(r2->remaining(), 0u);

  // Every strict prefix fails, cleanly, when skipped.
  for (size_t len = 0; len < data.size(); ++len) {
    auto r3 = reader(GetParam(), std::string_view(data).substr(0, len));
    EXPECT_FALSE(r3->skip(Type::kStruct)) << len;
    EXPECT_NE(r3->error().find("at byte"), std::string::npos) << r3->error();
  }
}

TEST_P(ThriftProtocols, MessageHeaders) {
  auto w = writer(GetParam());
  w->message_begin("emitBatch", MessageType::kOneway, 77);
  auto r = reader(GetParam(), w->bytes());
  MessageHeader h;
  ASSERT_TRUE(r->message_begin(&h)) << r->error();
  EXPECT_EQ(h.name, "emitBatch");
  EXPECT_EQ(h.type, MessageType::kOneway);
  EXPECT_EQ(h.seq_id, 77);
  EXPECT_EQ(r->remaining(), 0u);
}

TEST_P(ThriftProtocols, ContainerCountsMustFitTheInput) {
  auto w = writer(GetParam());
  w->list_begin(Type::kI64, 1'000'000'000);
  w->i64(1);
  auto r = reader(GetParam(), w->bytes());
  Type et;
  uint32_t n;
  EXPECT_FALSE(r->list_begin(&et, &n));
  EXPECT_NE(r->error().find("cannot fit"), std::string::npos) << r->error();

  auto m = writer(GetParam());
  m->map_begin(Type::kI32, Type::kI32, 10);  // 10 entries need at least 20 bytes
  m->i32(1);
  m->i32(2);
  auto rm = reader(GetParam(), m->bytes());
  Type kt, vt;
  EXPECT_FALSE(rm->map_begin(&kt, &vt, &n));
}

TEST_P(ThriftProtocols, NestingIsBounded) {
  auto w = writer(GetParam());
  for (int i = 0; i < 100; ++i) w->list_begin(Type::kList, 1);
  w->list_begin(Type::kI32, 0);
  auto r = reader(GetParam(), w->bytes());
  EXPECT_FALSE(r->skip(Type::kList));
  EXPECT_NE(r->error().find("nested more than 64"), std::string::npos) << r->error();

  auto ok = writer(GetParam());
  for (int i = 0; i < 60; ++i) ok->list_begin(Type::kList, 1);
  ok->list_begin(Type::kI32, 0);
  auto r2 = reader(GetParam(), ok->bytes());
  EXPECT_TRUE(r2->skip(Type::kList)) << r2->error();
}

TEST_P(ThriftProtocols, UnknownTypesCannotBeSkipped) {
  const std::string r_bytes = bytes({0, 0, 0, 0});  // the reader keeps a view
  auto r = reader(GetParam(), r_bytes);
  EXPECT_FALSE(r->skip(static_cast<Type>(7)));
  EXPECT_FALSE(r->error().empty());
}

INSTANTIATE_TEST_SUITE_P(ThriftReader, ThriftProtocols,
                         ::testing::Values(Proto::kBinary, Proto::kCompact),
                         [](const auto& info) {
                           return info.param == Proto::kBinary ? "Binary" : "Compact";
                         });

// Hand-checked bytes, written from the specifications.
TEST(ThriftBinary, HandCheckedBytes) {
  // Strict header 0x80010004 (oneway), name "ab", seq 7; then a struct with field 1 i64 = -2
  // and field 2 bool true.
  std::string data = bytes({0x80, 0x01, 0x00, 0x04, 0, 0, 0, 2, 'a', 'b', 0, 0, 0, 7,    //
                            0x0a, 0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,  //
                            0x02, 0x00, 0x02, 0x01, 0x00});
  BinaryReader r(data);
  MessageHeader h;
  ASSERT_TRUE(r.message_begin(&h));
  EXPECT_EQ(h.name, "ab");
  EXPECT_EQ(h.type, MessageType::kOneway);
  EXPECT_EQ(h.seq_id, 7);
  Type t;
  int16_t id;
  int64_t v;
  bool b;
  ASSERT_TRUE(r.struct_begin() && r.field_begin(&t, &id) && r.read_i64(&v));
  EXPECT_EQ(v, -2);
  ASSERT_TRUE(r.field_begin(&t, &id) && r.read_bool(&b));
  EXPECT_EQ(t, Type::kBool);
  EXPECT_EQ(id, 2);
  EXPECT_TRUE(b);
  ASSERT_TRUE(r.field_begin(&t, &id));
  EXPECT_EQ(t, Type::kStop);

  // Non-strict: name length, name, type byte, seq.
  std::string old = bytes({0, 0, 0, 1, 'x', 1, 0, 0, 0, 9});
  BinaryReader r2(old);
  ASSERT_TRUE(r2.message_begin(&h)) << r2.error();
  EXPECT_EQ(h.name, "x");
  EXPECT_EQ(h.type, MessageType::kCall);
  EXPECT_EQ(h.seq_id, 9);

  // A wrong version, a negative string length.
  const std::string r3_bytes = bytes({0x80, 0x02, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0});  // the reader keeps a view
  BinaryReader r3(r3_bytes);
  EXPECT_FALSE(r3.message_begin(&h));
  EXPECT_NE(r3.error().find("not a Thrift binary message"), std::string::npos) << r3.error();
  const std::string r4_bytes = bytes({0xff, 0xff, 0xff, 0xfe, 'a'});  // the reader keeps a view
  BinaryReader r4(r4_bytes);
  std::string_view s;
  EXPECT_FALSE(r4.read_binary(&s));
  EXPECT_NE(r4.error().find("negative length"), std::string::npos) << r4.error();
}

TEST(ThriftCompact, HandCheckedBytes) {
  // 0x82, type 4 (oneway) << 5 | version 1, seq 300 (varint ac 02), name "ab"; a struct: field
  // 1 i64 = -2 (zigzag 3), field 3 bool false (delta 2, type 2), field 200 i32 = 1 (long
  // form: type 5, zigzag i16 200 = 400 = 90 03, value zigzag 2), a double 1.0 in field 201.
  std::string data = bytes({0x82, 0x81, 0xac, 0x02, 0x02, 'a', 'b',  //
                            0x16, 0x03, 0x22, 0x05, 0x90, 0x03, 0x02,   //
                            0x17, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x00});
  CompactReader r(data);
  MessageHeader h;
  ASSERT_TRUE(r.message_begin(&h)) << r.error();
  EXPECT_EQ(h.name, "ab");
  EXPECT_EQ(h.type, MessageType::kOneway);
  EXPECT_EQ(h.seq_id, 300);
  Type t;
  int16_t id;
  int64_t v;
  int32_t i;
  bool b = true;
  double d;
  ASSERT_TRUE(r.struct_begin() && r.field_begin(&t, &id) && r.read_i64(&v));
  EXPECT_EQ(id, 1);
  EXPECT_EQ(v, -2);
  ASSERT_TRUE(r.field_begin(&t, &id) && r.read_bool(&b));
  EXPECT_EQ(id, 3);
  EXPECT_FALSE(b);
  ASSERT_TRUE(r.field_begin(&t, &id) && r.read_i32(&i)) << r.error();
  EXPECT_EQ(id, 200);
  EXPECT_EQ(i, 1);
  ASSERT_TRUE(r.field_begin(&t, &id) && r.read_double(&d)) << r.error();
  EXPECT_EQ(id, 201);
  EXPECT_EQ(d, 1.0);
  ASSERT_TRUE(r.field_begin(&t, &id));
  EXPECT_EQ(t, Type::kStop);

  // Not the compact protocol id; an unknown type nibble; an over-long varint.
  const std::string r2_bytes = bytes({0x80, 0x01, 0x00, 0x04});  // the reader keeps a view
  CompactReader r2(r2_bytes);
  EXPECT_FALSE(r2.message_begin(&h));
  const std::string r3_bytes = bytes({0x1e});  // the reader keeps a view
  CompactReader r3(r3_bytes);
  EXPECT_FALSE(r3.field_begin(&t, &id));
  EXPECT_NE(r3.error().find("unknown compact type 14"), std::string::npos) << r3.error();
  const std::string r4_bytes = bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01});  // the reader keeps a view
  CompactReader r4(r4_bytes);
  EXPECT_FALSE(r4.read_i64(&v));
  const std::string r5_bytes = bytes({0xff, 0xff, 0xff, 0xff, 0x7f});  // the reader keeps a view
  CompactReader r5(r5_bytes);  // 35 bits: not an i32
  EXPECT_FALSE(r5.read_i32(&i));
}

}  // namespace
}  // namespace weft::wire::thrift
