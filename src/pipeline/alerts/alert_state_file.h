#pragma once
// Each rule's alert state on disk (<data-dir>/alerts.state; docs/format/alert-state.md), so
// that a restart neither forgets a firing alert (its "resolved" is still sent) nor notifies
// it again, and a pending alert keeps counting its `for` from when the breach began — as
// Prometheus restores its alerts' `for` state.
//
// Text, one line per rule after a version line:
//   weft-alert-state 1
//   <state> <active_at_ns> <fired_at_ns> <resolved_at_ns> <exemplars|-> <rule name>
// state is inactive / pending / firing; exemplars are 32-hex trace IDs joined by ','; the
// name is the rest of the line (rule names hold no line break: the encoder skips any that do).
#include <string>
#include <string_view>
#include <vector>

#include "alerts/evaluator.h"
#include "common/status.h"

namespace weft::pipeline::alerts {

struct SavedAlert {
  std::string rule;
  AlertState state = AlertState::kInactive;
  uint64_t active_at_ns = 0;
  uint64_t fired_at_ns = 0;
  uint64_t resolved_at_ns = 0;
  std::vector<model::TraceId> exemplars;
};

std::string encode_alert_states(const std::vector<SavedAlert>& alerts);
// DATA_LOSS naming the line for anything malformed (an unknown version included).
Result<std::vector<SavedAlert>> decode_alert_states(std::string_view text);

}  // namespace weft::pipeline::alerts
