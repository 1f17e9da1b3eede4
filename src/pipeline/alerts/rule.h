#pragma once
// An SLA alert rule: which calls (service, operation, span kind), which signal (a latency
// percentile or the error rate) against which threshold, and for how long a breach must
// last before the alert fires. Rules come from the config (rules_config.h) and are
// immutable once loaded.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "model/span.h"

namespace weft::pipeline::alerts {

enum class SignalKind { kLatency, kErrorRate };

// How the window's value is compared to the threshold: value <op> threshold is a breach.
enum class Comparison { kGreater, kGreaterOrEqual, kLess, kLessOrEqual };

struct Rule {
  std::string name;       // unique among the rules; the alert's `alertname` label
  std::string service;    // required
  std::string operation;  // empty: every operation of the service
  // The span kind of the calls measured; server spans by default (the callee's view).
  model::SpanKind span_kind = model::SpanKind::kServer;

  SignalKind signal = SignalKind::kLatency;
  // kLatency: the quantile, 0 < q < 1 (p99 is 0.99); unused for kErrorRate.
  double quantile = 0.99;
  // kLatency: nanoseconds; kErrorRate: a fraction of calls in [0, 1].
  double threshold = 0;
  Comparison comparison = Comparison::kGreater;

  // How long the breach must hold before firing; 0 fires at the first breaching tick.
  uint64_t for_ns = 0;
  // Each tick evaluates the calls of [now - window, now).
  uint64_t window_ns = 60'000'000'000ULL;
  // A window with fewer calls is no breach (no traffic says nothing about latency).
  uint64_t min_calls = 1;

  std::string severity = "warning";
  std::map<std::string, std::string> labels;       // added to the alert's labels
  std::map<std::string, std::string> annotations;  // added to the alert's annotations
};

// True if `value` breaches the rule's threshold.
bool breaches(const Rule& rule, double value);

// "latency_p99", "latency_p99.9", "error_rate".
std::string signal_name(const Rule& rule);
// ">", ">=", "<", "<=".
const char* comparison_symbol(Comparison c);
// A value of the rule's signal for people: "312.5ms", "1.2%".
std::string format_value(const Rule& rule, double value);
// "checkout POST /pay (server) latency_p99 > 300ms for 5m".
std::string describe(const Rule& rule);

}  // namespace weft::pipeline::alerts
