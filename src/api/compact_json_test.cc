#include "api/compact_json.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <cmath>
#include <limits>
#include <set>
#include <unordered_map>

#include "api/api_test_fixture.h"
#include "api/native_json.h"
#include "wire/otlp_json.h"

namespace weft::api::testing {

using namespace weft::model;

namespace {

constexpr unsigned kParseFlags =
    rapidjson::kParseFullPrecisionFlag | rapidjson::kParseValidateEncodingFlag;

rapidjson::Document parse_json(const std::string& text) {
  rapidjson::Document d;
  d.Parse<kParseFlags>(text.c_str(), text.size());
  EXPECT_FALSE(d.HasParseError()) << rapidjson::GetParseError_En(d.GetParseError()) << " at "
                                  << d.GetErrorOffset() << ": " << text.substr(0, 2000);
  return d;
}

std::string otlp(const KeyValueList& attrs) {
  std::string s;
  wire::append_otlp_json_attributes(s, attrs);
  return s;
}

uint64_t magnitude(int64_t n) {
  return n < 0 ? uint64_t{0} - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
}

// An AnyValue from its OTLP/JSON object (what type 5 carries).
AnyValue from_otlp(const rapidjson::Value& v) {
  EXPECT_TRUE(v.IsObject());
  if (!v.IsObject() || v.MemberCount() == 0) return AnyValue();
  if (v.HasMember("stringValue")) return AnyValue(str(v["stringValue"]));
  if (v.HasMember("boolValue")) return AnyValue(v["boolValue"].GetBool());
  if (v.HasMember("intValue")) return AnyValue(int64_t{std::stoll(str(v["intValue"]))});
  if (v.HasMember("doubleValue")) {
    const auto& d = v["doubleValue"];
    if (d.IsNumber()) return AnyValue(d.GetDouble());
    return AnyValue(str(d) == "NaN" ? std::nan("") : str(d) == "Infinity" ? HUGE_VAL : -HUGE_VAL);
  }
  if (v.HasMember("bytesValue")) {
    Bytes b;
    EXPECT_TRUE(base64_decode(str(v["bytesValue"]), &b.data));
    return AnyValue(std::move(b));
  }
  if (v.HasMember("arrayValue")) {
    ArrayValue a;
    for (const auto& e : v["arrayValue"]["values"].GetArray()) a.push_back(from_otlp(e));
    return AnyValue(std::move(a));
  }
  KeyValueList l;
  for (const auto& kv : v["kvlistValue"]["values"].GetArray())
    l.push_back({str(kv["key"]), from_otlp(kv["value"])});
  return AnyValue(std::move(l));
}

// The compact document decoded back into the model, checking the layout on the way: string
// indices in range and met in order of first use (resources, scopes, then spans), every
// attribute value in the representation its type prescribes.
class CompactDecoder {
 public:
  explicit CompactDecoder(const rapidjson::Value& d) {
    EXPECT_EQ(str(d["format"]), "compact-1");
    const auto& strings = d["strings"];
    for (const auto& s : strings.GetArray()) table_.push_back(str(s));
    EXPECT_FALSE(table_.empty());
    if (!table_.empty()) {
      EXPECT_EQ(table_[0], "");
    }
    EXPECT_EQ(std::set<std::string>(table_.begin(), table_.end()).size(), table_.size())
        << "duplicate strings in the table";
    seen_.assign(table_.size(), false);
    if (!seen_.empty()) seen_[0] = true;
    start_ = std::stoull(str(d["startTimeUnixNano"]));
    for (const auto& r : d["resources"].GetArray()) {
      EXPECT_EQ(r.Size(), 3u);
      auto res = std::make_shared<Resource>();
      res->attributes = attrs(r[0]);
      res->dropped_attributes_count = r[1].GetUint();
      res->schema_url = string(r[2]);
      resources_.push_back(res);
    }
    for (const auto& s : d["scopes"].GetArray()) {
      EXPECT_EQ(s.Size(), 5u);
      auto sc = std::make_shared<InstrumentationScope>();
      sc->name = string(s[0]);
      sc->version = string(s[1]);
      sc->attributes = attrs(s[2]);
      sc->dropped_attributes_count = s[3].GetUint();
      sc->schema_url = string(s[4]);
      scopes_.push_back(sc);
    }
    trace_.trace_id = TraceId::from_hex(str(d["traceId"])).value();
    for (const auto& s : d["spans"].GetArray()) trace_.spans.push_back(span(s));
    for (size_t i = 0; i < seen_.size(); ++i) EXPECT_TRUE(seen_[i]) << "unused string " << i;
  }

