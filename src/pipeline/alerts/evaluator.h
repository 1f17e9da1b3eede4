#pragma once
// One rule's alert as a state machine, as Prometheus runs alerting rules:
//
//   inactive --breach--> pending --breach held for `for`--> firing --no breach--> inactive
//        ^                  |                                          (resolved: notified once)
//        +----no breach-----+   (a pending alert that recovers is forgotten, never notified)
//
// With `for` 0 the first breach goes straight to firing. A window with fewer than
// `min_calls` calls, or without a latency value, is no breach: an alert resolves when its
// traffic stops. Exemplar trace IDs are gathered from the breaching windows of the current
// episode, newest first, and kept until the next episode starts.
//
// Thread-safety: none; AlertEngine serialises the calls.
#include <cstdint>
#include <optional>
#include <vector>

#include "alerts/metrics_reader.h"
#include "alerts/rule.h"
#include "common/ids.h"

namespace weft::pipeline::alerts {

enum class AlertState { kInactive, kPending, kFiring };
// "inactive", "pending", "firing".
const char* alert_state_name(AlertState s);

// What the API shows of one rule's alert. Times are Unix ns, 0 for "never".
struct AlertStatus {
  AlertState state = AlertState::kInactive;
  // The last window's value (ns for latency, a fraction for error rate); nullopt when the
  // window had too few calls or no latency value.
  std::optional<double> value;
  uint64_t calls = 0;               // in the last window
  uint64_t active_at_ns = 0;        // start of the current (or last fired) breach
  uint64_t fired_at_ns = 0;         // when the current (or last) episode started firing
  uint64_t resolved_at_ns = 0;      // when the last firing episode resolved
  uint64_t last_evaluation_ns = 0;  // 0 before the first tick
  std::vector<model::TraceId> exemplars;
};

// What one evaluation changed that a receiver must hear about.
enum class Transition { kNone, kFired, kResolved };

class RuleEvaluator {
 public:
  // REQUIRES: `rule` outlives this evaluator.
  RuleEvaluator(const Rule& rule, uint32_t max_exemplars);

  const Rule& rule() const { return rule_; }
  // What to ask the metrics store for this rule.
  RuleSelector selector() const;
  // [start, end) of the window evaluated at `now_ns`.
  uint64_t window_start(uint64_t now_ns) const;

  // Advances the state with the window that ended at `now_ns`.
  // REQUIRES: now_ns does not decrease from one call to the next.
  Transition evaluate(const WindowStats& stats, uint64_t now_ns);

  const AlertStatus& status() const { return status_; }

  // Takes up the state saved by an earlier process (alert_state_file.h): state, times and
  // exemplars (at most max_exemplars). Call before the first evaluate().
  void restore(AlertState state, uint64_t active_at_ns, uint64_t fired_at_ns,
               uint64_t resolved_at_ns, std::vector<model::TraceId> exemplars);

 private:
  // The window's value, or nullopt if it cannot breach (too few calls, no latency).
  std::optional<double> value_of(const WindowStats& stats) const;
  void add_exemplars(const std::vector<model::TraceId>& ids);

  const Rule& rule_;
  const uint32_t max_exemplars_;
  AlertStatus status_;
};

}  // namespace weft::pipeline::alerts
