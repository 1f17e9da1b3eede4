// OTLP request encoding: the request is decoded field by field with the SDK's protobuf
// reader and compared with the records it was made from.
#include <gtest/gtest.h>

#include <map>

#include "exporter_test_util.h"
#include "otlp/encode.h"
#include "weft/detail/proto_reader.h"
#include "weft/span_data.h"

namespace weft {
namespace {

using detail::ProtoField;
using detail::ProtoReader;

// One Span message, decoded.
struct WireSpan {
  std::string trace_id, span_id, parent_span_id;
  uint64_t kind = 0, start = 0, end = 0, dropped_attributes = 0, dropped_events = 0,
           dropped_links = 0, flags = 0;
  bool has_flags = false;
  std::string data;  // fields that are not header fields, re-encoded in order
  std::string raw;
};
struct WireScopeSpans {
  std::string scope_name, scope_version;
  std::vector<WireSpan> spans;
};
struct WireRequest {
  int resource_spans = 0;
  KeyValueList resource;
  std::vector<WireScopeSpans> scopes;
};

WireSpan DecodeSpan(std::string_view body) {
  WireSpan s;
  s.raw = std::string(body);
  ProtoReader r(body);
  ProtoField f;
  while (r.Next(&f)) {
    switch (f.number) {
      case 1:
        s.trace_id = std::string(f.bytes);
        break;
      case 2:
        s.span_id = std::string(f.bytes);
        break;
      case 4:
        s.parent_span_id = std::string(f.bytes);
        break;
      case 6:
        s.kind = f.value;
        break;
      case 7:
        EXPECT_EQ(f.type, detail::kFixed64);
        s.start = f.value;
        break;
      case 8:
        EXPECT_EQ(f.type, detail::kFixed64);
        s.end = f.value;
        break;
      case 10:
        s.dropped_attributes = f.value;
        break;
      case 12:
        s.dropped_events = f.value;
        break;
      case 14:
        s.dropped_links = f.value;
        break;
      case 16:
        EXPECT_EQ(f.type, detail::kFixed32);
        s.flags = f.value;
        s.has_flags = true;
        break;
      default: {
        uint8_t buf[16];
        uint8_t* p = detail::PutLenHeader(buf, f.number, static_cast<uint32_t>(f.bytes.size()));
        EXPECT_EQ(f.type, detail::kLen);
        s.data.append(reinterpret_cast<char*>(buf), p - buf);
        s.data.append(f.bytes);
      }
    }
  }
  return s;
}

WireRequest DecodeRequest(std::string_view bytes) {
  WireRequest req;
  ProtoReader r(bytes);
  ProtoField f;
  while (r.Next(&f)) {
    EXPECT_EQ(f.number, 1u);
    ++req.resource_spans;
    ProtoReader rs(f.bytes);
    ProtoField g;
    while (rs.Next(&g)) {
      if (g.number == 1) {
        ProtoReader res(g.bytes);
        ProtoField a;
        while (res.Next(&a))
          if (a.number == 1) req.resource.push_back(DecodeKeyValue(a.bytes));
      } else if (g.number == 2) {
        WireScopeSpans ss;
        ProtoReader sr(g.bytes);
        ProtoField h;
        while (sr.Next(&h)) {
          if (h.number == 1) {
            ProtoReader sc(h.bytes);
            ProtoField k;
            while (sc.Next(&k)) {
              if (k.number == 1) ss.scope_name = std::string(k.bytes);
              if (k.number == 2) ss.scope_version = std::string(k.bytes);
            }
          } else if (h.number == 2) {
            ss.spans.push_back(DecodeSpan(h.bytes));
          }
        }
        req.scopes.push_back(std::move(ss));
      }
    }
  }
  return req;
}

std::string IdBytes(const auto& id) {
  return std::string(reinterpret_cast<const char*>(id.bytes.data()), id.bytes.size());
}

TEST(OtlpEncode, SpansResourceAndScopesRoundTrip) {
  const TraceId remote_trace = NewTraceId();
  const SpanId remote_span = NewSpanId();
  auto cap = testing::Capture([&](Sdk& sdk) {
    Tracer a = sdk.tracer("scope-a", "1.0");
    Tracer b = sdk.tracer("scope-b");
    const Context remote =
        Context().WithSpan(SpanContext{remote_trace, remote_span, kTraceFlagSampled, true, {}});
    StartOptions o;
    o.kind = SpanKind::kServer;
    o.parent = &remote;
    Span server = a.StartSpan("GET /orders", o);
    server.SetAttributes({{"http.request.method", "GET"},
                          {"http.response.status_code", 200},
                          {"ratio", 0.5},
                          {"cached", true},
                          {"route", "/orders"}});
    {
      Span client = b.StartSpan("SELECT", SpanKind::kClient);
      client.SetAttribute("db.system", "mysql");
      client.AddEvent("retry", {{"attempt", 2}});
      client.SetStatus(StatusCode::kError, "timeout");
    }
    Span internal = a.StartSpan("render");
    internal.End();
  });
  ASSERT_EQ(cap->records().size(), 3u);
  std::string out;
  otlp::EncodeExportRequest(cap->batch(), &out);
  const WireRequest req = DecodeRequest(out);
  EXPECT_EQ(req.resource_spans, 1);
  std::map<std::string, Value> res(req.resource.begin(), req.resource.end());
  EXPECT_EQ(res["service.name"], Value("exp-test"));
  EXPECT_EQ(res["service.version"], Value("1.2.3"));

  // One ScopeSpans per scope, in first-seen order: the client (scope-b) ended first.
  ASSERT_EQ(req.scopes.size(), 2u);
  EXPECT_EQ(req.scopes[0].scope_name, "scope-b");
  EXPECT_EQ(req.scopes[0].scope_version, "");
  EXPECT_EQ(req.scopes[1].scope_name, "scope-a");
  EXPECT_EQ(req.scopes[1].scope_version, "1.0");
  ASSERT_EQ(req.scopes[0].spans.size(), 1u);
  ASSERT_EQ(req.scopes[1].spans.size(), 2u);

  const SpanRecord& client = *cap->records()[0];
  const SpanRecord& internal = *cap->records()[1];
  const SpanRecord& server = *cap->records()[2];
  const WireSpan& wc = req.scopes[0].spans[0];
  const WireSpan& wi = req.scopes[1].spans[0];
  const WireSpan& ws = req.scopes[1].spans[1];
  for (auto [w, r] : {std::pair{&wc, &client}, {&wi, &internal}, {&ws, &server}}) {
    EXPECT_EQ(w->trace_id, IdBytes(r->trace_id));
    EXPECT_EQ(w->span_id, IdBytes(r->span_id));
    EXPECT_EQ(w->parent_span_id, IdBytes(r->parent_span_id));
    EXPECT_EQ(w->kind, static_cast<uint64_t>(r->kind));
    EXPECT_EQ(w->start, r->start_ns);
    EXPECT_EQ(w->end, r->end_ns);
    EXPECT_TRUE(w->has_flags);
    EXPECT_EQ(w->data, r->data_view());  // the record's fields, verbatim
  }
  EXPECT_EQ(ws.trace_id, IdBytes(remote_trace));
  EXPECT_EQ(ws.parent_span_id, IdBytes(remote_span));
  // Sampled, and the parent is known to be remote.
  EXPECT_EQ(ws.flags, 0x301u);
  EXPECT_EQ(wc.flags, 0x101u);  // local parent
  EXPECT_EQ(wc.kind, 3u);
  EXPECT_EQ(ws.kind, 2u);

  // The span decodes to what the record holds.
  const SpanData d = DecodeSpanRecord(client, cap->scopes());
  EXPECT_EQ(d.name, "SELECT");
  EXPECT_EQ(d.status, StatusCode::kError);
  EXPECT_EQ(d.status_message, "timeout");
}

// Builds a record by hand (header fields the API cannot set directly).
struct HandRecord {
  alignas(8) uint8_t bytes[sizeof(SpanRecord) + 64] = {};
  SpanRecord& rec() { return *reinterpret_cast<SpanRecord*>(bytes); }
  explicit HandRecord(std::string_view name) {
    SpanRecord& r = rec();
    uint8_t* end = detail::PutString(r.data(), span_field::kName, name);
    r.data_size = static_cast<uint32_t>(end - r.data());
    r.size = static_cast<uint32_t>((sizeof(SpanRecord) + r.data_size + 7) / 8 * 8);
    r.trace_id = NewTraceId();
    r.span_id = NewSpanId();
    r.start_ns = 1'000;
    r.end_ns = 2'000;
    r.kind = SpanKind::kInternal;
  }
};

TEST(OtlpEncode, HeaderFieldsDropCountsFlagsAndRootParent) {
  HandRecord h("x");
  SpanRecord& r = h.rec();
  r.flags = kTraceFlagSampled | kTraceFlagDebug;
  r.parent_remote = 1;  // no parent: the remote bit cannot apply
  r.dropped_attributes = 3;
  r.dropped_events = 300;
  r.dropped_links = 1;
  r.kind = SpanKind::kUnspecified;
  const SpanRecord* recs[] = {&r};
  Resource resource;
  const InstrumentationScope scopes[] = {{"s", ""}};
  std::string out;
  otlp::EncodeExportRequest(ExportBatch{resource, scopes, recs}, &out);
  const WireRequest req = DecodeRequest(out);
  ASSERT_EQ(req.scopes.size(), 1u);
  ASSERT_EQ(req.scopes[0].spans.size(), 1u);
  const WireSpan& w = req.scopes[0].spans[0];
  EXPECT_EQ(w.flags, 0x101u);       // debug (0x80) is weft-private and never sent
  EXPECT_EQ(w.parent_span_id, "");  // all-zero parent omitted
  EXPECT_EQ(w.kind, 0u);
  EXPECT_EQ(w.dropped_attributes, 3u);
  EXPECT_EQ(w.dropped_events, 300u);
  EXPECT_EQ(w.dropped_links, 1u);
  EXPECT_EQ(otlp::OtlpSpanFlags(r), 0x101u);
  r.parent_span_id = NewSpanId();
  EXPECT_EQ(otlp::OtlpSpanFlags(r), 0x301u);
}

TEST(OtlpEncode, ResourceAttributesOfEveryType) {
  Resource resource;
  resource.attributes = {
      {"s", Value("str")},
      {"b", Value(true)},
      {"i", Value(-42)},
      {"d", Value(2.5)},
      {"bytes", Value(Bytes{std::string("\0\xff", 2)})},
      {"arr", Value(ValueArray{Value(1), Value("two"), Value(ValueArray{Value(false)})})},
      {"kv",
       Value(KeyValueList{{"inner", Value(7)}, {"deep", Value(KeyValueList{{"x", Value()}})}})},
      {"empty", Value()},
  };
  HandRecord h("x");
  const SpanRecord* recs[] = {&h.rec()};
  std::string out;
  otlp::EncodeExportRequest(ExportBatch{resource, {}, recs}, &out);
  const WireRequest req = DecodeRequest(out);
  EXPECT_EQ(req.resource, resource.attributes);
  // Scope index 0 with no scope table: an empty scope.
  ASSERT_EQ(req.scopes.size(), 1u);
  EXPECT_EQ(req.scopes[0].scope_name, "");
}

TEST(OtlpEncode, ManyScopesKeepOrderWithinScope) {
  std::vector<std::unique_ptr<HandRecord>> hs;
  std::vector<const SpanRecord*> recs;
  const InstrumentationScope scopes[] = {{"a", ""}, {"b", "2"}, {"c", ""}};
  const uint16_t order[] = {2, 0, 2, 1, 0, 9 /* out of range */, 2};
  for (size_t i = 0; i < std::size(order); ++i) {
    hs.push_back(std::make_unique<HandRecord>("span" + std::to_string(i)));
    hs.back()->rec().scope = order[i];
    recs.push_back(&hs.back()->rec());
  }
  Resource resource;
  std::string out;
  otlp::EncodeExportRequest(ExportBatch{resource, scopes, recs}, &out);
  const WireRequest req = DecodeRequest(out);
  ASSERT_EQ(req.scopes.size(), 4u);
  auto names = [](const WireScopeSpans& ss) {
    std::string s;
    for (const WireSpan& w : ss.spans) {
      ProtoReader r(w.data);
      ProtoField f;
      while (r.Next(&f))
        if (f.number == span_field::kName) s += std::string(f.bytes) + " ";
    }
    return s;
  };
  EXPECT_EQ(req.scopes[0].scope_name, "c");
  EXPECT_EQ(names(req.scopes[0]), "span0 span2 span6 ");
  EXPECT_EQ(req.scopes[1].scope_name, "a");
  EXPECT_EQ(names(req.scopes[1]), "span1 span4 ");
  EXPECT_EQ(req.scopes[2].scope_name, "b");
  EXPECT_EQ(req.scopes[2].scope_version, "2");
  EXPECT_EQ(names(req.scopes[2]), "span3 ");
  EXPECT_EQ(req.scopes[3].scope_name, "");  // out-of-range index: an empty scope
  EXPECT_EQ(names(req.scopes[3]), "span5 ");

  // Encoding again into the same string gives the same bytes without reallocating.
  const std::string first = out;
  const char* data = out.data();
  otlp::EncodeExportRequest(ExportBatch{resource, scopes, recs}, &out);
  EXPECT_EQ(out, first);
  EXPECT_EQ(out.data(), data);
  // And a single-scope batch after a multi-scope one is not polluted by leftover counts.
  std::string single;
  otlp::EncodeExportRequest(ExportBatch{resource, scopes, std::span(recs).subspan(0, 1)}, &single);
  const WireRequest one = DecodeRequest(single);
  ASSERT_EQ(one.scopes.size(), 1u);
  EXPECT_EQ(one.scopes[0].spans.size(), 1u);
}

TEST(OtlpEncode, PartialSuccessResponse) {
  // ExportTraceServiceResponse{partial_success{rejected_spans: 3, error_message: "bad"}}
  uint8_t inner[32], outer[40];
  uint8_t* p = detail::PutVarint(detail::PutTag(inner, 1, detail::kVarint), 3);
  p = detail::PutString(p, 2, "bad");
  uint8_t* q = detail::PutBytes(outer, 1, inner, static_cast<uint32_t>(p - inner));
  std::string msg;
  EXPECT_EQ(otlp::RejectedSpans(std::string_view(reinterpret_cast<char*>(outer), q - outer), &msg),
            3);
  EXPECT_EQ(msg, "bad");
  EXPECT_EQ(otlp::RejectedSpans(""), 0);
}

}  // namespace
}  // namespace weft
