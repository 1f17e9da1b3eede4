// RemoteSampler: a background thread polls GET {endpoint}/api/sampling?service=NAME and
// installs the strategy it gets (sampling/strategy.h). Failures keep the strategy in force
// and are counted.
//
// The decision path must stay cheap (it runs for every root span): the strategy in force is
// published as a shared_ptr under a mutex plus a generation number that is unique across
// all remote samplers in the process. Each thread caches the shared_ptr it last saw with its
// generation, so a decision is one atomic load, a compare and the strategy's own call; the
// mutex is taken only by a thread's first decision after a change.
#include "sampling/remote_sampler.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "net/http_client.h"
#include "sampling/strategy.h"

namespace weft::sampling {
namespace {

std::atomic<uint64_t> g_generations{0};

struct DecisionCache {
  uint64_t generation = 0;
  std::shared_ptr<Sampler> sampler;
};
thread_local DecisionCache t_cache;

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

class Remote final : public Sampler {
 public:
  explicit Remote(RemoteSamplerOptions options) : options_(std::move(options)) {
    if (!options_.initial) options_.initial = TraceIdRatioSampler(0.001);
    if (options_.service_name.empty()) {
      const char* env = std::getenv("OTEL_SERVICE_NAME");
      options_.service_name = env && *env ? env : "unknown_service";
    }
    if (options_.poll_interval < std::chrono::milliseconds(1))
      options_.poll_interval = std::chrono::milliseconds(1);
    current_ = options_.initial;
    generation_.store(++g_generations, std::memory_order_release);
    thread_ = std::thread([this] { Run(); });
  }

  ~Remote() override {
    {
      std::lock_guard<std::mutex> lock(wait_mu_);
      stop_ = true;
    }
    wait_cv_.notify_all();
    thread_.join();
  }

  SamplingDecision ShouldSample(const SamplingParams& p) override {
    DecisionCache& cache = t_cache;
    if (cache.generation != generation_.load(std::memory_order_acquire)) [[unlikely]] {
      std::lock_guard<std::mutex> lock(mu_);
      cache.sampler = current_;
      cache.generation = generation_.load(std::memory_order_relaxed);
    }
    return cache.sampler->ShouldSample(p);
  }

  std::string Description() const override {
    return "RemoteSampler{" + Current()->Description() + "}";
  }

  RemoteSamplerStats Stats() const {
    RemoteSamplerStats s;
    s.polls = polls_.load();
    s.failures = failures_.load();
    s.updates = updates_.load();
    s.strategy = Current()->Description();
    std::lock_guard<std::mutex> lock(mu_);
    s.last_error = last_error_;
    return s;
  }

 private:
  std::shared_ptr<Sampler> Current() const {
    std::lock_guard<std::mutex> lock(mu_);
    return current_;
  }

  void Fail(std::string error) {
    failures_.fetch_add(1);
    std::lock_guard<std::mutex> lock(mu_);
    last_error_ = std::move(error);
  }

  void Run() {
    net::Url url;
    std::string error;
    if (!net::ParseHttpUrl(options_.endpoint, &url, &error)) {
      Fail("remote sampler endpoint " + options_.endpoint + ": " + error);
      return;  // nothing to poll: `initial` stays in force
    }
    std::string target = url.path;
    if (size_t q = target.find('?'); q != std::string::npos) target.resize(q);
    while (!target.empty() && target.back() == '/') target.pop_back();
    if (!target.ends_with("/api/sampling")) target += "/api/sampling";
    target += "?service=" + PercentEncode(options_.service_name);
    // A poll that hangs delays the destructor by at most this much.
    const auto timeout = std::clamp(options_.poll_interval, std::chrono::milliseconds(200),
                                    std::chrono::milliseconds(2000));
    const SteadyClock& clock = options_.clock ? *options_.clock : SystemSteadyClock();
    net::HttpClient client(url.host, url.port, timeout, &clock);

    std::unique_lock<std::mutex> lock(wait_mu_);
    while (!stop_) {
      lock.unlock();
      PollOnce(client, target);
      lock.lock();
      WaitUntil(clock, wait_cv_, lock, clock.Now() + options_.poll_interval,
                [this] { return stop_; });
    }
  }

  void PollOnce(net::HttpClient& client, const std::string& target) {
    polls_.fetch_add(1);
    net::HttpResult r = client.Request("GET", target, {{"Accept", "application/json"}}, "");
    if (r.status == 0) return Fail("GET " + target + ": " + r.error);
    if (r.status != 200)
      return Fail("GET " + target + ": HTTP " + std::to_string(r.status) + " " +
                  r.body.substr(0, 200));
    if (r.body == applied_body_) {  // unchanged: keep the limiters' state
      std::lock_guard<std::mutex> lock(mu_);
      last_error_.clear();
      return;
    }
    std::string error;
    std::shared_ptr<Sampler> strategy = SamplerFromStrategyJson(r.body, &error);
    if (!strategy) return Fail("GET " + target + ": " + error);
    applied_body_ = std::move(r.body);
    {
      std::lock_guard<std::mutex> lock(mu_);
      current_ = std::move(strategy);
      generation_.store(++g_generations, std::memory_order_release);
      last_error_.clear();
    }
    updates_.fetch_add(1);
  }

  RemoteSamplerOptions options_;

  mutable std::mutex mu_;  // guards current_ and last_error_
  std::shared_ptr<Sampler> current_;
  std::string last_error_;
  std::atomic<uint64_t> generation_{0};

  std::atomic<uint64_t> polls_{0}, failures_{0}, updates_{0};
  std::string applied_body_;  // poll thread only

  std::mutex wait_mu_;
  std::condition_variable wait_cv_;
  bool stop_ = false;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace

bool GetRemoteSamplerStats(const Sampler& sampler, RemoteSamplerStats* out) {
  const Remote* remote = dynamic_cast<const Remote*>(&sampler);
  if (!remote) return false;
  *out = remote->Stats();
  return true;
}

}  // namespace weft::sampling

namespace weft {

std::shared_ptr<Sampler> RemoteSampler(RemoteSamplerOptions options) {
  return std::make_shared<sampling::Remote>(std::move(options));
}

}  // namespace weft
