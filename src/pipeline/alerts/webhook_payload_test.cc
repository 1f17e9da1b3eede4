#include "alerts/webhook_payload.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace weft::pipeline::alerts {
namespace {

constexpr uint64_t kT0 = 1'700'000'000'000'000'000ULL;

Notification firing() {
  Notification n;
  n.labels = {{"alertname", "checkout-p99"}, {"service", "checkout"}, {"severity", "page"}};
  n.annotations = {{"summary", "checkout: latency_p99 is 450ms (> 300ms)"},
                   {"trace_ids", "0102,0304"},
                   {"trace_url", "http://weft:3200/trace/0102"}};
  n.starts_at_ns = kT0;
  n.generator_url = "http://weft:3200/api/v1/alerts";
  return n;
}

rapidjson::Document parse(const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.c_str());
  EXPECT_FALSE(d.HasParseError()) << json;
  return d;
}

TEST(WebhookPayloadTest, FiringHasAlertmanagersShape) {
  auto d = parse(webhook_json(firing(), {.receiver = "ops", .external_url = "http://weft:3200"}));
  EXPECT_STREQ(d["version"].GetString(), "4");
  EXPECT_STREQ(d["groupKey"].GetString(), "{}:{alertname=\"checkout-p99\"}");
  EXPECT_EQ(d["truncatedAlerts"].GetInt(), 0);
  EXPECT_STREQ(d["status"].GetString(), "firing");
  EXPECT_STREQ(d["receiver"].GetString(), "ops");
  EXPECT_STREQ(d["externalURL"].GetString(), "http://weft:3200");
  EXPECT_EQ(d["groupLabels"].MemberCount(), 1u);
  EXPECT_STREQ(d["groupLabels"]["alertname"].GetString(), "checkout-p99");
  EXPECT_STREQ(d["commonLabels"]["severity"].GetString(), "page");
  EXPECT_STREQ(d["commonAnnotations"]["trace_ids"].GetString(), "0102,0304");
  ASSERT_EQ(d["alerts"].Size(), 1u);
  const auto& a = d["alerts"][0];
  EXPECT_STREQ(a["status"].GetString(), "firing");
  EXPECT_STREQ(a["labels"]["service"].GetString(), "checkout");
  EXPECT_STREQ(a["annotations"]["trace_url"].GetString(), "http://weft:3200/trace/0102");
  EXPECT_STREQ(a["startsAt"].GetString(), "2023-11-14T22:13:20Z");
  EXPECT_STREQ(a["endsAt"].GetString(), "0001-01-01T00:00:00Z");
  EXPECT_STREQ(a["generatorURL"].GetString(), "http://weft:3200/api/v1/alerts");
  EXPECT_EQ(std::string(a["fingerprint"].GetString()), label_fingerprint(firing().labels));
  EXPECT_EQ(std::string(a["fingerprint"].GetString()).size(), 16u);
}

TEST(WebhookPayloadTest, ResolvedHasEndsAt) {
  Notification n = firing();
  n.status = NotificationStatus::kResolved;
  n.ends_at_ns = kT0 + 90'000'000'000ULL;
  auto d = parse(webhook_json(n, {}));
  EXPECT_STREQ(d["status"].GetString(), "resolved");
  EXPECT_STREQ(d["alerts"][0]["status"].GetString(), "resolved");
  EXPECT_STREQ(d["alerts"][0]["endsAt"].GetString(), "2023-11-14T22:14:50Z");
}

TEST(WebhookPayloadTest, EscapesNamesAndValues) {
  Notification n = firing();
  n.labels["alertname"] = "a \"quoted\" name";
  n.labels["operation"] = "GET /x\n\xff";
  auto d = parse(webhook_json(n, {}));
  EXPECT_STREQ(d["groupLabels"]["alertname"].GetString(), "a \"quoted\" name");
  EXPECT_STREQ(d["groupKey"].GetString(), "{}:{alertname=\"a \\\"quoted\\\" name\"}");
  EXPECT_STREQ(d["alerts"][0]["labels"]["operation"].GetString(), "GET /x\n\xEF\xBF\xBD");
}

TEST(WebhookPayloadTest, FingerprintIsFnv1aOfSortedLabels) {
  // 64-bit FNV-1a offset basis after hashing nothing at all.
  EXPECT_EQ(label_fingerprint({}), "cbf29ce484222325");
  EXPECT_NE(label_fingerprint({{"a", "bc"}}), label_fingerprint({{"ab", "c"}}));
  EXPECT_EQ(label_fingerprint({{"a", "1"}, {"b", "2"}}),
            label_fingerprint({{"b", "2"}, {"a", "1"}}));
}

}  // namespace
}  // namespace weft::pipeline::alerts
