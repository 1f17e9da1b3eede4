#pragma once
// Delivers notifications to a webhook on a thread of its own, so a receiver that hangs or
// fails never blocks alert evaluation (or ingest): enqueue() only takes a short lock.
//
// * Bounded queue: when full, the oldest waiting notification is dropped (and counted) to
//   make room — the newest state is the one worth telling.
// * Retries: a failed POST is retried up to max_retries times, waiting backoff_ms(retry)
//   between attempts (exponential, capped); then the notification is dropped as failed.
// * The POST itself is injected (Poster): the server plugs in its HTTP client; a non-2xx
//   answer must come back as an error Status. Each attempt is bounded by timeout_ms, which
//   the Poster must honour: it bounds how long stop() can wait.
//
// Thread-safety: every method may be called from any thread.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "alerts/notification.h"
#include "alerts/rules_config.h"
#include "alerts/webhook_payload.h"
#include "common/status.h"

namespace weft::pipeline::alerts {

using Poster = std::function<Status(const std::string& url, const std::string& json_body,
                                    uint32_t timeout_ms)>;

struct WebhookOptions {
  std::string url;
  uint32_t timeout_ms = 5'000;
  uint32_t max_retries = 5;
  uint32_t queue_size = 256;
  uint32_t initial_backoff_ms = 500;
  uint32_t max_backoff_ms = 30'000;
  PayloadOptions payload;
};

// The options of a configured webhook; `external_url` is weft's own base URL.
WebhookOptions webhook_options(const WebhookConfig& config, const std::string& external_url);

// The wait before retry number `retry` (1 for the first retry): initial_backoff_ms doubled
// per retry, at most max_backoff_ms.
uint32_t backoff_ms(const WebhookOptions& options, uint32_t retry);

struct WebhookStats {
  uint64_t sent = 0;     // delivered (the Poster returned OK)
  uint64_t retries = 0;  // attempts after a failure
  uint64_t failed = 0;   // given up after max_retries
  uint64_t dropped = 0;  // pushed out of a full queue, or left in it at stop()
};

class WebhookSender {
 public:
  WebhookSender(WebhookOptions options, Poster poster);
  ~WebhookSender();  // stop()
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // Starts the delivery thread. Notifications enqueued before wait for it.
  void start();
  // Ends the delivery thread after the attempt in flight (bounded by timeout_ms); the
  // notifications still queued are dropped and counted. Idempotent.
  void stop();

  // Queues `n` for delivery; never waits for the network.
  void enqueue(const Notification& n);

  WebhookStats stats() const;
  size_t queued() const;
  // Blocks until nothing is queued or in flight (or the sender is stopped). For tests and
  // for a drain before shutdown; needs start().
  void wait_idle() const;

 private:
  void run();
  // Posts `body`, retrying; returns when delivered, given up, or stopping.
  void deliver(const std::string& body);

  const WebhookOptions options_;
  const Poster poster_;

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;  // queue changed, in-flight ended, or stopping
  std::deque<std::string> queue_;       // rendered bodies, oldest first
  bool in_flight_ = false;
  bool stopping_ = false;
  WebhookStats stats_;
  std::thread thread_;
};

}  // namespace weft::pipeline::alerts
