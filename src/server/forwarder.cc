#include "server/forwarder.h"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <iterator>
#include <mutex>
#include <random>
#include <thread>

#include "common/endpoint.h"
#include "common/metrics.h"
#include "server/otlp_transport.h"
#include "wire/otlp_proto.h"

namespace weft::server {

using namespace weft::model;

namespace {

using Clock = std::chrono::steady_clock;

uint64_t mix64(uint64_t x) {  // splitmix64's finaliser: every input bit moves every output bit
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t seed_of(const std::string& url) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a: stable across runs and hosts
  for (unsigned char c : url) h = (h ^ c) * 1099511628211ull;
  return h;
}

uint64_t trace_key(const TraceId& id) { return mix64(id.high64()) ^ id.low64(); }

// One queue entry while its spans are out: acked once every part of it is delivered.
struct Entry {
  uint64_t id = 0;
  size_t spans = 0;
  std::atomic<int> parts{0};
};

// Some spans of one entry, bound for one collector.
struct Part {
  std::shared_ptr<Entry> entry;
  std::vector<Span> spans;
};

}  // namespace

int pick_collector(const TraceId& trace_id, const std::vector<uint64_t>& seeds,
                   const std::vector<bool>& usable) {
  const uint64_t key = trace_key(trace_id);
  int best = -1;
  uint64_t best_score = 0;
  for (size_t i = 0; i < seeds.size(); ++i) {
    if (!usable[i]) continue;
    uint64_t score = mix64(key ^ seeds[i]);
    if (best < 0 || score > best_score) {
      best = static_cast<int>(i);
      best_score = score;
    }
  }
  return best;
}

struct Sender {
  std::string url;
  std::unique_ptr<OtlpTransport> transport;
  uint64_t seed = 0;
  std::atomic<bool> healthy{true};
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Part> parts;  // waiting to be sent, guarded by mu
  std::thread thread;
  Counter* sent_spans = nullptr;
  Counter* requests = nullptr;
  Counter* failures = nullptr;
  Counter* rejected = nullptr;
  Clock::time_point last_log{};
  uint64_t held_back_logs = 0;
};

struct Forwarder::Impl {
  Impl(store::DiskQueue& q, ForwarderOptions opts) : queue(q), o(std::move(opts)) {}

  store::DiskQueue& queue;
  ForwarderOptions o;
  std::vector<std::unique_ptr<Sender>> senders;
  std::vector<uint64_t> seeds;
  std::atomic<bool> stopping{false};
  bool started = false;
  std::thread dispatcher;

  std::mutex flow_mu;
  std::condition_variable flow_cv;
  std::atomic<uint64_t> in_flight_spans{0};

  std::atomic<uint64_t> forwarded{0}, retries{0}, rerouted{0}, rejected{0};

  void log(const std::string& line) const {
    if (o.log)
      o.log("forward: " + line);
    else
      std::fprintf(stderr, "weft: forward: %s\n", line.c_str());
  }

  // Logs at most once per 5 s per collector, saying how many lines were held back.
  void log_limited(Sender& s, const std::string& line) {
    auto now = Clock::now();
    if (now - s.last_log < std::chrono::seconds(5)) {
      ++s.held_back_logs;
      return;
    }
    s.last_log = now;
    std::string more =
        s.held_back_logs ? " (" + std::to_string(s.held_back_logs) + " more held back)" : "";
    s.held_back_logs = 0;
    log(s.url + ": " + line + more);
  }

  bool any_healthy_except(size_t self) const {
    for (size_t i = 0; i < senders.size(); ++i)
      if (i != self && senders[i]->healthy.load()) return true;
    return false;
  }

  // Sends `spans` of `entry` to the collectors their trace IDs pick among the healthy ones
  // (all of them when none is healthy), never to `exclude` while another is healthy.
  // `entry->parts` must already count this call as one part.
  void route(std::vector<Span> spans, const std::shared_ptr<Entry>& entry, int exclude) {
    std::vector<bool> usable(senders.size());
    bool any = false;
    for (size_t i = 0; i < senders.size(); ++i) {
      usable[i] = senders[i]->healthy.load() && static_cast<int>(i) != exclude;
      any = any || usable[i];
    }
    if (!any) std::fill(usable.begin(), usable.end(), true);
    std::vector<std::vector<Span>> by(senders.size());
    for (Span& s : spans) by[pick_collector(s.trace_id, seeds, usable)].push_back(std::move(s));
    int groups = 0;
    for (auto& g : by) groups += g.empty() ? 0 : 1;
    if (groups == 0) {
      finish(entry);
      return;
    }
    entry->parts.fetch_add(groups - 1);
    for (size_t i = 0; i < by.size(); ++i) {
      if (by[i].empty()) continue;
      Sender& s = *senders[i];
      {
        std::lock_guard lock(s.mu);
        s.parts.push_back(Part{entry, std::move(by[i])});
      }
      s.cv.notify_one();
    }
  }

