#include "alerts/notification.h"

#include "alerts/units.h"

namespace weft::pipeline::alerts {

const char* notification_status_name(NotificationStatus s) {
  return s == NotificationStatus::kResolved ? "resolved" : "firing";
}

Notification make_notification(const Rule& rule, const AlertStatus& status, NotificationStatus kind,
                               const std::string& external_url) {
  Notification n;
  n.status = kind;
  n.labels = rule.labels;
  n.labels["alertname"] = rule.name;
  n.labels["service"] = rule.service;
  if (!rule.operation.empty()) n.labels["operation"] = rule.operation;
  n.labels["span_kind"] = model::span_kind_name(rule.span_kind);
  n.labels["severity"] = rule.severity;

  n.annotations = rule.annotations;
  const std::string what =
      rule.operation.empty() ? rule.service : rule.service + " " + rule.operation;
  const std::string value = status.value ? format_value(rule, *status.value) : "no data";
  if (kind == NotificationStatus::kFiring) {
    n.annotations["summary"] = what + ": " + signal_name(rule) + " is " + value + " (" +
                               comparison_symbol(rule.comparison) + " " +
                               format_value(rule, rule.threshold) + ")";
  } else {
    n.annotations["summary"] = what + ": " + signal_name(rule) + " is back to " + value;
  }
  n.annotations["description"] = "rule " + rule.name + ": " + describe(rule) + "; " +
                                 std::to_string(status.calls) + " calls in the last " +
                                 format_duration(rule.window_ns);
  std::string ids;
  for (const model::TraceId& id : status.exemplars) ids += (ids.empty() ? "" : ",") + id.to_hex();
  if (!ids.empty()) {
    n.annotations["trace_ids"] = ids;
    n.annotations["trace_url"] = external_url + "/trace/" + status.exemplars.front().to_hex();
  }
  n.starts_at_ns = status.fired_at_ns;
  n.ends_at_ns = kind == NotificationStatus::kResolved ? status.resolved_at_ns : 0;
  n.generator_url = external_url + "/api/v1/alerts";
  return n;
}

}  // namespace weft::pipeline::alerts
