// The tracer provider: Init, the Sdk handle, the global provider and propagator, scopes,
// resources and RpcId assignment.
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "signal_flush.h"
#include "weft/weft.h"

namespace weft {

// --- ProviderInfo / Resource ---

ProviderInfo::ProviderInfo(Resource resource)
    : resource_(std::move(resource)), scopes_(new InstrumentationScope[kMaxScopes]) {}

uint16_t ProviderInfo::InternScope(std::string_view name, std::string_view version) {
  auto find = [&](size_t n) -> int {
    for (size_t i = 0; i < n; ++i)
      if (scopes_[i].name == name && scopes_[i].version == version) return static_cast<int>(i);
    return -1;
  };
  if (int i = find(count_.load(std::memory_order_acquire)); i >= 0) return static_cast<uint16_t>(i);
  std::lock_guard lock(mu_);
  const size_t n = count_.load(std::memory_order_relaxed);
  if (int i = find(n); i >= 0) return static_cast<uint16_t>(i);
  if (n == kMaxScopes) return static_cast<uint16_t>(n - 1);
  scopes_[n] = InstrumentationScope{std::string(name), std::string(version)};
  count_.store(n + 1, std::memory_order_release);
  return static_cast<uint16_t>(n);
}

std::string_view Resource::service_name() const {
  for (const auto& [k, v] : attributes)
    if (k == "service.name" && v.is<std::string>()) return v.as<std::string>();
  return "unknown_service";
}

// --- globals ---

namespace {

std::atomic<detail::ProviderCore*> g_core{nullptr};
std::atomic<const Propagator*> g_propagator{nullptr};

// Everything ever installed stays alive: spans and requests in flight on other threads may
// still use a provider or propagator after a newer Init or after shutdown.
std::mutex g_keep_mu;
std::vector<std::shared_ptr<const Propagator>>& kept_propagators() {
  static auto* v = new std::vector<std::shared_ptr<const Propagator>>;
  return *v;
}
std::vector<detail::ProviderCore*>& kept_cores() {
  static auto* v = new std::vector<detail::ProviderCore*>;
  return *v;
}

const Propagator& DefaultPropagator() {
  static const std::shared_ptr<Propagator> p =
      CompositePropagator({W3CTraceContextPropagator(), W3CBaggagePropagator()});
  return *p;
}

class NoneExporter final : public SpanExporter {
 public:
  ExportResult Export(const ExportBatch& batch) override {
    exported_ += batch.spans.size();
    return ExportResult::kSuccess;
  }
  ExporterStats stats() const override { return {exported_, 0, 0}; }

 private:
  uint64_t exported_ = 0;
};

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::shared_ptr<SpanExporter> ExporterForEndpoint(std::string endpoint, bool gzip) {
  if (endpoint.empty()) endpoint = Env("WEFT_ENDPOINT");
  if (endpoint.empty()) endpoint = Env("OTEL_EXPORTER_OTLP_ENDPOINT");
  if (endpoint.empty()) endpoint = "http://127.0.0.1:4318";
  if (endpoint == "none") return std::make_shared<NoneExporter>();
  if (endpoint.starts_with("log:")) {
    LogLineExporterOptions o;
    o.path = endpoint.substr(4);
    if (o.path.empty())
      throw std::invalid_argument(
          "weft: endpoint 'log:' needs a file path, e.g. log:/var/log/app/trace.log");
    return MakeLogLineExporter(std::move(o));
  }
  if (endpoint.starts_with("http://")) {
    // A base URL (no path) gets OTLP's /v1/traces, as OTEL_EXPORTER_OTLP_ENDPOINT does.
    const size_t slash = endpoint.find('/', 7);
    if (slash == std::string::npos)
      endpoint += "/v1/traces";
    else if (slash == endpoint.size() - 1)
      endpoint += "v1/traces";
    OtlpHttpExporterOptions o;
    o.endpoint = endpoint;
    o.gzip = gzip;
    return MakeOtlpHttpExporter(std::move(o));
  }
  if (endpoint.starts_with("grpc://"))
    throw std::invalid_argument(
        "weft: for OTLP/gRPC pass Options::exporter = weft::MakeOtlpGrpcExporter(...) from "
        "<weft/otlp_grpc_exporter.h> (library weft::sdk_grpc)");
  throw std::invalid_argument("weft: unsupported endpoint '" + endpoint +
                              "' (use http://host:port, log:/path or none)");
}

Resource MakeResource(const Options& o) {
  std::string service = o.service_name;
  if (service.empty()) service = Env("OTEL_SERVICE_NAME");
  if (service.empty()) service = "unknown_service";
  Resource r;
  r.attributes.emplace_back("service.name", service);
  bool has_host = false;
  for (const auto& [k, v] : o.resource_attributes) {
    if (k == "service.name") continue;
    if (k == "host.name") has_host = true;
    r.attributes.emplace_back(k, v);
  }
  r.attributes.emplace_back("telemetry.sdk.name", "weft");
  r.attributes.emplace_back("telemetry.sdk.language", "cpp");
  r.attributes.emplace_back("telemetry.sdk.version", "0.1.0");
  r.attributes.emplace_back("process.pid", static_cast<int64_t>(getpid()));
  if (!has_host) {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0)
      r.attributes.emplace_back("host.name", std::string(host));
  }
  return r;
}

}  // namespace