  const Trace& trace() const { return trace_; }
  const std::vector<std::string>& table() const { return table_; }
  // Indices of each span's resource and scope.
  std::vector<std::pair<int, int>> indices;

 private:
  const std::string& string(const rapidjson::Value& v) {
    static const std::string kBad = "<bad string index>";
    if (!v.IsUint() || v.GetUint() >= table_.size()) {
      ADD_FAILURE() << "not a string index";
      return kBad;
    }
    uint32_t i = v.GetUint();
    if (!seen_[i]) {
      EXPECT_EQ(i, next_new_) << "string " << i << " (" << table_[i] << ") out of first-use order";
      next_new_ = i + 1;
      seen_[i] = true;
    }
    return table_[i];
  }

  KeyValueList attrs(const rapidjson::Value& a) {
    KeyValueList out;
    EXPECT_TRUE(a.IsArray());
    EXPECT_EQ(a.Size() % 3, 0u);
    for (rapidjson::SizeType i = 0; i + 2 < a.Size(); i += 3) {
      KeyValue kv;
      kv.key = string(a[i]);
      const auto& v = a[i + 2];
      switch (a[i + 1].GetInt()) {
        case 0:
          kv.value = AnyValue(string(v));
          break;
        case 1:
          if (v.IsInt64()) {
            EXPECT_LE(magnitude(v.GetInt64()), kMaxExactJsonInteger);
            kv.value = AnyValue(v.GetInt64());
          } else {
            int64_t n = std::stoll(str(v));
            EXPECT_GT(magnitude(n), kMaxExactJsonInteger) << "should be a JSON integer";
            kv.value = AnyValue(n);
          }
          break;
        case 2:
          if (v.IsNumber()) {
            kv.value = AnyValue(v.GetDouble());
          } else {
            std::string s = str(v);
            EXPECT_TRUE(s == "NaN" || s == "Infinity" || s == "-Infinity") << s;
            kv.value = AnyValue(s == "NaN" ? std::nan("") : s == "Infinity" ? HUGE_VAL : -HUGE_VAL);
          }
          break;
        case 3:
          EXPECT_TRUE(v.IsInt() && (v.GetInt() == 0 || v.GetInt() == 1));
          kv.value = AnyValue(v.GetInt() == 1);
          break;
        case 4: {
          Bytes b;
          EXPECT_TRUE(base64_decode(str(v), &b.data));
          kv.value = AnyValue(std::move(b));
          break;
        }
        case 5:
          EXPECT_TRUE(v.HasMember("arrayValue") || v.HasMember("kvlistValue"));
          kv.value = from_otlp(v);
          break;
        case 6:
          EXPECT_TRUE(v.IsInt() && v.GetInt() == 0);
          break;
        default:
          ADD_FAILURE() << "unknown attribute type " << a[i + 1].GetInt();
      }
      out.push_back(std::move(kv));
    }
    return out;
  }

