// Jaeger Thrift decoder: the mapping onto the model (docs/format/jaeger-thrift.md), the four
// entry points agreeing (bare binary Batch; emitBatch in compact, strict binary and
// non-strict binary), unknown fields of every type, hand-checked bytes, per-span rejects,
// whole-request errors, truncation at every byte and random garbage.
#include <gtest/gtest.h>

#include <random>

#include "wire/jaeger_thrift.h"
#include "wire/jaeger_thrift_test_encoder.h"

namespace weft::wire {

using namespace weft::model;

namespace {

using namespace jaeger_testing;  // NOLINT(google-build-using-namespace)

constexpr int64_t kHigh = 0x0102030405060708;
constexpr int64_t kLow = 0x090a0b0c0d0e0f10;
constexpr int64_t kRoot = 0x1112131415161718;
constexpr int64_t kStart = 1'700'000'000'000'001;  // µs

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}

TraceId trace(int64_t high, int64_t low) {
  auto hex = [](int64_t v) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return std::string(buf);
  };
  return *TraceId::from_hex(hex(high) + hex(low));
}
SpanId span(int64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return *SpanId::from_hex(buf);
}

JBatch full_batch() {
  JBatch b;
  b.process.service_name = "frontend";
  b.process.tags =
      std::vector<JTag>{str_tag("hostname", "h1"), long_tag("pid", 42), bool_tag("debug", true),
                        double_tag("load", 0.5), binary_tag("raw", std::string("\0\1", 2))};
  b.seq_no = 5;
  b.stats = true;

  JSpan root;
  root.trace_id_high = kHigh;
  root.trace_id_low = kLow;
  root.span_id = kRoot;
  root.operation_name = "GET /";
  root.flags = 1;
  root.start_time = kStart;
  root.duration = 250;
  root.tags = std::vector<JTag>{str_tag("span.kind", "server"),
                                str_tag("http.method", "GET"),
                                long_tag("http.status_code", 500),
                                bool_tag("error", true),
                                str_tag("otel.status_description", "boom"),
                                double_tag("ratio", 0.25),
                                binary_tag("payload", "xyz"),
                                long_tag("negative", -7)};
  root.logs = std::vector<JLog>{
      {kStart + 10, {str_tag("event", "cache.miss"), str_tag("key", "k1")}},
      {kStart + 20, {str_tag("message", "no name"), long_tag("n", 3)}},
  };
  root.incomplete = false;

  JSpan child;  // parentSpanId, plus a CHILD_OF ref to the same parent (not a link)
  child.trace_id_high = kHigh;
  child.trace_id_low = kLow;
  child.span_id = 2;
  child.parent_span_id = kRoot;
  child.operation_name = "SELECT";
  child.start_time = kStart + 5;
  child.duration = 100;
  child.flags = 3;
  child.references = std::vector<JRef>{{0, kLow, kHigh, kRoot}, {1, 77, 0, 9}};
  child.tags = std::vector<JTag>{str_tag("span.kind", "CLIENT"), str_tag("otel.status_code", "OK"),
                                 bool_tag("error", false)};

  JSpan by_ref;  // parentSpanId 0: the CHILD_OF reference within the trace is the parent
  by_ref.trace_id_high = kHigh;
  by_ref.trace_id_low = kLow;
  by_ref.span_id = 3;
  by_ref.operation_name = "consume";
  by_ref.start_time = kStart + 50;
  by_ref.references = std::vector<JRef>{{1, kLow, kHigh, 2},  // FOLLOWS_FROM: a link
                                        {0, 5, 6, 7},         // CHILD_OF another trace: a link
                                        {0, kLow, kHigh, kRoot}};
  by_ref.tags = std::vector<JTag>{
      str_tag("span.kind", "consumer"), str_tag("otel.status_code", "ERROR"),
      str_tag("otel.status_description", "lost"), str_tag("w3c.tracestate", "a=b")};

  JSpan short_id;  // a 64-bit trace id; an unknown span.kind stays a tag
  short_id.trace_id_low = 0x42;
  short_id.span_id = 4;
  short_id.operation_name = "short";
  short_id.start_time = 1;
  short_id.tags = std::vector<JTag>{str_tag("span.kind", "gateway"), JTag{"odd", 9, "x"}};

  b.spans = {root, child, by_ref, short_id};
  return b;
}

