#include "sidecar/sidecar.h"

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "sidecar/admin.h"
#include "sidecar/exporter_factory.h"
#include "sidecar/ports_file.h"
#include "sidecar/sampler_config.h"
#include "sidecar/trace_context.h"
#include "sidecar/worker.h"
#include "weft/weft.h"

namespace weft::sidecar {
namespace {

// host -> addresses, synchronously (start-up only).
bool Resolve(const HostPort& hp, std::vector<tcp::endpoint>* out, std::string* error) {
  error_code ec;
  const asio::ip::address literal = asio::ip::make_address(hp.host, ec);
  if (!ec) {
    out->emplace_back(literal, hp.port);
    return true;
  }
  asio::io_context io;
  tcp::resolver resolver(io);
  auto results = resolver.resolve(hp.host, std::to_string(hp.port), ec);
  if (ec || results.empty()) {
    *error = "cannot resolve '" + hp.host + "': " + (ec ? ec.message() : "no address");
    return false;
  }
  // IPv4 first: "localhost" services usually listen on 127.0.0.1 only.
  for (const auto& r : results)
    if (r.endpoint().address().is_v4()) out->push_back(r.endpoint());
  for (const auto& r : results)
    if (!r.endpoint().address().is_v4()) out->push_back(r.endpoint());
  return true;
}

std::string EndpointText(const tcp::endpoint& ep) {
  const std::string a = ep.address().to_string();
  return (ep.address().is_v6() ? "[" + a + "]" : a) + ":" + std::to_string(ep.port());
}

StartResult Usage(std::string m) { return {false, true, std::move(m)}; }
StartResult Failure(std::string m) { return {false, false, std::move(m)}; }

}  // namespace

struct Sidecar::Impl {
  SidecarOptions options;
  Shared shared;
  std::unique_ptr<ContextCodec> codec;
  Sdk sdk;
  std::vector<std::unique_ptr<Worker>> workers;
  std::unique_ptr<AdminServer> admin;
  std::string listen_addr, egress_addr, admin_addr;
  std::atomic<bool> draining{false};
  std::mutex mu;
  bool started = false;
  bool stopped = false;
  std::optional<std::chrono::nanoseconds> drain_timeout;  // overrides the option (destructor)