  Span span(const rapidjson::Value& a) {
    Span s;
    EXPECT_EQ(a.Size(), 17u);
    s.trace_id = trace_.trace_id;
    s.span_id = SpanId::from_hex(str(a[0])).value();
    if (!str(a[1]).empty()) s.parent_span_id = SpanId::from_hex(str(a[1])).value();
    s.name = string(a[2]);
    s.kind = static_cast<SpanKind>(a[3].GetUint());
    EXPECT_TRUE(a[4].IsUint64() && a[5].IsUint64());
    s.start_time_unix_nano = start_ + a[4].GetUint64();
    s.end_time_unix_nano = s.start_time_unix_nano + a[5].GetUint64();
    s.status.code = static_cast<SpanStatusCode>(a[6].GetUint());
    s.status.message = string(a[7]);
    indices.emplace_back(a[8].GetInt(), a[9].GetInt());
    s.resource = resources_.at(a[8].GetUint());
    s.scope = scopes_.at(a[9].GetUint());
    s.attributes = attrs(a[10]);
    for (const auto& e : a[11].GetArray()) {
      EXPECT_EQ(e.Size(), 4u);
      SpanEvent ev;
      EXPECT_TRUE(e[0].IsInt64());
      ev.time_unix_nano = start_ + static_cast<uint64_t>(e[0].GetInt64());
      ev.name = string(e[1]);
      ev.attributes = attrs(e[2]);
      ev.dropped_attributes_count = e[3].GetUint();
      s.events.push_back(std::move(ev));
    }
    for (const auto& l : a[12].GetArray()) {
      EXPECT_EQ(l.Size(), 6u);
      SpanLink link;
      link.trace_id = TraceId::from_hex(str(l[0])).value();
      link.span_id = SpanId::from_hex(str(l[1])).value();
      link.trace_state = string(l[2]);
      link.attributes = attrs(l[3]);
      link.dropped_attributes_count = l[4].GetUint();
      link.flags = l[5].GetUint();
      s.links.push_back(std::move(link));
    }
    s.trace_state = string(a[13]);
    s.rpc_id = string(a[14]);
    s.flags = a[15].GetUint();
    EXPECT_EQ(a[16].Size(), 3u);
    s.dropped_attributes_count = a[16][0].GetUint();
    s.dropped_events_count = a[16][1].GetUint();
    s.dropped_links_count = a[16][2].GetUint();
    return s;
  }

