#include "alerts/webhook.h"

#include <algorithm>
#include <chrono>

namespace weft::pipeline::alerts {

WebhookOptions webhook_options(const WebhookConfig& config, const std::string& external_url) {
  WebhookOptions o;
  o.url = config.url;
  o.timeout_ms =
      static_cast<uint32_t>(std::min<uint64_t>(config.timeout_ns / 1'000'000, UINT32_MAX));
  o.max_retries = config.max_retries;
  o.queue_size = config.queue_size;
  o.payload.receiver = config.receiver;
  o.payload.external_url = external_url;
  return o;
}

uint32_t backoff_ms(const WebhookOptions& options, uint32_t retry) {
  uint64_t ms = options.initial_backoff_ms;
  for (uint32_t i = 1; i < retry && ms < options.max_backoff_ms; ++i) ms *= 2;
  return static_cast<uint32_t>(std::min<uint64_t>(ms, options.max_backoff_ms));
}

WebhookSender::WebhookSender(WebhookOptions options, Poster poster)
    : options_(std::move(options)), poster_(std::move(poster)) {}

WebhookSender::~WebhookSender() { stop(); }

void WebhookSender::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { run(); });
}

void WebhookSender::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    stats_.dropped += queue_.size();
    queue_.clear();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WebhookSender::enqueue(const Notification& n) {
  std::string body = webhook_json(n, options_.payload);  // rendered outside the lock
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      ++stats_.dropped;
      return;
    }
    while (!queue_.empty() && queue_.size() >= std::max<uint32_t>(options_.queue_size, 1)) {
      queue_.pop_front();
      ++stats_.dropped;
    }
    queue_.push_back(std::move(body));
  }
  cv_.notify_all();
}

WebhookStats WebhookSender::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

size_t WebhookSender::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void WebhookSender::wait_idle() const {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return stopping_ || (queue_.empty() && !in_flight_); });
}

void WebhookSender::run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    std::string body = std::move(queue_.front());
    queue_.pop_front();
    in_flight_ = true;
    lock.unlock();
    deliver(body);
    lock.lock();
    in_flight_ = false;
    cv_.notify_all();
  }
}

void WebhookSender::deliver(const std::string& body) {
  for (uint32_t attempt = 0;; ++attempt) {
    Status s = poster_(options_.url, body, options_.timeout_ms);
    std::unique_lock lock(mu_);
    if (s.is_ok()) {
      ++stats_.sent;
      return;
    }
    if (attempt >= options_.max_retries || stopping_) {
      ++stats_.failed;
      return;
    }
    ++stats_.retries;
    const auto wait = std::chrono::milliseconds(backoff_ms(options_, attempt + 1));
    if (cv_.wait_for(lock, wait, [this] { return stopping_; })) {
      ++stats_.failed;
      return;
    }
  }
}

}  // namespace weft::pipeline::alerts
