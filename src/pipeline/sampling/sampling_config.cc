#include "sampling/sampling_config.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <regex>
#include <set>

#include "pipeline/yaml_fields.h"

namespace weft::pipeline::sampling {
namespace {

using yaml_fields::boolean;
using yaml_fields::check_map;
using yaml_fields::error_at;
using yaml_fields::non_empty;
using yaml_fields::quoted;
using yaml_fields::scalar;
constexpr int64_t kMaxInt = std::numeric_limits<int64_t>::max();
constexpr int64_t kMinInt = std::numeric_limits<int64_t>::min();

// The duration syntax of this section (sampling_config.h): no bare 0, no d.
constexpr yaml_fields::DurationSyntax kDurations{
    .trim_blanks = false, .bare_zero = false, .day_units = false, .max_ns = 9.2e18};

// A whole number in [min, max]; '_' between digits is allowed (100_000), as in OTel's docs.
Result<int64_t> integer(const YAML::Node& node, const std::string& path, int64_t min, int64_t max) {
  return yaml_fields::integer(node, path, min, max,
                              yaml_fields::WholeNumbers::kSignedWithUnderscores);
}

Result<double> number(const YAML::Node& node, const std::string& path, double min, double max) {
  WEFT_ASSIGN_OR_RETURN(std::string s, scalar(node, path));
  double v = 0;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (s.empty() || ec != std::errc() || ptr != end || !std::isfinite(v) || v < min || v > max) {
    char buf[64];
    std::snprintf(buf, sizeof buf, " is not a number from %g to %g", min, max);
    return error_at(node, path, quoted(s) + buf);
  }
  return v;
}

Result<std::vector<std::string>> string_list(const YAML::Node& node, const std::string& path) {
  if (!node.IsSequence()) return error_at(node, path, "must be a list ([a, b] or - a)");
  if (node.size() == 0) return error_at(node, path, "must not be empty");
  std::vector<std::string> out;
  for (size_t i = 0; i < node.size(); ++i) {
    WEFT_ASSIGN_OR_RETURN(std::string s,
                          non_empty(node[i], path + "[" + std::to_string(i) + "]"));
    out.push_back(std::move(s));
  }
  return out;
}

Result<uint64_t> positive_duration(const YAML::Node& node, const std::string& path) {
  return yaml_fields::positive_duration(node, path, parse_duration_ns, "30s, 500ms");
}

// The block of a policy type; `required` says whether the type has required fields.
Result<YAML::Node> block(const YAML::Node& policy, const std::string& path, const char* type,
                         const char* example) {
  const YAML::Node b = policy[type];
  if (!b) return error_at(policy, path, std::string("needs ") + type + ": " + example);
  return b;
}

Status need(const YAML::Node& b, const std::string& path, const char* key) {
  if (!b[key]) return error_at(b, path, std::string("needs ") + key);
  return Status::ok();
}

enum class Level { kTop, kCompositeSub, kAndSub };

Result<PolicyConfig> parse_policy(const YAML::Node& node, const std::string& path, Level level);

Result<std::vector<PolicyConfig>> parse_policy_list(const YAML::Node& node,
                                                    const std::string& path, Level level) {
  if (!node.IsSequence())
    return error_at(node, path, "must be a list of policies (- name: ..., type: ...)");
  if (node.size() == 0) return error_at(node, path, "must have at least one policy");
  std::vector<PolicyConfig> out;
  std::set<std::string> names;
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string p = path + "[" + std::to_string(i) + "]";
    WEFT_ASSIGN_OR_RETURN(PolicyConfig c, parse_policy(node[i], p, level));
    if (!names.insert(c.name).second)
      return error_at(node[i]["name"], p + ".name", quoted(c.name) + " names an earlier policy too");
    out.push_back(std::move(c));
  }
  return out;
}

Status parse_status_code(const YAML::Node& b, const std::string& path, PolicyConfig& c) {
  WEFT_RETURN_IF_ERROR(check_map(b, path, {"status_codes", "codes"}));
  const char* key = b["status_codes"] ? "status_codes" : "codes";
  if (b["status_codes"] && b["codes"])
    return error_at(b["codes"], path + ".codes", "give status_codes or codes, not both");
  if (!b[key]) return error_at(b, path, "needs status_codes (e.g. [ERROR])");
  const std::string p = path + "." + key;
  WEFT_ASSIGN_OR_RETURN(auto codes, string_list(b[key], p));
  for (size_t i = 0; i < codes.size(); ++i) {
    std::string up;
    for (char ch : codes[i]) up += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (up == "ERROR")
      c.status_codes.push_back(model::SpanStatusCode::kError);
    else if (up == "OK")
      c.status_codes.push_back(model::SpanStatusCode::kOk);
    else if (up == "UNSET")
      c.status_codes.push_back(model::SpanStatusCode::kUnset);
    else
      return error_at(b[key][i], p + "[" + std::to_string(i) + "]",
                      quoted(codes[i]) + " is not one of ERROR, OK, UNSET");
  }
  return Status::ok();
}

Status parse_latency(const YAML::Node& b, const std::string& path, PolicyConfig& c) {
  WEFT_RETURN_IF_ERROR(check_map(b, path, {"threshold_ms", "upper_threshold_ms"}));
  WEFT_RETURN_IF_ERROR(need(b, path, "threshold_ms"));
  WEFT_ASSIGN_OR_RETURN(c.threshold_ms, integer(b["threshold_ms"], path + ".threshold_ms", 0,
                                                kMaxInt / 1'000'000));
  if (const YAML::Node n = b["upper_threshold_ms"]) {
    WEFT_ASSIGN_OR_RETURN(c.upper_threshold_ms, integer(n, path + ".upper_threshold_ms", 0,
                                                        kMaxInt / 1'000'000));
    if (c.upper_threshold_ms != 0 && c.upper_threshold_ms <= c.threshold_ms)
      return error_at(n, path + ".upper_threshold_ms",
                      "must be more than threshold_ms (or 0: no upper bound)");
  }
  return Status::ok();
}

Status parse_numeric(const YAML::Node& b, const std::string& path, PolicyConfig& c) {
  WEFT_RETURN_IF_ERROR(check_map(b, path, {"key", "min_value", "max_value", "invert_match"}));
  WEFT_RETURN_IF_ERROR(need(b, path, "key"));
  WEFT_ASSIGN_OR_RETURN(c.key, non_empty(b["key"], path + ".key"));
  if (!b["min_value"] && !b["max_value"])
    return error_at(b, path, "needs min_value, max_value or both");
  if (const YAML::Node n = b["min_value"]) {
    WEFT_ASSIGN_OR_RETURN(c.min_value, integer(n, path + ".min_value", kMinInt, kMaxInt));
  }
  if (const YAML::Node n = b["max_value"]) {
    WEFT_ASSIGN_OR_RETURN(c.max_value, integer(n, path + ".max_value", kMinInt, kMaxInt));
    if (c.min_value && *c.max_value < *c.min_value)
      return error_at(n, path + ".max_value", "must not be less than min_value");
  }
  if (const YAML::Node n = b["invert_match"]) {
    WEFT_ASSIGN_OR_RETURN(c.invert_match, boolean(n, path + ".invert_match"));
  }
  return Status::ok();
}

Status parse_string(const YAML::Node& b, const std::string& path, PolicyConfig& c) {
  WEFT_RETURN_IF_ERROR(check_map(
      b, path, {"key", "values", "enabled_regex_matching", "cache_max_size", "invert_match"}));
  WEFT_RETURN_IF_ERROR(need(b, path, "key"));
  WEFT_ASSIGN_OR_RETURN(c.key, non_empty(b["key"], path + ".key"));
  WEFT_RETURN_IF_ERROR(need(b, path, "values"));
  WEFT_ASSIGN_OR_RETURN(c.values, string_list(b["values"], path + ".values"));
  if (const YAML::Node n = b["enabled_regex_matching"]) {
    WEFT_ASSIGN_OR_RETURN(c.enabled_regex_matching,
                          boolean(n, path + ".enabled_regex_matching"));
  }
  if (const YAML::Node n = b["cache_max_size"]) {  // OTel's regex result cache; accepted
    WEFT_RETURN_IF_ERROR(integer(n, path + ".cache_max_size", 0, kMaxInt).status());
  }
  if (const YAML::Node n = b["invert_match"]) {
    WEFT_ASSIGN_OR_RETURN(c.invert_match, boolean(n, path + ".invert_match"));
  }
  if (c.enabled_regex_matching) {
    for (size_t i = 0; i < c.values.size(); ++i) {
      try {
        std::regex r(c.values[i], std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        return error_at(b["values"][i], path + ".values[" + std::to_string(i) + "]",
                        quoted(c.values[i]) + " is not a valid regular expression");
      }
    }
  }
  return Status::ok();
}

Status parse_boolean(const YAML::Node& b, const std::string& path, PolicyConfig& c) {
  WEFT_RETURN_IF_ERROR(check_map(b, path, {"key", "value", "invert_match"}));
  WEFT_RETURN_IF_ERROR(need(b, path, "key"));
  WEFT_ASSIGN_OR_RETURN(c.key, non_empty(b["key"], path + ".key"));
  WEFT_RETURN_IF_ERROR(need(b, path, "value"));
  WEFT_ASSIGN_OR_RETURN(c.bool_value, boolean(b["value"], path + ".value"));
  if (const YAML::Node n = b["invert_match"]) {
    WEFT_ASSIGN_OR_RETURN(c.invert_match, boolean(n, path + ".invert_match"));
  }
  return Status::ok();
}

Status parse_probabilistic(const YAML::Node& b, const std::string& path, PolicyConfig& c) {
  WEFT_RETURN_IF_ERROR(check_map(b, path, {"sampling_percentage", "hash_salt"}));
  WEFT_RETURN_IF_ERROR(need(b, path, "sampling_percentage"));
  WEFT_ASSIGN_OR_RETURN(c.sampling_percentage,
                        number(b["sampling_percentage"], path + ".sampling_percentage", 0, 100));
  if (const YAML::Node n = b["hash_salt"]) {
    WEFT_ASSIGN_OR_RETURN(c.hash_salt, scalar(n, path + ".hash_salt"));
  }
  return Status::ok();
}

Status parse_rate_limiting(const YAML::Node& b, const std::string& path, PolicyConfig& c) {
  WEFT_RETURN_IF_ERROR(check_map(b, path, {"spans_per_second"}));
  WEFT_RETURN_IF_ERROR(need(b, path, "spans_per_second"));
  WEFT_ASSIGN_OR_RETURN(c.spans_per_second,
                        integer(b["spans_per_second"], path + ".spans_per_second", 1, kMaxInt));
  return Status::ok();
}

Status parse_span_count(const YAML::Node& b, const std::string& path, PolicyConfig& c) {
  WEFT_RETURN_IF_ERROR(check_map(b, path, {"min_spans", "max_spans"}));
  if (!b["min_spans"] && !b["max_spans"])
    return error_at(b, path, "needs min_spans, max_spans or both");
  if (const YAML::Node n = b["min_spans"]) {
    WEFT_ASSIGN_OR_RETURN(c.min_spans, integer(n, path + ".min_spans", 0, 1'000'000'000));
  }
  if (const YAML::Node n = b["max_spans"]) {
    WEFT_ASSIGN_OR_RETURN(c.max_spans, integer(n, path + ".max_spans", 0, 1'000'000'000));
    if (c.max_spans != 0 && c.max_spans < c.min_spans)
      return error_at(n, path + ".max_spans",
                      "must not be less than min_spans (or 0: no upper bound)");
  }
  return Status::ok();
}

Status parse_trace_state(const YAML::Node& b, const std::string& path, PolicyConfig& c) {
  WEFT_RETURN_IF_ERROR(check_map(b, path, {"key", "values"}));
  WEFT_RETURN_IF_ERROR(need(b, path, "key"));
  WEFT_ASSIGN_OR_RETURN(c.key, non_empty(b["key"], path + ".key"));
  if (c.key.size() > 256) return error_at(b["key"], path + ".key", "is longer than 256 characters");
  WEFT_RETURN_IF_ERROR(need(b, path, "values"));
  WEFT_ASSIGN_OR_RETURN(c.values, string_list(b["values"], path + ".values"));
  for (size_t i = 0; i < c.values.size(); ++i)
    if (c.values[i].size() > 256)
      return error_at(b["values"][i], path + ".values[" + std::to_string(i) + "]",
                      "is longer than 256 characters");
  return Status::ok();
}

Status parse_and(const YAML::Node& b, const std::string& path, PolicyConfig& c) {
  WEFT_RETURN_IF_ERROR(check_map(b, path, {"and_sub_policy"}));
  WEFT_RETURN_IF_ERROR(need(b, path, "and_sub_policy"));
  WEFT_ASSIGN_OR_RETURN(c.sub_policies, parse_policy_list(b["and_sub_policy"],
                                                          path + ".and_sub_policy", Level::kAndSub));
  return Status::ok();
}

Status parse_composite(const YAML::Node& b, const std::string& path, PolicyConfig& c) {
  WEFT_RETURN_IF_ERROR(check_map(b, path,
                                 {"max_total_spans_per_second", "policy_order",
                                  "composite_sub_policy", "rate_allocation"}));
  WEFT_RETURN_IF_ERROR(need(b, path, "max_total_spans_per_second"));
  WEFT_ASSIGN_OR_RETURN(c.max_total_spans_per_second,
                        integer(b["max_total_spans_per_second"],
                                path + ".max_total_spans_per_second", 1, kMaxInt));
  WEFT_RETURN_IF_ERROR(need(b, path, "composite_sub_policy"));
  WEFT_ASSIGN_OR_RETURN(c.sub_policies,
                        parse_policy_list(b["composite_sub_policy"], path + ".composite_sub_policy",
                                          Level::kCompositeSub));
  std::set<std::string> subs;
  for (const PolicyConfig& s : c.sub_policies) subs.insert(s.name);
  if (const YAML::Node n = b["policy_order"]) {
    WEFT_ASSIGN_OR_RETURN(c.policy_order, string_list(n, path + ".policy_order"));
    std::set<std::string> seen;
    for (size_t i = 0; i < c.policy_order.size(); ++i) {
      const std::string p = path + ".policy_order[" + std::to_string(i) + "]";
      if (!subs.count(c.policy_order[i]))
        return error_at(n[i], p, quoted(c.policy_order[i]) + " names no composite_sub_policy");
      if (!seen.insert(c.policy_order[i]).second)
        return error_at(n[i], p, quoted(c.policy_order[i]) + " is listed twice");
    }
  }
  if (const YAML::Node n = b["rate_allocation"]) {
    const std::string rp = path + ".rate_allocation";
    if (!n.IsSequence()) return error_at(n, rp, "must be a list of {policy, percent}");
    int64_t total = 0;
    std::set<std::string> seen;
    for (size_t i = 0; i < n.size(); ++i) {
      const std::string p = rp + "[" + std::to_string(i) + "]";
      WEFT_RETURN_IF_ERROR(check_map(n[i], p, {"policy", "percent"}));
      WEFT_RETURN_IF_ERROR(need(n[i], p, "policy"));
      RateAllocation a;
      WEFT_ASSIGN_OR_RETURN(a.policy, non_empty(n[i]["policy"], p + ".policy"));
      if (!subs.count(a.policy))
        return error_at(n[i]["policy"], p + ".policy",
                        quoted(a.policy) + " names no composite_sub_policy");
      if (!seen.insert(a.policy).second)
        return error_at(n[i]["policy"], p + ".policy", quoted(a.policy) + " is listed twice");
      if (const YAML::Node pc = n[i]["percent"]) {
        WEFT_ASSIGN_OR_RETURN(a.percent, integer(pc, p + ".percent", 0, 100));
      }
      total += a.percent;
      if (total > 100) return error_at(n[i], p, "percentages add up to more than 100");
      c.rate_allocation.push_back(std::move(a));
    }
  }
  return Status::ok();
}

Status parse_rare(const YAML::Node& b, const std::string& path, PolicyConfig& c) {
  WEFT_RETURN_IF_ERROR(check_map(b, path, {"max_per_window", "window"}));
  WEFT_RETURN_IF_ERROR(need(b, path, "max_per_window"));
  WEFT_ASSIGN_OR_RETURN(c.max_per_window, integer(b["max_per_window"], path + ".max_per_window",
                                                  1, 1'000'000'000));
  WEFT_RETURN_IF_ERROR(need(b, path, "window"));
  WEFT_ASSIGN_OR_RETURN(c.window_ns, positive_duration(b["window"], path + ".window"));
  return Status::ok();
}

Result<PolicyConfig> parse_policy(const YAML::Node& node, const std::string& path, Level level) {
  if (!node.IsMap()) return error_at(node, path, "must be a mapping (name:, type:, ...)");
  PolicyConfig c;
  if (!node["name"]) return error_at(node, path, "needs name");
  WEFT_ASSIGN_OR_RETURN(c.name, non_empty(node["name"], path + ".name"));
  if (!node["type"]) return error_at(node, path, "needs type");
  WEFT_ASSIGN_OR_RETURN(std::string type, non_empty(node["type"], path + ".type"));
  if (!parse_policy_type(type, &c.type))
    return error_at(node["type"], path + ".type",
                    quoted(type) +
                        " is not a policy type (expected one of: always_sample, status_code, "
                        "latency, numeric_attribute, string_attribute, boolean_attribute, "
                        "probabilistic, rate_limiting, span_count, trace_state, and, composite, "
                        "rare)");
  if ((c.type == PolicyType::kComposite && level != Level::kTop) ||
      (c.type == PolicyType::kAnd && level == Level::kAndSub))
    return error_at(node["type"], path + ".type",
                    quoted(type) + (level == Level::kAndSub ? " cannot be inside an and policy"
                                                            : " cannot be inside a composite policy"));
  const char* t = policy_type_name(c.type);
  WEFT_RETURN_IF_ERROR(check_map(node, path, {"name", "type", t}, {"always_sample"}));
  const std::string bp = path + "." + t;
  switch (c.type) {
    case PolicyType::kAlwaysSample:
      if (const YAML::Node b = node["always_sample"]; b && !b.IsNull())
        WEFT_RETURN_IF_ERROR(check_map(b, bp, {}));
      return c;
    case PolicyType::kStatusCode: {
      WEFT_ASSIGN_OR_RETURN(YAML::Node b, block(node, path, t, "{status_codes: [ERROR]}"));
      WEFT_RETURN_IF_ERROR(parse_status_code(b, bp, c));
      return c;
    }
    case PolicyType::kLatency: {
      WEFT_ASSIGN_OR_RETURN(YAML::Node b, block(node, path, t, "{threshold_ms: 500}"));
      WEFT_RETURN_IF_ERROR(parse_latency(b, bp, c));
      return c;
    }
    case PolicyType::kNumericAttribute: {
      WEFT_ASSIGN_OR_RETURN(YAML::Node b, block(node, path, t, "{key: k, min_value: 1}"));
      WEFT_RETURN_IF_ERROR(parse_numeric(b, bp, c));
      return c;
    }
    case PolicyType::kStringAttribute: {
      WEFT_ASSIGN_OR_RETURN(YAML::Node b, block(node, path, t, "{key: k, values: [v]}"));
      WEFT_RETURN_IF_ERROR(parse_string(b, bp, c));
      return c;
    }
    case PolicyType::kBooleanAttribute: {
      WEFT_ASSIGN_OR_RETURN(YAML::Node b, block(node, path, t, "{key: k, value: true}"));
      WEFT_RETURN_IF_ERROR(parse_boolean(b, bp, c));
      return c;
    }
    case PolicyType::kProbabilistic: {
      WEFT_ASSIGN_OR_RETURN(YAML::Node b, block(node, path, t, "{sampling_percentage: 10}"));
      WEFT_RETURN_IF_ERROR(parse_probabilistic(b, bp, c));
      return c;
    }
    case PolicyType::kRateLimiting: {
      WEFT_ASSIGN_OR_RETURN(YAML::Node b, block(node, path, t, "{spans_per_second: 100}"));
      WEFT_RETURN_IF_ERROR(parse_rate_limiting(b, bp, c));
      return c;
    }
    case PolicyType::kSpanCount: {
      WEFT_ASSIGN_OR_RETURN(YAML::Node b, block(node, path, t, "{min_spans: 2}"));
      WEFT_RETURN_IF_ERROR(parse_span_count(b, bp, c));
      return c;
    }
    case PolicyType::kTraceState: {
      WEFT_ASSIGN_OR_RETURN(YAML::Node b, block(node, path, t, "{key: k, values: [v]}"));
      WEFT_RETURN_IF_ERROR(parse_trace_state(b, bp, c));
      return c;
    }
    case PolicyType::kAnd: {
      WEFT_ASSIGN_OR_RETURN(YAML::Node b, block(node, path, t, "{and_sub_policy: [...]}"));
      WEFT_RETURN_IF_ERROR(parse_and(b, bp, c));
      return c;
    }
    case PolicyType::kComposite: {
      WEFT_ASSIGN_OR_RETURN(
          YAML::Node b,
          block(node, path, t, "{max_total_spans_per_second: 1000, composite_sub_policy: [...]}"));
      WEFT_RETURN_IF_ERROR(parse_composite(b, bp, c));
      return c;
    }
    case PolicyType::kRare: {
      WEFT_ASSIGN_OR_RETURN(YAML::Node b, block(node, path, t, "{max_per_window: 5, window: 1m}"));
      WEFT_RETURN_IF_ERROR(parse_rare(b, bp, c));
      return c;
    }
  }
  return error_at(node["type"], path + ".type", quoted(type) + " is not a policy type");
}

}  // namespace

std::optional<uint64_t> parse_duration_ns(std::string_view text) {
  return yaml_fields::parse_duration_ns(text, kDurations);
}

Result<TailSamplingConfig> parse_tail_sampling_config(const YAML::Node& node) {
  const std::string path = "tail_sampling";
  TailSamplingConfig config;
  if (!node) return invalid_argument(path + ": needs policies");
  if (node.IsNull()) return error_at(node, path, "needs policies");
  WEFT_RETURN_IF_ERROR(check_map(
      node, path,
      {"decision_wait", "root_grace", "max_traces", "decision_cache_size", "dry_run", "policies"}));
  if (const YAML::Node n = node["dry_run"]) {
    WEFT_ASSIGN_OR_RETURN(config.dry_run, boolean(n, path + ".dry_run"));
  }
  if (const YAML::Node n = node["decision_wait"]) {
    WEFT_ASSIGN_OR_RETURN(config.decision_wait_ns, positive_duration(n, path + ".decision_wait"));
  }
  if (const YAML::Node n = node["root_grace"]) {
    WEFT_ASSIGN_OR_RETURN(config.root_grace_ns, positive_duration(n, path + ".root_grace"));
  }
  if (const YAML::Node n = node["max_traces"]) {
    WEFT_ASSIGN_OR_RETURN(int64_t v, integer(n, path + ".max_traces", 1, 100'000'000));
    config.max_traces = static_cast<uint64_t>(v);
  }
  if (const YAML::Node n = node["decision_cache_size"]) {
    WEFT_ASSIGN_OR_RETURN(int64_t v, integer(n, path + ".decision_cache_size", 0, 100'000'000));
    config.decision_cache_size = static_cast<uint64_t>(v);
  }
  if (!node["policies"]) return error_at(node, path, "needs policies");
  WEFT_ASSIGN_OR_RETURN(config.policies,
                        parse_policy_list(node["policies"], path + ".policies", Level::kTop));
  return config;
}

Result<TailSamplingConfig> parse_tail_sampling_config_text(std::string_view config_text) {
  WEFT_ASSIGN_OR_RETURN(YAML::Node root, yaml_fields::load_yaml(config_text));
  if (!root || root.IsNull() || (root.IsMap() && !root["tail_sampling"]))
    return not_found("config: no tail_sampling section");
  return yaml_fields::parse_section(root, "tail_sampling", parse_tail_sampling_config);
}

}  // namespace weft::pipeline::sampling
