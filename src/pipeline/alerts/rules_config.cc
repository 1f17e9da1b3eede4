#include "alerts/rules_config.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "alerts/units.h"
#include "pipeline/yaml_fields.h"

namespace weft::pipeline::alerts {
namespace {

using yaml_fields::check_map;
using yaml_fields::error_at;
using yaml_fields::non_empty;
using yaml_fields::quoted;
using yaml_fields::scalar;

// A duration as alert rules write it (units.h: "300ms", "1m30s", "0").
Result<uint64_t> duration(const YAML::Node& node, const std::string& path) {
  return yaml_fields::duration(node, path, parse_duration_ns, "300ms");
}

Result<uint64_t> positive_duration(const YAML::Node& node, const std::string& path) {
  return yaml_fields::positive_duration(node, path, parse_duration_ns, "300ms");
}

// A whole number in [min, max], written in digits only.
Result<uint64_t> count(const YAML::Node& node, const std::string& path, int64_t min, int64_t max) {
  WEFT_ASSIGN_OR_RETURN(
      int64_t v, yaml_fields::integer(node, path, min, max, yaml_fields::WholeNumbers::kDigits));
  return static_cast<uint64_t>(v);
}

Result<std::map<std::string, std::string>> string_map(const YAML::Node& node,
                                                      const std::string& path,
                                                      const std::set<std::string>& reserved) {
  if (!node.IsMap()) return error_at(node, path, "must be a mapping of name: value");
  std::map<std::string, std::string> out;
  for (auto it = node.begin(); it != node.end(); ++it) {
    WEFT_ASSIGN_OR_RETURN(std::string name, non_empty(it->first, path));
    const std::string sub = path + "." + name;
    // Prometheus label names, so Alertmanager routes on them as on any other label.
    bool valid = !(name[0] >= '0' && name[0] <= '9');
    for (char c : name)
      valid = valid && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_');
    if (!valid) return error_at(it->first, sub, "is not a name of [a-zA-Z_][a-zA-Z0-9_]*");
    if (reserved.count(name))
      return error_at(it->first, sub, "is set by weft from the rule and cannot be given here");
    WEFT_ASSIGN_OR_RETURN(std::string value, scalar(it->second, sub));
    out[name] = std::move(value);
  }
  return out;
}

Status parse_latency(const YAML::Node& node, const std::string& path, Rule& rule) {
  WEFT_RETURN_IF_ERROR(check_map(node, path, {"percentile", "quantile", "threshold"}));
  rule.signal = SignalKind::kLatency;
  const YAML::Node p = node["percentile"], q = node["quantile"], t = node["threshold"];
  if (p && q) return error_at(q, path + ".quantile", "give percentile or quantile, not both");
  if (!p && !q) return error_at(node, path, "needs percentile (e.g. 99) or quantile (e.g. 0.99)");
  if (p) {
    WEFT_ASSIGN_OR_RETURN(std::string s, scalar(p, path + ".percentile"));
    std::string digits = !s.empty() && (s[0] == 'p' || s[0] == 'P') ? s.substr(1) : s;
    auto v = parse_fraction(digits + "%");
    if (!v || *v <= 0 || *v >= 1)
      return error_at(p, path + ".percentile",
                      quoted(s) + " is not a percentile above 0 and below 100 (e.g. 99 or p99.9)");
    rule.quantile = *v;
  } else {
    WEFT_ASSIGN_OR_RETURN(std::string s, scalar(q, path + ".quantile"));
    auto v = parse_fraction(s);
    if (!v || *v <= 0 || *v >= 1 || s.find('%') != std::string::npos)
      return error_at(q, path + ".quantile",
                      quoted(s) + " is not a quantile above 0 and below 1 (e.g. 0.99)");
    rule.quantile = *v;
  }
  if (!t) return error_at(node, path, "needs threshold (e.g. 300ms)");
  WEFT_ASSIGN_OR_RETURN(uint64_t ns, duration(t, path + ".threshold"));
  rule.threshold = static_cast<double>(ns);
  return Status::ok();
}

Status parse_error_rate(const YAML::Node& node, const std::string& path, Rule& rule) {
  WEFT_RETURN_IF_ERROR(check_map(node, path, {"threshold"}));
  rule.signal = SignalKind::kErrorRate;
  const YAML::Node t = node["threshold"];
  if (!t) return error_at(node, path, "needs threshold (e.g. 1% or 0.01)");
  WEFT_ASSIGN_OR_RETURN(std::string s, scalar(t, path + ".threshold"));
  auto v = parse_fraction(s);
  if (!v)
    return error_at(t, path + ".threshold",
                    quoted(s) + " is not a fraction from 0 to 1 or a percentage (e.g. 0.01 or 1%)");
  rule.threshold = *v;
  return Status::ok();
}

Result<Comparison> parse_comparison(const YAML::Node& node, const std::string& path) {
  WEFT_ASSIGN_OR_RETURN(std::string s, scalar(node, path));
  if (s == ">") return Comparison::kGreater;
  if (s == ">=") return Comparison::kGreaterOrEqual;
  if (s == "<") return Comparison::kLess;
  if (s == "<=") return Comparison::kLessOrEqual;
  return error_at(node, path, quoted(s) + " is not one of >, >=, <, <=");
}

Result<Rule> parse_rule(const YAML::Node& node, const std::string& path) {
  WEFT_RETURN_IF_ERROR(
      check_map(node, path,
                {"name", "service", "operation", "span_kind", "latency", "error_rate", "comparison",
                 "for", "window", "min_calls", "severity", "labels", "annotations"}));
  Rule rule;
  if (!node["name"]) return error_at(node, path, "needs name");
  WEFT_ASSIGN_OR_RETURN(rule.name, non_empty(node["name"], path + ".name"));
  if (!node["service"]) return error_at(node, path, "needs service");
  WEFT_ASSIGN_OR_RETURN(rule.service, non_empty(node["service"], path + ".service"));
  if (const YAML::Node n = node["operation"]) {
    WEFT_ASSIGN_OR_RETURN(rule.operation, non_empty(n, path + ".operation"));
  }
  if (const YAML::Node n = node["span_kind"]) {
    WEFT_ASSIGN_OR_RETURN(std::string s, scalar(n, path + ".span_kind"));
    if (!model::parse_span_kind(s, &rule.span_kind) ||
        rule.span_kind == model::SpanKind::kUnspecified)
      return error_at(n, path + ".span_kind",
                      quoted(s) + " is not one of server, client, producer, consumer, internal");
  }
  const YAML::Node latency = node["latency"], errors = node["error_rate"];
  if (latency && errors)
    return error_at(errors, path + ".error_rate", "a rule has latency or error_rate, not both");
  if (latency) {
    WEFT_RETURN_IF_ERROR(parse_latency(latency, path + ".latency", rule));
  } else if (errors) {
    WEFT_RETURN_IF_ERROR(parse_error_rate(errors, path + ".error_rate", rule));
  } else {
    return error_at(node, path,
                    "needs latency: {percentile:, threshold:} or error_rate: {threshold:}");
  }
  if (const YAML::Node n = node["comparison"]) {
    WEFT_ASSIGN_OR_RETURN(rule.comparison, parse_comparison(n, path + ".comparison"));
  }
  if (const YAML::Node n = node["for"]) {
    WEFT_ASSIGN_OR_RETURN(rule.for_ns, duration(n, path + ".for"));
  }
  if (const YAML::Node n = node["window"]) {
    WEFT_ASSIGN_OR_RETURN(rule.window_ns, positive_duration(n, path + ".window"));
  }
  if (const YAML::Node n = node["min_calls"]) {
    WEFT_ASSIGN_OR_RETURN(rule.min_calls, count(n, path + ".min_calls", 1, 1'000'000'000));
  }
  if (const YAML::Node n = node["severity"]) {
    WEFT_ASSIGN_OR_RETURN(rule.severity, non_empty(n, path + ".severity"));
  }
  if (const YAML::Node n = node["labels"]) {
    WEFT_ASSIGN_OR_RETURN(
        rule.labels, string_map(n, path + ".labels",
                                {"alertname", "service", "operation", "span_kind", "severity"}));
  }
  if (const YAML::Node n = node["annotations"]) {
    WEFT_ASSIGN_OR_RETURN(
        rule.annotations,
        string_map(n, path + ".annotations", {"summary", "description", "trace_ids", "trace_url"}));
  }
  return rule;
}

Result<WebhookConfig> parse_webhook(const YAML::Node& node, const std::string& path) {
  WEFT_RETURN_IF_ERROR(
      check_map(node, path, {"url", "timeout", "max_retries", "queue_size", "receiver"}));
  WebhookConfig w;
  if (!node["url"]) return error_at(node, path, "needs url");
  WEFT_ASSIGN_OR_RETURN(w.url, non_empty(node["url"], path + ".url"));
  // The server's HTTP client speaks plain HTTP (put a TLS-terminating relay in front of an
  // https receiver); the path is sent as is, so no query or fragment.
  if (w.url.rfind("http://", 0) != 0)
    return error_at(node["url"], path + ".url",
                    quoted(w.url) + " is not an http:// URL (https is not supported)");
  if (w.url.find_first_of("?#") != std::string::npos)
    return error_at(node["url"], path + ".url", quoted(w.url) + " has a query or fragment");
  if (const YAML::Node n = node["timeout"]) {
    WEFT_ASSIGN_OR_RETURN(w.timeout_ns, positive_duration(n, path + ".timeout"));
  }
  if (const YAML::Node n = node["max_retries"]) {
    WEFT_ASSIGN_OR_RETURN(uint64_t v, count(n, path + ".max_retries", 0, 100));
    w.max_retries = static_cast<uint32_t>(v);
  }
  if (const YAML::Node n = node["queue_size"]) {
    WEFT_ASSIGN_OR_RETURN(uint64_t v, count(n, path + ".queue_size", 1, 100'000));
    w.queue_size = static_cast<uint32_t>(v);
  }
  if (const YAML::Node n = node["receiver"]) {
    WEFT_ASSIGN_OR_RETURN(w.receiver, non_empty(n, path + ".receiver"));
  }
  return w;
}

}  // namespace

Result<AlertsConfig> parse_alerts_config(const YAML::Node& alerts) {
  const std::string path = "alerts";
  AlertsConfig config;
  if (!alerts || alerts.IsNull()) return config;
  WEFT_RETURN_IF_ERROR(check_map(
      alerts, path, {"webhook", "rules", "evaluation_interval", "external_url", "max_exemplars"},
      {"rules"}));
  if (const YAML::Node n = alerts["webhook"]) {
    WEFT_ASSIGN_OR_RETURN(config.webhook, parse_webhook(n, path + ".webhook"));
  }
  if (const YAML::Node n = alerts["evaluation_interval"]) {
    WEFT_ASSIGN_OR_RETURN(config.evaluation_interval_ns,
                          positive_duration(n, path + ".evaluation_interval"));
  }
  if (const YAML::Node n = alerts["external_url"]) {
    WEFT_ASSIGN_OR_RETURN(config.external_url, non_empty(n, path + ".external_url"));
    while (!config.external_url.empty() && config.external_url.back() == '/')
      config.external_url.pop_back();
  }
  if (const YAML::Node n = alerts["max_exemplars"]) {
    WEFT_ASSIGN_OR_RETURN(uint64_t v, count(n, path + ".max_exemplars", 0, 100));
    config.max_exemplars = static_cast<uint32_t>(v);
  }
  if (const YAML::Node rules = alerts["rules"]) {
    if (!rules.IsSequence() && !rules.IsNull())
      return error_at(rules, path + ".rules", "must be a list of rules (- name: ...)");
    std::set<std::string> names;
    size_t i = 0;
    for (const YAML::Node& r : rules) {
      const std::string rp = path + ".rules[" + std::to_string(i++) + "]";
      WEFT_ASSIGN_OR_RETURN(Rule rule, parse_rule(r, rp));
      if (!names.insert(rule.name).second)
        return error_at(r["name"], rp + ".name", quoted(rule.name) + " names an earlier rule too");
      config.rules.push_back(std::move(rule));
    }
  }
  return config;
}

Result<AlertsConfig> parse_alerts_config_text(std::string_view config_text) {
  WEFT_ASSIGN_OR_RETURN(YAML::Node root, yaml_fields::load_yaml(config_text));
  if (!root || root.IsNull()) return AlertsConfig{};
  return yaml_fields::parse_section(root, "alerts", parse_alerts_config);
}

}  // namespace weft::pipeline::alerts