DecodeResult must_decode(std::string_view data, int entry) {
  DecodeResult r;
  Status st = entry == 0   ? decode_jaeger_thrift_batch(data, &r)
              : entry == 1 ? decode_jaeger_thrift_emit_batch(data, ThriftProtocol::kCompact, &r)
                           : decode_jaeger_thrift_emit_batch(data, ThriftProtocol::kBinary, &r);
  EXPECT_TRUE(st.is_ok()) << st.message();
  return r;
}

TEST(JaegerThrift, MapsOntoTheModel) {
  DecodeResult r = must_decode(binary_batch(full_batch()), 0);
  ASSERT_EQ(r.rejected_spans, 0u) << r.summary();
  ASSERT_EQ(r.batch.spans.size(), 4u);

  // Resource: service.name first, then the process tags with their types.
  const Span& root = r.batch.spans[0];
  ASSERT_TRUE(root.resource);
  EXPECT_EQ(root.service_name(), "frontend");
  KeyValueList want_res{{"service.name", "frontend"},
                        {"hostname", "h1"},
                        {"pid", int64_t{42}},
                        {"debug", true},
                        {"load", 0.5},
                        {"raw", Bytes{std::string("\0\1", 2)}}};
  EXPECT_EQ(root.resource->attributes, want_res);
  for (const Span& s : r.batch.spans) {
    EXPECT_EQ(s.resource.get(), root.resource.get());
    ASSERT_TRUE(s.scope);
  }

  EXPECT_EQ(root.trace_id, trace(kHigh, kLow));
  EXPECT_EQ(root.trace_id.to_hex(), "0102030405060708090a0b0c0d0e0f10");
  EXPECT_EQ(root.span_id, span(kRoot));
  EXPECT_TRUE(root.is_root());
  EXPECT_EQ(root.name, "GET /");
  EXPECT_EQ(root.flags, 1u);
  EXPECT_EQ(root.start_time_unix_nano, uint64_t{kStart} * 1000);
  EXPECT_EQ(root.end_time_unix_nano, uint64_t{kStart + 250} * 1000);
  EXPECT_EQ(root.kind, SpanKind::kServer);
  EXPECT_EQ(root.status.code, SpanStatusCode::kError);
  EXPECT_EQ(root.status.message, "boom");
  KeyValueList want_attrs{{"http.method", "GET"},
                          {"http.status_code", int64_t{500}},
                          {"ratio", 0.25},
                          {"payload", Bytes{"xyz"}},
                          {"negative", int64_t{-7}}};
  EXPECT_EQ(root.attributes, want_attrs);
  ASSERT_EQ(root.events.size(), 2u);
  EXPECT_EQ(root.events[0].name, "cache.miss");
  EXPECT_EQ(root.events[0].time_unix_nano, uint64_t{kStart + 10} * 1000);
  EXPECT_EQ(root.events[0].attributes, (KeyValueList{{"key", "k1"}}));
  EXPECT_EQ(root.events[1].name, "event");
  EXPECT_EQ(root.events[1].attributes, (KeyValueList{{"message", "no name"}, {"n", int64_t{3}}}));
  EXPECT_TRUE(root.links.empty());

  const Span& child = r.batch.spans[1];
  EXPECT_EQ(child.parent_span_id, span(kRoot));
  EXPECT_EQ(child.kind, SpanKind::kClient);
  EXPECT_EQ(child.flags, 3u);
  EXPECT_EQ(child.status.code, SpanStatusCode::kOk);
  EXPECT_EQ(child.attributes, (KeyValueList{{"error", false}}));
  ASSERT_EQ(child.links.size(), 1u);  // the CHILD_OF ref to the parent is not repeated
  EXPECT_EQ(child.links[0].trace_id, trace(0, 77));
  EXPECT_EQ(child.links[0].span_id, span(9));
  EXPECT_EQ(child.links[0].attributes, (KeyValueList{{"opentracing.ref_type", "follows_from"}}));

  const Span& by_ref = r.batch.spans[2];
  EXPECT_EQ(by_ref.parent_span_id, span(kRoot));
  EXPECT_EQ(by_ref.kind, SpanKind::kConsumer);
  EXPECT_EQ(by_ref.status.code, SpanStatusCode::kError);
  EXPECT_EQ(by_ref.status.message, "lost");
  EXPECT_EQ(by_ref.end_time_unix_nano, by_ref.start_time_unix_nano);
  EXPECT_EQ(by_ref.flags, 1u);
  EXPECT_EQ(by_ref.attributes, (KeyValueList{{"w3c.tracestate", "a=b"}}));
  ASSERT_EQ(by_ref.links.size(), 2u);
  EXPECT_EQ(by_ref.links[0].span_id, span(2));
  EXPECT_EQ(by_ref.links[0].attributes, (KeyValueList{{"opentracing.ref_type", "follows_from"}}));
  EXPECT_EQ(by_ref.links[1].trace_id, trace(6, 5));
  EXPECT_EQ(by_ref.links[1].attributes, (KeyValueList{{"opentracing.ref_type", "child_of"}}));

  const Span& short_id = r.batch.spans[3];
  EXPECT_EQ(short_id.trace_id.to_hex(), "00000000000000000000000000000042");
  EXPECT_EQ(short_id.kind, SpanKind::kUnspecified);
  EXPECT_EQ(short_id.status.code, SpanStatusCode::kUnset);
  EXPECT_EQ(short_id.attributes,
            (KeyValueList{{"span.kind", "gateway"}, {"odd", "<Unknown Jaeger TagType 9>"}}));
}

