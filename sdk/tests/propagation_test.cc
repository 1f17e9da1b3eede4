// The propagators: W3C traceparent/tracestate and baggage, B3 single and multi, Jaeger,
// RpcId, the debug header, the composite and PropagatorFromNames. Header values in the
// "Spec" tests are the examples of the W3C, openzipkin/b3-propagation and Jaeger documents.
// Malformed input must leave the base context unchanged and bump PropagationStats.malformed.
#include <gtest/gtest.h>

#include <random>

#include "weft/span_data.h"
#include "weft/weft.h"

namespace weft {
namespace {

using Headers = HttpHeaderCarrier::Headers;

Context ExtractFrom(const Propagator& p, Headers h, const Context& base = Context()) {
  HttpHeaderCarrier c(h);
  return p.Extract(c, base);
}
Headers InjectFrom(const Propagator& p, const Context& ctx) {
  Headers h;
  HttpHeaderCarrier c(h);
  p.Inject(ctx, c);
  return h;
}
std::string Header(const Headers& h, std::string_view key) {
  Headers copy = h;
  HttpHeaderCarrier c(copy);
  return std::string(c.Get(key));
}
TraceId Tid(std::string_view hex) {
  TraceId id;
  EXPECT_TRUE(TraceId::from_hex(hex, &id)) << hex;
  return id;
}
SpanId Sid(std::string_view hex) {
  SpanId id;
  EXPECT_TRUE(SpanId::from_hex(hex, &id)) << hex;
  return id;
}
Context WithSc(std::string_view trace, std::string_view span, uint8_t flags,
               std::shared_ptr<const std::string> state = nullptr) {
  return Context().WithSpan(SpanContext{Tid(trace), Sid(span), flags, false, std::move(state)});
}

// Counts what one block of code adds to the process-wide counters.
struct StatsDelta {
  PropagationStats before = GetPropagationStats();
  uint64_t malformed() const { return GetPropagationStats().malformed - before.malformed; }
  uint64_t extracted() const { return GetPropagationStats().extracted - before.extracted; }
};

// A base context that must come back unchanged from a malformed header.
Context Base() {
  return WithSc("11111111111111111111111111111111", "2222222222222222", kTraceFlagSampled)
      .WithBaggage(Baggage().With("base", "1"));
}
void ExpectIsBase(const Context& c) {
  EXPECT_EQ(c.span().trace_id.hex(), "11111111111111111111111111111111");
  EXPECT_EQ(c.span().span_id.hex(), "2222222222222222");
  EXPECT_EQ(c.span().flags, kTraceFlagSampled);
  EXPECT_FALSE(c.span().remote);
  ASSERT_NE(c.baggage(), nullptr);
  EXPECT_EQ(c.baggage()->entries().size(), 1u);
}

constexpr char kTrace[] = "0af7651916cd43dd8448eb211c80319c";
constexpr char kSpan[] = "b7ad6b7169203331";

// ---------------------------------------------------------------- W3C trace context

TEST(PropagationW3C, SpecExampleWithTraceState) {
  StatsDelta d;
  Context c =
      ExtractFrom(*W3CTraceContextPropagator(),
                  {{"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
                   {"tracestate", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"}});
  EXPECT_EQ(c.span().trace_id.hex(), kTrace);
  EXPECT_EQ(c.span().span_id.hex(), kSpan);
  EXPECT_TRUE(c.span().sampled());
  EXPECT_FALSE(c.span().debug());
  EXPECT_TRUE(c.span().remote);
  ASSERT_TRUE(c.span().trace_state);
  EXPECT_EQ(*c.span().trace_state, "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
  EXPECT_EQ(d.extracted(), 1u);
  EXPECT_EQ(d.malformed(), 0u);

  Context u =
      ExtractFrom(*W3CTraceContextPropagator(),
                  {{"TraceParent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"}});
  EXPECT_TRUE(u.span().valid());
  EXPECT_FALSE(u.span().sampled());
  EXPECT_EQ(u.span().trace_state, nullptr);
}

TEST(PropagationW3C, OnlyBitZeroOfTheFlagsIsKept) {
  auto p = W3CTraceContextPropagator();
  Context c = ExtractFrom(*p, {{"traceparent", std::string("00-") + kTrace + "-" + kSpan + "-09"}});
  EXPECT_EQ(c.span().flags, kTraceFlagSampled);
  c = ExtractFrom(*p, {{"traceparent", std::string("00-") + kTrace + "-" + kSpan + "-80"}});
  EXPECT_TRUE(c.span().valid());
  EXPECT_EQ(c.span().flags, 0);  // 0x80 on the wire is not weft's debug bit
  // Inject never writes the debug bit.
  Headers h = InjectFrom(*p, WithSc(kTrace, kSpan, kTraceFlagDebug | kTraceFlagSampled));
  EXPECT_EQ(Header(h, "traceparent"), std::string("00-") + kTrace + "-" + kSpan + "-01");
}

TEST(PropagationW3C, FutureVersionsParseAsVersionZero) {
  auto p = W3CTraceContextPropagator();
  const std::string body = std::string(kTrace) + "-" + kSpan + "-01";
  Context c = ExtractFrom(*p, {{"traceparent", "cc-" + body + "-what-the-future-will-be-like"}});
  EXPECT_TRUE(c.span().valid());
  EXPECT_TRUE(c.span().sampled());
  EXPECT_TRUE(ExtractFrom(*p, {{"traceparent", "01-" + body}}).span().valid());
  StatsDelta d;
  ExpectIsBase(ExtractFrom(*p, {{"traceparent", "cc-" + body + ".what"}}, Base()));
  EXPECT_EQ(d.malformed(), 1u);
}

TEST(PropagationW3C, MalformedTraceParentLeavesBaseAndIsCounted) {
  auto p = W3CTraceContextPropagator();
  const std::string t = kTrace, s = kSpan;
  const std::vector<std::string> bad = {
      "ff-" + t + "-" + s + "-01",                         // version ff
      "00-" + t + "-" + s + "-01-extra",                   // 00 with extra fields
      "00-" + t + "-" + s + "-1",                          // short flags
      "00-" + t.substr(1) + "-" + s + "-01",               // short trace id
      "00-" + t + "-" + s + "0-01",                        // long span id
      "00-00000000000000000000000000000000-" + s + "-01",  // zero trace id
      "00-" + t + "-0000000000000000-01",                  // zero span id
      "00-0AF7651916CD43DD8448EB211C80319C-" + s + "-01",  // uppercase
      "00-" + t + "-" + s + "-0g",                         // non-hex flags
      "00_" + t + "_" + s + "_01",                         // wrong separators
      "0x-" + t + "-" + s + "-01",                         // non-hex version
      "00-" + t + "-" + s,                                 // no flags
      "garbage",
      "cc-" + t + "-" + s + "-01-" + std::string(600, 'x'),  // over-long
  };
  for (const auto& v : bad) {
    StatsDelta d;
    Context c = ExtractFrom(*p, {{"traceparent", v}, {"tracestate", "a=b"}}, Base());
    ExpectIsBase(c);
    EXPECT_EQ(d.malformed(), 1u) << v;
    EXPECT_EQ(d.extracted(), 0u) << v;
  }
  // Absent or empty: nothing to count.
  StatsDelta d;
  ExpectIsBase(ExtractFrom(*p, {{"tracestate", "a=b"}}, Base()));
  ExpectIsBase(ExtractFrom(*p, {{"traceparent", ""}}, Base()));
  EXPECT_EQ(d.malformed(), 0u);
}

TEST(PropagationW3C, LeadingAndTrailingWhiteSpaceIsTolerated) {
  Context c = ExtractFrom(*W3CTraceContextPropagator(),
                          {{"traceparent", std::string(" \t00-") + kTrace + "-" + kSpan + "-01 "},
                           {"tracestate", "  a=b  "}});
  EXPECT_TRUE(c.span().valid());
  ASSERT_TRUE(c.span().trace_state);
  EXPECT_EQ(*c.span().trace_state, "a=b");
}

TEST(PropagationW3C, BadTraceStateIsDroppedButTheTraceParentKept) {
  StatsDelta d;
  Context c = ExtractFrom(*W3CTraceContextPropagator(),
                          {{"traceparent", std::string("00-") + kTrace + "-" + kSpan + "-01"},
                           {"tracestate", std::string("a=b\x01")}});
  EXPECT_TRUE(c.span().valid());
  EXPECT_EQ(c.span().trace_state, nullptr);
  EXPECT_EQ(d.malformed(), 1u);
  EXPECT_EQ(d.extracted(), 1u);
}

TEST(PropagationW3C, RoundTripKeepsIdsFlagsAndTraceStateVerbatim) {
  auto p = W3CTraceContextPropagator();
  for (uint8_t flags : {uint8_t{0}, kTraceFlagSampled}) {
    auto state = std::make_shared<const std::string>("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
    Context in = WithSc(kTrace, kSpan, flags, state);
    Headers h = InjectFrom(*p, in);
    EXPECT_EQ(Header(h, "tracestate"), *state);
    Context out = ExtractFrom(*p, h);
    EXPECT_EQ(out.span().trace_id, in.span().trace_id);
    EXPECT_EQ(out.span().span_id, in.span().span_id);
    EXPECT_EQ(out.span().flags, flags);
    ASSERT_TRUE(out.span().trace_state);
    EXPECT_EQ(*out.span().trace_state, *state);
  }
  // No valid span context: nothing is written, not even a tracestate.
  SpanContext invalid;
  invalid.trace_state = std::make_shared<const std::string>("a=b");
  EXPECT_TRUE(InjectFrom(*p, Context().WithSpan(invalid)).empty());
}

// ---------------------------------------------------------------- W3C baggage

const Baggage& Bag(const Context& c) {
  static const Baggage kEmpty;
  return c.baggage() ? *c.baggage() : kEmpty;
}

TEST(PropagationBaggage, SpecExamples) {
  auto p = W3CBaggagePropagator();
  Context c = ExtractFrom(
      *p,
      {{"baggage",
        "key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue"}});
  const auto& e = Bag(c).entries();
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].key, "key1");
  EXPECT_EQ(e[0].value, "value1");
  EXPECT_EQ(e[0].properties, "property1;property2");
  EXPECT_EQ(e[1].key, "key2");
  EXPECT_EQ(e[1].value, "value2");
  EXPECT_EQ(e[2].properties, "propertyKey=propertyValue");

  c = ExtractFrom(*p, {{"baggage", "userId=alice,serverNode=DF%2028,isProduction=false"}});
  EXPECT_EQ(Bag(c).Get("serverNode"), "DF 28");
  EXPECT_EQ(Bag(c).Get("isProduction"), "false");
  c = ExtractFrom(*p, {{"baggage", "key1=value1%2Cvalue2,k=a+b%3D%25"}});
  EXPECT_EQ(Bag(c).Get("key1"), "value1,value2");
  EXPECT_EQ(Bag(c).Get("k"), "a+b=%");  // '+' is a plain character in baggage
}

TEST(PropagationBaggage, InvalidMembersAreSkippedAndCountedValidOnesKept) {
  StatsDelta d;
  Context c = ExtractFrom(*W3CBaggagePropagator(),
                          {{"baggage",
                            "good=1,bad key=2,=novalue,noequals,q=\"quoted\",bad%=%zz,"
                            "p=1;bad prop,ok=2,,"}});
  const auto& e = Bag(c).entries();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].key, "good");
  EXPECT_EQ(e[1].key, "ok");
  EXPECT_EQ(d.malformed(), 1u);  // counted once per header

  StatsDelta d2;
  ExpectIsBase(ExtractFrom(*W3CBaggagePropagator(), {{"baggage", "no good at all"}}, Base()));
  EXPECT_EQ(d2.malformed(), 1u);
}

TEST(PropagationBaggage, MergesOverBaseIncomingWins) {
  Context base = Context().WithBaggage(Baggage().With("a", "1").With("b", "2"));
  Context c = ExtractFrom(*W3CBaggagePropagator(), {{"baggage", "b=3,c=4,c=5"}}, base);
  EXPECT_EQ(Bag(c).Get("a"), "1");
  EXPECT_EQ(Bag(c).Get("b"), "3");
  EXPECT_EQ(Bag(c).Get("c"), "5");
  EXPECT_EQ(Bag(c).entries().size(), 3u);
  EXPECT_EQ(Bag(base).Get("b"), "2");  // the base is not changed
}

TEST(PropagationBaggage, LimitsOf180MembersAnd8192Bytes) {
  std::string many;
  for (int i = 0; i < 200; ++i) many += (i ? "," : "") + ("k" + std::to_string(i)) + "=v";
  StatsDelta d;
  Context c = ExtractFrom(*W3CBaggagePropagator(), {{"baggage", many}});
  EXPECT_EQ(Bag(c).entries().size(), 180u);
  EXPECT_EQ(d.malformed(), 1u);

  std::string big = "a=" + std::string(5000, 'x') + ",b=" + std::string(5000, 'y') + ",c=1";
  c = ExtractFrom(*W3CBaggagePropagator(), {{"baggage", big}});
  EXPECT_EQ(Bag(c).entries().size(), 1u);  // only members wholly inside the first 8192 bytes
  EXPECT_TRUE(Bag(c).Get("a"));
  EXPECT_FALSE(Bag(c).Get("c"));
  ExpectIsBase(
      ExtractFrom(*W3CBaggagePropagator(), {{"baggage", std::string(20000, 'z')}}, Base()));
}

TEST(PropagationBaggage, RoundTripPercentEncodesValues) {
  Baggage b = Baggage()
                  .With("user", "alice smith")
                  .With("odd", "a,b;c=d%e\"f\\g+h\xc3\xa9")
                  .With("withprops", "v", "ttl=30;secret")
                  .With("empty", "");
  Headers h = InjectFrom(*W3CBaggagePropagator(), Context().WithBaggage(b));
  const std::string header = Header(h, "baggage");
  EXPECT_NE(header.find("user=alice%20smith"), std::string::npos) << header;
  EXPECT_NE(header.find("withprops=v;ttl=30;secret"), std::string::npos) << header;
  Context c = ExtractFrom(*W3CBaggagePropagator(), h);
  ASSERT_EQ(Bag(c).entries().size(), 4u);
  for (const auto& e : b.entries()) {
    EXPECT_EQ(Bag(c).Get(e.key), e.value) << e.key;
  }
  EXPECT_EQ(Bag(c).entries()[2].properties, "ttl=30;secret");
  // Keys that are not tokens cannot be sent.
  h = InjectFrom(*W3CBaggagePropagator(), Context().WithBaggage(Baggage().With("bad key", "1")));
  EXPECT_TRUE(h.empty());
}

// ---------------------------------------------------------------- B3

TEST(PropagationB3, SingleHeaderSpecExamples) {
  auto p = B3Propagator();
  Context c = ExtractFrom(
      *p, {{"b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90"}});
  EXPECT_EQ(c.span().trace_id.hex(), "80f198ee56343ba864fe8b2a57d3eff7");
  EXPECT_EQ(c.span().span_id.hex(), "e457b5a2e4d86bd1");
  EXPECT_EQ(c.span().flags, kTraceFlagSampled);
  EXPECT_TRUE(c.span().remote);

  c = ExtractFrom(*p, {{"b3", "a3ce929d0e0e4736-00f067aa0ba902b7-d"}});
  EXPECT_EQ(c.span().trace_id.hex(), "0000000000000000a3ce929d0e0e4736");  // 64-bit, padded left
  EXPECT_EQ(c.span().flags, kTraceFlagSampled | kTraceFlagDebug);

  c = ExtractFrom(*p, {{"b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1"}});
  EXPECT_TRUE(c.span().valid());
  EXPECT_EQ(c.span().flags, 0);  // deferred: not sampled here, the sampler decides
  c = ExtractFrom(*p, {{"b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-0"}});
  EXPECT_EQ(c.span().flags, 0);
}

TEST(PropagationB3, SamplingOnlySingleHeader) {
  auto p = B3Propagator();
  Context c = ExtractFrom(*p, {{"b3", "d"}});
  EXPECT_FALSE(c.span().valid());
  EXPECT_EQ(c.span().flags, kTraceFlagSampled | kTraceFlagDebug);
  StatsDelta d;
  ExpectIsBase(ExtractFrom(*p, {{"b3", "0"}}, Base()));
  ExpectIsBase(ExtractFrom(*p, {{"b3", "1"}}, Base()));
  EXPECT_EQ(d.malformed(), 0u);
  // "d" flags a span context that is already there without touching its ids.
  Context dc = ExtractFrom(*p, {{"b3", "d"}}, Base());
  EXPECT_EQ(dc.span().trace_id.hex(), "11111111111111111111111111111111");
  EXPECT_TRUE(dc.span().debug());
}

TEST(PropagationB3, MultiHeaderSpecExamples) {
  auto p = B3Propagator();
  Headers h = {{"X-B3-TraceId", "463ac35c9f6413ad48485a3953bb6124"},
               {"X-B3-SpanId", "a2fb4a1d1a96d312"},
               {"X-B3-ParentSpanId", "0020000000000001"},
               {"X-B3-Sampled", "1"}};
  Context c = ExtractFrom(*p, h);
  EXPECT_EQ(c.span().trace_id.hex(), "463ac35c9f6413ad48485a3953bb6124");
  EXPECT_EQ(c.span().span_id.hex(), "a2fb4a1d1a96d312");
  EXPECT_EQ(c.span().flags, kTraceFlagSampled);
  EXPECT_TRUE(c.span().remote);
  for (auto [v, flags] : std::vector<std::pair<std::string, uint8_t>>{
           {"true", kTraceFlagSampled}, {"True", kTraceFlagSampled}, {"0", 0}, {"false", 0}}) {
    h[3].second = v;
    EXPECT_EQ(ExtractFrom(*p, h).span().flags, flags) << v;
  }
  h[3] = {"X-B3-Flags", "1"};
  EXPECT_EQ(ExtractFrom(*p, h).span().flags, kTraceFlagSampled | kTraceFlagDebug);
  // 64-bit trace id.
  c = ExtractFrom(*p, {{"x-b3-traceid", "48485a3953bb6124"}, {"x-b3-spanid", "a2fb4a1d1a96d312"}});
  EXPECT_EQ(c.span().trace_id.hex(), "000000000000000048485a3953bb6124");
}

TEST(PropagationB3, DebugFlagWithoutIdsStartsADebugTrace) {
  Context c = ExtractFrom(*B3Propagator(), {{"X-B3-Flags", "1"}});
  EXPECT_FALSE(c.span().valid());
  EXPECT_EQ(c.span().flags, kTraceFlagSampled | kTraceFlagDebug);
}

TEST(PropagationB3, MalformedIsIgnoredAndCounted) {
  auto p = B3Propagator();
  const std::string t = "80f198ee56343ba864fe8b2a57d3eff7", s = "e457b5a2e4d86bd1";
  const std::vector<std::string> bad_single = {t + "-" + s + "-x",
                                               t + "-" + s + "-1-zz",
                                               t + "-" + s + "-1-" + s + "-9",
                                               t + "-",
                                               "-" + s,
                                               t.substr(2) + "-" + s,
                                               t + "-" + s.substr(1),
                                               std::string(32, '0') + "-" + s,
                                               t + "-" + std::string(16, '0'),
                                               "x",
                                               "dd",
                                               t + "-" + s + "-" + "11",
                                               t + "--" + s};
  for (const auto& v : bad_single) {
    StatsDelta d;
    ExpectIsBase(ExtractFrom(*p, {{"b3", v}}, Base()));
    EXPECT_EQ(d.malformed(), 1u) << v;
  }
  const std::vector<Headers> bad_multi = {
      {{"x-b3-traceid", t}},
      {{"x-b3-spanid", s}},
      {{"x-b3-traceid", t}, {"x-b3-spanid", s}, {"x-b3-sampled", "yes"}},
      {{"x-b3-traceid", t}, {"x-b3-spanid", s}, {"x-b3-flags", "2"}},
      {{"x-b3-traceid", t}, {"x-b3-spanid", s}, {"x-b3-parentspanid", "nothex!!nothex!!"}},
      {{"x-b3-traceid", t + "0"}, {"x-b3-spanid", s}},
      {{"x-b3-parentspanid", s}},
  };
  for (const auto& h : bad_multi) {
    StatsDelta d;
    ExpectIsBase(ExtractFrom(*p, h, Base()));
    EXPECT_EQ(d.malformed(), 1u) << h[0].first;
  }
}

TEST(PropagationB3, MalformedSingleFallsBackToMulti) {
  StatsDelta d;
  Context c = ExtractFrom(*B3Propagator(), {{"b3", "nonsense-header"},
                                            {"x-b3-traceid", "463ac35c9f6413ad48485a3953bb6124"},
                                            {"x-b3-spanid", "a2fb4a1d1a96d312"}});
  EXPECT_EQ(c.span().span_id.hex(), "a2fb4a1d1a96d312");
  EXPECT_EQ(d.malformed(), 1u);
  EXPECT_EQ(d.extracted(), 1u);
}

TEST(PropagationB3, InjectSingleAndMulti) {
  Headers h =
      InjectFrom(*B3Propagator(B3Encoding::kSingle), WithSc(kTrace, kSpan, kTraceFlagSampled));
  EXPECT_EQ(Header(h, "b3"), std::string(kTrace) + "-" + kSpan + "-1");
  h = InjectFrom(*B3Propagator(), WithSc(kTrace, kSpan, 0));
  EXPECT_EQ(Header(h, "b3"), std::string(kTrace) + "-" + kSpan + "-0");
  h = InjectFrom(*B3Propagator(), WithSc(kTrace, kSpan, kTraceFlagSampled | kTraceFlagDebug));
  EXPECT_EQ(Header(h, "b3"), std::string(kTrace) + "-" + kSpan + "-d");
  EXPECT_EQ(h.size(), 1u);

  h = InjectFrom(*B3Propagator(B3Encoding::kMulti), WithSc(kTrace, kSpan, kTraceFlagSampled));
  EXPECT_EQ(Header(h, "X-B3-TraceId"), kTrace);
  EXPECT_EQ(Header(h, "X-B3-SpanId"), kSpan);
  EXPECT_EQ(Header(h, "X-B3-Sampled"), "1");
  EXPECT_EQ(Header(h, "X-B3-Flags"), "");
  EXPECT_EQ(Header(h, "b3"), "");
  h = InjectFrom(*B3Propagator(B3Encoding::kMulti),
                 WithSc(kTrace, kSpan, kTraceFlagSampled | kTraceFlagDebug));
  EXPECT_EQ(Header(h, "X-B3-Flags"), "1");
  EXPECT_EQ(Header(h, "X-B3-Sampled"), "");  // debug implies accept: not sent (B3 spec)

  // Debug-only contexts and invalid ones.
  SpanContext debug_only;
  debug_only.flags = kTraceFlagDebug | kTraceFlagSampled;
  EXPECT_EQ(Header(InjectFrom(*B3Propagator(), Context().WithSpan(debug_only)), "b3"), "d");
  EXPECT_EQ(Header(InjectFrom(*B3Propagator(B3Encoding::kMulti), Context().WithSpan(debug_only)),
                   "x-b3-flags"),
            "1");
  EXPECT_TRUE(InjectFrom(*B3Propagator(), Context()).empty());
}

TEST(PropagationB3, RoundTripBothEncodings) {
  for (B3Encoding enc : {B3Encoding::kSingle, B3Encoding::kMulti}) {
    for (uint8_t flags :
         {uint8_t{0}, kTraceFlagSampled, uint8_t(kTraceFlagSampled | kTraceFlagDebug)}) {
      Context in = WithSc(kTrace, kSpan, flags);
      Context out = ExtractFrom(*B3Propagator(enc), InjectFrom(*B3Propagator(enc), in));
      EXPECT_EQ(out.span().trace_id, in.span().trace_id);
      EXPECT_EQ(out.span().span_id, in.span().span_id);
      EXPECT_EQ(out.span().flags, flags) << int(flags);
      EXPECT_TRUE(out.span().remote);
    }
  }
}

// ---------------------------------------------------------------- Jaeger

TEST(PropagationJaeger, UberTraceIdForms) {
  auto p = JaegerPropagator();
  Context c = ExtractFrom(
      *p, {{"uber-trace-id", "000000000000000000000000deadbeef:00000000deadbef0:00000000:01"}});
  EXPECT_EQ(c.span().trace_id.hex(), "000000000000000000000000deadbeef");
  EXPECT_EQ(c.span().span_id.hex(), "00000000deadbef0");
  EXPECT_EQ(c.span().flags, kTraceFlagSampled);
  EXPECT_TRUE(c.span().remote);
  // Leading zeros dropped, 64-bit trace id (the docs' example).
  c = ExtractFrom(*p, {{"uber-trace-id", "51729f13a64c2ef3:258169797d519815:51729f13a64c2ef3:1"}});
  EXPECT_EQ(c.span().trace_id.hex(), "000000000000000051729f13a64c2ef3");
  EXPECT_EQ(c.span().span_id.hex(), "258169797d519815");
  c = ExtractFrom(*p, {{"uber-trace-id", "abc:def:0:0"}});
  EXPECT_EQ(c.span().trace_id.hex(), "00000000000000000000000000000abc");
  EXPECT_EQ(c.span().span_id.hex(), "0000000000000def");
  EXPECT_EQ(c.span().flags, 0);
  // URL-encoded colons.
  c = ExtractFrom(*p, {{"Uber-Trace-Id", "51729f13a64c2ef3%3A258169797d519815%3a0%3A1"}});
  EXPECT_EQ(c.span().span_id.hex(), "258169797d519815");
  EXPECT_TRUE(c.span().sampled());
  // Debug flag (2) implies sampled; 3 = both.
  for (const char* f : {"2", "3", "03"}) {
    c = ExtractFrom(*p, {{"uber-trace-id", std::string("abc:def:0:") + f}});
    EXPECT_EQ(c.span().flags, kTraceFlagSampled | kTraceFlagDebug) << f;
  }
}

TEST(PropagationJaeger, DebugIdForcesDebug) {
  auto p = JaegerPropagator();
  Context c = ExtractFrom(*p, {{"jaeger-debug-id", "my-correlation-id"}});
  EXPECT_FALSE(c.span().valid());
  EXPECT_EQ(c.span().flags, kTraceFlagSampled | kTraceFlagDebug);
  c = ExtractFrom(*p, {{"uber-trace-id", "abc:def:0:0"}, {"jaeger-debug-id", "x"}});
  EXPECT_TRUE(c.span().valid());
  EXPECT_EQ(c.span().flags, kTraceFlagSampled | kTraceFlagDebug);
}

TEST(PropagationJaeger, MalformedIsIgnoredAndCounted) {
  auto p = JaegerPropagator();
  for (std::string v :
       {"abc:def:0", "abc:def:0:1:5", "xyz:def:0:1", "0:def:0:1", "abc:0:0:1", "abc:def:0:100",
        "abc:def:0:", ":def:0:1", "abc:def::1", "11111111111111111111111111111111f:def:0:1",
        "abc:11111111111111111:0:1", "abc%3Adef%3A0", "garbage", "abc:def:0:1 trailing"}) {
    StatsDelta d;
    ExpectIsBase(ExtractFrom(*p, {{"uber-trace-id", v}}, Base()));
    EXPECT_EQ(d.malformed(), 1u) << v;
  }
}

TEST(PropagationJaeger, BaggageHeadersBothWays) {
  auto p = JaegerPropagator();
  Context base = Context().WithBaggage(Baggage().With("keep", "1").With("user", "old"));
  Context c = ExtractFrom(*p,
                          {{"uber-trace-id", "abc:def:0:1"},
                           {"uberctx-user", "alice%20smith"},
                           {"UberCtx-Tier", "gold"},
                           {"uberctx-", "ignored"},
                           {"other", "x"}},
                          base);
  EXPECT_EQ(Bag(c).Get("keep"), "1");
  EXPECT_EQ(Bag(c).Get("user"), "alice smith");
  EXPECT_EQ(Bag(c).Get("Tier"), "gold");
  EXPECT_EQ(Bag(c).entries().size(), 3u);

  Context in =
      WithSc(kTrace, kSpan, kTraceFlagSampled).WithBaggage(Baggage().With("user", "a b,c"));
  Headers h = InjectFrom(*p, in);
  EXPECT_EQ(Header(h, "uber-trace-id"), std::string(kTrace) + ":" + kSpan + ":0:1");
  EXPECT_EQ(Header(h, "uberctx-user"), "a%20b%2Cc");
  Context out = ExtractFrom(*p, h);
  EXPECT_EQ(Bag(out).Get("user"), "a b,c");
}

TEST(PropagationJaeger, RoundTrip) {
  auto p = JaegerPropagator();
  for (uint8_t flags :
       {uint8_t{0}, kTraceFlagSampled, uint8_t(kTraceFlagSampled | kTraceFlagDebug)}) {
    Context in = WithSc(kTrace, kSpan, flags);
    Headers h = InjectFrom(*p, in);
    Context out = ExtractFrom(*p, h);
    EXPECT_EQ(out.span().trace_id, in.span().trace_id);
    EXPECT_EQ(out.span().span_id, in.span().span_id);
    EXPECT_EQ(out.span().flags, flags);
  }
  EXPECT_EQ(Header(InjectFrom(*p, WithSc(kTrace, kSpan, kTraceFlagSampled | kTraceFlagDebug)),
                   "uber-trace-id"),
            std::string(kTrace) + ":" + kSpan + ":0:3");
}

// ---------------------------------------------------------------- RpcId

TEST(PropagationRpcId, ExtractCreatesTheRequestState) {
  Context c = ExtractFrom(*RpcIdPropagator(), {{"X-Rpc-Id", "0.2.1"}});
  ASSERT_TRUE(c.rpc_state());
  EXPECT_EQ(c.rpc_state()->base(), "0.2.1");
  EXPECT_EQ(c.rpc_state()->Self(), "0.2.1.1");
  EXPECT_EQ(c.rpc_state()->scheme(), RpcIdScheme::kPerRequest);
  EXPECT_EQ(c.rpc_id(), "");
  EXPECT_FALSE(c.span().valid());  // no trace id header

  c = ExtractFrom(*RpcIdPropagator(RpcIdScheme::kPerCall), {{"x-rpc-id", "0.2"}});
  ASSERT_TRUE(c.rpc_state());
  EXPECT_EQ(c.rpc_state()->Self(), "0.2");
  EXPECT_EQ(c.rpc_state()->NextCall(), "0.2.1");
}

TEST(PropagationRpcId, MalformedRpcIdsAreCounted) {
  for (const std::string& v : std::vector<std::string>{"0..1", ".1", "1.", "a.1", "0.1-2", "0 .1",
                                                       std::string(65, '1'), "."}) {
    StatsDelta d;
    Context c = ExtractFrom(*RpcIdPropagator(), {{"x-rpc-id", v}}, Base());
    ExpectIsBase(c);
    EXPECT_EQ(c.rpc_state(), nullptr);
    EXPECT_EQ(d.malformed(), 1u) << v;
  }
  EXPECT_TRUE(ExtractFrom(*RpcIdPropagator(), {{"x-rpc-id", std::string(64, '1')}}).rpc_state());
}

TEST(PropagationRpcId, TraceIdHeaderMakesADeterministicRemoteParent) {
  auto p = RpcIdPropagator();
  Headers h = {{"x-rpc-id", "0.3"}, {"x-trace-id", kTrace}};
  Context a = ExtractFrom(*p, h), b = ExtractFrom(*p, h);
  EXPECT_EQ(a.span().trace_id.hex(), kTrace);
  EXPECT_TRUE(a.span().valid());
  EXPECT_TRUE(a.span().remote);
  EXPECT_TRUE(a.span().sampled());
  EXPECT_EQ(a.span().span_id, b.span().span_id);
  // FNV-1a 64 of "0.3", big-endian.
  uint64_t fnv = 0xcbf29ce484222325ULL;
  for (char ch : std::string("0.3"))
    fnv = (fnv ^ static_cast<unsigned char>(ch)) * 0x100000001b3ULL;
  EXPECT_EQ(a.span().span_id.low64(), fnv);
  Context other = ExtractFrom(*p, {{"x-rpc-id", "0.4"}, {"x-trace-id", kTrace}});
  EXPECT_NE(other.span().span_id, a.span().span_id);

  // A span context already in base is not replaced; a bad trace id is malformed.
  Context kept = ExtractFrom(*p, h, Base());
  EXPECT_EQ(kept.span().trace_id.hex(), "11111111111111111111111111111111");
  EXPECT_TRUE(kept.rpc_state());
  StatsDelta d;
  Context bad = ExtractFrom(*p, {{"x-trace-id", "123jiojfdsao"}});
  EXPECT_FALSE(bad.span().valid());
  EXPECT_EQ(d.malformed(), 1u);
}

TEST(PropagationRpcId, InjectWritesTheCurrentRpcIdAndTraceId) {
  auto state = std::make_shared<RpcIdState>("0.2", RpcIdScheme::kPerRequest);
  Context c = WithSc(kTrace, kSpan, kTraceFlagSampled).WithRpcId(state, "0.2.3");
  Headers h = InjectFrom(*RpcIdPropagator(), c);
  EXPECT_EQ(Header(h, "x-rpc-id"), "0.2.3");
  EXPECT_EQ(Header(h, "x-trace-id"), kTrace);
  EXPECT_TRUE(InjectFrom(*RpcIdPropagator(), Context()).empty());
  // Custom header names, round trip.
  auto custom = RpcIdPropagator(RpcIdScheme::kPerRequest, "x-b-rpcid", "x-b-traceid");
  h = InjectFrom(*custom, c);
  EXPECT_EQ(Header(h, "x-b-rpcid"), "0.2.3");
  Context out = ExtractFrom(*custom, h);
  ASSERT_TRUE(out.rpc_state());
  EXPECT_EQ(out.rpc_state()->Self(), "0.2.3.1");
  EXPECT_EQ(out.span().trace_id.hex(), kTrace);
  EXPECT_EQ(custom->Fields(), (std::vector<std::string>{"x-b-rpcid", "x-b-traceid"}));
}

// ---------------------------------------------------------------- debug header

TEST(PropagationDebug, HeaderForcesDebugAndSampled) {
  auto p = DebugHeaderPropagator();
  Context c = ExtractFrom(*p, {{"X-Weft-Debug", "1"}});
  EXPECT_FALSE(c.span().valid());
  EXPECT_EQ(c.span().flags, kTraceFlagDebug | kTraceFlagSampled);
  c = ExtractFrom(*p, {{"x-weft-debug", "yes please"}}, Base());
  EXPECT_EQ(c.span().trace_id.hex(), "11111111111111111111111111111111");
  EXPECT_EQ(c.span().flags, kTraceFlagDebug | kTraceFlagSampled);
  for (const char* off : {"0", "false", "FALSE", "", " "})
    ExpectIsBase(ExtractFrom(*p, {{"x-weft-debug", off}}, Base()));
  // Another header name (the seed's X-DEBUG).
  c = ExtractFrom(*DebugHeaderPropagator("X-DEBUG"), {{"x-debug", "1"}});
  EXPECT_EQ(c.span().flags, kTraceFlagDebug | kTraceFlagSampled);
}

TEST(PropagationDebug, InjectWritesTheHeaderOnlyForDebugContexts) {
  auto p = DebugHeaderPropagator();
  EXPECT_EQ(Header(InjectFrom(*p, WithSc(kTrace, kSpan, kTraceFlagSampled | kTraceFlagDebug)),
                   "x-weft-debug"),
            "1");
  EXPECT_TRUE(InjectFrom(*p, WithSc(kTrace, kSpan, kTraceFlagSampled)).empty());
}

// ---------------------------------------------------------------- composite and names

TEST(PropagationComposite, FirstSpanContextWinsOthersStillApply) {
  auto p = CompositePropagator({W3CTraceContextPropagator(), B3Propagator(), W3CBaggagePropagator(),
                                RpcIdPropagator(), DebugHeaderPropagator()});
  StatsDelta d;
  Context c = ExtractFrom(*p, {{"traceparent", std::string("00-") + kTrace + "-" + kSpan + "-00"},
                               {"b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-d"},
                               {"baggage", "k=v"},
                               {"x-rpc-id", "0.5"},
                               {"x-trace-id", "463ac35c9f6413ad48485a3953bb6124"}});
  EXPECT_EQ(c.span().trace_id.hex(), kTrace);  // traceparent came first
  EXPECT_EQ(c.span().span_id.hex(), kSpan);
  EXPECT_TRUE(c.span().debug());  // but B3's debug flag is kept
  EXPECT_TRUE(c.span().sampled());
  EXPECT_TRUE(c.span().remote);
  EXPECT_EQ(Bag(c).Get("k"), "v");
  ASSERT_TRUE(c.rpc_state());
  EXPECT_EQ(c.rpc_state()->base(), "0.5");

  // Only the second format present: it is found.
  c = ExtractFrom(*p, {{"b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1"}});
  EXPECT_EQ(c.span().trace_id.hex(), "80f198ee56343ba864fe8b2a57d3eff7");
  // A malformed first format does not stop the second.
  c = ExtractFrom(*p, {{"traceparent", "00-garbage"},
                       {"b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1"}});
  EXPECT_EQ(c.span().span_id.hex(), "e457b5a2e4d86bd1");
  // The debug header before or after the ids.
  auto dbg_first = CompositePropagator({DebugHeaderPropagator(), W3CTraceContextPropagator()});
  c = ExtractFrom(*dbg_first, {{"x-weft-debug", "1"},
                               {"traceparent", std::string("00-") + kTrace + "-" + kSpan + "-00"}});
  EXPECT_EQ(c.span().trace_id.hex(), kTrace);
  EXPECT_EQ(c.span().flags, kTraceFlagDebug | kTraceFlagSampled);
  // Nothing at all: base unchanged.
  ExpectIsBase(ExtractFrom(*p, {{"unrelated", "1"}}, Base()));
}

TEST(PropagationComposite, InjectWritesEveryMember) {
  auto p = CompositePropagator({W3CTraceContextPropagator(), B3Propagator(B3Encoding::kMulti),
                                JaegerPropagator(), W3CBaggagePropagator(), nullptr});
  Context in = WithSc(kTrace, kSpan, kTraceFlagSampled).WithBaggage(Baggage().With("k", "v"));
  Headers h = InjectFrom(*p, in);
  EXPECT_EQ(Header(h, "traceparent"), std::string("00-") + kTrace + "-" + kSpan + "-01");
  EXPECT_EQ(Header(h, "x-b3-traceid"), kTrace);
  EXPECT_EQ(Header(h, "uber-trace-id"), std::string(kTrace) + ":" + kSpan + ":0:1");
  EXPECT_EQ(Header(h, "baggage"), "k=v");
  EXPECT_EQ(Header(h, "uberctx-k"), "v");
  const auto fields = p->Fields();
  EXPECT_NE(std::find(fields.begin(), fields.end(), "traceparent"), fields.end());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "uber-trace-id"), fields.end());
}

TEST(PropagationNames, KnownNamesWhiteSpaceAndErrors) {
  std::string error;
  for (const char* name :
       {"tracecontext", "baggage", "b3", "b3multi", "jaeger", "rpcid", "rpcid-percall", "debug",
        "none", " tracecontext , baggage ,\tb3multi\n", "TraceContext,B3", "b3,,jaeger,"}) {
    EXPECT_NE(PropagatorFromNames(name, &error), nullptr) << name << ": " << error;
  }
  auto p = PropagatorFromNames(" tracecontext , b3multi ", &error);
  Headers h = InjectFrom(*p, WithSc(kTrace, kSpan, kTraceFlagSampled));
  EXPECT_EQ(Header(h, "traceparent").size(), 55u);
  EXPECT_EQ(Header(h, "x-b3-spanid"), kSpan);
  EXPECT_EQ(Header(h, "b3"), "");
  // rpcid-percall extracts in the per-call scheme.
  Context c = ExtractFrom(*PropagatorFromNames("rpcid-percall", &error), {{"x-rpc-id", "0.1"}});
  ASSERT_TRUE(c.rpc_state());
  EXPECT_EQ(c.rpc_state()->scheme(), RpcIdScheme::kPerCall);
  // "none" does nothing.
  EXPECT_TRUE(InjectFrom(*PropagatorFromNames("none", &error), WithSc(kTrace, kSpan, 1)).empty());

  EXPECT_EQ(PropagatorFromNames("tracecontext, xray", &error), nullptr);
  EXPECT_EQ(error.rfind("unknown propagator 'xray' (known: ", 0), 0u) << error;
  EXPECT_NE(error.find("b3multi"), std::string::npos);
  EXPECT_EQ(PropagatorFromNames(" , ", &error), nullptr);
  EXPECT_EQ(PropagatorFromNames("bogus", nullptr), nullptr);  // a null error is allowed
}

// ---------------------------------------------------------------- across formats

TEST(PropagationCross, OneTraceThroughEveryFormat) {
  // W3C in, B3 out, B3 in, Jaeger out, Jaeger in, W3C out: the same trace and span ids.
  Context c =
      ExtractFrom(*W3CTraceContextPropagator(),
                  {{"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}});
  Headers b3 = InjectFrom(*B3Propagator(), c);
  EXPECT_EQ(Header(b3, "b3"), "0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1");
  Headers b3m = InjectFrom(*B3Propagator(B3Encoding::kMulti), c);
  EXPECT_EQ(Header(b3m, "x-b3-traceid"), "0af7651916cd43dd8448eb211c80319c");
  c = ExtractFrom(*B3Propagator(), b3m);
  Headers jg = InjectFrom(*JaegerPropagator(), c);
  c = ExtractFrom(*JaegerPropagator(), jg);
  Headers w3c = InjectFrom(*W3CTraceContextPropagator(), c);
  EXPECT_EQ(Header(w3c, "traceparent"), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  // B3 debug in, W3C out: only the sampled bit crosses; the debug header carries the rest.
  c = ExtractFrom(*B3Propagator(), {{"b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-d"}});
  auto out = PropagatorFromNames("tracecontext,debug", nullptr);
  Headers h = InjectFrom(*out, c);
  EXPECT_EQ(Header(h, "traceparent"), "00-80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-01");
  EXPECT_EQ(Header(h, "x-weft-debug"), "1");
  Context back = ExtractFrom(*out, h);
  EXPECT_TRUE(back.span().debug());
}

// ---------------------------------------------------------------- with the tracer

struct Pipeline {
  std::shared_ptr<InMemoryExporter> exporter = std::make_shared<InMemoryExporter>();
  Sdk sdk;
  explicit Pipeline(std::shared_ptr<Sampler> sampler) {
    Options o;
    o.service_name = "propagation-test";
    o.exporter = exporter;
    o.simple_processor = true;
    o.flush_on_signal = false;
    o.sampler = std::move(sampler);
    sdk = Init(std::move(o));
  }
  std::vector<SpanData> spans() {
    sdk.ForceFlush();
    return exporter->spans();
  }
};

TEST(PropagationTracer, ExtractedParentsAndDebugOnlyContexts) {
  Pipeline p(ParentBasedSampler(AlwaysOffSampler()));
  Tracer t = p.sdk.tracer();
  // A debug header without ids: a new trace, sampled despite the sampler, flagged debug.
  Context dbg = ExtractFrom(*DebugHeaderPropagator(), {{"x-weft-debug", "1"}});
  {
    StartOptions o;
    o.parent = &dbg;
    o.kind = SpanKind::kServer;
    Span s = t.StartSpan("debug-root", o);
    EXPECT_TRUE(s.recording());
    EXPECT_TRUE(s.trace_id().valid());
    EXPECT_TRUE(s.flags() & kTraceFlagDebug);
  }
  // A remote sampled W3C parent: the server span is its child in the same trace.
  Context remote =
      ExtractFrom(*W3CTraceContextPropagator(),
                  {{"traceparent", std::string("00-") + kTrace + "-" + kSpan + "-01"}});
  {
    StartOptions o;
    o.parent = &remote;
    o.kind = SpanKind::kServer;
    Span s = t.StartSpan("server", o);
    EXPECT_TRUE(s.recording());
  }
  auto spans = p.spans();
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[1].trace_id.hex(), kTrace);
  EXPECT_EQ(spans[1].parent_span_id.hex(), kSpan);
  EXPECT_TRUE(spans[1].parent_remote);
}

// ---------------------------------------------------------------- fuzz

// Valid values of every format, mutated (truncated, bytes flipped/inserted/deleted, pieces
// duplicated) or replaced by random bytes, fed to every propagator and the composite of all.
// Nothing may crash or read out of bounds, and what comes out must be sane: an extracted
// span context is valid, remote and survives its own format's inject + extract unchanged.
TEST(PropagationFuzz, RandomAndMutatedHeadersNeverBreakAnything) {
  std::mt19937_64 rng(20240531);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  const std::vector<std::pair<std::string, std::string>> seeds = {
      {"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
      {"traceparent", "cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-future"},
      {"tracestate", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"},
      {"baggage", "key1=value1;property1;property2, key2 = value2, k3=a%20b"},
      {"b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90"},
      {"b3", "a3ce929d0e0e4736-00f067aa0ba902b7-d"},
      {"x-b3-traceid", "463ac35c9f6413ad48485a3953bb6124"},
      {"x-b3-spanid", "a2fb4a1d1a96d312"},
      {"x-b3-parentspanid", "0020000000000001"},
      {"x-b3-sampled", "true"},
      {"x-b3-flags", "1"},
      {"uber-trace-id", "51729f13a64c2ef3:258169797d519815:51729f13a64c2ef3:3"},
      {"uber-trace-id", "abc%3Adef%3A0%3A1"},
      {"uberctx-user", "alice%20smith"},
      {"jaeger-debug-id", "id"},
      {"x-rpc-id", "0.2.1"},
      {"x-trace-id", "463ac35c9f6413ad48485a3953bb6124"},
      {"x-weft-debug", "1"},
  };
  const std::string alphabet = "0123456789abcdefABCDEF-:;,=%. \t+d\"\\";
  auto mutate = [&](std::string v) {
    const int ops = 1 + static_cast<int>(pick(4));
    for (int i = 0; i < ops; ++i) {
      switch (pick(7)) {
        case 0:
          v.resize(pick(v.size() + 1));
          break;
        case 1:
          if (!v.empty()) v[pick(v.size())] = alphabet[pick(alphabet.size())];
          break;
        case 2:
          v.insert(v.begin() + static_cast<long>(pick(v.size() + 1)), static_cast<char>(rng()));
          break;
        case 3:
          if (!v.empty()) v.erase(pick(v.size()), 1 + pick(4));
          break;
        case 4:
          v += v.substr(pick(v.size() + 1));
          break;
        case 5: {
          std::string r(pick(80), '\0');
          for (char& c : r) c = static_cast<char>(rng());
          v = r;
          break;
        }
        default:
          if (!v.empty()) v[pick(v.size())] = static_cast<char>(rng());
      }
    }
    return v;
  };
  std::vector<std::shared_ptr<Propagator>> props = {
      W3CTraceContextPropagator(),      W3CBaggagePropagator(), B3Propagator(B3Encoding::kSingle),
      B3Propagator(B3Encoding::kMulti), JaegerPropagator(),     RpcIdPropagator(),
      DebugHeaderPropagator()};
  auto all = CompositePropagator(props);
  props.push_back(all);
  const PropagationStats before = GetPropagationStats();
  size_t extracted = 0;
  for (int iter = 0; iter < 4000; ++iter) {
    Headers h;
    const size_t n = 1 + pick(5);
    for (size_t i = 0; i < n; ++i) {
      auto [k, v] = seeds[pick(seeds.size())];
      h.emplace_back(k, pick(5) == 0 ? v : mutate(v));
    }
    const Context base = pick(2) ? Context() : Base();
    for (size_t pi = 0; pi < props.size(); ++pi) {
      const Propagator& p = *props[pi];
      Context c = ExtractFrom(p, h, base);
      const SpanContext& sc = c.span();
      if (sc.valid() &&
          !(sc.trace_id == base.span().trace_id && sc.span_id == base.span().span_id)) {
        ++extracted;
        ASSERT_TRUE(sc.remote);
        if (pi == 0) {
          ASSERT_EQ(sc.flags & ~kTraceFlagSampled, 0);
        }
        // Inject what was extracted and extract it again: the same ids and flags (W3C drops
        // debug, which only the other formats carry).
        Context again = ExtractFrom(p, InjectFrom(p, c));
        ASSERT_EQ(again.span().trace_id, sc.trace_id);
        if (pi != 5) {
          ASSERT_EQ(again.span().span_id, sc.span_id);
        }  // rpcid derives its own
        if (pi != 0 && pi != 5) {
          ASSERT_EQ(again.span().flags, sc.flags);
        }
      }
      if (sc.debug()) {
        ASSERT_TRUE(sc.sampled());
      }
      if (c.rpc_state()) {
        for (char ch : c.rpc_state()->base()) ASSERT_TRUE(ch == '.' || (ch >= '0' && ch <= '9'));
      }
      if (c.baggage()) {
        ASSERT_FALSE(c.baggage()->empty());
        for (const auto& e : c.baggage()->entries()) ASSERT_FALSE(e.key.empty());
      }
      // Injecting whatever came out never writes a header value with a line break or NUL.
      for (const auto& [k, v] : InjectFrom(p, c)) {
        ASSERT_EQ(k.find_first_of(std::string("\r\n\0", 3)), std::string::npos) << k;
        ASSERT_EQ(v.find_first_of(std::string("\r\n\0", 3)), std::string::npos) << v;
      }
    }
  }
  const PropagationStats after = GetPropagationStats();
  EXPECT_GT(after.malformed - before.malformed, 1000u);  // most mutations are malformed
  EXPECT_GT(extracted, 100u);                            // and some still parse
}

}  // namespace
}  // namespace weft