namespace detail {

ProviderCore* GlobalProvider() { return g_core.load(std::memory_order_acquire); }

void AssignRpcId(ProviderCore* core, const Context& parent, SpanKind kind, SpanBuffer* buffer,
                 Context* next, Context* consumed) {
  std::shared_ptr<RpcIdState> state = parent.shared_rpc_state();
  std::string id;
  const bool server = kind == SpanKind::kServer || kind == SpanKind::kConsumer;
  const bool call = kind == SpanKind::kClient || kind == SpanKind::kProducer;
  if (!state) {
    // Only reached with core->rpc_ids: a root or SERVER span starts the request's counter.
    if (!server && parent.span().valid()) return;
    state = std::make_shared<RpcIdState>("", core->rpc_scheme);
    id = state->Self();
  } else if (server && parent.rpc_id().empty()) {
    id = state->Self();  // the request that brought the RpcId in
  } else if (call || server) {
    id = parent.rpc_reserved() ? state->Child(parent.rpc_reserved()) : state->NextCall();
    if (parent.rpc_reserved() && consumed)
      *consumed = consumed->WithRpcId(state, std::string(parent.rpc_id()));
  } else {
    // INTERNAL spans take no number: the context they make current already carries the
    // request's RpcId state and current RpcId (inherited). The record keeps that RpcId for
    // the log-line exporter (LOGFORMAT.md: lines between calls carry the last call's number).
    if (!parent.rpc_id().empty())
      PutStringField(buffer, span_field::kCurrentRpcId, parent.rpc_id());
    return;
  }
  PutStringField(buffer, span_field::kRpcId, id);
  if (next) *next = next->WithRpcId(std::move(state), std::move(id));
}

}  // namespace detail

Tracer GetTracer(std::string_view name, std::string_view version) {
  detail::ProviderCore* core = detail::GlobalProvider();
  if (!core) return Tracer();
  if (name == "weft" && version.empty()) return Tracer(core, 0);
  return Tracer(core, core->info->InternScope(name, version));
}

const Propagator& GlobalPropagator() {
  const Propagator* p = g_propagator.load(std::memory_order_acquire);
  return p ? *p : DefaultPropagator();
}

// --- Sdk ---

struct Sdk::State {
  detail::ProviderCore* core = nullptr;
  std::shared_ptr<Propagator> propagator;
  std::shared_ptr<SpanExporter> exporter;
  std::chrono::milliseconds shutdown_timeout{5'000};
  bool signal_flush = false;
  bool shut = false;
};

Sdk::Sdk() = default;
Sdk::Sdk(Sdk&&) noexcept = default;
Sdk& Sdk::operator=(Sdk&& o) noexcept {
  if (this != &o) {
    Shutdown();
    state_ = std::move(o.state_);
  }
  return *this;
}
Sdk::~Sdk() { Shutdown(); }

Tracer Sdk::tracer(std::string_view name, std::string_view version) const {
  if (!state_) return Tracer();
  if (name == "weft" && version.empty()) return Tracer(state_->core, 0);
  return Tracer(state_->core, state_->core->info->InternScope(name, version));
}

const Propagator& Sdk::propagator() const {
  return state_ ? *state_->propagator : DefaultPropagator();
}

const Resource& Sdk::resource() const {
  static const Resource kEmpty;
  return state_ ? state_->core->info->resource() : kEmpty;
}

SdkStats Sdk::stats() const {
  SdkStats s;
  if (state_) {
    s.processor = state_->core->processor->stats();
    s.exporter = state_->exporter->stats();
  }
  s.propagation = GetPropagationStats();
  return s;
}

bool Sdk::ForceFlush(std::chrono::milliseconds timeout) {
  return state_ && !state_->shut ? state_->core->processor->ForceFlush(timeout) : true;
}

void Sdk::Shutdown() {
  if (!state_ || state_->shut) return;
  state_->shut = true;
  if (state_->signal_flush) detail::UninstallSignalFlush();
  detail::ProviderCore* core = state_->core;
  detail::ProviderCore* expected = core;
  g_core.compare_exchange_strong(expected, nullptr, std::memory_order_acq_rel);
  core->processor->Shutdown(state_->shutdown_timeout);
  core->shut_down.store(true, std::memory_order_release);
}

Sdk Init(Options options) {
  detail::CalibrateClock(/*initial=*/true);
  auto state = std::make_unique<Sdk::State>();
  std::string names = options.propagators;
  if (names.empty()) names = Env("OTEL_PROPAGATORS");
  if (names.empty()) names = "tracecontext,baggage";
  std::string error;
  state->propagator = PropagatorFromNames(names, &error);
  if (!state->propagator) throw std::invalid_argument("weft: " + error);

  state->exporter =
      options.exporter ? options.exporter : ExporterForEndpoint(options.endpoint, options.gzip);
  auto* core = new detail::ProviderCore;
  core->info = std::make_shared<ProviderInfo>(MakeResource(options));
  core->info->InternScope("weft", "");  // scope 0: the default tracer's
  core->sampler = options.sampler ? options.sampler : ParentBasedSampler(AlwaysOnSampler());
  core->sampler_follows_parent = core->sampler->FollowsParent();
  core->buffer_capacity = std::max<uint32_t>(options.max_span_bytes, 256);
  core->rpc_ids = options.rpc_ids;
  core->rpc_scheme = options.rpc_scheme;
  core->processor = options.simple_processor
                        ? MakeSimpleProcessor(state->exporter, core->info)
                        : MakeBatchProcessor(state->exporter, core->info, options.batch);
  state->core = core;
  state->shutdown_timeout = options.shutdown_timeout;
  {
    std::lock_guard lock(g_keep_mu);
    kept_cores().push_back(core);
    kept_propagators().push_back(state->propagator);
  }
  g_propagator.store(state->propagator.get(), std::memory_order_release);
  g_core.store(core, std::memory_order_release);
  if (options.flush_on_signal) {
    detail::InstallSignalFlush(core->processor.get(), options.shutdown_timeout);
    state->signal_flush = true;
  }
  Sdk sdk;
  sdk.state_ = std::move(state);
  return sdk;
}

}  // namespace weft