TEST(JaegerThrift, EveryEntryPointAndProtocolAgrees) {
  const JBatch b = full_batch();
  DecodeResult want = must_decode(binary_batch(b), 0);
  struct Case {
    const char* name;
    std::string data;
    int entry;
  };
  std::vector<Case> cases = {
      {"binary batch + unknown fields", binary_batch(b, true), 0},
      {"compact emitBatch", compact_emit_batch(b), 1},
      {"compact emitBatch + unknown fields", compact_emit_batch(b, true), 1},
      {"strict binary emitBatch", binary_emit_batch(b, true), 2},
      {"non-strict binary emitBatch", binary_emit_batch(b, false), 2},
      {"strict binary emitBatch + unknown fields", binary_emit_batch(b, true, true), 2},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    DecodeResult got = must_decode(c.data, c.entry);
    ASSERT_EQ(got.batch.spans.size(), want.batch.spans.size());
    for (size_t i = 0; i < got.batch.spans.size(); ++i)
      EXPECT_TRUE(same_span(got.batch.spans[i], want.batch.spans[i])) << i;
  }
}

// Written by hand from the IDL and the protocol specifications.
TEST(JaegerThrift, HandCheckedBinaryBatch) {
  std::string data = bytes({
      0x0c, 0x00, 0x01,                                                  // process
      0x0b, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 'a',  'p',  'i',         //   serviceName
      0x00,                                                              //   stop
      0x0f, 0x00, 0x02, 0x0c, 0x00, 0x00, 0x00, 0x01,                    // spans: 1 struct
      0x0a, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,  //   traceIdLow 2
      0x0a, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,  //   traceIdHigh 1
      0x0a, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,  //   spanId 3
      0x0a, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //   parentSpanId 0
      0x0b, 0x00, 0x05, 0x00, 0x00, 0x00, 0x02, 'o',  'p',               //   operationName
      0x08, 0x00, 0x07, 0x00, 0x00, 0x00, 0x01,                          //   flags 1
      0x0a, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8,  //   startTime 1000
      0x0a, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,  //   duration 5
      0x00,                                                              //   stop
      0x00,                                                              // stop
  });
  DecodeResult r = must_decode(data, 0);
  ASSERT_EQ(r.batch.spans.size(), 1u);
  const Span& s = r.batch.spans[0];
  EXPECT_EQ(s.trace_id.to_hex(), "00000000000000010000000000000002");
  EXPECT_EQ(s.span_id.to_hex(), "0000000000000003");
  EXPECT_TRUE(s.is_root());
  EXPECT_EQ(s.name, "op");
  EXPECT_EQ(s.service_name(), "api");
  EXPECT_EQ(s.start_time_unix_nano, 1'000'000u);
  EXPECT_EQ(s.end_time_unix_nano, 1'005'000u);
  EXPECT_EQ(s.flags, 1u);
  // The test encoder writes the same bytes.
  JBatch b;
  b.process.service_name = "api";
  JSpan js;
  js.trace_id_low = 2;
  js.trace_id_high = 1;
  js.span_id = 3;
  js.operation_name = "op";
  js.start_time = 1000;
  js.duration = 5;
  b.spans = {js};
  EXPECT_EQ(binary_batch(b), data);
}

