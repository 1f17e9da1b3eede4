// Span records: every model field survives encode -> decode; names and short repeated
// values are interned, long or high-cardinality ones are not; queries match records as
// span_match.h matches decoded spans.
#include "store/head/span_record.h"

#include <gtest/gtest.h>

#include "store/head/span_match.h"
#include "store/testing/span_builder.h"

namespace weft::store {

using namespace weft::model;

namespace {

using namespace testing;

Span rich_span() {
  Span s = make_span(7, 3, 2, "checkout", "POST /pay", 10, 25, SpanKind::kClient,
                     {{"http.method", "POST"},
                      {"http.url", "https://shop.example/pay?order=" + std::string(80, 'x')},
                      {"retry", true},
                      {"payload.size", int64_t{-1234}},
                      {"ratio", 0.25},
                      {"blob", Bytes{"\x01\x02"}},
                      {"list", ArrayValue{AnyValue("a"), AnyValue(int64_t{2})}},
                      {"map", KeyValueList{{"k", "v"}}},
                      {"empty", AnyValue()}});
  s.flags = 0x301;
  s.trace_state = "vendor=1";
  s.status = {SpanStatusCode::kError, "card declined"};
  s.rpc_id = "0.1.2";
  s.dropped_attributes_count = 1;
  s.dropped_events_count = 2;
  s.dropped_links_count = 3;
  s.events.push_back({s.start_time_unix_nano + 5,
                      "exception",
                      {{"exception.type", "Declined"}, {"n", int64_t{3}}},
                      4});
  s.events.push_back({s.start_time_unix_nano - 1, "early", {}, 0});  // before the span
  SpanLink l;
  l.trace_id = trace_id(99);
  l.span_id = span_id(98);
  l.trace_state = "x=y";
  l.attributes = {{"link.kind", "follows"}};
  l.flags = 1;
  s.links.push_back(l);
  auto r = std::make_shared<Resource>();
  r->attributes = {{"service.name", "checkout"}, {"host.name", "h1"}};
  r->schema_url = "https://opentelemetry.io/schemas/1.2";
  s.resource = r;
  return s;
}

TEST(SpanRecord, EveryFieldRoundTrips) {
  HeadTables tables;
  Span s = rich_span();
  std::string rec;
  encode_span_record(s, tables, &rec);
  Span back = decode_span_record(rec, s.trace_id, tables);
  EXPECT_TRUE(same_span(s, back));
  EXPECT_EQ(*back.resource, *s.resource);
  EXPECT_EQ(*back.scope, *s.scope);
  // A minimal span: no events, links or extras, null scope.
  Span m = make_span(1, 1, 0, "a", "b", 0, 0);
  m.scope = nullptr;
  rec.clear();
  encode_span_record(m, tables, &rec);
  Span mb = decode_span_record(rec, m.trace_id, tables);
  EXPECT_TRUE(same_span(m, mb));
  EXPECT_EQ(mb.scope, nullptr);
  EXPECT_LT(rec.size(), 50u);
}

TEST(SpanRecord, InternsNamesAndRepeatedShortValuesOnly) {
  HeadTables tables;
  std::string a, b;
  encode_span_record(rich_span(), tables, &a);
  const uint64_t after_one = tables.bytes();
  encode_span_record(rich_span(), tables, &b);
  EXPECT_EQ(tables.bytes(), after_one);  // nothing new the second time
  EXPECT_TRUE(tables.find("http.method") && tables.find("POST") && tables.find("POST /pay"));
  EXPECT_FALSE(tables.find(rich_span().attributes[1].value.to_string()));  // the long URL
  // Past kMaxInternedValuesPerKey values of one key, values are stored in the record.
  std::string rec;
  for (uint32_t i = 0; i < HeadTables::kMaxInternedValuesPerKey + 10; ++i)
    encode_span_record(make_span(1, i + 1, 0, "a", "op", 0, 1, SpanKind::kServer,
                                 {{"user.id", "u" + std::to_string(i)}}),
                       tables, &rec);
  EXPECT_TRUE(tables.find("u0"));
  EXPECT_FALSE(tables.find("u" + std::to_string(HeadTables::kMaxInternedValuesPerKey + 5)));
  // Equal resources in different objects share one id.
  EXPECT_EQ(tables.resource_id(resource("a")), tables.resource_id(resource("a")));
  EXPECT_NE(tables.resource_id(resource("a")), tables.resource_id(resource("b")));
}

TEST(SpanRecord, QueriesMatchAsOnDecodedSpans) {
  HeadTables tables;
  std::vector<Span> spans = {rich_span(), make_span(7, 2, 0, "front", "GET /", 0, 100)};
  std::string recs[2];
  for (int i = 0; i < 2; ++i) encode_span_record(spans[i], tables, &recs[i]);
  std::vector<SpanRecordView> views = {SpanRecordView(recs[0]), SpanRecordView(recs[1])};
  const std::vector<std::pair<std::string, std::string>> tags = {{"http.method", "POST"},
                                                                 {"http.method", "GET"},
                                                                 {"payload.size", "-1234"},
                                                                 {"retry", "true"},
                                                                 {"ratio", "0.25"},
                                                                 {"host.name", "h1"},
                                                                 {"exception.type", "Declined"},
                                                                 {"n", "3"},
                                                                 {"error", "true"},
                                                                 {"span.kind", "CLIENT"},
                                                                 {"status.code", "Error"},
                                                                 {"list", "[\"a\",2]"},
                                                                 {"empty", ""},
                                                                 {"missing", "x"},
                                                                 {"link.kind", "follows"}};
  for (const auto& [k, v] : tags) {
    TraceQuery q;
    q.tags = {{k, v}};
    const RecordQuery rq(q, tables);
    for (int i = 0; i < 2; ++i)
      EXPECT_EQ(rq.span_has_tag(views[i], 0), span_has_tag(spans[i], k, v))
          << k << "=" << v << " #" << i;
  }
  for (const char* svc : {"checkout", "front", "nope"})
    for (const char* op : {"POST /pay", "GET /", ""}) {
      TraceQuery q;
      q.service = svc;
      q.operation = op;
      q.span_kind = SpanKind::kClient;
      const RecordQuery rq(q, tables);
      for (int i = 0; i < 2; ++i)
        EXPECT_EQ(rq.anchor_possible() && rq.span_is_anchor(views[i]), span_is_anchor(spans[i], q))
            << svc << " " << op;
      EXPECT_EQ(rq.records_match(views, 100 * kMs), spans_match(spans, 100 * kMs, q));
    }
}

}  // namespace
}  // namespace weft::store
