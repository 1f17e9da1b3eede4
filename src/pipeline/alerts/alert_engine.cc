#include "alerts/alert_engine.h"

#include <chrono>

namespace weft::pipeline::alerts {

AlertEngine::AlertEngine(std::vector<Rule> rules, const MetricsReader& reader,
                         NotificationSink sink, AlertEngineOptions options)
    : rules_(std::move(rules)),
      reader_(reader),
      sink_(std::move(sink)),
      options_(std::move(options)),
      external_url_(options_.external_url) {
  evaluators_.reserve(rules_.size());
  for (const Rule& r : rules_) evaluators_.emplace_back(r, options_.max_exemplars);
}

AlertEngine::~AlertEngine() { stop(); }

void AlertEngine::set_external_url(std::string url) {
  std::lock_guard lock(mu_);
  external_url_ = std::move(url);
}

void AlertEngine::tick(uint64_t now_ns) {
  std::lock_guard serial(tick_mu_);
  // Read every window first, outside mu_, so a slow store never holds up alerts().
  std::vector<WindowStats> windows;
  windows.reserve(evaluators_.size());
  for (const RuleEvaluator& e : evaluators_)  // the evaluators' rules never change
    windows.push_back(reader_.window(e.selector(), e.window_start(now_ns), now_ns));

  std::vector<Notification> out;
  {
    std::lock_guard lock(mu_);
    ++ticks_;
    for (size_t i = 0; i < evaluators_.size(); ++i) {
      RuleEvaluator& e = evaluators_[i];
      Transition t = e.evaluate(windows[i], now_ns);
      if (t == Transition::kNone) continue;
      out.push_back(make_notification(
          e.rule(), e.status(),
          t == Transition::kFired ? NotificationStatus::kFiring : NotificationStatus::kResolved,
          external_url_));
    }
  }
  if (sink_)
    for (const Notification& n : out) sink_(n);
}

std::vector<RuleAlert> AlertEngine::alerts() const {
  std::lock_guard lock(mu_);
  std::vector<RuleAlert> out;
  out.reserve(evaluators_.size());
  for (const RuleEvaluator& e : evaluators_) out.push_back(RuleAlert{&e.rule(), e.status()});
  return out;
}

uint64_t AlertEngine::ticks() const {
  std::lock_guard lock(mu_);
  return ticks_;
}

void AlertEngine::start(const Clock& clock) {
  std::lock_guard lock(thread_mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this, &clock] {
    const auto interval = std::chrono::nanoseconds(options_.interval_ns);
    std::unique_lock lock(thread_mu_);
    while (!thread_cv_.wait_for(lock, interval, [this] { return stopping_; })) {
      lock.unlock();
      tick(clock.now_unix_nanos());
      lock.lock();
    }
  });
}

void AlertEngine::stop() {
  {
    std::lock_guard lock(thread_mu_);
    stopping_ = true;
  }
  thread_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace weft::pipeline::alerts
