#include "api/alerts_api.h"

#include "alerts/units.h"
#include "api/json_writer.h"

namespace weft::api {
namespace {

using pipeline::alerts::AlertEngine;
using pipeline::alerts::AlertStatus;
using pipeline::alerts::Rule;
using pipeline::alerts::SignalKind;
constexpr ErrorStyle kStyle = ErrorStyle::kNative;

// Latency in milliseconds, error rate as a fraction: the unit the "unit" member names.
double in_unit(const Rule& rule, double v) {
  return rule.signal == SignalKind::kLatency ? v / 1e6 : v;
}
const char* unit_of(const Rule& rule) {
  return rule.signal == SignalKind::kLatency ? "ms" : "ratio";
}

// An RFC 3339 time, or null for "never" (0).
void time_or_null(JsonWriter& w, std::string_view key, uint64_t ns) {
  w.key(key);
  if (ns == 0) {
    w.null();
  } else {
    w.str(pipeline::alerts::format_rfc3339(ns));
  }
}

// The members every answer shares about which calls a rule watches and how.
void write_rule_head(JsonWriter& w, const Rule& r) {
  w.kv("name", r.name)
      .kv("service", r.service)
      .kv("operation", r.operation)
      .kv("spanKind", model::span_kind_name(r.span_kind))
      .kv("signal", pipeline::alerts::signal_name(r))
      .kv("comparison", pipeline::alerts::comparison_symbol(r.comparison))
      .key("threshold")
      .dbl(in_unit(r, r.threshold))
      .kv("unit", unit_of(r));
}

void write_map(JsonWriter& w, std::string_view key, const std::map<std::string, std::string>& m) {
  w.key(key).begin_object();
  for (const auto& [k, v] : m) w.kv(k, v);
  w.end_object();
}

http::Response alerts(const AlertEngine& engine) {
  JsonWriter w;
  w.begin_object().key("alerts").begin_array();
  for (const pipeline::alerts::RuleAlert& a : engine.alerts()) {
    const Rule& r = *a.rule;
    const AlertStatus& s = a.status;
    w.begin_object();
    write_rule_head(w, r);
    w.kv("state", pipeline::alerts::alert_state_name(s.state)).key("value");
    if (s.value) {
      w.dbl(in_unit(r, *s.value));
    } else {
      w.null();
    }
    w.kv_u64("calls", s.calls);
    time_or_null(w, "activeAt", s.active_at_ns);
    time_or_null(w, "firedAt", s.fired_at_ns);
    time_or_null(w, "resolvedAt", s.resolved_at_ns);
    time_or_null(w, "lastEvaluation", s.last_evaluation_ns);
    w.key("exemplarTraceIds").begin_array();
    for (const model::TraceId& id : s.exemplars) w.str(id.to_hex());
    w.end_array().end_object();
  }
  w.end_array().kv_u64("rules", engine.rules().size()).end_object();
  return http::Response::json(200, w.take());
}

http::Response rules(const AlertEngine& engine) {
  JsonWriter w;
  w.begin_object().key("rules").begin_array();
  for (const Rule& r : engine.rules()) {
    w.begin_object();
    write_rule_head(w, r);
    if (r.signal == SignalKind::kLatency) w.key("quantile").dbl(r.quantile);
    w.kv("for", pipeline::alerts::format_duration(r.for_ns))
        .kv("window", pipeline::alerts::format_duration(r.window_ns))
        .kv_u64("minCalls", r.min_calls)
        .kv("severity", r.severity);
    write_map(w, "labels", r.labels);
    write_map(w, "annotations", r.annotations);
    w.end_object();
  }
  w.end_array().end_object();
  return http::Response::json(200, w.take());
}

}  // namespace

RouteResult route_alerts(const AlertEngine& engine, const http::Request& req) {
  std::string_view path = req.path;
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  auto answer = [&](const char* route, auto&& fn) -> RouteResult {
    if (!is_get(req)) return {route, method_not_allowed(kStyle, req)};
    return {route, fn()};
  };
  if (path == "/api/v1/alerts") return answer("/api/v1/alerts", [&] { return alerts(engine); });
  if (path == "/api/v1/alerts/rules")
    return answer("/api/v1/alerts/rules", [&] { return rules(engine); });
  return {"unknown", route_not_found(kStyle, req)};
}

}  // namespace weft::api
