// Every policy type, one at a time and combined, through config → sampler → decide().
#include <gtest/gtest.h>

#include "sampling/basic_policies.h"
#include "sampling/limit_policies.h"
#include "sampling/policy.h"
#include "sampling/testing/spans.h"

namespace weft::pipeline::sampling {
namespace {

using namespace testing;
constexpr uint64_t kSecond = 1'000'000'000ULL;

std::string config_with(const std::string& policies) {
  return "tail_sampling:\n  decision_wait: 10s\n  policies:\n" + policies;
}

// The decision for one trace of `spans` under `policies` (YAML list items, indented 4).
Decision decide_one(const std::string& policies, std::vector<Span> spans) {
  ManualClock clock;
  auto s = sampler_from(config_with(policies), clock);
  if (!s) return {};
  feed(*s, batch(std::move(spans)));
  auto d = s->decide(clock.now_unix_nanos() + 11 * kSecond);
  EXPECT_EQ(d.size(), 1u);
  return d.empty() ? Decision{} : d[0];
}

bool kept(const std::string& policies, std::vector<Span> spans) {
  return decide_one(policies, std::move(spans)).keep;
}

Span with_attr(Span s, std::string key, AnyValue v) {
  s.attributes.push_back(KeyValue{std::move(key), std::move(v)});
  return s;
}

TEST(PolicyTest, AlwaysSample) {
  Decision d = decide_one("    - {name: all, type: always_sample}\n", {span(1, 1, true, 0, 5)});
  EXPECT_TRUE(d.keep);
  EXPECT_EQ(d.policy, "all");
}

TEST(PolicyTest, StatusCode) {
  const std::string p = "    - {name: err, type: status_code, status_code: {status_codes: [ERROR]}}\n";
  Span bad = span(1, 2, false, 1, 2);
  bad.status.code = SpanStatusCode::kError;
  EXPECT_TRUE(kept(p, {span(1, 1, true, 0, 5), bad}));
  EXPECT_FALSE(kept(p, {span(1, 1, true, 0, 5), span(1, 2, false, 1, 2)}));
  EXPECT_TRUE(kept("    - {name: u, type: status_code, status_code: {codes: [UNSET, OK]}}\n",
                   {span(1, 1, true, 0, 5)}));
}

TEST(PolicyTest, LatencyUsesEarliestStartToLatestEnd) {
  const std::string p = "    - {name: slow, type: latency, latency: {threshold_ms: 500}}\n";
  // No single span lasts 500 ms; the trace does (0 → 600).
  EXPECT_TRUE(kept(p, {span(1, 1, false, 0, 300), span(1, 2, false, 400, 600)}));
  EXPECT_TRUE(kept(p, {span(1, 1, true, 0, 500)}));  // >= without an upper bound
  EXPECT_FALSE(kept(p, {span(1, 1, true, 0, 499)}));
  const std::string band =
      "    - {name: b, type: latency, latency: {threshold_ms: 100, upper_threshold_ms: 200}}\n";
  EXPECT_FALSE(kept(band, {span(1, 1, true, 0, 100)}));  // lower bound exclusive (OTel)
  EXPECT_TRUE(kept(band, {span(1, 1, true, 0, 200)}));
  EXPECT_FALSE(kept(band, {span(1, 1, true, 0, 201)}));
}

TEST(PolicyTest, NumericAttributeOnSpanOrResource) {
  const std::string p =
      "    - {name: n, type: numeric_attribute, numeric_attribute: {key: http.status_code, "
      "min_value: 500, max_value: 599}}\n";
  EXPECT_TRUE(kept(p, {span(1, 1, true, 0, 5),
                       with_attr(span(1, 2, false, 0, 1), "http.status_code", int64_t{503})}));
  EXPECT_FALSE(kept(p, {with_attr(span(1, 1, true, 0, 5), "http.status_code", int64_t{200})}));
  EXPECT_FALSE(kept(p, {with_attr(span(1, 1, true, 0, 5), "http.status_code", "503")}));
  Span on_resource = span(1, 1, true, 0, 5);
  on_resource.resource = resource("svc", {KeyValue{"http.status_code", AnyValue(int64_t{550})}});
  EXPECT_TRUE(kept(p, {on_resource}));
  EXPECT_TRUE(kept("    - {name: n, type: numeric_attribute, numeric_attribute: {key: x, "
                   "min_value: 10}}\n",
                   {with_attr(span(1, 1, true, 0, 5), "x", 1e9)}));
}

TEST(PolicyTest, StringAttributeExactAndRegex) {
  const std::string exact =
      "    - {name: s, type: string_attribute, string_attribute: {key: tier, values: [gold, "
      "platinum]}}\n";
  EXPECT_TRUE(kept(exact, {with_attr(span(1, 1, true, 0, 5), "tier", "gold")}));
  EXPECT_FALSE(kept(exact, {with_attr(span(1, 1, true, 0, 5), "tier", "golden")}));
  const std::string regex =
      "    - {name: s, type: string_attribute, string_attribute: {key: http.url, values: "
      "['/api/v[0-9]+/pay'], enabled_regex_matching: true}}\n";
  EXPECT_TRUE(kept(regex, {with_attr(span(1, 1, true, 0, 5), "http.url", "https://x/api/v2/pay")}));
  EXPECT_FALSE(kept(regex, {with_attr(span(1, 1, true, 0, 5), "http.url", "/api/vx/pay")}));
}

TEST(PolicyTest, InvertedStringAttributeFollowsInvertNotSampled) {
  const std::string policies =
      "    - {name: not-health, type: string_attribute, string_attribute: {key: http.route, "
      "values: [/health], invert_match: true}}\n"
      "    - {name: all, type: always_sample}\n";
  // A match gives "inverted not sample", which beats always_sample's "sample".
  EXPECT_FALSE(kept(policies, {with_attr(span(1, 1, true, 0, 5), "http.route", "/health")}));
  Decision d = decide_one(policies, {with_attr(span(1, 1, true, 0, 5), "http.route", "/pay")});
  EXPECT_TRUE(d.keep);
  EXPECT_EQ(d.policy, "all");  // the first plain "sample" is credited
  // Alone: no match → "inverted sample" and no "not sample" → keep.
  const std::string alone =
      "    - {name: inv, type: string_attribute, string_attribute: {key: k, values: [v], "
      "invert_match: true}}\n";
  EXPECT_TRUE(kept(alone, {span(1, 1, true, 0, 5)}));
  // With a plain "not sample" beside it → drop.
  EXPECT_FALSE(kept(alone + "    - {name: err, type: status_code, status_code: {status_codes: "
                            "[ERROR]}}\n",
                    {span(1, 1, true, 0, 5)}));
}

TEST(PolicyTest, BooleanAttribute) {
  const std::string p =
      "    - {name: b, type: boolean_attribute, boolean_attribute: {key: debug, value: true}}\n";
  EXPECT_TRUE(kept(p, {span(1, 1, true, 0, 5), with_attr(span(1, 2, false, 0, 1), "debug", true)}));
  EXPECT_FALSE(kept(p, {with_attr(span(1, 1, true, 0, 5), "debug", false)}));
  const std::string inv =
      "    - {name: b, type: boolean_attribute, boolean_attribute: {key: skip, value: true, "
      "invert_match: true}}\n";
  EXPECT_FALSE(kept(inv, {with_attr(span(1, 1, true, 0, 5), "skip", true)}));
  EXPECT_TRUE(kept(inv, {span(1, 1, true, 0, 5)}));
}

TEST(PolicyTest, SpanCount) {
  const std::string p =
      "    - {name: c, type: span_count, span_count: {min_spans: 2, max_spans: 3}}\n";
  EXPECT_FALSE(kept(p, {span(1, 1, true, 0, 5)}));
  EXPECT_TRUE(kept(p, {span(1, 1, true, 0, 5), span(1, 2, false, 0, 5)}));
  EXPECT_FALSE(kept(p, {span(1, 1, true, 0, 5), span(1, 2, false, 0, 5), span(1, 3, false, 0, 5),
                        span(1, 4, false, 0, 5)}));
}

TEST(PolicyTest, TraceState) {
  const std::string p =
      "    - {name: ts, type: trace_state, trace_state: {key: vendor, values: [gold]}}\n";
  Span s = span(1, 1, true, 0, 5);
  s.trace_state = "a=1, vendor=gold";
  EXPECT_TRUE(kept(p, {s}));
  s.trace_state = "vendor=silver,a=gold";
  EXPECT_FALSE(kept(p, {s}));
}

TEST(PolicyTest, ProbabilisticIsDeterministicAndMatchesTheShare) {
  auto p = make_probabilistic("p", 20, "");
  size_t sampled = 0;
  TraceSummary summary;
  for (uint64_t i = 0; i < 100'000; ++i) {
    const TraceId id = trace_id(i);
    const TraceFacts facts{id, summary, 0};
    const bool first = p->evaluate(facts) == Verdict::kSampled;
    EXPECT_EQ(first, p->evaluate(facts) == Verdict::kSampled);  // same ID, same answer
    sampled += first;
  }
  EXPECT_NEAR(static_cast<double>(sampled) / 100'000, 0.20, 0.01);
  // Another salt picks other traces, at the same share.
  auto q = make_probabilistic("q", 20, "other-salt");
  size_t both = 0;
  for (uint64_t i = 0; i < 100'000; ++i) {
    const TraceId id = trace_id(i);
    const TraceFacts facts{id, summary, 0};
    both += p->evaluate(facts) == Verdict::kSampled && q->evaluate(facts) == Verdict::kSampled;
  }
  EXPECT_NEAR(static_cast<double>(both) / 100'000, 0.04, 0.01);
  EXPECT_EQ(make_probabilistic("all", 100, "")->evaluate({trace_id(7), summary, 0}),
            Verdict::kSampled);
}

TraceSummary summary_of(uint32_t spans, uint32_t service = 1, uint32_t op = 1) {
  TraceSummary s;
  s.span_count = spans;
  s.service_id = service;
  s.operation_id = op;
  return s;
}

TEST(PolicyTest, RateLimitingSpendsSpansPerSecond) {
  auto p = make_rate_limiting("r", 10);
  const TraceId id = trace_id(1);
  const TraceSummary four = summary_of(4);
  EXPECT_EQ(p->evaluate({id, four, 5 * kSecond}), Verdict::kSampled);      // 4
  EXPECT_EQ(p->evaluate({id, four, 5 * kSecond + 1}), Verdict::kSampled);  // 8
  EXPECT_EQ(p->evaluate({id, four, 5 * kSecond + 2}), Verdict::kNotSampled);  // 12 !< 10
  const TraceSummary one = summary_of(1);
  EXPECT_EQ(p->evaluate({id, one, 5 * kSecond + 3}), Verdict::kSampled);      // 9 < 10
  EXPECT_EQ(p->evaluate({id, four, 6 * kSecond}), Verdict::kSampled);  // a new second
}

TEST(PolicyTest, RareKeepsTheFirstNPerServiceAndOperationPerWindow) {
  auto p = make_rare("rare", 2, 60 * kSecond);
  const TraceId id = trace_id(1);
  const TraceSummary a = summary_of(3, 1, 1), b = summary_of(3, 1, 2);
  const uint64_t t0 = 600 * kSecond;
  EXPECT_EQ(p->evaluate({id, a, t0}), Verdict::kSampled);
  EXPECT_EQ(p->evaluate({id, a, t0 + 1}), Verdict::kSampled);
  EXPECT_EQ(p->evaluate({id, a, t0 + 2}), Verdict::kNotSampled);
  EXPECT_EQ(p->evaluate({id, b, t0 + 3}), Verdict::kSampled);  // another operation
  EXPECT_EQ(p->evaluate({id, a, t0 + 60 * kSecond}), Verdict::kSampled);  // next window
}

TEST(PolicyTest, RareThroughTheSamplerUsesTheRootServiceAndOperation) {
  ManualClock clock;
  auto s = sampler_from(config_with("    - {name: rare, type: rare, rare: {max_per_window: 1, "
                                    "window: 1m}}\n"),
                        clock);
  // Trace 1 and 2: root checkout/pay (children elsewhere); trace 3: root checkout/list.
  feed(*s, batch({span(1, 1, true, 0, 5, "checkout", "pay"), span(1, 2, false, 1, 2, "db", "q"),
                  span(2, 3, false, 1, 2, "db", "q"), span(2, 4, true, 0, 5, "checkout", "pay"),
                  span(3, 5, true, 0, 5, "checkout", "list")}));
  auto d = s->decide(clock.now_unix_nanos() + 11 * kSecond);
  ASSERT_EQ(d.size(), 3u);
  size_t kept_count = 0;
  for (const Decision& x : d) kept_count += x.keep;
  EXPECT_EQ(kept_count, 2u);  // one of trace 1/2, and trace 3
  EXPECT_TRUE(*s->decided(trace_id(3)));
  EXPECT_NE(*s->decided(trace_id(1)), *s->decided(trace_id(2)));
}

TEST(PolicyTest, AndNeedsEverySubPolicy) {
  const std::string p =
      "    - name: slow-errors\n"
      "      type: and\n"
      "      and:\n"
      "        and_sub_policy:\n"
      "          - {name: slow, type: latency, latency: {threshold_ms: 100}}\n"
      "          - {name: err, type: status_code, status_code: {status_codes: [ERROR]}}\n";
  Span err = span(1, 1, true, 0, 200);
  err.status.code = SpanStatusCode::kError;
  Decision d = decide_one(p, {err});
  EXPECT_TRUE(d.keep);
  EXPECT_EQ(d.policy, "slow-errors");
  EXPECT_FALSE(kept(p, {span(1, 1, true, 0, 200)}));
  Span fast_err = span(1, 1, true, 0, 50);
  fast_err.status.code = SpanStatusCode::kError;
  EXPECT_FALSE(kept(p, {fast_err}));
  // An inverted sub-policy inside and counts as plain sampled / not sampled.
  const std::string inv =
      "    - name: a\n      type: and\n      and:\n        and_sub_policy:\n"
      "          - {name: not-health, type: string_attribute, string_attribute: {key: r, "
      "values: [/health], invert_match: true}}\n"
      "          - {name: all, type: always_sample}\n";
  EXPECT_TRUE(kept(inv, {span(1, 1, true, 0, 5)}));
  EXPECT_FALSE(kept(inv, {with_attr(span(1, 1, true, 0, 5), "r", "/health")}));
}

TEST(PolicyTest, CompositeAllocatesSpansPerSecondInPolicyOrder) {
  ManualClock clock;
  auto s = sampler_from(config_with(
                            "    - name: comp\n"
                            "      type: composite\n"
                            "      composite:\n"
                            "        max_total_spans_per_second: 10\n"
                            "        policy_order: [errors, everything]\n"
                            "        composite_sub_policy:\n"
                            "          - {name: everything, type: always_sample}\n"
                            "          - {name: errors, type: status_code, status_code: "
                            "{status_codes: [ERROR]}}\n"
                            "        rate_allocation:\n"
                            "          - {policy: errors, percent: 60}\n"
                            "          - {policy: everything, percent: 40}\n"),
                        clock);
  // Five error traces and five plain ones of 2 spans each, decided in one second: errors
  // get 6 spans/s (3 traces), the rest 4 spans/s (2 traces). An error trace past its
  // allocation is not handed on to `everything` (the first sampling sub-policy decides).
  std::vector<Span> spans;
  for (uint64_t t = 0; t < 10; ++t) {
    Span root = span(t, 2 * t, true, 0, 5);
    if (t < 5) root.status.code = SpanStatusCode::kError;
    spans.push_back(root);
    spans.push_back(span(t, 2 * t + 1, false, 1, 2));
  }
  feed(*s, batch(spans));
  auto d = s->decide(clock.now_unix_nanos() + 11 * kSecond);
  ASSERT_EQ(d.size(), 10u);
  size_t kept_errors = 0, kept_plain = 0;
  for (uint64_t t = 0; t < 10; ++t) (t < 5 ? kept_errors : kept_plain) += *s->decided(trace_id(t));
  EXPECT_EQ(kept_errors, 3u);
  EXPECT_EQ(kept_plain, 2u);
  EXPECT_EQ(s->stats().policies[0].sampled, 5u);
}

TEST(PolicyTest, CombineFollowsTheCollector) {
  using V = Verdict;
  EXPECT_FALSE(combine({}).keep);
  EXPECT_EQ(combine({V::kNotSampled, V::kSampled, V::kSampled}).policy, 1);
  EXPECT_FALSE(combine({V::kSampled, V::kInvertNotSampled}).keep);
  EXPECT_TRUE(combine({V::kInvertSampled}).keep);
  EXPECT_FALSE(combine({V::kInvertSampled, V::kNotSampled}).keep);
  EXPECT_EQ(combine({V::kInvertSampled, V::kSampled}).policy, 1);
}

}  // namespace
}  // namespace weft::pipeline::sampling
