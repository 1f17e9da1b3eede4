#pragma once
// The SLA alert engine: evaluates every rule on the RED metrics at each tick, keeps each
// rule's alert state (evaluator.h) and hands fired / resolved notifications to a sink (a
// WebhookSender's enqueue in the server). tick(now) is the whole evaluation, with time
// passed in, so tests drive it directly; start() runs it every interval on a thread.
//
// Thread-safety: tick(), alerts() and rules() may be called from any thread; ticks are
// serialised. The metrics store is read without holding the lock that alerts() takes, and
// the sink is called without any lock held; the sink must not block (enqueue, not POST).
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alerts/evaluator.h"
#include "alerts/metrics_reader.h"
#include "alerts/notification.h"
#include "alerts/rule.h"
#include "common/clock.h"

namespace weft::pipeline::alerts {

using NotificationSink = std::function<void(const Notification&)>;

struct AlertEngineOptions {
  uint64_t interval_ns = 10'000'000'000ULL;  // between ticks of the background thread
  uint32_t max_exemplars = 5;                // trace IDs kept per alert
  std::string external_url;                  // weft's base URL, for links in notifications
  // Where each rule's alert state is kept across restarts (alert_state_file.h); "" for
  // nowhere. Read when the engine is made (rules matched by name; a damaged file is logged
  // and ignored), written after each tick that changed a state, time or exemplar.
  std::string state_file;
};

// One rule and its alert, as of the last tick.
struct RuleAlert {
  const Rule* rule;  // owned by the engine
  AlertStatus status;
};

class AlertEngine {
 public:
  // REQUIRES: `reader` outlives the engine; rule names are unique (rules_config checks).
  // A null sink discards notifications (the API still shows the state).
  AlertEngine(std::vector<Rule> rules, const MetricsReader& reader, NotificationSink sink,
              AlertEngineOptions options = {});
  ~AlertEngine();  // stop()
  AlertEngine(const AlertEngine&) = delete;
  AlertEngine& operator=(const AlertEngine&) = delete;

  // Evaluates every rule on the window ending at `now_ns` (Unix ns) and notifies the sink
  // of each alert that fired or resolved.
  void tick(uint64_t now_ns);

  // Every rule's alert, in configuration order.
  std::vector<RuleAlert> alerts() const;
  const std::vector<Rule>& rules() const { return rules_; }
  uint64_t ticks() const;

  // Ticks every options.interval_ns with clock.now_unix_nanos() on a thread of its own,
  // the first tick one interval after start. REQUIRES: `clock` outlives stop().
  void start(const Clock& clock);
  // Ends the thread after the tick in progress. Idempotent.
  void stop();

  // Replaces options.external_url (the server learns its own address once listening).
  void set_external_url(std::string url);

 private:
  const std::vector<Rule> rules_;  // never changes: RuleAlert::rule points into it
  const MetricsReader& reader_;
  const NotificationSink sink_;
  const AlertEngineOptions options_;

  std::mutex tick_mu_;  // serialises ticks; held while reading the store
  mutable std::mutex mu_;
  std::vector<RuleEvaluator> evaluators_;  // GUARDED_BY(mu_), one per rule
  uint64_t ticks_ = 0;                     // GUARDED_BY(mu_)
  std::string external_url_;               // GUARDED_BY(mu_)
  std::string saved_state_;                // under tick_mu_: what the state file holds

  void restore_state();
  // The state file's text for the current states. REQUIRES: mu_ held.
  std::string state_text() const;

  std::mutex thread_mu_;
  std::condition_variable thread_cv_;
  bool stopping_ = false;  // GUARDED_BY(thread_mu_)
  std::thread thread_;
};

}  // namespace weft::pipeline::alerts
