#pragma once
// Alertmanager's webhook JSON (version "4"), the body its webhook receivers accept, for one
// notification: a group of one alert, grouped by alertname.
//   {"version":"4","groupKey":"{}:{alertname=\"checkout-p99\"}","truncatedAlerts":0,
//    "status":"firing","receiver":"weft","groupLabels":{"alertname":"checkout-p99"},
//    "commonLabels":{...},"commonAnnotations":{...},"externalURL":"http://weft:3200",
//    "alerts":[{"status":"firing","labels":{...},"annotations":{...},
//               "startsAt":"2024-05-01T12:00:00Z","endsAt":"0001-01-01T00:00:00Z",
//               "generatorURL":"http://weft:3200/api/v1/alerts","fingerprint":"..."}]}
// A firing alert's endsAt is Go's zero time, as Alertmanager writes an alert without end.
#include <map>
#include <string>

#include "alerts/notification.h"

namespace weft::pipeline::alerts {

struct PayloadOptions {
  std::string receiver = "weft";
  std::string external_url;
};

std::string webhook_json(const Notification& n, const PayloadOptions& options);

// Prometheus' label-set fingerprint: 64-bit FNV-1a over the sorted names and values, each
// followed by the byte 0xFF; 16 lowercase hex digits.
std::string label_fingerprint(const std::map<std::string, std::string>& labels);

}  // namespace weft::pipeline::alerts
