#include "alerts/alert_engine.h"

#include <gtest/gtest.h>

#include "alerts/testing/fake_metrics_reader.h"

namespace weft::pipeline::alerts {
namespace {

using testing::FakeMetricsReader;

constexpr uint64_t kSec = 1'000'000'000ULL;
constexpr uint64_t kT0 = 1'700'000'000ULL * kSec;

model::TraceId id(uint8_t b) {
  model::TraceId t;
  t.bytes.fill(b);
  return t;
}

std::vector<Rule> two_rules() {
  Rule latency;
  latency.name = "checkout-p99";
  latency.service = "checkout";
  latency.operation = "POST /checkout";
  latency.quantile = 0.99;
  latency.threshold = 300e6;
  latency.for_ns = 20 * kSec;
  latency.labels = {{"team", "shop"}};
  Rule errors;
  errors.name = "payments-errors";
  errors.service = "payments";
  errors.signal = SignalKind::kErrorRate;
  errors.threshold = 0.01;
  errors.severity = "page";
  return {latency, errors};
}

struct Recorder {
  std::vector<Notification> got;
  NotificationSink sink() {
    return [this](const Notification& n) { got.push_back(n); };
  }
};

WindowStats slow(double ms, std::vector<model::TraceId> ex = {}) {
  WindowStats w;
  w.calls = 100;
  w.quantile_ns = ms * 1e6;
  w.exemplars = std::move(ex);
  return w;
}

TEST(AlertEngineTest, FiresAndResolvesWithNotifications) {
  FakeMetricsReader reader;
  Recorder rec;
  AlertEngine engine(two_rules(), reader, rec.sink(), {.external_url = "http://weft:3200"});
  reader.set("checkout", slow(450, {id(0xab)}));
  engine.tick(kT0);
  engine.tick(kT0 + 10 * kSec);
  EXPECT_TRUE(rec.got.empty());
  auto alerts = engine.alerts();
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].rule->name, "checkout-p99");
  EXPECT_EQ(alerts[0].status.state, AlertState::kPending);
  EXPECT_EQ(alerts[1].status.state, AlertState::kInactive);  // no payments traffic

  engine.tick(kT0 + 20 * kSec);
  ASSERT_EQ(rec.got.size(), 1u);
  const Notification& fired = rec.got[0];
  EXPECT_EQ(fired.status, NotificationStatus::kFiring);
  EXPECT_EQ(fired.labels.at("alertname"), "checkout-p99");
  EXPECT_EQ(fired.labels.at("service"), "checkout");
  EXPECT_EQ(fired.labels.at("operation"), "POST /checkout");
  EXPECT_EQ(fired.labels.at("span_kind"), "server");
  EXPECT_EQ(fired.labels.at("severity"), "warning");
  EXPECT_EQ(fired.labels.at("team"), "shop");
  EXPECT_EQ(fired.annotations.at("trace_ids"), id(0xab).to_hex());
  EXPECT_EQ(fired.annotations.at("trace_url"), "http://weft:3200/trace/" + id(0xab).to_hex());
  EXPECT_EQ(fired.annotations.at("summary"),
            "checkout POST /checkout: latency_p99 is 450ms (> 300ms)");
  EXPECT_EQ(fired.starts_at_ns, kT0 + 20 * kSec);
  EXPECT_EQ(fired.ends_at_ns, 0u);
  EXPECT_EQ(fired.generator_url, "http://weft:3200/api/v1/alerts");

  engine.tick(kT0 + 30 * kSec);
  EXPECT_EQ(rec.got.size(), 1u);  // still firing: no repeat
  reader.set("checkout", slow(100));
  engine.tick(kT0 + 40 * kSec);
  ASSERT_EQ(rec.got.size(), 2u);
  EXPECT_EQ(rec.got[1].status, NotificationStatus::kResolved);
  EXPECT_EQ(rec.got[1].starts_at_ns, kT0 + 20 * kSec);
  EXPECT_EQ(rec.got[1].ends_at_ns, kT0 + 40 * kSec);
  EXPECT_EQ(rec.got[1].annotations.at("summary"),
            "checkout POST /checkout: latency_p99 is back to 100ms");
  engine.tick(kT0 + 50 * kSec);
  EXPECT_EQ(rec.got.size(), 2u);
  EXPECT_EQ(engine.ticks(), 6u);
}

TEST(AlertEngineTest, ReadsTheRulesWindow) {
  FakeMetricsReader reader;
  AlertEngine engine(two_rules(), reader, nullptr);
  engine.tick(kT0);
  auto calls = reader.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].selector.service, "checkout");
  EXPECT_EQ(calls[0].selector.operation, "POST /checkout");
  EXPECT_EQ(calls[0].start_ns, kT0 - 60 * kSec);
  EXPECT_EQ(calls[0].end_ns, kT0);
  EXPECT_EQ(calls[1].selector.service, "payments");
  EXPECT_TRUE(calls[1].selector.exemplar_errors);
}

TEST(AlertEngineTest, ErrorRateFiresAtOnceWithZeroFor) {
  FakeMetricsReader reader;
  Recorder rec;
  AlertEngine engine(two_rules(), reader, rec.sink());
  WindowStats w;
  w.calls = 200;
  w.errors = 10;
  w.exemplars = {id(1), id(2)};
  reader.set("payments", w);
  engine.tick(kT0);
  ASSERT_EQ(rec.got.size(), 1u);
  EXPECT_EQ(rec.got[0].labels.at("alertname"), "payments-errors");
  EXPECT_EQ(rec.got[0].labels.count("operation"), 0u);
  EXPECT_EQ(rec.got[0].labels.at("severity"), "page");
  EXPECT_EQ(rec.got[0].annotations.at("trace_ids"), id(1).to_hex() + "," + id(2).to_hex());
  EXPECT_EQ(rec.got[0].annotations.at("summary"), "payments: error_rate is 5% (> 1%)");
  auto alerts = engine.alerts();
  EXPECT_EQ(alerts[1].status.state, AlertState::kFiring);
  EXPECT_DOUBLE_EQ(*alerts[1].status.value, 0.05);
}

// The background thread ticks on its own; the test waits for reads, never for time.
TEST(AlertEngineTest, BackgroundThreadTicksUntilStopped) {
  FakeMetricsReader reader;
  ManualClock clock(kT0);
  AlertEngine engine(two_rules(), reader, nullptr, {.interval_ns = 1'000'000});
  engine.start(clock);
  reader.wait_for_calls(4);  // two ticks of two rules
  engine.stop();
  const uint64_t ticks = engine.ticks();
  EXPECT_GE(ticks, 2u);
  EXPECT_EQ(reader.calls().front().end_ns, kT0);
  engine.stop();  // idempotent
  EXPECT_EQ(engine.ticks(), ticks);
}

}  // namespace
}  // namespace weft::pipeline::alerts