  // One part of `entry` is delivered (or dropped for good).
  void finish(const std::shared_ptr<Entry>& entry) {
    if (entry->parts.fetch_sub(1) != 1) return;
    queue.ack(entry->id);
    in_flight_spans.fetch_sub(entry->spans);
    flow_cv.notify_one();
  }

  // While no collector is healthy, only one request's worth is taken out of the queue (it
  // probes the way back); the rest stays on disk rather than decoded in memory.
  size_t in_flight_limit() const {
    return any_healthy_except(senders.size()) ? o.max_in_flight_spans : o.max_request_spans;
  }

  void dispatch_loop() {
    while (!stopping.load()) {
      {
        std::unique_lock lock(flow_mu);
        flow_cv.wait_for(lock, std::chrono::milliseconds(100), [&] {
          return stopping.load() || in_flight_spans.load() < in_flight_limit();
        });
      }
      if (stopping.load() || in_flight_spans.load() >= in_flight_limit()) continue;
      auto entries = queue.next(32, std::chrono::milliseconds(200));
      for (auto& e : entries) {
        auto entry = std::make_shared<Entry>();
        entry->id = e.id;
        entry->spans = e.batch.spans.size();
        entry->parts.store(1);
        in_flight_spans.fetch_add(entry->spans);
        route(std::move(e.batch.spans), entry, -1);
      }
    }
  }

