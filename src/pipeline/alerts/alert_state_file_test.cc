// Alert states across a restart (alert_state_file.h): the file's text both ways, and an
// engine that takes up where the last process left off.
#include "alerts/alert_state_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "alerts/alert_engine.h"
#include "alerts/testing/fake_metrics_reader.h"

namespace weft::pipeline::alerts {
namespace {

constexpr uint64_t kSec = 1'000'000'000ULL;
constexpr uint64_t kT0 = 1'700'000'000ULL * kSec;

model::TraceId id(uint8_t b) {
  model::TraceId t;
  t.bytes.fill(b);
  return t;
}

TEST(AlertStateFileTest, RoundTripsEveryField) {
  std::vector<SavedAlert> in = {
      {"checkout p99", AlertState::kFiring, 10, 20, 0, {id(1), id(2)}},
      {"payments-errors", AlertState::kPending, 30, 0, 5, {}},
      {"idle", AlertState::kInactive, 0, 0, 0, {}},
  };
  const std::string text = encode_alert_states(in);
  EXPECT_EQ(text.substr(0, text.find('\n')), "weft-alert-state 1");
  auto out = decode_alert_states(text);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  ASSERT_EQ(out->size(), 3u);
  EXPECT_EQ((*out)[0].rule, "checkout p99");  // a name with a space: the rest of the line
  EXPECT_EQ((*out)[0].state, AlertState::kFiring);
  EXPECT_EQ((*out)[0].active_at_ns, 10u);
  EXPECT_EQ((*out)[0].fired_at_ns, 20u);
  EXPECT_EQ((*out)[0].exemplars, (std::vector<model::TraceId>{id(1), id(2)}));
  EXPECT_EQ((*out)[1].state, AlertState::kPending);
  EXPECT_EQ((*out)[1].resolved_at_ns, 5u);
  EXPECT_TRUE((*out)[1].exemplars.empty());
}

TEST(AlertStateFileTest, MalformedTextIsDataLossNamingTheLine) {
  for (const char* bad : {"", "weft-alert-state 2\n", "weft-alert-state 1\nfiring 1 2 3 - x",
                          "weft-alert-state 1\nburning 1 2 3 - x\n",
                          "weft-alert-state 1\nfiring 1 2 x - name\n",
                          "weft-alert-state 1\nfiring 1 2 3 abc name\n",
                          "weft-alert-state 1\nfiring 1 2 3 -\n"}) {
    auto r = decode_alert_states(bad);
    ASSERT_FALSE(r.is_ok()) << bad;
    EXPECT_EQ(r.status().code(), ResultCode::kDataLoss) << bad;
  }
  EXPECT_NE(decode_alert_states("weft-alert-state 1\nburning 1 2 3 - x\n").status().message().find(
                "line 2"),
            std::string::npos);
}

struct Recorder {
  std::vector<Notification> got;
  NotificationSink sink() {
    return [this](const Notification& n) { got.push_back(n); };
  }
};

std::vector<Rule> latency_rule() {
  Rule r;
  r.name = "checkout-p99";
  r.service = "checkout";
  r.quantile = 0.99;
  r.threshold = 300e6;
  r.for_ns = 20 * kSec;
  return {r};
}

WindowStats slow(double ms) {
  WindowStats w;
  w.calls = 100;
  w.quantile_ns = ms * 1e6;
  w.exemplars = {id(0xab)};
  return w;
}

class AlertStateRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("weft-alert-state-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  AlertEngineOptions options() const { return {.state_file = (dir_ / "alerts.state").string()}; }
  std::filesystem::path dir_;
};

TEST_F(AlertStateRestartTest, AFiringAlertStaysFiringWithoutANewNotificationAndResolvesLater) {
  testing::FakeMetricsReader reader;
  reader.set("checkout", slow(450));
  {
    Recorder rec;
    AlertEngine engine(latency_rule(), reader, rec.sink(), options());
    engine.tick(kT0);
    engine.tick(kT0 + 20 * kSec);
    ASSERT_EQ(rec.got.size(), 1u);  // fired
  }
  Recorder rec;
  AlertEngine engine(latency_rule(), reader, rec.sink(), options());
  auto alerts = engine.alerts();
  EXPECT_EQ(alerts[0].status.state, AlertState::kFiring);
  EXPECT_EQ(alerts[0].status.fired_at_ns, kT0 + 20 * kSec);
  EXPECT_EQ(alerts[0].status.exemplars, (std::vector<model::TraceId>{id(0xab)}));
  engine.tick(kT0 + 60 * kSec);
  EXPECT_TRUE(rec.got.empty());  // still firing: the receiver heard of it already
  reader.set("checkout", slow(100));
  engine.tick(kT0 + 70 * kSec);
  ASSERT_EQ(rec.got.size(), 1u);
  EXPECT_EQ(rec.got[0].status, NotificationStatus::kResolved);
  EXPECT_EQ(rec.got[0].starts_at_ns, kT0 + 20 * kSec);
}

TEST_F(AlertStateRestartTest, APendingAlertKeepsCountingItsForFromTheBreachStart) {
  testing::FakeMetricsReader reader;
  reader.set("checkout", slow(450));
  {
    AlertEngine engine(latency_rule(), reader, nullptr, options());
    engine.tick(kT0);  // pending since kT0
  }
  Recorder rec;
  AlertEngine engine(latency_rule(), reader, rec.sink(), options());
  EXPECT_EQ(engine.alerts()[0].status.state, AlertState::kPending);
  engine.tick(kT0 + 20 * kSec);  // `for` counted from kT0: fires now
  ASSERT_EQ(rec.got.size(), 1u);
  EXPECT_EQ(rec.got[0].status, NotificationStatus::kFiring);
}

TEST_F(AlertStateRestartTest, ADamagedFileIsIgnoredAndRulesUnknownToItStartInactive) {
  {
    std::ofstream(dir_ / "alerts.state") << "weft-alert-state 1\nfiring 1 2 3 - other-rule\n";
  }
  testing::FakeMetricsReader reader;
  AlertEngine engine(latency_rule(), reader, nullptr, options());
  EXPECT_EQ(engine.alerts()[0].status.state, AlertState::kInactive);
  {
    std::ofstream(dir_ / "alerts.state") << "garbage";
  }
  AlertEngine again(latency_rule(), reader, nullptr, options());
  EXPECT_EQ(again.alerts()[0].status.state, AlertState::kInactive);
}

}  // namespace
}  // namespace weft::pipeline::alerts
