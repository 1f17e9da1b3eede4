#include "alerts/rules_config.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace weft::pipeline::alerts {
namespace {

constexpr const char* kConfig = R"(data-dir: /var/lib/weft
alerts:
  evaluation_interval: 15s
  external_url: http://weft.example:3200/
  max_exemplars: 3
  webhook:
    url: http://alertmanager:9093/api/v1/alerts
    timeout: 2s
    max_retries: 3
    queue_size: 10
  rules:
    - name: checkout-p99
      service: checkout
      operation: POST /checkout
      latency: {percentile: 99, threshold: 300ms}
      for: 5m
      labels: {team: shop}
      annotations: {runbook: https://wiki/checkout}
      severity: page
    - name: payments-errors
      service: payments
      span_kind: client
      error_rate: {threshold: 1%}
      window: 2m
      min_calls: 20
      comparison: ">="
)";

AlertsConfig parse_ok(const std::string& text) {
  auto r = parse_alerts_config_text(text);
  EXPECT_TRUE(r.is_ok()) << r.status().message();
  return r.is_ok() ? std::move(r).value() : AlertsConfig{};
}

// The message of parsing `text`, which must fail with INVALID_ARGUMENT.
std::string parse_error(const std::string& text) {
  auto r = parse_alerts_config_text(text);
  EXPECT_FALSE(r.is_ok()) << text;
  if (r.is_ok()) return "";
  EXPECT_EQ(r.status().code(), ResultCode::kInvalidArgument);
  return r.status().message();
}

// A config whose only rule has `body` (indented under "- ") after name and service.
std::string rule_config(const std::string& body) {
  return "alerts:\n  rules:\n    - name: r\n      service: s\n" + body;
}

TEST(RulesConfigTest, ParsesTheExample) {
  AlertsConfig c = parse_ok(kConfig);
  EXPECT_EQ(c.evaluation_interval_ns, 15'000'000'000u);
  EXPECT_EQ(c.external_url, "http://weft.example:3200");  // trailing slash dropped
  EXPECT_EQ(c.max_exemplars, 3u);
  ASSERT_TRUE(c.webhook);
  EXPECT_EQ(c.webhook->url, "http://alertmanager:9093/api/v1/alerts");
  EXPECT_EQ(c.webhook->timeout_ns, 2'000'000'000u);
  EXPECT_EQ(c.webhook->max_retries, 3u);
  EXPECT_EQ(c.webhook->queue_size, 10u);
  EXPECT_EQ(c.webhook->receiver, "weft");
  ASSERT_EQ(c.rules.size(), 2u);

  const Rule& a = c.rules[0];
  EXPECT_EQ(a.name, "checkout-p99");
  EXPECT_EQ(a.service, "checkout");
  EXPECT_EQ(a.operation, "POST /checkout");
  EXPECT_EQ(a.span_kind, model::SpanKind::kServer);
  EXPECT_EQ(a.signal, SignalKind::kLatency);
  EXPECT_DOUBLE_EQ(a.quantile, 0.99);
  EXPECT_DOUBLE_EQ(a.threshold, 300e6);
  EXPECT_EQ(a.comparison, Comparison::kGreater);
  EXPECT_EQ(a.for_ns, 300'000'000'000u);
  EXPECT_EQ(a.window_ns, 60'000'000'000u);
  EXPECT_EQ(a.min_calls, 1u);
  EXPECT_EQ(a.severity, "page");
  EXPECT_EQ(a.labels.at("team"), "shop");
  EXPECT_EQ(a.annotations.at("runbook"), "https://wiki/checkout");
  EXPECT_EQ(describe(a), "checkout POST /checkout (server) latency_p99 > 300ms for 5m");

  const Rule& b = c.rules[1];
  EXPECT_EQ(b.signal, SignalKind::kErrorRate);
  EXPECT_DOUBLE_EQ(b.threshold, 0.01);
  EXPECT_EQ(b.span_kind, model::SpanKind::kClient);
  EXPECT_EQ(b.window_ns, 120'000'000'000u);
  EXPECT_EQ(b.min_calls, 20u);
  EXPECT_EQ(b.comparison, Comparison::kGreaterOrEqual);
  EXPECT_EQ(b.for_ns, 0u);
  EXPECT_EQ(b.severity, "warning");
  EXPECT_EQ(describe(b), "payments (client) error_rate >= 1%");
}

TEST(RulesConfigTest, NoSectionMeansNoRules) {
  EXPECT_TRUE(parse_ok("data-dir: /tmp\n").rules.empty());
  EXPECT_TRUE(parse_ok("").rules.empty());
  AlertsConfig c = parse_ok("alerts:\n");
  EXPECT_TRUE(c.rules.empty());
  EXPECT_FALSE(c.webhook);
  EXPECT_TRUE(parse_ok("alerts:\n  rules:\n").rules.empty());  // no rules yet
}

TEST(RulesConfigTest, PercentileForms) {
  auto q = [](const std::string& latency) {
    AlertsConfig c = parse_ok(rule_config("      latency: " + latency + "\n"));
    return c.rules.empty() ? -1.0 : c.rules[0].quantile;
  };
  EXPECT_DOUBLE_EQ(q("{percentile: 50, threshold: 1s}"), 0.5);
  EXPECT_DOUBLE_EQ(q("{percentile: p95, threshold: 1s}"), 0.95);
  EXPECT_DOUBLE_EQ(q("{percentile: 99.9, threshold: 1s}"), 0.999);
  EXPECT_DOUBLE_EQ(q("{quantile: 0.9, threshold: 1s}"), 0.9);
}

TEST(RulesConfigTest, ErrorRateForms) {
  auto t = [](const std::string& v) {
    AlertsConfig c = parse_ok(rule_config("      error_rate: {threshold: " + v + "}\n"));
    return c.rules.empty() ? -1.0 : c.rules[0].threshold;
  };
  EXPECT_DOUBLE_EQ(t("1%"), 0.01);
  EXPECT_DOUBLE_EQ(t("0.05"), 0.05);
  EXPECT_DOUBLE_EQ(t("\"2.5%\""), 0.025);
}

TEST(RulesConfigTest, TheBriefsExampleMessage) {
  const std::string text = R"(alerts:
  rules:
    - name: a
      service: s
      error_rate: {threshold: 1%}
    - name: b
      service: s
      latency:
        percentile: 99
        threshold: 300
)";
  EXPECT_EQ(parse_error(text),
            "config line 10: alerts.rules[1].latency.threshold: \"300\" is not a duration (e.g. "
            "300ms)");
}

struct BadCase {
  std::string yaml;
  std::string expected;  // the whole message
};

TEST(RulesConfigTest, RefusesBadInputNamingLineAndKey) {
  const std::vector<BadCase> cases = {
      {"alerts: [1, 2]\n", "config line 1: alerts: must be a mapping of key: value"},
      {"alerts:\n  webhok: {url: http://x}\n",
       "config line 2: alerts.webhok: unknown key (expected one of: webhook, rules, "
       "evaluation_interval, external_url, max_exemplars)"},
      {"alerts:\n  rules: {name: a}\n",
       "config line 2: alerts.rules: must be a list of rules (- name: ...)"},
      {"alerts:\n  evaluation_interval: 0\n",
       "config line 2: alerts.evaluation_interval: must be more than 0"},
      {"alerts:\n  evaluation_interval: soon\n",
       "config line 2: alerts.evaluation_interval: \"soon\" is not a duration (e.g. 300ms)"},
      {"alerts:\n  max_exemplars: -1\n",
       "config line 2: alerts.max_exemplars: \"-1\" is not a whole number from 0 to 100"},
      {"alerts:\n  webhook:\n    timeout: 5s\n", "config line 3: alerts.webhook: needs url"},
      {"alerts:\n  webhook: {url: ftp://x}\n",
       "config line 2: alerts.webhook.url: \"ftp://x\" is not an http:// URL (https is not "
       "supported)"},
      {"alerts:\n  webhook: {url: https://x/hook}\n",
       "config line 2: alerts.webhook.url: \"https://x/hook\" is not an http:// URL (https is "
       "not supported)"},
      {"alerts:\n  webhook:\n    url: http://x/hook?key=1\n",
       "config line 3: alerts.webhook.url: \"http://x/hook?key=1\" has a query or fragment"},
      {"alerts:\n  webhook: {url: http://x, timeout: 5}\n",
       "config line 2: alerts.webhook.timeout: \"5\" is not a duration (e.g. 300ms)"},
      {"alerts:\n  webhook: {url: http://x, max_retries: 1000}\n",
       "config line 2: alerts.webhook.max_retries: \"1000\" is not a whole number from 0 to 100"},
      {"alerts:\n  webhook: {url: http://x, queue_size: 0}\n",
       "config line 2: alerts.webhook.queue_size: \"0\" is not a whole number from 1 to 100000"},
      {"alerts:\n  webhook: {url: http://x, retries: 3}\n",
       "config line 2: alerts.webhook.retries: unknown key (expected one of: url, timeout, "
       "max_retries, queue_size, receiver)"},
      {"alerts:\n  rules:\n    - service: s\n      error_rate: {threshold: 1%}\n",
       "config line 3: alerts.rules[0]: needs name"},
      {"alerts:\n  rules:\n    - name: a\n      error_rate: {threshold: 1%}\n",
       "config line 3: alerts.rules[0]: needs service"},
      {"alerts:\n  rules:\n    - name:\n      service: s\n",
       "config line 3: alerts.rules[0].name: has no value"},
      {"alerts:\n  rules:\n    - name: [a]\n      service: s\n",
       "config line 3: alerts.rules[0].name: must be a single value, not a list or map"},
      {"alerts:\n  rules:\n    - 42\n",
       "config line 3: alerts.rules[0]: must be a mapping of key: value"},
      {rule_config(""),
       "config line 3: alerts.rules[0]: needs latency: {percentile:, threshold:} or error_rate: "
       "{threshold:}"},
      {rule_config("      latncy: {percentile: 99, threshold: 1s}\n"),
       "config line 5: alerts.rules[0].latncy: unknown key (expected one of: name, service, "
       "operation, span_kind, latency, error_rate, comparison, for, window, min_calls, severity, "
       "labels, annotations)"},
      {rule_config(
           "      latency: {percentile: 99, threshold: 1s}\n      error_rate: {threshold: 1%}\n"),
       "config line 6: alerts.rules[0].error_rate: a rule has latency or error_rate, not both"},
      {rule_config("      latency: {threshold: 1s}\n"),
       "config line 5: alerts.rules[0].latency: needs percentile (e.g. 99) or quantile (e.g. "
       "0.99)"},
      {rule_config("      latency: {percentile: 99}\n"),
       "config line 5: alerts.rules[0].latency: needs threshold (e.g. 300ms)"},
      {rule_config("      latency: {percentile: 100, threshold: 1s}\n"),
       "config line 5: alerts.rules[0].latency.percentile: \"100\" is not a percentile above 0 "
       "and below 100 (e.g. 99 or p99.9)"},
      {rule_config("      latency: {percentile: 0, threshold: 1s}\n"),
       "config line 5: alerts.rules[0].latency.percentile: \"0\" is not a percentile above 0 and "
       "below 100 (e.g. 99 or p99.9)"},
      {rule_config("      latency: {quantile: 99, threshold: 1s}\n"),
       "config line 5: alerts.rules[0].latency.quantile: \"99\" is not a quantile above 0 and "
       "below 1 (e.g. 0.99)"},
      {rule_config("      latency: {percentile: 99, quantile: 0.99, threshold: 1s}\n"),
       "config line 5: alerts.rules[0].latency.quantile: give percentile or quantile, not both"},
      {rule_config("      latency: {percentile: 99, threshold: 1s, window: 1m}\n"),
       "config line 5: alerts.rules[0].latency.window: unknown key (expected one of: percentile, "
       "quantile, threshold)"},
      {rule_config("      error_rate: {threshold: 150%}\n"),
       "config line 5: alerts.rules[0].error_rate.threshold: \"150%\" is not a fraction from 0 to "
       "1 or a percentage (e.g. 0.01 or 1%)"},
      {rule_config("      error_rate: {threshold: 2}\n"),
       "config line 5: alerts.rules[0].error_rate.threshold: \"2\" is not a fraction from 0 to 1 "
       "or a percentage (e.g. 0.01 or 1%)"},
      {rule_config("      error_rate: {}\n"),
       "config line 5: alerts.rules[0].error_rate: needs threshold (e.g. 1% or 0.01)"},
      {rule_config("      error_rate: 1%\n"),
       "config line 5: alerts.rules[0].error_rate: must be a mapping of key: value"},
      {rule_config("      error_rate: {threshold: 1%}\n      for: 5 minutes\n"),
       "config line 6: alerts.rules[0].for: \"5 minutes\" is not a duration (e.g. 300ms)"},
      {rule_config("      error_rate: {threshold: 1%}\n      window: 0s\n"),
       "config line 6: alerts.rules[0].window: must be more than 0"},
      {rule_config("      error_rate: {threshold: 1%}\n      min_calls: 0\n"),
       "config line 6: alerts.rules[0].min_calls: \"0\" is not a whole number from 1 to "
       "1000000000"},
      {rule_config("      error_rate: {threshold: 1%}\n      comparison: \"=>\"\n"),
       "config line 6: alerts.rules[0].comparison: \"=>\" is not one of >, >=, <, <="},
      {rule_config("      error_rate: {threshold: 1%}\n      span_kind: serverside\n"),
       "config line 6: alerts.rules[0].span_kind: \"serverside\" is not one of server, client, "
       "producer, consumer, internal"},
      {rule_config("      error_rate: {threshold: 1%}\n      operation: \"\"\n"),
       "config line 6: alerts.rules[0].operation: must not be empty"},
      {rule_config("      error_rate: {threshold: 1%}\n      labels: [a]\n"),
       "config line 6: alerts.rules[0].labels: must be a mapping of name: value"},
      {rule_config("      error_rate: {threshold: 1%}\n      labels: {team-name: x}\n"),
       "config line 6: alerts.rules[0].labels.team-name: is not a name of [a-zA-Z_][a-zA-Z0-9_]*"},
      {rule_config("      error_rate: {threshold: 1%}\n      labels:\n        service: x\n"),
       "config line 7: alerts.rules[0].labels.service: is set by weft from the rule and cannot be "
       "given here"},
      {rule_config("      error_rate: {threshold: 1%}\n      annotations: {summary: x}\n"),
       "config line 6: alerts.rules[0].annotations.summary: is set by weft from the rule and "
       "cannot be given here"},
      {rule_config("      error_rate: {threshold: 1%}\n      labels: {team: {a: b}}\n"),
       "config line 6: alerts.rules[0].labels.team: must be a single value, not a list or map"},
      {rule_config("      error_rate: {threshold: 1%}\n") +
           "    - name: r\n      service: t\n      error_rate: {threshold: 1%}\n",
       "config line 6: alerts.rules[1].name: \"r\" names an earlier rule too"},
      {"alerts:\n  rules:\n    - name: [unclosed\n",
       "config line 4: not valid YAML: end of sequence flow not found"},
      {"- just\n- a list\n", "config: must be a YAML mapping of key: value"},
  };
  for (const BadCase& c : cases) EXPECT_EQ(parse_error(c.yaml), c.expected) << c.yaml;
}

TEST(RulesConfigTest, ParsesANodeTheServerAlreadyLoaded) {
  YAML::Node root = YAML::Load(kConfig);
  auto r = parse_alerts_config(root["alerts"]);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r->rules.size(), 2u);
}

}  // namespace
}  // namespace weft::pipeline::alerts