TEST(JaegerThrift, HandCheckedCompactEmitBatch) {
  std::string data = bytes({
      0x82, 0x81, 0x01, 0x09, 'e', 'm', 'i', 't', 'B', 'a', 't', 'c', 'h',  // oneway, seq 1
      0x1c,                                   // args field 1: struct (Batch)
      0x1c,                                   //   field 1: struct (Process)
      0x18, 0x03, 'a',  'p',  'i',            //     serviceName
      0x00,                                   //     stop
      0x19, 0x1c,                             //   field 2: list, 1 struct
      0x16, 0x04,                             //     traceIdLow 2 (zigzag 4)
      0x16, 0x02,                             //     traceIdHigh 1
      0x16, 0x06,                             //     spanId 3
      0x16, 0x00,                             //     parentSpanId 0
      0x18, 0x02, 'o',  'p',                  //     operationName
      0x25, 0x02,                             //     field 7 (delta 2): flags 1
      0x16, 0xd0, 0x0f,                       //     startTime 1000 (zigzag 2000)
      0x16, 0x0a,                             //     duration 5
      0x19, 0x1c,                             //     field 10 tags: list of 1 struct
      0x18, 0x05, 'e',  'r',  'r', 'o', 'r',  // key
      0x15, 0x04,                             //       vType BOOL (2)
      0x31,                                   //       field 5 (delta 3): vBool true, in the header
      0x00,                                   //       stop
      0x00,                                   //     stop
      0x00,                                   //   stop
      0x00,                                   // stop
  });
  DecodeResult r = must_decode(data, 1);
  ASSERT_EQ(r.batch.spans.size(), 1u);
  const Span& s = r.batch.spans[0];
  EXPECT_EQ(s.trace_id.to_hex(), "00000000000000010000000000000002");
  EXPECT_EQ(s.span_id.to_hex(), "0000000000000003");
  EXPECT_EQ(s.service_name(), "api");
  EXPECT_EQ(s.start_time_unix_nano, 1'000'000u);
  EXPECT_EQ(s.end_time_unix_nano, 1'005'000u);
  EXPECT_EQ(s.status.code, SpanStatusCode::kError);
  EXPECT_TRUE(s.attributes.empty());
}