  std::vector<std::string> table_;
  std::vector<bool> seen_;
  uint32_t next_new_ = 1;
  uint64_t start_ = 0;
  std::vector<std::shared_ptr<Resource>> resources_;
  std::vector<std::shared_ptr<InstrumentationScope>> scopes_;
  Trace trace_;
};

// Every field of a span in one comparable text (attribute lists in OTLP/JSON, which tells
// every type and value apart, NaN included).
std::string describe(const Span& s) {
  std::string o = "trace " + s.trace_id.to_hex() + " span " + s.span_id.to_hex() + " parent " +
                  s.parent_span_id.to_hex() + " state [" + s.trace_state + "] flags " +
                  std::to_string(s.flags) + " name [" + s.name + "] kind " +
                  std::to_string(int(s.kind)) + " start " + std::to_string(s.start_time_unix_nano) +
                  " end " + std::to_string(s.end_time_unix_nano) + " attrs " + otlp(s.attributes) +
                  " dropped " + std::to_string(s.dropped_attributes_count) + "\n";
  for (const SpanEvent& e : s.events)
    o += " event " + std::to_string(e.time_unix_nano) + " [" + e.name + "] " + otlp(e.attributes) +
         " " + std::to_string(e.dropped_attributes_count) + "\n";
  o += " dropped events " + std::to_string(s.dropped_events_count) + "\n";
  for (const SpanLink& l : s.links)
    o += " link " + l.trace_id.to_hex() + " " + l.span_id.to_hex() + " [" + l.trace_state + "] " +
         otlp(l.attributes) + " " + std::to_string(l.dropped_attributes_count) + " " +
         std::to_string(l.flags) + "\n";
  o += " dropped links " + std::to_string(s.dropped_links_count) + " status " +
       std::to_string(int(s.status.code)) + " [" + s.status.message + "] rpc [" + s.rpc_id + "]\n";
  const Resource& r = *s.resource;
  o += " resource " + otlp(r.attributes) + " " + std::to_string(r.dropped_attributes_count) + " [" +
       r.schema_url + "]\n";
  const InstrumentationScope& sc = *s.scope;
  o += " scope [" + sc.name + "] [" + sc.version + "] " + otlp(sc.attributes) + " " +
       std::to_string(sc.dropped_attributes_count) + " [" + sc.schema_url + "]\n";
  return o;
}

void expect_same_trace(const Trace& got, const Trace& want) {
  EXPECT_EQ(got.trace_id, want.trace_id);
  ASSERT_EQ(got.spans.size(), want.spans.size());
  for (size_t i = 0; i < want.spans.size(); ++i)
    EXPECT_EQ(describe(got.spans[i]), describe(want.spans[i])) << "span " << i;
}

constexpr int64_t k2p53 = int64_t{1} << 53;

// Spans of one trace holding every kind of field: all attribute types (a NaN, infinities,
// ints either side of 2^53, an empty value, bytes with a NUL, nested arrays and lists),
// events (one before the trace start), links, trace state, RpcId, status message, dropped
// counts, two resources (and an equal copy of one), two scopes, a span whose parent is
// missing, and strings reused across roles.
Trace every_field_trace() {
  auto frontend = std::make_shared<Resource>();
  frontend->attributes = {
      {"service.name", "frontend"}, {"host.name", "web-1"}, {"host.cores", int64_t{8}}};
  frontend->dropped_attributes_count = 2;
  frontend->schema_url = "https://opentelemetry.io/schemas/1.21.0";
  auto frontend_copy = std::make_shared<Resource>(*frontend);
  auto payments = std::make_shared<Resource>();
  payments->attributes = {{"service.name", "payments"}, {"k8s.pod.uid", Bytes{"\x01\x02"}}};
  auto http_scope = std::make_shared<InstrumentationScope>();
  http_scope->name = "io.http";
  http_scope->version = "2.1";
  http_scope->attributes = {{"lib.flag", true}, {"lib.ratio", 0.5}};
  http_scope->dropped_attributes_count = 7;
  http_scope->schema_url = "https://scope.schema/1";
  auto db_scope = std::make_shared<InstrumentationScope>();
  db_scope->name = "io.db";

  Span root = make_span(kRich, 1, 0, "frontend", "GET /checkout", 0, 300, SpanKind::kServer);
  root.resource = frontend;
  root.scope = http_scope;
  root.attributes = {
      {"http.method", "GET"},
      {"http.status_code", int64_t{200}},
      {"negative", int64_t{-42}},
      {"at.limit", k2p53},
      {"at.minus.limit", -k2p53},
      {"above.limit", k2p53 + 1},
      {"below.minus.limit", -k2p53 - 1},
      {"int.max", std::numeric_limits<int64_t>::max()},
      {"int.min", std::numeric_limits<int64_t>::min()},
      {"ratio", 0.25},
      {"tiny", 5e-324},
      {"whole.double", 3.0},
      {"nan", std::nan("")},
      {"inf", HUGE_VAL},
      {"minus.inf", -HUGE_VAL},
      {"cached", false},
      {"hit", true},
      {"payload", Bytes{std::string("\x00\xff", 2)}},
      {"no.bytes", Bytes{}},
      {"empty.string", ""},
      {"nothing", AnyValue()},
      {"tags", ArrayValue{AnyValue("a"), AnyValue(int64_t{1}), AnyValue(std::nan("")),
                          AnyValue(ArrayValue{AnyValue(true)}), AnyValue()}},
      {"empty.array", ArrayValue{}},
      {"nested", KeyValueList{{"inner", "x"}, {"deeper", KeyValueList{{"b", Bytes{"z"}}}}}},
      {"service.name", "frontend"},  // a string used as a resource value too
      {"http.method", "GET"},        // a repeated key: kept
  };
  root.dropped_attributes_count = 3;
  root.trace_state = "vendor=abc";
  root.flags = 0x101 | 0x80000000u;
  root.status.code = SpanStatusCode::kOk;
  root.rpc_id = "0";
  root.events.push_back(SpanEvent{
      kT0 + 5 * kMs + 1234, "cache miss", {{"key", "cart:42"}, {"attempt", int64_t{2}}}, 1});
  root.events.push_back(SpanEvent{kT0 - 7 * kMs, "before the trace", {}, 0});
  root.events.push_back(SpanEvent{kT0 + 5 * kMs + 1234, "", {}, 0});
  root.dropped_events_count = 4;
  SpanLink link;
  link.trace_id = trace_id(kLinked);
  link.span_id = span_id(77);
  link.trace_state = "l=1";
  link.attributes = {{"link.kind", "batch"}, {"weight", 1.5}};
  link.dropped_attributes_count = 6;
  link.flags = 1;
  root.links.push_back(link);
  root.links.push_back(SpanLink{trace_id(kRich), span_id(3), "", {}, 0, 0});
  root.dropped_links_count = 5;

  Span pay = make_span(kRich, 2, 1, "payments", "charge", 10, 100, SpanKind::kClient);
  pay.resource = payments;
  pay.scope = db_scope;
  pay.status.code = SpanStatusCode::kError;
  pay.status.message = "card declined";
  pay.attributes = {{"peer.service", "bank"}, {"http.method", "POST"}};
  pay.rpc_id = "0.1";

  Span render = make_span(kRich, 3, 1, "frontend", "render", 150, 20, SpanKind::kInternal);
  render.resource = frontend_copy;
  render.scope = http_scope;
  render.start_time_unix_nano += 1;  // not a whole millisecond

  // Its parent is not in the trace; a zero-length span of kind producer.
  Span orphan = make_span(kRich, 4, 99, "payments", "GET /checkout", 200, 0, SpanKind::kProducer);
  orphan.resource = payments;
  orphan.scope = db_scope;
  orphan.trace_state = "vendor=abc";

  Span consumer = make_span(kRich, 5, 4, "frontend", "consume", 210, 1, SpanKind::kConsumer);
  consumer.resource = frontend;
  consumer.scope = nullptr;  // no scope at all: as native, an empty one
  consumer.kind = SpanKind::kUnspecified;

  Trace t;
  t.trace_id = trace_id(kRich);
  t.spans = {root, pay, render, orphan, consumer};
  return t;
}

TEST(CompactJsonTest, RoundTripKeepsEveryField) {
  Trace t = every_field_trace();
  auto json = compact_trace_json(t);
  ASSERT_TRUE(json.is_ok()) << json.status().to_string();
  auto d = parse_json(*json);
  EXPECT_EQ(str(d["traceId"]), hex(kRich));
  EXPECT_EQ(d["spanCount"].GetInt(), 5);
  EXPECT_EQ(str(d["startTimeUnixNano"]), std::to_string(kT0));
  EXPECT_EQ(str(d["endTimeUnixNano"]), std::to_string(kT0 + 300 * kMs));
  EXPECT_FALSE(d.HasMember("returnedSpanCount"));
  EXPECT_FALSE(d.HasMember("offset"));
  CompactDecoder dec(d);

  // What the decoder cannot tell apart from the original: a missing scope reads back as an
  // empty one, as in the native form.
  Trace want = t;
  want.spans[4].scope = std::make_shared<InstrumentationScope>();
  expect_same_trace(dec.trace(), want);

  // Values in the representation their type prescribes.
  const auto& a = d["spans"][0][10];
  auto value_of = [&](const std::string& key) -> const rapidjson::Value& {
    for (rapidjson::SizeType i = 0; i < a.Size(); i += 3)
      if (dec.table()[a[i].GetUint()] == key) return a[i + 2];
    ADD_FAILURE() << "no attribute " << key;
    return a;
  };
  EXPECT_TRUE(value_of("at.limit").IsInt64());
  EXPECT_TRUE(value_of("at.minus.limit").IsInt64());
  EXPECT_EQ(str(value_of("above.limit")), "9007199254740993");
  EXPECT_EQ(str(value_of("int.min")), "-9223372036854775808");
  EXPECT_EQ(str(value_of("nan")), "NaN");
  EXPECT_EQ(str(value_of("minus.inf")), "-Infinity");
  EXPECT_EQ(value_of("hit").GetInt(), 1);
  EXPECT_EQ(str(value_of("payload")), "AP8=");
  EXPECT_EQ(value_of("nothing").GetInt(), 0);
  EXPECT_EQ(value_of("ratio").GetDouble(), 0.25);
  EXPECT_EQ(d["spans"][0][11][1][0].GetInt64(), -7 * static_cast<int64_t>(kMs));
  EXPECT_EQ(str(d["spans"][0][1]), "");
  EXPECT_EQ(str(d["spans"][3][1]), span_id(99).to_hex());

  // Same spans, order, resources and scopes as the native form.
  JsonWriter w;
  write_native_trace(w, t);
  auto native = parse_json(w.take());
  EXPECT_EQ(d["resources"].Size(), native["resources"].Size());
  EXPECT_EQ(d["scopes"].Size(), native["scopes"].Size());
  ASSERT_EQ(dec.indices.size(), native["spans"].Size());
  for (rapidjson::SizeType i = 0; i < native["spans"].Size(); ++i) {
    const auto& ns = native["spans"][i];
    EXPECT_EQ(str(d["spans"][i][0]), str(ns["spanId"]));
    EXPECT_EQ(dec.indices[i].first, ns["resourceIndex"].GetInt()) << i;
    EXPECT_EQ(dec.indices[i].second, ns["scopeIndex"].GetInt()) << i;
    EXPECT_EQ(str(d["spans"][i][1]), str(ns["parentSpanId"]));
    EXPECT_EQ(d["spans"][i][15].GetUint(), ns["flags"].GetUint());
  }
  EXPECT_EQ(dec.indices[2].first, 0);  // an equal resource behind another pointer
}

TEST(CompactJsonTest, PartsKeepTheWholeTracesFigures) {
  Trace t = every_field_trace();
  auto part = query::trace_page(every_field_trace(), 2, 2);
  auto json = compact_trace_part_json(part);
  ASSERT_TRUE(json.is_ok());
  auto d = parse_json(*json);
  EXPECT_EQ(d["spanCount"].GetInt(), 5);
  EXPECT_EQ(d["returnedSpanCount"].GetInt(), 2);
  EXPECT_EQ(d["offset"].GetInt(), 2);
  EXPECT_EQ(d["nextOffset"].GetInt(), 4);
  EXPECT_EQ(str(d["startTimeUnixNano"]), std::to_string(kT0));
  EXPECT_EQ(str(d["endTimeUnixNano"]), std::to_string(kT0 + 300 * kMs));
  // Times relative to the whole trace's start.
  EXPECT_EQ(d["spans"][0][4].GetUint64(), 150 * kMs + 1);
  CompactDecoder dec(d);
  Trace want;
  want.trace_id = t.trace_id;
  want.spans = {t.spans[2], t.spans[3]};
  expect_same_trace(dec.trace(), want);
  // Resources and scopes are those of the part, numbered from 0.
  EXPECT_EQ(d["resources"].Size(), 2u);
  EXPECT_EQ(dec.indices[0].first, 0);
  EXPECT_EQ(dec.indices[1].first, 1);
}

TEST(CompactJsonTest, TimesBeyondTwoToThe53AreRefused) {
  Trace t = every_field_trace();
  t.spans.resize(2);
  t.spans[1].end_time_unix_nano = kT0 + (uint64_t{1} << 53);  // exactly 2^53: fine
  EXPECT_TRUE(compact_trace_json(t).is_ok());
  t.spans[1].end_time_unix_nano += 1;
  auto r = compact_trace_json(t);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("use format=native"), std::string::npos);
  EXPECT_NE(r.status().message().find("2^53"), std::string::npos);