  StatsSnapshot Stats() const {
    std::vector<const WorkerStats*> ws;
    for (const auto& w : workers) ws.push_back(&w->stats());
    StatsSnapshot s = SumStats(ws);
    s.processor = sdk.stats().processor;
    s.draining = draining.load();
    return s;
  }
};

Sidecar::Sidecar(SidecarOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

Sidecar::~Sidecar() {
  if (impl_->started && !impl_->stopped) {
    impl_->drain_timeout = std::chrono::nanoseconds(0);
    Drain();
  }
  impl_->workers.clear();
  impl_->admin.reset();
}

StartResult Sidecar::Start() {
  Impl& m = *impl_;
  std::lock_guard lock(m.mu);
  if (m.started) return Failure("already started");
  SidecarOptions& o = m.options;
  Shared& sh = m.shared;
  std::string error;
  if (!CheckOptions(o, &sh.cfg, &error)) return Usage(error);
  m.codec = ContextCodec::Make(o.propagators, &error);
  if (!m.codec) return Usage("--propagators: " + error);
  sh.codec = m.codec.get();
  std::shared_ptr<Sampler> sampler =
      MakeSampler(o.sampler, o.sampler_arg, o.sampling_url, sh.cfg.service, &error);
  if (!sampler) return Usage(error);
  std::unique_ptr<SpanExporter> exporter = std::move(o.exporter);
  if (!exporter) exporter = MakeExporterForEndpoint(o.endpoint, &error);
  if (!exporter) return Usage(error);
  if (!Resolve(sh.cfg.upstream, &sh.upstream_endpoints, &error)) return Usage("--upstream: " + error);
  sh.upstream_key = sh.cfg.upstream.str();
  std::vector<tcp::endpoint> listen_eps, egress_eps, admin_eps;
  if (!Resolve(sh.cfg.listen, &listen_eps, &error)) return Usage("--listen: " + error);
  if (sh.cfg.egress && !Resolve(*sh.cfg.egress, &egress_eps, &error))
    return Usage("--egress: " + error);
  if (sh.cfg.admin && !Resolve(*sh.cfg.admin, &admin_eps, &error))
    return Usage("--admin-addr: " + error);

  Options so;
  so.service_name = sh.cfg.service;
  so.exporter = std::shared_ptr<SpanExporter>(std::move(exporter));
  so.sampler = std::move(sampler);
  so.propagators = "tracecontext,baggage";
  so.batch = o.batch;
  so.max_span_bytes = o.max_span_bytes;
  so.flush_on_signal = false;
  // What the drain leaves for the last export: bounded, so an absent collector delays the
  // exit by at most this much (what is left then is dropped and counted).
  so.shutdown_timeout = std::chrono::milliseconds(3000);
  so.resource_attributes.emplace_back("weft.sidecar.upstream", sh.upstream_key);
  try {
    m.sdk = Init(std::move(so));
  } catch (const std::exception& e) {
    return Usage(e.what());
  }
  sh.tracer = m.sdk.tracer("weft.sidecar", "0.1.0");

  // Listeners: every worker binds the same port with SO_REUSEPORT (the first one picks it
  // when the flag says 0).
  for (int i = 0; i < sh.cfg.threads; ++i) m.workers.push_back(std::make_unique<Worker>(sh, i));
  for (size_t i = 0; i < m.workers.size(); ++i) {
    tcp::endpoint ep = i == 0 ? listen_eps.front() : sh.listen_bound;
    if (!m.workers[i]->Listen(Direction::kIngress, ep, &sh.listen_bound, &error))
      return Failure("--listen: " + error);
    if (sh.cfg.egress) {
      tcp::endpoint eep = i == 0 ? egress_eps.front() : *sh.egress_bound;
      tcp::endpoint bound;
      if (!m.workers[i]->Listen(Direction::kEgress, eep, &bound, &error))
        return Failure("--egress: " + error);
      sh.egress_bound = bound;
    }
  }
  m.listen_addr = EndpointText(sh.listen_bound);
  if (sh.egress_bound) m.egress_addr = EndpointText(*sh.egress_bound);
  if (sh.cfg.admin) {
    m.admin = std::make_unique<AdminServer>([&m] { return RenderMetrics(m.Stats()); },
                                            [&m] { return m.draining.load(); });
    tcp::endpoint bound;
    if (!m.admin->Listen(admin_eps.front(), &bound, &error)) return Failure(error);
    m.admin_addr = EndpointText(bound);
  }
  for (auto& w : m.workers) w->Start();
  if (m.admin) m.admin->Start();
  m.started = true;
  if (!sh.cfg.ports_file.empty()) {
    std::vector<std::pair<std::string, std::string>> entries{{"listen", m.listen_addr}};
    if (!m.egress_addr.empty()) entries.emplace_back("egress", m.egress_addr);
    if (!m.admin_addr.empty()) entries.emplace_back("admin", m.admin_addr);
    if (!WritePortsFile(sh.cfg.ports_file, entries, &error)) {
      return Failure("--ports-file: " + error);
    }
  }
  return {};
}

std::string Sidecar::listen_address() const { return impl_->listen_addr; }
std::string Sidecar::egress_address() const { return impl_->egress_addr; }
std::string Sidecar::admin_address() const { return impl_->admin_addr; }

void Sidecar::Drain() {
  Impl& m = *impl_;
  std::lock_guard lock(m.mu);
  if (!m.started || m.stopped) return;
  m.stopped = true;
  m.draining = true;
  auto live = [&] {
    size_t n = 0;
    for (const auto& w : m.workers) n += w->live_sessions();
    return n;
  };
  for (auto& w : m.workers) w->BeginDrain();
  const auto deadline =
      SteadyClock::now() + m.drain_timeout.value_or(m.shared.cfg.drain_timeout);
  while (live() > 0 && SteadyClock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (live() > 0) {
    for (auto& w : m.workers) w->ForceClose();
    const auto grace = SteadyClock::now() + std::chrono::milliseconds(200);
    while (live() > 0 && SteadyClock::now() < grace)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  for (auto& w : m.workers) w->Stop();
  if (m.admin) m.admin->Stop();
  m.sdk.Shutdown();  // flushes (bounded by Options::shutdown_timeout), then stops
}

StatsSnapshot Sidecar::Stats() const { return impl_->Stats(); }

std::string Sidecar::MetricsText() const { return RenderMetrics(impl_->Stats()); }

bool Sidecar::FlushSpans(std::chrono::milliseconds timeout) {
  return impl_->sdk.ForceFlush(timeout);
}

int RunSidecar(SidecarOptions options) {
  // Block the shutdown signals before any thread starts (threads inherit the mask); the
  // main thread waits for one below.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  const std::string upstream = options.upstream;
  const std::string service = options.service;
  Sidecar sidecar(std::move(options));
  const StartResult r = sidecar.Start();
  if (!r.ok) {
    std::fprintf(stderr, "weft sidecar: %s\n", r.message.c_str());
    return r.usage_error ? 2 : 1;
  }
  std::fprintf(stderr, "weft sidecar: %s -> %s as service \"%s\"", sidecar.listen_address().c_str(),
               upstream.c_str(), service.c_str());
  if (!sidecar.egress_address().empty())
    std::fprintf(stderr, ", egress proxy on %s", sidecar.egress_address().c_str());
  if (!sidecar.admin_address().empty())
    std::fprintf(stderr, ", admin on %s", sidecar.admin_address().c_str());
  std::fprintf(stderr, "\n");
  int sig = 0;
  sigwait(&set, &sig);
  std::fprintf(stderr, "weft sidecar: %s, draining\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  sidecar.Drain();
  const StatsSnapshot s = sidecar.Stats();
  std::fprintf(stderr,
               "weft sidecar: stopped (%llu requests, %llu spans exported, %llu dropped)\n",
               static_cast<unsigned long long>(s[Direction::kIngress].requests +
                                               s[Direction::kEgress].requests),
               static_cast<unsigned long long>(s.processor.exported),
               static_cast<unsigned long long>(s.processor.dropped));
  return 0;
}

}  // namespace weft::sidecar