TEST(JaegerThrift, BadSpansAreRejectedAlone) {
  JBatch b = full_batch();
  JSpan good = b.spans[0];
  auto with = [&](auto change) {
    JSpan s = good;
    change(s);
    return s;
  };
  b.spans = {
      good,
      with([](JSpan& s) { s.trace_id_high = s.trace_id_low = 0; }),
      with([](JSpan& s) { s.span_id = 0; }),
      with([](JSpan& s) { s.start_time = -1; }),
      with([](JSpan& s) { s.duration = -5; }),
      with([](JSpan& s) { s.start_time = INT64_MAX; }),
      with([](JSpan& s) {
        s.references = std::vector<JRef>{{1, 1, 0, 0}};
      }),
      with([](JSpan& s) {
        s.logs = std::vector<JLog>{{-3, {}}};
      }),
  };
  DecodeResult r = must_decode(binary_batch(b), 0);
  ASSERT_EQ(r.batch.spans.size(), 1u);
  EXPECT_EQ(r.rejected_spans, 7u);
  ASSERT_EQ(r.errors.size(), 7u);
  EXPECT_EQ(r.errors[0], "span 1: traceIdHigh and traceIdLow must not both be zero");
  EXPECT_EQ(r.errors[1], "span 2: spanId must not be zero");
  EXPECT_EQ(r.errors[2], "span 3: startTime -1 is not a time in microseconds since 1970");
  EXPECT_EQ(r.errors[3], "span 4: duration -5 is not a number of microseconds");
  EXPECT_NE(r.errors[4].find("span 5: startTime"), std::string::npos);
  EXPECT_EQ(r.errors[5], "span 6: references[0]: spanId must not be zero");
  EXPECT_EQ(r.errors[6], "span 7: logs[0]: timestamp -3 is not a time in microseconds since 1970");
}

Status decode_any(std::string_view data, int entry, DecodeResult* r) {
  return entry == 0   ? decode_jaeger_thrift_batch(data, r)
         : entry == 1 ? decode_jaeger_thrift_emit_batch(data, ThriftProtocol::kCompact, r)
                      : decode_jaeger_thrift_emit_batch(data, ThriftProtocol::kBinary, r);
}

TEST(JaegerThrift, WholeRequestErrors) {
  auto error_of = [](const std::string& data, int entry) {
    DecodeResult r;
    Status st = decode_any(data, entry, &r);
    EXPECT_EQ(st.code(), ResultCode::kInvalidArgument);
    EXPECT_TRUE(r.batch.spans.empty());
    return st.message();
  };
  using thrift::testing::BinaryWriter;
  using thrift::testing::CompactWriter;

  {  // No process.
    BinaryWriter w;
    w.struct_begin();
    w.field_list_begin(2, Type::kStruct, 0);
    w.struct_end();
    EXPECT_EQ(error_of(w.bytes(), 0), "Batch: required field process (1) is missing");
  }
  {  // No spans.
    BinaryWriter w;
    w.struct_begin();
    w.field_struct_begin(1);
    w.struct_end();
    w.struct_end();
    EXPECT_EQ(error_of(w.bytes(), 0), "Batch: required field spans (2) is missing");
  }
  {  // Spans of the wrong element type.
    BinaryWriter w;
    w.struct_begin();
    w.field_list_begin(2, Type::kI64, 1);
    w.i64(1);
    w.struct_end();
    EXPECT_EQ(error_of(w.bytes(), 0), "Batch.spans: list of i64, expected a list of structs");
  }
  {  // A string longer than the input, deep inside: the path says where.
    JBatch b = full_batch();
    std::string data = binary_batch(b);
    std::string key = "http.method";
    size_t at = data.find(key);
    ASSERT_NE(at, std::string::npos);
    data[at - 1] = 0x7f;  // the key's length, big-endian low byte... now 127
    data[at - 2] = 0x7f;
    std::string e = error_of(data, 0);
    EXPECT_EQ(e.rfind("Batch.spans[0].tags[1]: at byte ", 0), 0u) << e;
    EXPECT_NE(e.find("truncated string"), std::string::npos) << e;
  }
  {  // emitZipkinBatch, another method, a reply, no batch argument.
    BinaryWriter w;
    w.message_begin("emitZipkinBatch", MessageType::kOneway, 1);
    w.struct_begin();
    w.struct_end();
    EXPECT_NE(error_of(w.bytes(), 2).find("emitZipkinBatch (Zipkin Thrift spans) is not supported"),
              std::string::npos);
    CompactWriter c;
    c.message_begin("fetch\x01", MessageType::kCall, 1);
    EXPECT_EQ(error_of(c.bytes(), 1),
              "unknown method \"fetch\\x01\" (the Agent service has emitBatch)");
    CompactWriter reply;
    reply.message_begin("emitBatch", MessageType::kReply, 1);
    EXPECT_NE(error_of(reply.bytes(), 1).find("expected a oneway call"), std::string::npos);
    BinaryWriter empty;
    empty.message_begin("emitBatch", MessageType::kCall, 1, false);
    empty.struct_begin();
    empty.field_i32(2, 1);
    empty.struct_end();
    EXPECT_EQ(error_of(empty.bytes(), 2), "emitBatch: argument 1 (batch) is missing");
  }
  // The wrong protocol for the port.
  EXPECT_NE(error_of(compact_emit_batch(full_batch()), 2).find("not a Thrift binary message"),
            std::string::npos);
  EXPECT_NE(error_of(binary_emit_batch(full_batch()), 1).find("not a Thrift compact message"),
            std::string::npos);
  EXPECT_FALSE(error_of("", 0).empty());
  EXPECT_FALSE(error_of("", 1).empty());
}

