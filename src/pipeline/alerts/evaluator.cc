#include "alerts/evaluator.h"

#include <algorithm>

namespace weft::pipeline::alerts {

const char* alert_state_name(AlertState s) {
  switch (s) {
    case AlertState::kInactive:
      return "inactive";
    case AlertState::kPending:
      return "pending";
    case AlertState::kFiring:
      return "firing";
  }
  return "inactive";
}

RuleEvaluator::RuleEvaluator(const Rule& rule, uint32_t max_exemplars)
    : rule_(rule), max_exemplars_(max_exemplars) {}

RuleSelector RuleEvaluator::selector() const {
  RuleSelector sel;
  sel.service = rule_.service;
  sel.operation = rule_.operation;
  sel.span_kind = rule_.span_kind;
  sel.max_exemplars = max_exemplars_;
  if (rule_.signal == SignalKind::kLatency) {
    sel.quantile = rule_.quantile;
    // A "below the threshold" rule (comparison < or <=) wants no particular calls.
    const bool above =
        rule_.comparison == Comparison::kGreater || rule_.comparison == Comparison::kGreaterOrEqual;
    sel.exemplar_min_duration_ns = above ? static_cast<uint64_t>(rule_.threshold) : 0;
  } else {
    sel.exemplar_errors = true;
  }
  return sel;
}

uint64_t RuleEvaluator::window_start(uint64_t now_ns) const {
  return now_ns > rule_.window_ns ? now_ns - rule_.window_ns : 0;
}

std::optional<double> RuleEvaluator::value_of(const WindowStats& stats) const {
  if (stats.calls == 0 || stats.calls < rule_.min_calls) return std::nullopt;
  if (rule_.signal == SignalKind::kErrorRate)
    return static_cast<double>(std::min(stats.errors, stats.calls)) /
           static_cast<double>(stats.calls);
  return stats.quantile_ns;
}

void RuleEvaluator::add_exemplars(const std::vector<model::TraceId>& ids) {
  // The window's own order first (newest first by the reader's contract), then the older
  // ones kept so far, without repeats, up to the cap.
  std::vector<model::TraceId> merged;
  const std::vector<model::TraceId>* lists[] = {&ids, &status_.exemplars};
  for (const auto* list : lists) {
    for (const model::TraceId& id : *list) {
      if (merged.size() >= max_exemplars_) break;
      if (id.is_zero() || std::find(merged.begin(), merged.end(), id) != merged.end()) continue;
      merged.push_back(id);
    }
  }
  status_.exemplars = std::move(merged);
}

Transition RuleEvaluator::evaluate(const WindowStats& stats, uint64_t now_ns) {
  status_.last_evaluation_ns = now_ns;
  status_.calls = stats.calls;
  status_.value = value_of(stats);
  const bool breach = status_.value && breaches(rule_, *status_.value);

  if (!breach) {
    switch (status_.state) {
      case AlertState::kInactive:
        return Transition::kNone;
      case AlertState::kPending:
        // Recovered before `for` elapsed: never fired, so nothing to tell anyone.
        status_.state = AlertState::kInactive;
        status_.active_at_ns = 0;
        status_.exemplars.clear();
        return Transition::kNone;
      case AlertState::kFiring:
        status_.state = AlertState::kInactive;
        status_.resolved_at_ns = now_ns;
        return Transition::kResolved;
    }
  }

  if (status_.state == AlertState::kInactive) {
    status_.state = AlertState::kPending;
    status_.active_at_ns = now_ns;
    status_.fired_at_ns = 0;
    status_.resolved_at_ns = 0;
    status_.exemplars.clear();
  }
  add_exemplars(stats.exemplars);
  if (status_.state == AlertState::kPending && now_ns - status_.active_at_ns >= rule_.for_ns) {
    status_.state = AlertState::kFiring;
    status_.fired_at_ns = now_ns;
    return Transition::kFired;
  }
  return Transition::kNone;
}

void RuleEvaluator::restore(AlertState state, uint64_t active_at_ns, uint64_t fired_at_ns,
                            uint64_t resolved_at_ns, std::vector<model::TraceId> exemplars) {
  status_.state = state;
  status_.active_at_ns = active_at_ns;
  status_.fired_at_ns = fired_at_ns;
  status_.resolved_at_ns = resolved_at_ns;
  if (exemplars.size() > max_exemplars_) exemplars.resize(max_exemplars_);
  status_.exemplars = std::move(exemplars);
}

}  // namespace weft::pipeline::alerts
