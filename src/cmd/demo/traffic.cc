#include "cmd/demo/traffic.h"

#include <optional>

#include "server/http_client.h"

namespace weft::cmd::demo {
namespace {

constexpr auto kMaxLateness = std::chrono::seconds(1);

// "00-<trace id>-<span id>-01" -> the trace id.
std::string TraceIdOf(const std::string& traceresponse) {
  if (traceresponse.size() < 35 || traceresponse[2] != '-') return {};
  return traceresponse.substr(3, 32);
}

}  // namespace

TrafficDriver::TrafficDriver(std::string host, uint16_t port, double rate_per_second, int senders)
    : host_(std::move(host)), port_(port), rate_(rate_per_second), senders_(senders) {}

TrafficDriver::~TrafficDriver() { Stop(); }

void TrafficDriver::Start() {
  next_ = std::chrono::steady_clock::now();
  for (int i = 0; i < senders_; ++i) threads_.emplace_back([this] { Run(); });
}

void TrafficDriver::Stop() {
  stopping_.store(true);
  for (auto& t : threads_) t.join();
  threads_.clear();
}

TrafficStats TrafficDriver::TakeStats() {
  std::lock_guard lock(mu_);
  TrafficStats out = stats_;
  stats_.latencies_ms.clear();
  return out;
}

std::chrono::steady_clock::time_point TrafficDriver::NextArrival() {
  std::lock_guard lock(mu_);
  const auto at = next_;
  const double gap_s = std::exponential_distribution<double>(rate_)(rng_);
  next_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(gap_s));
  return at;
}

void TrafficDriver::Run() {
  server::HttpClientOptions options;
  options.connect_timeout_ms = 2'000;
  options.request_timeout_ms = 15'000;
  server::HttpConnection conn(options);
  std::mt19937_64 rng{std::random_device{}()};
  while (!stopping_.load()) {
    const auto at = NextArrival();
    // Sleep in short steps so Stop is prompt even at very low rates.
    while (!stopping_.load() && std::chrono::steady_clock::now() < at)
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
          at - std::chrono::steady_clock::now(), std::chrono::milliseconds(100)));
    if (stopping_.load()) return;
    if (std::chrono::steady_clock::now() - at > kMaxLateness) {
      std::lock_guard lock(mu_);
      ++stats_.skipped;
      continue;
    }
    std::string target;
    if (std::uniform_real_distribution<double>(0, 1)(rng) < 0.65) {
      target =
          "/checkout?user=u" + std::to_string(std::uniform_int_distribution<int>(1000, 9999)(rng));
    } else {
      target = "/browse";
    }
    const auto started = std::chrono::steady_clock::now();
    std::optional<Result<server::HttpResponse>> r;
    Status connected = conn.is_open() ? Status::ok() : conn.connect(host_, port_);
    if (connected.is_ok()) r.emplace(conn.request("GET", target, {}, ""));
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    std::lock_guard lock(mu_);
    ++stats_.sent;
    if (!r || !r->is_ok()) {
      ++stats_.failed;
      conn.close();
      continue;
    }
    stats_.latencies_ms.push_back(ms);
    const server::HttpResponse& response = **r;
    const int status = response.status;
    if (status >= 200 && status < 300)
      ++stats_.ok;
    else if (status >= 400 && status < 500)
      ++stats_.client_errors;
    else
      ++stats_.server_errors;
    if (std::string id = TraceIdOf(response.header("traceresponse")); !id.empty())
      stats_.last_trace_id = std::move(id);
  }
}

}  // namespace weft::cmd::demo