// Every strict prefix of a valid input fails as a whole and leaves the result untouched.
TEST(JaegerThrift, TruncatedAtEveryByte) {
  const JBatch b = full_batch();
  std::vector<std::pair<std::string, int>> inputs = {
      {binary_batch(b, true), 0},
      {compact_emit_batch(b, true), 1},
      {binary_emit_batch(b, true, true), 2},
      {binary_emit_batch(b, false), 2},
  };
  for (const auto& [data, entry] : inputs) {
    DecodeResult r = must_decode(data, entry);  // four spans already in r
    ASSERT_EQ(r.batch.spans.size(), 4u);
    for (size_t len = 0; len < data.size(); ++len) {
      Status st = decode_any(std::string_view(data).substr(0, len), entry, &r);
      ASSERT_EQ(st.code(), ResultCode::kInvalidArgument) << "entry " << entry << " len " << len;
      ASSERT_EQ(r.batch.spans.size(), 4u);
      ASSERT_EQ(r.rejected_spans, 0u);
    }
  }
}

// Random bytes and random mutations of valid inputs: never a crash, never a read outside
// the input (the sanitizer build checks that), and what decodes is well formed.
TEST(JaegerThrift, GarbageNeverCrashes) {
  std::mt19937_64 rng(20240607);
  const JBatch b = full_batch();
  const std::string valid[3] = {binary_batch(b, true), compact_emit_batch(b, true),
                                binary_emit_batch(b, true, true)};
  size_t decoded = 0;
  for (int i = 0; i < 30000; ++i) {
    int entry = i % 3;
    std::string data;
    if (i % 2) {
      data.resize(rng() % 200);
      for (char& c : data) c = static_cast<char>(rng());
      if (entry == 1 && !data.empty()) data[0] = static_cast<char>(0x82);
    } else {
      data = valid[entry];
      int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) data[rng() % data.size()] = static_cast<char>(rng());
      if (rng() % 4 == 0) data.resize(rng() % data.size());
    }
    DecodeResult r;
    Status st = decode_any(data, entry, &r);
    if (!st.is_ok()) {
      EXPECT_FALSE(st.message().empty());
      EXPECT_TRUE(r.batch.spans.empty());
      continue;
    }
    ++decoded;
    for (const Span& s : r.batch.spans) {
      ASSERT_TRUE(s.resource);
      ASSERT_TRUE(s.scope);
      ASSERT_FALSE(s.trace_id.is_zero());
      ASSERT_FALSE(s.span_id.is_zero());
      ASSERT_GE(s.end_time_unix_nano, s.start_time_unix_nano);
    }
  }
  EXPECT_GT(decoded, 0u);  // some mutations keep the input readable
}

}  // namespace
}  // namespace weft::wire
