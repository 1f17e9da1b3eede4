#include "alerts/alert_engine.h"

#include <chrono>
#include <cstdio>

#include "alerts/alert_state_file.h"
#include "common/file_io.h"

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
  if (!options_.state_file.empty()) restore_state();
  std::lock_guard lock(mu_);
  saved_state_ = state_text();  // written again only once it changes
}

void AlertEngine::restore_state() {
  auto text = read_small_file(options_.state_file, 64 << 20, "alert state");
  std::optional<std::vector<SavedAlert>> saved;
  if (text.is_ok() && *text) {
    auto decoded = decode_alert_states(**text);
    if (decoded.is_ok()) saved = std::move(decoded).value();
    else text = decoded.status();
  }
  if (!text.is_ok()) {
    std::fprintf(stderr, "weft: alerts: %s: %s; every alert starts inactive\n",
                 options_.state_file.c_str(), text.status().message().c_str());
    return;
  }
  if (!saved) return;
  std::lock_guard lock(mu_);
  for (SavedAlert& a : *saved)
    for (RuleEvaluator& e : evaluators_)
      if (e.rule().name == a.rule)
        e.restore(a.state, a.active_at_ns, a.fired_at_ns, a.resolved_at_ns,
                  std::move(a.exemplars));
}

std::string AlertEngine::state_text() const {
  std::vector<SavedAlert> states;
  for (const RuleEvaluator& e : evaluators_) {
    const AlertStatus& s = e.status();
    states.push_back(SavedAlert{e.rule().name, s.state, s.active_at_ns, s.fired_at_ns,
                                s.resolved_at_ns, s.exemplars});
  }
  return encode_alert_states(states);
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
  if (options_.state_file.empty()) return;
  std::string text;
  {
    std::lock_guard lock(mu_);
    text = state_text();
  }
  if (text == saved_state_) return;
  Status s = write_file_atomically(options_.state_file, text);
  if (s.is_ok())
    saved_state_ = std::move(text);
  else
    std::fprintf(stderr, "weft: alerts: saving the alert state: %s (tried again next tick)\n",
                 s.message().c_str());
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
