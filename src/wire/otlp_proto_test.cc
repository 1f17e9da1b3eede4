// Hand-written OTLP protobuf codec: round trips, per-span rejects, framing errors.
#include <gtest/gtest.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "wire/otlp_proto.h"
#include "wire/proto_wire.h"
#include "wire/test_spans.h"

namespace weft::wire {

using namespace weft::model;

namespace {

namespace pb = opentelemetry::proto;
using testing::full_span;
using testing::small_span;

TEST(OtlpProto, RoundTripsEveryField) {
  Span in = full_span();
  std::string bytes = encode_otlp_proto({in});
  DecodeResult r;
  ASSERT_TRUE(decode_otlp_proto(bytes, &r).is_ok());
  ASSERT_EQ(r.batch.spans.size(), 1u);
  EXPECT_EQ(r.rejected_spans, 0u);
  EXPECT_TRUE(same_span(in, r.batch.spans[0]));
  EXPECT_EQ(r.batch.spans[0].rpc_id, "0.1.2");
}

TEST(OtlpProto, GroupsByResourceAndScopeInOrderOfFirstAppearance) {
  Span a = small_span(1), b = small_span(2), c = small_span(3);
  auto other = std::make_shared<Resource>();
  other->attributes = {{"service.name", AnyValue("other")}};
  b.resource = other;
  c.resource = std::make_shared<Resource>(*a.resource);  // equal value, other pointer
  c.scope = a.scope;
  std::string bytes = encode_otlp_proto({a, b, c});

  pb::collector::trace::v1::ExportTraceServiceRequest req;
  ASSERT_TRUE(req.ParseFromString(bytes));
  ASSERT_EQ(req.resource_spans_size(), 2);
  EXPECT_EQ(req.resource_spans(0).scope_spans(0).spans_size(), 2);  // a and c
  EXPECT_EQ(req.resource_spans(1).resource().attributes(0).value().string_value(), "other");

  DecodeResult r;
  ASSERT_TRUE(decode_otlp_proto(bytes, &r).is_ok());
  ASSERT_EQ(r.batch.spans.size(), 3u);
  EXPECT_EQ(r.batch.spans[0].name, "op1");
  EXPECT_EQ(r.batch.spans[1].name, "op3");
  EXPECT_EQ(r.batch.spans[0].resource, r.batch.spans[1].resource);  // one shared Resource
  EXPECT_EQ(r.batch.spans[0].scope, r.batch.spans[1].scope);
}

// A request of one ResourceSpans/ScopeSpans with the given spans.
std::string request_with(const std::vector<pb::trace::v1::Span>& spans) {
  pb::collector::trace::v1::ExportTraceServiceRequest req;
  auto* ss = req.add_resource_spans()->add_scope_spans();
  for (const auto& s : spans) *ss->add_spans() = s;
  return req.SerializeAsString();
}

pb::trace::v1::Span valid_pb_span() {
  pb::trace::v1::Span s;
  s.set_trace_id(std::string(16, '\x01'));
  s.set_span_id(std::string(8, '\x02'));
  s.set_name("ok");
  return s;
}

TEST(OtlpProto, RejectsBadIdsSpanBySpanWithExactMessages) {
  std::vector<pb::trace::v1::Span> spans(9, valid_pb_span());
  spans[1].set_trace_id("abcde");
  spans[2].set_trace_id(std::string(16, '\0'));
  spans[3].clear_span_id();
  spans[4].set_span_id(std::string(8, '\0'));
  spans[5].set_parent_span_id("1234");
  spans[6].set_parent_span_id(std::string(8, '\0'));  // zero parent: a root, accepted
  auto* link = spans[7].add_links();
  link->set_trace_id(std::string(16, '\x03'));
  link->set_span_id("short");
  DecodeResult r;
  ASSERT_TRUE(decode_otlp_proto(request_with(spans), &r).is_ok());
  EXPECT_EQ(r.batch.spans.size(), 3u);  // spans 0, 6 and 8
  EXPECT_EQ(r.rejected_spans, 6u);
  ASSERT_EQ(r.errors.size(), 6u);
  EXPECT_EQ(r.errors[0], "span 1: trace_id must be 16 bytes (got 5)");
  EXPECT_EQ(r.errors[1], "span 2: trace_id must not be all zero");
  EXPECT_EQ(r.errors[2], "span 3: span_id must be 8 bytes (got 0)");
  EXPECT_EQ(r.errors[3], "span 4: span_id must not be all zero");
  EXPECT_EQ(r.errors[4], "span 5: parent_span_id must be empty or 8 bytes (got 4)");
  EXPECT_EQ(r.errors[5], "span 7: links[0].span_id must be 8 bytes (got 5)");
  EXPECT_TRUE(r.batch.spans[1].is_root());
}

TEST(OtlpProto, BadLinkRejectsItsSpan) {
  auto s = valid_pb_span();
  auto* link = s.add_links();
  link->set_trace_id(std::string(16, '\x03'));
  link->set_span_id("short");
  DecodeResult r;
  ASSERT_TRUE(decode_otlp_proto(request_with({valid_pb_span(), s}), &r).is_ok());
  EXPECT_EQ(r.batch.spans.size(), 1u);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], "span 1: links[0].span_id must be 8 bytes (got 5)");
}