  // Sleeps up to `ms`, waking early on stop. False if stopping.
  bool pause(Sender& s, uint64_t ms) {
    std::unique_lock lock(s.mu);
    s.cv.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stopping.load(); });
    return !stopping.load();
  }

  void send_loop(size_t self) {
    Sender& s = *senders[self];
    OtlpTransport& transport = *s.transport;
    std::mt19937_64 rng(s.seed ^ static_cast<uint64_t>(Clock::now().time_since_epoch().count()));
    uint32_t failures_in_row = 0;

    while (!stopping.load()) {
      std::vector<Part> taken;
      {
        std::unique_lock lock(s.mu);
        s.cv.wait_for(lock, std::chrono::milliseconds(o.probe_interval_ms),
                      [&] { return stopping.load() || !s.parts.empty(); });
        if (stopping.load()) break;
        if (!s.healthy.load() && !s.parts.empty() && any_healthy_except(self)) {
          while (!s.parts.empty()) {
            taken.push_back(std::move(s.parts.front()));
            s.parts.pop_front();
          }
          lock.unlock();
          for (Part& p : taken) {
            rerouted.fetch_add(p.spans.size());
            route(std::move(p.spans), p.entry, static_cast<int>(self));
          }
          continue;
        }
        size_t n = 0;
        while (!s.parts.empty() &&
               (taken.empty() || n + s.parts.front().spans.size() <= o.max_request_spans)) {
          n += s.parts.front().spans.size();
          taken.push_back(std::move(s.parts.front()));
          s.parts.pop_front();
        }
      }
      if (taken.empty()) {
        if (s.healthy.load()) continue;
        // Unhealthy and nothing to send: probe with an empty export request.
        if (transport.send(wire::encode_otlp_proto({})).kind == ExportAnswer::Kind::kDelivered) {
          s.healthy = true;
          failures_in_row = 0;
          log(s.url + ": reachable again, forwarding to it");
        }
        continue;
      }

      // The parts' spans moved into one request (no copy); sizes[i] says which are part i's.
      std::vector<Span> spans;
      std::vector<size_t> sizes;
      if (taken.size() == 1) {
        spans = std::move(taken[0].spans);
        sizes.push_back(spans.size());
      } else {
        for (Part& p : taken) {
          sizes.push_back(p.spans.size());
          std::move(p.spans.begin(), p.spans.end(), std::back_inserter(spans));
          p.spans = {};
        }
      }
      const std::string request = wire::encode_otlp_proto(spans);
      uint64_t backoff = o.retry_initial_ms;
      bool delivered = false, dropped = false, handed_off = false;
      for (int attempt = 0; !stopping.load(); ++attempt) {
        if (attempt > 0) retries.fetch_add(1);
        const ExportAnswer answer = transport.send(request);
        const std::string& why = answer.why;
        const uint64_t retry_after = answer.retry_after_ms;
        if (answer.kind == ExportAnswer::Kind::kDelivered) {
          delivered = true;
          break;
        }
        if (answer.kind == ExportAnswer::Kind::kRejected) {
          dropped = true;
          log_limited(s, "rejected " + std::to_string(spans.size()) + " spans for good (" + why +
                             "); they are dropped");
          break;
        }
        s.failures->inc();
        ++failures_in_row;
        if (failures_in_row >= o.unhealthy_after && s.healthy.exchange(false))
          log(s.url + ": unhealthy after " + std::to_string(failures_in_row) +
              " failures in a row (" + why + ")" +
              (any_healthy_except(self) ? "; its traces go to the other collectors"
                                        : "; no other collector is healthy, spans wait"));
        else
          log_limited(s, "failed (" + why + "), retrying");
        if (!s.healthy.load() && any_healthy_except(self)) {
          handed_off = true;
          break;
        }
        uint64_t cap =
            s.healthy.load() ? backoff : std::max<uint64_t>(backoff, o.probe_interval_ms);
        uint64_t wait = std::max<uint64_t>(
            retry_after, std::uniform_int_distribution<uint64_t>(cap / 2, cap)(rng));
        backoff = std::min<uint64_t>(backoff * 2, o.retry_max_ms);
        if (!pause(s, wait)) break;
      }
      if (delivered) {
        if (!s.healthy.exchange(true)) log(s.url + ": reachable again, forwarding to it");
        failures_in_row = 0;
        s.requests->inc();
        s.sent_spans->inc(spans.size());
        forwarded.fetch_add(spans.size());
        for (Part& p : taken) finish(p.entry);
      } else if (dropped) {
        s.rejected->inc(spans.size());
        rejected.fetch_add(spans.size());
        for (Part& p : taken) finish(p.entry);
      } else if (handed_off) {
        auto from = spans.begin();
        for (size_t i = 0; i < taken.size(); ++i) {
          std::vector<Span> mine(std::make_move_iterator(from),
                                 std::make_move_iterator(from + static_cast<ptrdiff_t>(sizes[i])));
          from += static_cast<ptrdiff_t>(sizes[i]);
          rerouted.fetch_add(mine.size());
          route(std::move(mine), taken[i].entry, static_cast<int>(self));
        }
      }
      // else: stopping; the entries stay un-acked in the queue.
    }
  }
};

Forwarder::Forwarder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Forwarder::~Forwarder() { stop(); }

Result<std::vector<Endpoint>> collector_endpoints(const ForwarderOptions& options) {
  if (options.collectors.empty()) return invalid_argument("--forward: no collector given");
  if (options.compression != "gzip" && options.compression != "zstd" &&
      options.compression != "none")
    return invalid_argument("--forward-compression must be gzip, zstd or none (got \"" +
                            options.compression + "\")");
  std::vector<Endpoint> out;
  for (const std::string& url : options.collectors) {
    auto ep = parse_endpoint(url, "127.0.0.1", 0);
    if (!ep.is_ok()) return invalid_argument("--forward: " + ep.status().message());
    if (ep->scheme.empty()) ep->scheme = "http";
    if (ep->scheme != "http" && ep->scheme != "grpc")
      return invalid_argument("--forward " + url +
                              ": use http://host:port (OTLP/HTTP) or grpc://host:port (OTLP/gRPC)");
    if (ep->scheme == "grpc" && options.compression == "zstd")
      return invalid_argument("--forward " + url +
                              ": gRPC has no zstd; use --forward-compression gzip or none");
    if (ep->port == 0) ep->port = ep->scheme == "grpc" ? 4317 : 4318;
    if (ep->scheme == "http" && (ep->path.empty() || ep->path == "/")) ep->path = "/v1/traces";
    if (ep->scheme == "grpc") ep->path.clear();
    for (const Endpoint& other : out)
      if (other.scheme == ep->scheme && other.host_port() == ep->host_port() &&
          other.path == ep->path)
        return invalid_argument("--forward " + url + ": given twice");
    out.push_back(*ep);
  }
  return out;
}

