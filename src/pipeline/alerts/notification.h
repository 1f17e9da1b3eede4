#pragma once
// A notification about one alert (fired or resolved) with the labels and annotations a
// receiver routes and displays on, including the exemplar trace IDs and a link to the
// first of them, so the user goes from the alert to a trace in one click.
#include <cstdint>
#include <map>
#include <string>

#include "alerts/evaluator.h"
#include "alerts/rule.h"

namespace weft::pipeline::alerts {

enum class NotificationStatus { kFiring, kResolved };
// "firing", "resolved".
const char* notification_status_name(NotificationStatus s);

struct Notification {
  NotificationStatus status = NotificationStatus::kFiring;
  // alertname, service, operation (if the rule has one), span_kind, severity, then the
  // rule's own labels.
  std::map<std::string, std::string> labels;
  // summary, description, trace_ids (comma-separated hex), trace_url (the first
  // exemplar's page), then the rule's own annotations.
  std::map<std::string, std::string> annotations;
  uint64_t starts_at_ns = 0;  // when the alert fired
  uint64_t ends_at_ns = 0;    // when it resolved; 0 while firing
  std::string generator_url;  // where weft shows the alert
};

// The notification for `rule`'s alert in `status` (just fired, or just resolved).
// `external_url` is weft's own base URL ("http://weft:3200", no trailing slash); trace
// links are "<external_url>/trace/<hex id>".
Notification make_notification(const Rule& rule, const AlertStatus& status, NotificationStatus kind,
                               const std::string& external_url);

}  // namespace weft::pipeline::alerts
