#include "alerts/webhook_payload.h"

#include <cstdint>
#include <cstdio>

#include "alerts/units.h"
#include "common/json_escape.h"

namespace weft::pipeline::alerts {
namespace {

void append_map(std::string& out, const std::map<std::string, std::string>& m) {
  out += '{';
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, k);
    out += ':';
    append_json_string(out, v);
  }
  out += '}';
}

void append_field(std::string& out, const char* key, const std::string& value) {
  append_json_string(out, key);
  out += ':';
  append_json_string(out, value);
  out += ',';
}

// Go's zero time, which Alertmanager writes for "no end yet".
constexpr const char* kZeroTime = "0001-01-01T00:00:00Z";

}  // namespace

std::string label_fingerprint(const std::map<std::string, std::string>& labels) {
  uint64_t h = 14695981039346656037ULL;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    h ^= 0xFF;
    h *= 1099511628211ULL;
  };
  for (const auto& [k, v] : labels) {
    mix(k);
    mix(v);
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string webhook_json(const Notification& n, const PayloadOptions& options) {
  const std::string status = notification_status_name(n.status);
  const auto name = n.labels.find("alertname");
  const std::string alertname = name == n.labels.end() ? "" : name->second;
  std::string group_key = "{}:{alertname=";
  append_json_string(group_key, alertname);  // Alertmanager quotes label values the same way
  group_key += "}";

  std::string out = "{";
  append_field(out, "version", "4");
  append_field(out, "groupKey", group_key);
  out += "\"truncatedAlerts\":0,";
  append_field(out, "status", status);
  append_field(out, "receiver", options.receiver);
  out += "\"groupLabels\":";
  append_map(out, {{"alertname", alertname}});
  out += ",\"commonLabels\":";
  append_map(out, n.labels);
  out += ",\"commonAnnotations\":";
  append_map(out, n.annotations);
  out += ',';
  append_field(out, "externalURL", options.external_url);
  out += "\"alerts\":[{";
  append_field(out, "status", status);
  out += "\"labels\":";
  append_map(out, n.labels);
  out += ",\"annotations\":";
  append_map(out, n.annotations);
  out += ',';
  append_field(out, "startsAt", format_rfc3339(n.starts_at_ns));
  append_field(out, "endsAt", n.ends_at_ns ? format_rfc3339(n.ends_at_ns) : kZeroTime);
  append_field(out, "generatorURL", n.generator_url);
  append_json_string(out, "fingerprint");
  out += ':';
  append_json_string(out, label_fingerprint(n.labels));
  out += "}]}";
  return out;
}

}  // namespace weft::pipeline::alerts