Result<std::unique_ptr<Forwarder>> Forwarder::create(store::DiskQueue& queue,
                                                     ForwarderOptions options) {
  WEFT_ASSIGN_OR_RETURN(std::vector<Endpoint> endpoints, collector_endpoints(options));
  if (options.max_request_spans == 0) options.max_request_spans = 1;
  auto impl = std::make_unique<Impl>(queue, options);
  auto& reg = MetricsRegistry::global();
  auto& sent = reg.counter("weft_agent_forwarded_spans_total",
                           "Spans a collector accepted from this agent", {"collector"});
  auto& reqs = reg.counter("weft_agent_forward_requests_total",
                           "Export requests a collector accepted (2xx)", {"collector"});
  auto& fails = reg.counter(
      "weft_agent_forward_failures_total",
      "Export requests that failed and are retried (transport, 408, 429, 5xx)", {"collector"});
  auto& rej =
      reg.counter("weft_agent_forward_rejected_spans_total",
                  "Spans dropped because a collector rejected them for good (4xx)", {"collector"});
  TransportOptions topts;
  topts.compression = options.compression;
  topts.connect_timeout_ms = options.connect_timeout_ms;
  topts.request_timeout_ms = options.request_timeout_ms;
  for (const Endpoint& ep : endpoints) {
    auto s = std::make_unique<Sender>();
    s->url = ep.scheme + "://" + ep.host_port() + ep.path;
    s->seed = seed_of(ep.host_port());
    s->transport = make_otlp_transport(ep, topts);
    s->sent_spans = &sent.with({s->url});
    s->requests = &reqs.with({s->url});
    s->failures = &fails.with({s->url});
    s->rejected = &rej.with({s->url});
    impl->seeds.push_back(s->seed);
    impl->senders.push_back(std::move(s));
  }
  return std::unique_ptr<Forwarder>(new Forwarder(std::move(impl)));
}

void Forwarder::start() {
  Impl& m = *impl_;
  if (m.started) return;
  m.started = true;
  for (size_t i = 0; i < m.senders.size(); ++i)
    m.senders[i]->thread = std::thread([&m, i] { m.send_loop(i); });
  m.dispatcher = std::thread([&m] { m.dispatch_loop(); });
}

void Forwarder::stop() {
  Impl& m = *impl_;
  if (!m.started || m.stopping.exchange(true)) return;
  m.flow_cv.notify_all();
  for (auto& s : m.senders) {
    { std::lock_guard lock(s->mu); }
    s->cv.notify_all();
  }
  if (m.dispatcher.joinable()) m.dispatcher.join();
  for (auto& s : m.senders)
    if (s->thread.joinable()) s->thread.join();
}

ForwarderStats Forwarder::stats() const {
  const Impl& m = *impl_;
  ForwarderStats st;
  st.forwarded_spans = m.forwarded.load();
  st.retries = m.retries.load();
  st.rerouted_spans = m.rerouted.load();
  st.rejected_spans = m.rejected.load();
  st.in_flight_spans = m.in_flight_spans.load();
  for (const auto& s : m.senders) {
    CollectorStats c;
    c.url = s->url;
    c.healthy = s->healthy.load();
    c.sent_spans = s->sent_spans->value();
    c.requests = s->requests->value();
    c.failures = s->failures->value();
    c.rejected_spans = s->rejected->value();
    st.collectors.push_back(std::move(c));
  }
  return st;
}

void Forwarder::register_metrics() {
  auto& reg = MetricsRegistry::global();
  Impl* m = impl_.get();
  reg.callback_gauge("weft_agent_forward_in_flight_spans",
                     "Spans taken from the queue and not yet delivered",
                     [m] { return static_cast<double>(m->in_flight_spans.load()); });
  reg.callback_gauge("weft_agent_forward_retries_total",
                     "Export requests sent again after a failure",
                     [m] { return static_cast<double>(m->retries.load()); });
  reg.callback_gauge("weft_agent_forward_rerouted_spans_total",
                     "Spans moved off an unhealthy collector to another",
                     [m] { return static_cast<double>(m->rerouted.load()); });
  reg.callback_gauge("weft_agent_healthy_collectors", "Collectors currently healthy", [m] {
    double n = 0;
    for (const auto& s : m->senders) n += s->healthy.load() ? 1 : 0;
    return n;
  });
}

}  // namespace weft::server
