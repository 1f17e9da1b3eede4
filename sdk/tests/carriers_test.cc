// The carriers: HTTP headers (case-insensitive, Set replaces), std::map, gRPC metadata
// (lowercase keys), message-queue headers (exact keys) and URL query parameters
// (percent-coded, the target rewritten on Set), each also carrying a real propagation.
#include <gtest/gtest.h>

#include <algorithm>

#include "weft/propagation.h"

namespace weft {
namespace {

std::vector<std::string> Sorted(std::vector<std::string_view> v) {
  std::vector<std::string> out(v.begin(), v.end());
  std::sort(out.begin(), out.end());
  return out;
}

Context SampledContext() {
  SpanContext sc;
  EXPECT_TRUE(TraceId::from_hex("0af7651916cd43dd8448eb211c80319c", &sc.trace_id));
  EXPECT_TRUE(SpanId::from_hex("b7ad6b7169203331", &sc.span_id));
  sc.flags = kTraceFlagSampled;
  return Context().WithSpan(sc).WithBaggage(Baggage().With("user", "alice smith"));
}

// Inject into the carrier, extract from it again: the same trace.
void ExpectRoundTrip(TextMapCarrier& carrier) {
  auto p = PropagatorFromNames("tracecontext,baggage,jaeger", nullptr);
  ASSERT_TRUE(p);
  Context in = SampledContext();
  p->Inject(in, carrier);
  Context out = p->Extract(carrier, Context());
  EXPECT_EQ(out.span().trace_id, in.span().trace_id);
  EXPECT_EQ(out.span().span_id, in.span().span_id);
  EXPECT_TRUE(out.span().sampled());
  ASSERT_TRUE(out.baggage());
  EXPECT_EQ(out.baggage()->Get("user"), "alice smith");
}

TEST(CarrierHttp, CaseInsensitiveGetSetReplacesFirst) {
  HttpHeaderCarrier::Headers h = {
      {"Content-Type", "text/plain"}, {"TraceParent", "old"}, {"traceparent", "dup"}};
  HttpHeaderCarrier c(h);
  EXPECT_EQ(c.Get("content-type"), "text/plain");
  EXPECT_EQ(c.Get("TRACEPARENT"), "old");  // the first of repeated headers
  EXPECT_EQ(c.Get("missing"), "");
  c.Set("traceparent", "new");
  EXPECT_EQ(h[1].first, "TraceParent");  // name kept, value replaced in place
  EXPECT_EQ(h[1].second, "new");
  EXPECT_EQ(h.size(), 3u);
  c.Set("X-New", "1");
  ASSERT_EQ(h.size(), 4u);
  EXPECT_EQ(h.back(), (std::pair<std::string, std::string>{"X-New", "1"}));
  EXPECT_EQ(Sorted(c.Keys()),
            (std::vector<std::string>{"Content-Type", "TraceParent", "X-New", "traceparent"}));
}

TEST(CarrierHttp, CarriesAPropagation) {
  HttpHeaderCarrier::Headers h;
  HttpHeaderCarrier c(h);
  ExpectRoundTrip(c);
}

TEST(CarrierMap, CaseInsensitiveOverAStdMap) {
  std::map<std::string, std::string> m = {{"Baggage", "a=1"}, {"x", "y"}};
  MapCarrier c(m);
  EXPECT_EQ(c.Get("baggage"), "a=1");
  EXPECT_EQ(c.Get("x"), "y");
  c.Set("BAGGAGE", "b=2");
  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(m["Baggage"], "b=2");
  c.Set("new", "v");
  EXPECT_EQ(m["new"], "v");
  EXPECT_EQ(Sorted(c.Keys()), (std::vector<std::string>{"Baggage", "new", "x"}));
  std::map<std::string, std::string> empty;
  MapCarrier e(empty);
  ExpectRoundTrip(e);
}

TEST(CarrierGrpc, KeysAreLowercasedAndReplaced) {
  std::multimap<std::string, std::string> md = {
      {"traceparent", "a"}, {"traceparent", "b"}, {"Mixed-Case", "m"}};
  GrpcMetadataCarrier c(md);
  EXPECT_EQ(c.Get("TraceParent"), "a");
  EXPECT_EQ(c.Get("mixed-case"), "m");  // metadata filled in by hand, not lowercase
  c.Set("TraceParent", "z");
  EXPECT_EQ(md.count("traceparent"), 1u);
  EXPECT_EQ(md.find("traceparent")->second, "z");
  c.Set("X-B3-TraceId", "t");
  EXPECT_EQ(md.count("x-b3-traceid"), 1u);
  EXPECT_EQ(md.count("X-B3-TraceId"), 0u);
  std::multimap<std::string, std::string> fresh;
  GrpcMetadataCarrier f(fresh);
  ExpectRoundTrip(f);
  for (const auto& kv : fresh)
    EXPECT_TRUE(std::none_of(kv.first.begin(), kv.first.end(), [](char ch) {
      return ch >= 'A' && ch <= 'Z';
    })) << kv.first;
}

TEST(CarrierMessage, ExactKeysAndReplace) {
  MessageHeaderCarrier::Headers h = {{"traceparent", "a"}};
  MessageHeaderCarrier c(h);
  EXPECT_EQ(c.Get("traceparent"), "a");
  EXPECT_EQ(c.Get("TraceParent"), "");  // queue headers are case-sensitive
  c.Set("traceparent", "b");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].second, "b");
  c.Set("TraceParent", "c");
  EXPECT_EQ(h.size(), 2u);
  MessageHeaderCarrier::Headers fresh;
  MessageHeaderCarrier f(fresh);
  ExpectRoundTrip(f);
}