TEST(OtlpProto, SpansAreNumberedAcrossTheRequest) {
  pb::collector::trace::v1::ExportTraceServiceRequest req;
  *req.add_resource_spans()->add_scope_spans()->add_spans() = valid_pb_span();
  auto bad = valid_pb_span();
  bad.set_trace_id("x");
  *req.add_resource_spans()->add_scope_spans()->add_spans() = bad;
  DecodeResult r;
  ASSERT_TRUE(decode_otlp_proto(req.SerializeAsString(), &r).is_ok());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], "span 1: trace_id must be 16 bytes (got 1)");
  EXPECT_EQ(r.summary(), "1 span rejected: span 1: trace_id must be 16 bytes (got 1)");
}

// Wraps a message body as field `number` of an enclosing message.
std::string field(uint32_t number, const std::string& body) {
  std::string out;
  proto::put_bytes_field_always(out, number, body);
  return out;
}

TEST(OtlpProto, FramingErrorNamesThePath) {
  std::string good_span = valid_pb_span().SerializeAsString();
  std::string bad_span = good_span +
                         "\x2a\x10"
                         "ab";  // name: 16 bytes promised, 2 given
  std::string scope1 = field(2, good_span) + field(2, good_span) + field(2, bad_span);
  std::string rs = field(2, "") + field(2, scope1);
  DecodeResult r;
  r.batch.spans.push_back(small_span(9));  // what the caller had stays
  Status st = decode_otlp_proto(field(1, rs), &r);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.code(), ResultCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "resource_spans[0].scope_spans[1].spans[2]: truncated field 5");
  EXPECT_EQ(r.batch.spans.size(), 1u);
}

TEST(OtlpProto, WrongWireTypeForKnownFieldIsAnError) {
  std::string span = valid_pb_span().SerializeAsString();
  span += std::string("\x28\x01");  // field 5 (name) as a varint
  DecodeResult r;
  Status st = decode_otlp_proto(field(1, field(2, field(2, span))), &r);
  EXPECT_EQ(st.message(),
            "resource_spans[0].scope_spans[0].spans[0]: field 5 has wire type 0 (varint), "
            "expected 2 (length-delimited)");
}

TEST(OtlpProto, ErrorInsideAttributeValueNamesTheAttribute) {
  std::string kv = field(1, "k") + field(2, std::string("\x1a\x05", 2) + "abc");  // string 5>3
  std::string span = valid_pb_span().SerializeAsString() + field(9, kv);
  DecodeResult r;
  Status st = decode_otlp_proto(field(1, field(2, field(2, span))), &r);
  EXPECT_EQ(st.message(),
            "resource_spans[0].scope_spans[0].spans[0].attributes[0].value: truncated field 3");
}

TEST(OtlpProto, SkipsUnknownFieldsOfEveryWireType) {
  std::string unknown;
  unknown += std::string("\xb8\x01\x96\x01", 4);                // field 23 varint 150
  unknown += std::string("\xc1\x01", 2) + std::string(8, 'x');  // field 24 fixed64
  unknown += std::string("\xcd\x01", 2) + std::string(4, 'y');  // field 25 fixed32
  unknown += field(26, "payload");                              // field 26 length-delimited
  unknown += std::string("\xdb\x01\x08\x01\xdc\x01", 6);        // group 27 { field 1: 1 }
  std::string span = unknown + valid_pb_span().SerializeAsString() + unknown;
  std::string scope = field(2, span) + unknown;
  DecodeResult r;
  ASSERT_TRUE(decode_otlp_proto(field(1, field(2, scope) + unknown) + unknown, &r).is_ok())
      << decode_otlp_proto(field(1, field(2, scope)), &r).message();
  ASSERT_EQ(r.batch.spans.size(), 1u);
  EXPECT_EQ(r.batch.spans[0].name, "ok");

  DecodeResult r2;
  std::string bad_group = std::string("\xdb\x01\x08\x01", 4);  // group never closed
  EXPECT_FALSE(decode_otlp_proto(bad_group, &r2).is_ok());
  std::string mismatched = std::string("\xdb\x01\xe4\x01", 4);  // ends group 28
  EXPECT_FALSE(decode_otlp_proto(mismatched, &r2).is_ok());
  EXPECT_FALSE(decode_otlp_proto(std::string("\x0f", 1), &r2).is_ok());      // wire type 7
  EXPECT_FALSE(decode_otlp_proto(std::string("\x00\x00", 2), &r2).is_ok());  // field 0
}

