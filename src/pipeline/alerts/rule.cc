#include "alerts/rule.h"

#include <cmath>
#include <cstdio>

#include "alerts/units.h"

namespace weft::pipeline::alerts {

bool breaches(const Rule& rule, double value) {
  if (std::isnan(value)) return false;
  switch (rule.comparison) {
    case Comparison::kGreater:
      return value > rule.threshold;
    case Comparison::kGreaterOrEqual:
      return value >= rule.threshold;
    case Comparison::kLess:
      return value < rule.threshold;
    case Comparison::kLessOrEqual:
      return value <= rule.threshold;
  }
  return false;
}

std::string signal_name(const Rule& rule) {
  if (rule.signal == SignalKind::kErrorRate) return "error_rate";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", rule.quantile * 100);
  return std::string("latency_p") + buf;
}

const char* comparison_symbol(Comparison c) {
  switch (c) {
    case Comparison::kGreater:
      return ">";
    case Comparison::kGreaterOrEqual:
      return ">=";
    case Comparison::kLess:
      return "<";
    case Comparison::kLessOrEqual:
      return "<=";
  }
  return "?";
}

std::string format_value(const Rule& rule, double value) {
  return rule.signal == SignalKind::kErrorRate ? format_percent(value) : format_millis(value);
}

std::string describe(const Rule& rule) {
  std::string s = rule.service;
  if (!rule.operation.empty()) s += " " + rule.operation;
  s += std::string(" (") + model::span_kind_name(rule.span_kind) + ") " + signal_name(rule) + " " +
       comparison_symbol(rule.comparison) + " " + format_value(rule, rule.threshold);
  if (rule.for_ns) s += " for " + format_duration(rule.for_ns);
  return s;
}

}  // namespace weft::pipeline::alerts
