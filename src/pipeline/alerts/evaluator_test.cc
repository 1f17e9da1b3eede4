#include "alerts/evaluator.h"

#include <gtest/gtest.h>

namespace weft::pipeline::alerts {
namespace {

constexpr uint64_t kSec = 1'000'000'000ULL;
constexpr uint64_t kT0 = 1'700'000'000ULL * kSec;

model::TraceId id(uint8_t b) {
  model::TraceId t;
  t.bytes.fill(b);
  return t;
}

Rule latency_rule(uint64_t for_ns) {
  Rule r;
  r.name = "checkout-p99";
  r.service = "checkout";
  r.quantile = 0.99;
  r.threshold = 300e6;  // 300 ms
  r.for_ns = for_ns;
  return r;
}

WindowStats latency(double ms, uint64_t calls = 100, std::vector<model::TraceId> ex = {}) {
  WindowStats w;
  w.calls = calls;
  w.quantile_ns = ms * 1e6;
  w.exemplars = std::move(ex);
  return w;
}

TEST(RuleEvaluatorTest, PendingThenFiringAfterForThenResolvedOnce) {
  Rule rule = latency_rule(30 * kSec);
  RuleEvaluator e(rule, 5);
  EXPECT_EQ(e.evaluate(latency(100), kT0), Transition::kNone);
  EXPECT_EQ(e.status().state, AlertState::kInactive);
  EXPECT_DOUBLE_EQ(*e.status().value, 100e6);

  EXPECT_EQ(e.evaluate(latency(400), kT0 + 10 * kSec), Transition::kNone);
  EXPECT_EQ(e.status().state, AlertState::kPending);
  EXPECT_EQ(e.status().active_at_ns, kT0 + 10 * kSec);
  EXPECT_EQ(e.evaluate(latency(400), kT0 + 30 * kSec), Transition::kNone);
  EXPECT_EQ(e.status().state, AlertState::kPending);

  // 30 s after the breach began: fires, once.
  EXPECT_EQ(e.evaluate(latency(400), kT0 + 40 * kSec), Transition::kFired);
  EXPECT_EQ(e.status().state, AlertState::kFiring);
  EXPECT_EQ(e.status().fired_at_ns, kT0 + 40 * kSec);
  EXPECT_EQ(e.status().active_at_ns, kT0 + 10 * kSec);
  EXPECT_EQ(e.evaluate(latency(500), kT0 + 50 * kSec), Transition::kNone);
  EXPECT_EQ(e.status().state, AlertState::kFiring);

  EXPECT_EQ(e.evaluate(latency(200), kT0 + 60 * kSec), Transition::kResolved);
  EXPECT_EQ(e.status().state, AlertState::kInactive);
  EXPECT_EQ(e.status().resolved_at_ns, kT0 + 60 * kSec);
  EXPECT_EQ(e.status().fired_at_ns, kT0 + 40 * kSec);  // kept for the resolved notification
  EXPECT_EQ(e.evaluate(latency(200), kT0 + 70 * kSec), Transition::kNone);
  EXPECT_EQ(e.status().last_evaluation_ns, kT0 + 70 * kSec);
}

TEST(RuleEvaluatorTest, ZeroForFiresAtTheFirstBreach) {
  Rule rule = latency_rule(0);
  RuleEvaluator e(rule, 5);
  EXPECT_EQ(e.evaluate(latency(301), kT0), Transition::kFired);
  EXPECT_EQ(e.status().active_at_ns, kT0);
  EXPECT_EQ(e.status().fired_at_ns, kT0);
}

TEST(RuleEvaluatorTest, PendingThatRecoversIsForgottenSilently) {
  Rule rule = latency_rule(60 * kSec);
  RuleEvaluator e(rule, 5);
  EXPECT_EQ(e.evaluate(latency(400, 100, {id(1)}), kT0), Transition::kNone);
  EXPECT_EQ(e.status().state, AlertState::kPending);
  EXPECT_EQ(e.evaluate(latency(100), kT0 + 10 * kSec), Transition::kNone);
  EXPECT_EQ(e.status().state, AlertState::kInactive);
  EXPECT_EQ(e.status().active_at_ns, 0u);
  EXPECT_TRUE(e.status().exemplars.empty());
  // A new breach starts the `for` clock again.
  EXPECT_EQ(e.evaluate(latency(400), kT0 + 20 * kSec), Transition::kNone);
  EXPECT_EQ(e.status().active_at_ns, kT0 + 20 * kSec);
  EXPECT_EQ(e.evaluate(latency(400), kT0 + 70 * kSec), Transition::kNone);
  EXPECT_EQ(e.evaluate(latency(400), kT0 + 80 * kSec), Transition::kFired);
}

TEST(RuleEvaluatorTest, NoTrafficIsNoBreachAndResolves) {
  Rule rule = latency_rule(0);
  rule.min_calls = 10;
  RuleEvaluator e(rule, 5);
  EXPECT_EQ(e.evaluate(latency(900, 9), kT0), Transition::kNone);  // too few calls
  EXPECT_FALSE(e.status().value);
  EXPECT_EQ(e.status().calls, 9u);
  EXPECT_EQ(e.evaluate(latency(900, 10), kT0 + 10 * kSec), Transition::kFired);
  WindowStats empty;
  EXPECT_EQ(e.evaluate(empty, kT0 + 20 * kSec), Transition::kResolved);
  WindowStats no_quantile;
  no_quantile.calls = 50;
  EXPECT_EQ(e.evaluate(no_quantile, kT0 + 30 * kSec), Transition::kNone);
  EXPECT_EQ(e.status().state, AlertState::kInactive);
}

TEST(RuleEvaluatorTest, ErrorRateAndComparisons) {
  Rule rule;
  rule.name = "payments-errors";
  rule.service = "payments";
  rule.signal = SignalKind::kErrorRate;
  rule.threshold = 0.01;
  RuleEvaluator e(rule, 5);
  WindowStats w;
  w.calls = 1000;
  w.errors = 10;  // exactly 1 %: not > 1 %
  EXPECT_EQ(e.evaluate(w, kT0), Transition::kNone);
  EXPECT_DOUBLE_EQ(*e.status().value, 0.01);
  w.errors = 11;
  EXPECT_EQ(e.evaluate(w, kT0 + 10 * kSec), Transition::kFired);

  rule.comparison = Comparison::kGreaterOrEqual;
  EXPECT_TRUE(breaches(rule, 0.01));
  rule.comparison = Comparison::kLess;
  EXPECT_TRUE(breaches(rule, 0.005));
  EXPECT_FALSE(breaches(rule, 0.01));
  rule.comparison = Comparison::kLessOrEqual;
  EXPECT_TRUE(breaches(rule, 0.01));
}

TEST(RuleEvaluatorTest, KeepsExemplarsOfBreachingWindowsNewestFirst) {
  Rule rule = latency_rule(20 * kSec);
  RuleEvaluator e(rule, 3);
  e.evaluate(latency(400, 100, {id(1), id(2)}), kT0);
  e.evaluate(latency(400, 100, {id(3), id(1)}), kT0 + 10 * kSec);
  EXPECT_EQ(e.status().exemplars, (std::vector<model::TraceId>{id(3), id(1), id(2)}));
  // Zero IDs are not trace IDs; the cap keeps the newest.
  e.evaluate(latency(400, 100, {model::TraceId{}, id(4)}), kT0 + 20 * kSec);
  EXPECT_EQ(e.status().state, AlertState::kFiring);
  EXPECT_EQ(e.status().exemplars, (std::vector<model::TraceId>{id(4), id(3), id(1)}));
  // A healthy window adds nothing, and resolution keeps them for the notification.
  e.evaluate(latency(100, 100, {id(9)}), kT0 + 30 * kSec);
  EXPECT_EQ(e.status().exemplars, (std::vector<model::TraceId>{id(4), id(3), id(1)}));
  // The next episode starts afresh.
  e.evaluate(latency(400, 100, {id(7)}), kT0 + 40 * kSec);
  EXPECT_EQ(e.status().exemplars, (std::vector<model::TraceId>{id(7)}));
  EXPECT_EQ(e.status().resolved_at_ns, 0u);
}

TEST(RuleEvaluatorTest, SelectorAsksForWhatTheRuleNeeds) {
  Rule rule = latency_rule(0);
  rule.operation = "POST /pay";
  rule.window_ns = 120 * kSec;
  RuleEvaluator e(rule, 4);
  RuleSelector s = e.selector();
  EXPECT_EQ(s.service, "checkout");
  EXPECT_EQ(s.operation, "POST /pay");
  EXPECT_EQ(s.span_kind, model::SpanKind::kServer);
  EXPECT_EQ(s.quantile, 0.99);
  EXPECT_EQ(s.max_exemplars, 4u);
  EXPECT_FALSE(s.exemplar_errors);
  EXPECT_EQ(s.exemplar_min_duration_ns, 300'000'000u);
  EXPECT_EQ(e.window_start(kT0), kT0 - 120 * kSec);
  EXPECT_EQ(e.window_start(5), 0u);

  Rule errors;
  errors.signal = SignalKind::kErrorRate;
  RuleEvaluator e2(errors, 5);
  EXPECT_FALSE(e2.selector().quantile);
  EXPECT_TRUE(e2.selector().exemplar_errors);
}

}  // namespace
}  // namespace weft::pipeline::alerts