// Varints follow common/coding.h's rule: a 10th byte of 0 or 1 is the top bit of a uint64;
// above 1 (bits past 64) the field is malformed, never truncated to 64 bits.
TEST(OtlpProto, VarintPast64BitsIsAFramingError) {
  const std::string max = "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01";
  const std::string over = "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02";
  const std::string span = valid_pb_span().SerializeAsString();
  DecodeResult r;
  // An unknown varint field (23) holding the largest uint64 is skipped.
  ASSERT_TRUE(decode_otlp_proto(field(1, field(2, field(2, span + "\xb8\x01" + max))), &r).is_ok());
  ASSERT_EQ(r.batch.spans.size(), 1u);
  DecodeResult r2;
  Status st = decode_otlp_proto(field(1, field(2, field(2, span + "\xb8\x01" + over))), &r2);
  EXPECT_EQ(st.message(), "resource_spans[0].scope_spans[0].spans[0]: truncated field 23");
  // Eleven bytes (a continuation bit in the 10th) as a tag.
  DecodeResult r3;
  EXPECT_FALSE(decode_otlp_proto("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", &r3).is_ok());
}

TEST(OtlpProto, TruncationAtEveryOffsetNeverCrashes) {
  std::vector<Span> spans = {full_span(), small_span(1), full_span()};
  std::string bytes = encode_otlp_proto(spans);
  size_t errors = 0;
  for (size_t n = 0; n < bytes.size(); ++n) {
    DecodeResult r;
    Status st = decode_otlp_proto(std::string_view(bytes).substr(0, n), &r);
    if (!st.is_ok()) {
      ++errors;
      EXPECT_TRUE(r.batch.spans.empty());
      EXPECT_FALSE(st.message().empty());
    } else {
      EXPECT_LE(r.batch.spans.size() + r.rejected_spans, spans.size());
      for (const Span& s : r.batch.spans) EXPECT_TRUE(s.resource && s.scope);
    }
  }
  EXPECT_GT(errors, bytes.size() / 2);
}

TEST(OtlpProto, ByteFlipsNeverCrash) {
  std::string bytes = encode_otlp_proto({full_span()});
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (uint8_t x : {0x01, 0x80, 0xff}) {
      std::string b = bytes;
      b[i] = static_cast<char>(b[i] ^ x);
      DecodeResult r;
      (void)decode_otlp_proto(b, &r);
    }
  }
}

TEST(OtlpProto, DeepNestingIsAnErrorNotAStackOverflow) {
  std::string v = field(1, "leaf");                         // AnyValue{string_value}
  for (int i = 0; i < 100; ++i) v = field(5, field(1, v));  // AnyValue{array{values:[v]}}
  std::string span = valid_pb_span().SerializeAsString() + field(9, field(1, "k") + field(2, v));
  DecodeResult r;
  Status st = decode_otlp_proto(field(1, field(2, field(2, span))), &r);
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("nested deeper than 32"), std::string::npos) << st.message();
}

TEST(OtlpProto, ExportResponse) {
  EXPECT_EQ(encode_otlp_export_response(0, ""), "");
  pb::collector::trace::v1::ExportTraceServiceResponse resp;
  ASSERT_TRUE(resp.ParseFromString(encode_otlp_export_response(3, "3 spans rejected: x")));
  EXPECT_EQ(resp.partial_success().rejected_spans(), 3);
  EXPECT_EQ(resp.partial_success().error_message(), "3 spans rejected: x");
}

TEST(OtlpProto, LongMessagesGetMultiByteLengths) {
  Span s = small_span(1);
  s.name = std::string(20000, 'n');
  s.attributes = {{"big", AnyValue(std::string(300, 'v'))}};
  DecodeResult r;
  ASSERT_TRUE(decode_otlp_proto(encode_otlp_proto({s}), &r).is_ok());
  ASSERT_EQ(r.batch.spans.size(), 1u);
  EXPECT_TRUE(same_span(s, r.batch.spans[0]));
}

}  // namespace
}  // namespace weft::wire
