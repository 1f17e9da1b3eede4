#pragma once
// The `alerts:` section of the server's YAML config: the webhook and the rules. Every
// mistake is refused with the config line at fault and the key's path, so the server does
// not start with a rule it would silently ignore:
//   config line 14: alerts.rules[1].latency.threshold: "300" is not a duration (e.g. 300ms)
// Schema (docs: the report of issue 12 / README "SLA alerts"):
//   alerts:
//     evaluation_interval: 10s          # optional
//     external_url: http://weft:3200    # optional; trace links and generatorURL
//     max_exemplars: 5                  # optional; trace IDs kept per alert
//     webhook: {url: http://alert-receiver:5001/weft, timeout: 5s, max_retries: 5,
//               queue_size: 256, receiver: weft}   # url required, the rest optional
//     rules:
//       - name: checkout-p99            # required, unique
//         service: checkout             # required
//         operation: POST /checkout     # optional: every operation
//         span_kind: server             # optional: server
//         latency: {percentile: 99, threshold: 300ms}   # or quantile: 0.99, or "p99"
//         # error_rate: {threshold: 1%}                  # exactly one of the two
//         comparison: ">"               # optional: > >= < <=
//         for: 5m                       # optional: 0, fire at the first breach
//         window: 1m                    # optional: 1m
//         min_calls: 10                 # optional: 1
//         severity: page                # optional: warning
//         labels: {team: shop}          # optional
//         annotations: {runbook: https://...}  # optional
// Indices in paths are 0-based (rules[0] is the first rule).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/rule.h"
#include "common/status.h"

namespace YAML {
class Node;
}

namespace weft::pipeline::alerts {

struct WebhookConfig {
  std::string url;  // http:// (no query or fragment)
  uint64_t timeout_ns = 5'000'000'000ULL;
  uint32_t max_retries = 5;  // attempts after the first
  uint32_t queue_size = 256;
  std::string receiver = "weft";  // the payload's `receiver`
};

struct AlertsConfig {
  std::optional<WebhookConfig> webhook;  // none: alerts are only visible in the API
  uint64_t evaluation_interval_ns = 10'000'000'000ULL;
  std::string external_url;  // empty: the server fills in its own address
  uint32_t max_exemplars = 5;
  std::vector<Rule> rules;
};

// Parses the value of the `alerts:` key (a map; null gives the defaults and no rules).
// INVALID_ARGUMENT naming the line and key on any unknown key, bad value or missing field.
// Never throws.
Result<AlertsConfig> parse_alerts_config(const YAML::Node& alerts);

// Parses a whole config file's text and reads its top-level `alerts:` section (other keys
// are not looked at); no such section gives the defaults. Never throws.
Result<AlertsConfig> parse_alerts_config_text(std::string_view config_text);

}  // namespace weft::pipeline::alerts