TEST(CarrierUrlQuery, ParsesAndDecodes) {
  std::string target = "/path?a=1&Name=hello+world%21&empty=&flag&enc%20key=v#frag&x=1";
  UrlQueryCarrier c(target);
  EXPECT_EQ(c.Get("a"), "1");
  EXPECT_EQ(c.Get("name"), "hello world!");
  EXPECT_EQ(c.Get("empty"), "");
  EXPECT_EQ(c.Get("enc key"), "v");
  EXPECT_EQ(c.Get("x"), "");  // after '#': the fragment, not the query
  EXPECT_EQ(Sorted(c.Keys()), (std::vector<std::string>{"Name", "a", "empty", "enc key", "flag"}));
  std::string none = "/no/query";
  UrlQueryCarrier n(none);
  EXPECT_TRUE(n.Keys().empty());
  EXPECT_EQ(n.Get("a"), "");
  std::string bad = "/p?a=%zz%4&b=%";
  UrlQueryCarrier b(bad);
  EXPECT_EQ(b.Get("a"), "%zz%4");  // invalid escapes are kept literally
  EXPECT_EQ(b.Get("b"), "%");
}

TEST(CarrierUrlQuery, SetEncodesAndRewritesTheTarget) {
  std::string target = "/path";
  UrlQueryCarrier c(target);
  c.Set("baggage", "k=v w,x");
  EXPECT_EQ(target, "/path?baggage=k%3Dv%20w%2Cx");
  EXPECT_EQ(c.Get("baggage"), "k=v w,x");
  c.Set("traceparent", "00-1");
  EXPECT_EQ(target, "/path?baggage=k%3Dv%20w%2Cx&traceparent=00-1");
  c.Set("BAGGAGE", "new");  // replaces the existing parameter's value in place
  EXPECT_EQ(target, "/path?baggage=new&traceparent=00-1");
  std::string bare = "/p?flag&b=1";
  UrlQueryCarrier fl(bare);
  fl.Set("flag", "on");
  EXPECT_EQ(bare, "/p?flag=on&b=1");

  std::string dup = "/p?a=1&t=x&b=2&t=y#top";
  UrlQueryCarrier d(dup);
  d.Set("t", "z");
  EXPECT_EQ(dup, "/p?a=1&t=z&b=2#top");  // first replaced, later duplicates removed
  d.Set("n", "1");
  EXPECT_EQ(dup, "/p?a=1&t=z&b=2&n=1#top");
  std::string q = "/p?";
  UrlQueryCarrier e(q);
  e.Set("k", "v");
  EXPECT_EQ(q, "/p?k=v");
  std::string trailing = "/p?a=1&";
  UrlQueryCarrier t(trailing);
  t.Set("k", "v");
  EXPECT_EQ(trailing, "/p?a=1&k=v");
  std::string frag = "/p#f";
  UrlQueryCarrier f(frag);
  f.Set("k", "v");
  EXPECT_EQ(frag, "/p?k=v#f");
}

TEST(CarrierUrlQuery, CarriesAPropagation) {
  std::string target = "/checkout?item=42";
  UrlQueryCarrier c(target);
  ExpectRoundTrip(c);
  EXPECT_EQ(
      target.rfind(
          "/checkout?item=42&traceparent=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
          0),
      0u)
      << target;
  // A link built elsewhere: a new carrier over the same target sees the same trace.
  std::string copy = target;
  UrlQueryCarrier again(copy);
  Context ctx = W3CTraceContextPropagator()->Extract(again, Context());
  EXPECT_EQ(ctx.span().span_id.hex(), "b7ad6b7169203331");
}

}  // namespace
}  // namespace weft