  t = every_field_trace();
  t.spans[0].events[0].time_unix_nano = 0;  // an event with no time
  r = compact_trace_json(t);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("event \"cache miss\""), std::string::npos)
      << r.status().message();
}

// Strings as hostile as can be stay valid JSON (invalid UTF-8 included) and read back
// exactly as they do from the native form.
TEST(CompactJsonTest, HostileStringsStayValidJson) {
  const std::vector<std::string> hostile = {
      "quote \" and backslash \\ and slash /",
      "</script><script>alert(1)</script>",
      std::string("nul \0 byte", 10),
      "\x01\x02\x1f\x7f controls \b\f\n\r\t",
      "bad utf-8 \xff\xfe \xc0\xaf \xe2\x82 \xed\xa0\x80 end",
      "truncated \xf0\x9f\x98",
      "valid é ✓ 😀 \xe2\x80\xa8 \xe2\x80\xa9",
      "\\u0000 \\\" literal escapes",
  };
  Trace t;
  t.trace_id = trace_id(7);
  for (size_t i = 0; i < hostile.size(); ++i) {
    Span s = make_span(7, i + 1, 0, hostile[i], hostile[i], i, 1);
    s.attributes = {{hostile[i], hostile[i]}, {"arr", ArrayValue{AnyValue(hostile[i])}}};
    s.status.message = hostile[i];
    s.rpc_id = hostile[i];
    t.spans.push_back(s);
  }
  auto json = compact_trace_json(t);
  ASSERT_TRUE(json.is_ok());
  auto d = parse_json(*json);
  ASSERT_FALSE(d.HasParseError());
  CompactDecoder dec(d);
  JsonWriter w;
  write_native_trace(w, t);
  auto native = parse_json(w.take());
  ASSERT_EQ(dec.trace().spans.size(), hostile.size());
  for (size_t i = 0; i < hostile.size(); ++i) {
    const Span& got = dec.trace().spans[i];
    const auto& ns = native["spans"][static_cast<rapidjson::SizeType>(i)];
    EXPECT_EQ(got.name, str(ns["name"])) << i;
    EXPECT_EQ(got.status.message, str(ns["status"]["message"])) << i;
    EXPECT_EQ(got.rpc_id, str(ns["rpcId"])) << i;
    EXPECT_EQ(got.attributes[0].key, str(ns["attributes"][0]["key"])) << i;
    EXPECT_EQ(*got.attributes[0].value.as_string(),
              str(ns["attributes"][0]["value"]["stringValue"]))
        << i;
    const auto& arr = std::get<ArrayValue>(got.attributes[1].value.v);
    EXPECT_EQ(*arr[0].as_string(),
              str(ns["attributes"][1]["value"]["arrayValue"]["values"][0]["stringValue"]))
        << i;
    if (i != 4 && i != 5) {
      EXPECT_EQ(got.name, hostile[i]) << i;  // valid UTF-8: unchanged
    }
  }
  EXPECT_EQ(dec.trace().spans[5].name, "truncated \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

// Through the API (the store and the handler).

using CompactApiTest = ApiTest;

TEST_F(CompactApiTest, FormatCompactAnswersTheSameTrace) {
  auto r = get("/api/v1/traces/" + hex(kRich) + "?format=compact");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  auto d = parse_json(r.body);
  CompactDecoder dec(d);
  // The same spans as the store holds (the native answer is checked field by field in
  // native_api_test.cc; compare the two).
  auto n = parse(get("/api/v1/traces/" + hex(kRich)));
  ASSERT_EQ(dec.trace().spans.size(), 3u);
  for (rapidjson::SizeType i = 0; i < 3; ++i) {
    const Span& s = dec.trace().spans[i];
    const auto& ns = n["spans"][i];
    EXPECT_EQ(s.name, str(ns["name"]));
    EXPECT_EQ(std::to_string(s.start_time_unix_nano), str(ns["startTimeUnixNano"]));
    EXPECT_EQ(std::to_string(s.end_time_unix_nano), str(ns["endTimeUnixNano"]));
    EXPECT_EQ(s.service_name(), str(ns["service"]));
    EXPECT_EQ(dec.indices[i].first, ns["resourceIndex"].GetInt());
    EXPECT_EQ(dec.indices[i].second, ns["scopeIndex"].GetInt());
  }
  Trace want;
  want.trace_id = trace_id(kRich);
  for (Span& s : rich_trace()) want.spans.push_back(std::move(s));
  expect_same_trace(dec.trace(), want);

  // format=native is the default.
  EXPECT_EQ(get("/api/v1/traces/" + hex(kRich) + "?format=native").body,
            get("/api/v1/traces/" + hex(kRich)).body);
}

TEST_F(CompactApiTest, SelectionWorksAsForNative) {
  auto base = "/api/v1/traces/" + hex(kRich) + "?format=compact";
  auto d = parse(get(base + "&offset=0&limit=2"));
  EXPECT_EQ(d["spanCount"].GetInt(), 3);
  EXPECT_EQ(d["returnedSpanCount"].GetInt(), 2);
  EXPECT_EQ(d["offset"].GetInt(), 0);
  EXPECT_EQ(d["nextOffset"].GetInt(), 2);
  ASSERT_EQ(d["spans"].Size(), 2u);
  d = parse(get(base + "&offset=2&limit=2"));
  ASSERT_EQ(d["spans"].Size(), 1u);
  EXPECT_FALSE(d.HasMember("nextOffset"));
  EXPECT_EQ(str(d["strings"][d["spans"][0][2].GetUint()]), "render");
  EXPECT_EQ(d["spans"][0][4].GetUint64(), 150 * kMs);  // from the whole trace's start
  d = parse(get(base + "&offset=9"));
  EXPECT_EQ(d["spans"].Size(), 0u);
  EXPECT_EQ(d["returnedSpanCount"].GetInt(), 0);
  EXPECT_EQ(d["strings"].Size(), 1u);

  d = parse(get(base + "&root=" + span_id(1).to_hex() + "&depth=1"));
  EXPECT_EQ(d["spans"].Size(), 3u);
  d = parse(get(base + "&root=" + span_id(2).to_hex()));
  ASSERT_EQ(d["spans"].Size(), 1u);
  EXPECT_EQ(str(d["strings"][d["spans"][0][2].GetUint()]), "charge");
  EXPECT_EQ(d["resources"].Size(), 1u);
  EXPECT_EQ(d["spans"][0][8].GetInt(), 0);

  EXPECT_EQ(get(base + "&root=" + span_id(9).to_hex()).status, 404);
  EXPECT_EQ(get(base + "&root=xyz").status, 400);
  EXPECT_EQ(get(base + "&limit=0").status, 400);
  EXPECT_EQ(get(base + "&depth=2").status, 400);
  EXPECT_EQ(get("/api/v1/traces/" + hex(999) + "?format=compact").status, 404);
}

TEST_F(CompactApiTest, BadFormatIs400) {
  for (const char* f : {"xml", "Compact", "compact-1", "nativ"}) {
    auto r = get("/api/v1/traces/" + hex(kRich) + "?format=" + f);
    EXPECT_EQ(r.status, 400) << f;
    auto d = parse(r);
    EXPECT_EQ(d["error"]["code"].GetInt(), 400);
    EXPECT_EQ(str(d["error"]["message"]), "format: must be native or compact");
  }
  // Checked before the trace is looked for.
  EXPECT_EQ(get("/api/v1/traces/" + hex(999) + "?format=xml").status, 400);
}

TEST_F(CompactApiTest, TraceLongerThanTwoToThe53NsIs422) {
  constexpr uint64_t kLong = 4242;
  constexpr uint64_t kDay = 24ULL * 3600 * 1000;  // ms
  write({make_span(kLong, 1, 0, "slow", "start", 0, 1),
         make_span(kLong, 2, 1, "slow", "much later", 200 * kDay, 1)});
  // As stored (adjust=false) and adjusted (the default) alike.
  auto r = get("/api/v1/traces/" + hex(kLong) + "?format=compact&adjust=false");
  EXPECT_EQ(r.status, 422) << r.body;
  auto d = parse(r);
  EXPECT_EQ(d["error"]["code"].GetInt(), 422);
  EXPECT_NE(str(d["error"]["message"]).find("use format=native"), std::string::npos);
  EXPECT_EQ(get("/api/v1/traces/" + hex(kLong)).status, 200);
  // A page of it too: its times are relative to the whole trace.
  EXPECT_EQ(get("/api/v1/traces/" + hex(kLong) + "?format=compact&adjust=false&limit=1").status,
            422);
  // Adjusted alike: the child is no server of a client, so clock skew leaves it.
  EXPECT_EQ(get("/api/v1/traces/" + hex(kLong) + "?format=compact").status, 422);
}

}  // namespace
}  // namespace weft::api::testing
