// Cross-checks the hand-written OTLP codec against protoc's generated classes.
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "wire/otlp_proto.h"
#include "wire/test_spans.h"

namespace weft::wire {

using namespace weft::model;

namespace {

namespace pb = opentelemetry::proto;
using google::protobuf::util::MessageDifferencer;

TEST(OtlpProtoGenerated, OurEncodingIsWhatGeneratedCodeWrites) {
  std::vector<Span> spans = {testing::full_span(), testing::small_span(7), testing::full_span()};
  std::string ours = encode_otlp_proto(spans);
  pb::collector::trace::v1::ExportTraceServiceRequest req;
  ASSERT_TRUE(req.ParseFromString(ours));
  EXPECT_TRUE(req.GetReflection()->GetUnknownFields(req).empty());
  // Same field order and proto3 default omission: byte-identical re-serialization.
  std::string theirs;
  ASSERT_TRUE(req.SerializeToString(&theirs));
  EXPECT_EQ(ours, theirs);

  const auto& span = req.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(span.name(), "GET /api/orders/{id}");
  EXPECT_EQ(span.flags(), 0x301u);
  EXPECT_EQ(span.weft_rpc_id(), "0.1.2");
  EXPECT_EQ(span.kind(), pb::trace::v1::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(span.status().code(), pb::trace::v1::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(span.links(0).flags(), 1u);
  EXPECT_EQ(req.resource_spans(0).scope_spans(0).schema_url(),
            "https://opentelemetry.io/schemas/1.20.0");
}

pb::collector::trace::v1::ExportTraceServiceRequest generated_request() {
  pb::collector::trace::v1::ExportTraceServiceRequest req;
  auto* rs = req.add_resource_spans();
  auto* kv = rs->mutable_resource()->add_attributes();
  kv->set_key("service.name");
  kv->mutable_value()->set_string_value("frontend");
  rs->set_schema_url("r-schema");
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("lib");
  ss->mutable_scope()->set_version("9");
  ss->set_schema_url("s-schema");
  auto* s = ss->add_spans();
  s->set_trace_id(std::string(16, '\x11'));
  s->set_span_id(std::string(8, '\x22'));
  s->set_parent_span_id(std::string(8, '\x33'));
  s->set_name("db.query");
  s->set_kind(pb::trace::v1::Span::SPAN_KIND_CLIENT);
  s->set_start_time_unix_nano(100);
  s->set_end_time_unix_nano(250);
  s->set_flags(0x101);
  s->set_weft_rpc_id("0.3");
  auto* a = s->add_attributes();
  a->set_key("list");
  auto* arr = a->mutable_value()->mutable_array_value();
  arr->add_values()->set_int_value(-5);
  arr->add_values()->set_double_value(0.5);
  arr->add_values()->set_bytes_value(std::string("\0z", 2));
  arr->add_values();  // empty AnyValue
  auto* kvl = arr->add_values()->mutable_kvlist_value()->add_values();
  kvl->set_key("n");
  kvl->mutable_value()->set_bool_value(false);
  auto* e = s->add_events();
  e->set_time_unix_nano(120);
  e->set_name("retry");
  e->set_dropped_attributes_count(2);
  auto* l = s->add_links();
  l->set_trace_id(std::string(16, '\x44'));
  l->set_span_id(std::string(8, '\x55'));
  l->set_flags(1);
  s->mutable_status()->set_code(pb::trace::v1::Status::STATUS_CODE_OK);
  s->set_dropped_links_count(1);
  return req;
}

TEST(OtlpProtoGenerated, DecodesWhatGeneratedCodeWrites) {
  auto req = generated_request();
  DecodeResult r;
  ASSERT_TRUE(decode_otlp_proto(req.SerializeAsString(), &r).is_ok());
  ASSERT_EQ(r.batch.spans.size(), 1u);
  const Span& s = r.batch.spans[0];
  EXPECT_EQ(s.name, "db.query");
  EXPECT_EQ(s.kind, SpanKind::kClient);
  EXPECT_EQ(s.parent_span_id.to_hex(), "3333333333333333");
  EXPECT_EQ(s.flags, 0x101u);
  EXPECT_EQ(s.rpc_id, "0.3");
  EXPECT_EQ(s.resource->service_name(), "frontend");
  EXPECT_EQ(s.resource->schema_url, "r-schema");
  EXPECT_EQ(s.scope->version, "9");
  EXPECT_EQ(s.scope->schema_url, "s-schema");
  const auto& arr = std::get<ArrayValue>(s.attributes[0].value.v);
  ASSERT_EQ(arr.size(), 5u);
  EXPECT_EQ(arr[0], AnyValue(int64_t{-5}));
  EXPECT_EQ(arr[2], AnyValue(Bytes{std::string("\0z", 2)}));
  EXPECT_TRUE(arr[3].is_empty());
  EXPECT_EQ(s.events[0].dropped_attributes_count, 2u);
  EXPECT_EQ(s.links[0].flags, 1u);
  EXPECT_EQ(s.status.code, SpanStatusCode::kOk);
  EXPECT_EQ(s.dropped_links_count, 1u);

  // And back: our encoding of what we decoded equals the generated message.
  pb::collector::trace::v1::ExportTraceServiceRequest back;
  ASSERT_TRUE(back.ParseFromString(encode_otlp_proto(r.batch.spans)));
  std::string diff;
  MessageDifferencer d;
  d.ReportDifferencesToString(&diff);
  EXPECT_TRUE(d.Compare(req, back)) << diff;
}

TEST(OtlpProtoGenerated, LastValueWinsAndFieldOrderDoesNotMatter) {
  // Generated code merges repeated occurrences; scalar fields: the last one wins. Put the
  // scope_spans before the resource on the wire.
  auto req = generated_request();
  auto& rs = *req.mutable_resource_spans(0);
  std::string resource = rs.resource().SerializeAsString();
  rs.clear_resource();
  std::string bytes = rs.SerializeAsString();
  bytes += std::string("\x0a") + static_cast<char>(resource.size()) + resource;
  std::string outer = std::string("\x0a") + static_cast<char>(0x80 | (bytes.size() & 0x7f)) +
                      static_cast<char>(bytes.size() >> 7) + bytes;
  ASSERT_GE(bytes.size(), 128u);
  DecodeResult r;
  ASSERT_TRUE(decode_otlp_proto(outer, &r).is_ok());
  ASSERT_EQ(r.batch.spans.size(), 1u);
  EXPECT_EQ(r.batch.spans[0].resource->service_name(), "frontend");
}

}  // namespace
}  // namespace weft::wire
