#include "server/pipeline/pipeline_runtime.h"

#include <condition_variable>
#include <fstream>
#include <map>
#include <optional>
#include <mutex>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "alerts/alert_engine.h"
#include "alerts/rules_config.h"
#include "alerts/webhook.h"
#include "api/dependency_source.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "graph/service_graph.h"
#include "metrics/metrics_store.h"
#include "metrics/prometheus_text.h"
#include "metrics/red_processor.h"
#include "pipeline/pipeline.h"
#include "query/params.h"
#include "sampling/sampling_config.h"
#include "sampling/store_gate.h"
#include "sampling/tail_sampler.h"
#include "server/pipeline/red_metrics_reader.h"
#include "server/webhook_poster.h"

namespace weft::server {

namespace alerts = pipeline::alerts;
namespace graph = pipeline::graph;
namespace metrics = pipeline::metrics;
namespace sampling = pipeline::sampling;

struct PipelineRuntime::Parts {
  SpanSink* store = nullptr;
  metrics::PrometheusFamilies prometheus;
  std::unique_ptr<metrics::MetricsStore> metrics;
  graph::ServiceGraph* graph = nullptr;  // owned by `chain`
  // Tail sampling: decides (the store's trace gate acts on the decisions, or, in dry run,
  // nothing does) and counts. Null when not configured.
  std::shared_ptr<sampling::TailSampler> sampler;
  bool sampler_dry_run = false;
  std::map<std::string, uint64_t> sampler_counted;  // what the counters already hold
  std::unique_ptr<pipeline::Pipeline> chain;
  std::unique_ptr<RedMetricsReader> reader;
  alerts::AlertsConfig alerts_config;
  std::unique_ptr<alerts::WebhookSender> webhook;
  std::unique_ptr<alerts::AlertEngine> alerts;

  // Graph expiry thread: pairs whose other half never came expire even when no batch
  // arrives to trigger it.
  std::thread expiry;
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  bool started = false;
  bool stopped = false;
};

namespace {

Result<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalid_argument("cannot read the config file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A processor shared with another owner (the tail sampler, which the store's gate holds too).
class SharedProcessor final : public pipeline::Processor {
 public:
  explicit SharedProcessor(std::shared_ptr<pipeline::Processor> p) : p_(std::move(p)) {}
  std::string_view name() const override { return p_->name(); }
  std::unique_ptr<pipeline::Observation> observe(const model::SpanBatch& batch) override {
    return p_->observe(batch);
  }

 private:
  std::shared_ptr<pipeline::Processor> p_;
};

// Tail sampling's decisions so far into /metrics counters (the sampler keeps totals; the
// counters get the difference since the last call). Called from the expiry thread only.
void count_sampler_decisions(PipelineRuntime::Parts& p) {
  auto& reg = MetricsRegistry::global();
  auto& policies =
      reg.counter("weft_tail_sampling_policy_decisions_total",
                  "Tail sampling verdicts per top-level policy",
                  {"policy", "decision"});
  auto& services = reg.counter("weft_tail_sampling_traces_total",
                               "Traces tail sampling kept or dropped (in dry run: would drop), "
                               "per root service",
                               {"service", "decision"});
  auto bump = [&p](Counter& c, const std::string& key, uint64_t total) {
    uint64_t& seen = p.sampler_counted[key];
    if (total > seen) c.inc(total - seen);
    seen = total;
  };
  sampling::TailSamplerStats st = p.sampler->stats();
  // Keys of sampler_counted: family, name and decision joined by '\n' (in no name).
  for (const auto& s : st.policies) {
    bump(policies.with({s.name, "sampled"}), "policy\n" + s.name + "\nsampled", s.sampled);
    bump(policies.with({s.name, "not_sampled"}), "policy\n" + s.name + "\nnot", s.not_sampled);
  }
  for (const auto& s : st.services) {
    bump(services.with({s.service, "kept"}), "service\n" + s.service + "\nkept", s.kept);
    bump(services.with({s.service, "dropped"}), "service\n" + s.service + "\ndropped", s.dropped);
  }
}

// weft's own figures of the pipeline, read when /metrics is scraped.
void register_gauges(PipelineRuntime::Parts& p) {
  auto& reg = MetricsRegistry::global();
  metrics::MetricsStore* m = p.metrics.get();
  reg.callback_gauge("weft_red_series",
                     "RED span series held (--metrics-max-series, plus \"__other__\" series)",
                     [m] { return static_cast<double>(m->series_count(metrics::Family::kSpans)); });
  reg.callback_gauge("weft_red_edge_series", "Service graph edge series held", [m] {
    return static_cast<double>(m->series_count(metrics::Family::kEdges));
  });
  reg.callback_gauge(
      "weft_red_overflowed_calls_total",
      "Calls counted under \"__other__\" because their series was over the cap", [m] {
        return static_cast<double>(m->overflowed_calls(metrics::Family::kSpans) +
                                   m->overflowed_calls(metrics::Family::kEdges));
      });
  reg.callback_gauge("weft_red_memory_bytes",
                     "Estimated memory held by the RED metrics (--metrics-memory-budget)",
                     [m] { return static_cast<double>(m->bytes_held()); });
  reg.callback_gauge("weft_red_evicted_buckets_total",
                     "RED metric buckets moved out of memory (read back from disk on demand)",
                     [m] { return static_cast<double>(m->evicted_buckets()); });
  reg.callback_gauge("weft_red_late_spans_total",
                     "Spans too old (or too far ahead) for their bucket, counted at arrival",
                     [m] { return static_cast<double>(m->late_spans() + m->future_spans()); });
  graph::ServiceGraph* g = p.graph;
  auto graph_stat = [g](uint64_t graph::ServiceGraphStats::*field) {
    return [g, field] { return static_cast<double>(g->stats().*field); };
  };
  reg.callback_gauge("weft_graph_paired_total", "Client/server span pairs matched",
                     graph_stat(&graph::ServiceGraphStats::paired));
  reg.callback_gauge("weft_graph_virtual_edges_total",
                     "Calls to peers without spans of their own (virtual nodes)",
                     graph_stat(&graph::ServiceGraphStats::virtual_edges));
  reg.callback_gauge("weft_graph_expired_unpaired_total",
                     "Span halves whose other half never came within --graph-window",
                     graph_stat(&graph::ServiceGraphStats::expired_unpaired));
  reg.callback_gauge("weft_graph_evicted_total",
                     "Span halves expired early because the pairing table was full",
                     graph_stat(&graph::ServiceGraphStats::evicted));
  reg.callback_gauge("weft_graph_pending", "Span halves waiting for their other half",
                     graph_stat(&graph::ServiceGraphStats::pending));
  if (sampling::TailSampler* ts = p.sampler.get()) {
    auto tail_stat = [ts](uint64_t sampling::TailSamplerStats::*field) {
      return [ts, field] { return static_cast<double>(ts->stats().*field); };
    };
    reg.callback_gauge("weft_tail_sampling_pending_traces", "Traces waiting for their decision",
                       tail_stat(&sampling::TailSamplerStats::pending_traces));
    reg.callback_gauge("weft_tail_sampling_pending_spans",
                       "Spans of the traces waiting for their decision",
                       tail_stat(&sampling::TailSamplerStats::pending_spans));
    reg.callback_gauge("weft_tail_sampling_decided_early_total",
                       "Traces decided before due: max_traces pending were reached",
                       tail_stat(&sampling::TailSamplerStats::decided_early));
    reg.callback_gauge("weft_tail_sampling_late_spans_total",
                       "Spans that arrived after their trace was decided (they follow it)",
                       tail_stat(&sampling::TailSamplerStats::late_spans));
    if (!p.sampler_dry_run) {
      reg.callback_gauge(
          "weft_tail_sampling_decided_for_cut_total",
          "Traces decided before due because a block cut could wait no longer",
          tail_stat(&sampling::TailSamplerStats::decided_for_cut));
      reg.callback_gauge("weft_tail_sampling_kept_unknown_total",
                         "Traces a block cut kept with no decision (never seen by the policies)",
                         tail_stat(&sampling::TailSamplerStats::kept_unknown));
      reg.callback_gauge("weft_tail_sampling_store_records",
                         "Decisions held until the store has written their traces' heads",
                         tail_stat(&sampling::TailSamplerStats::store_records));
    }
  }
  if (alerts::AlertEngine* e = p.alerts.get()) {
    reg.callback_gauge("weft_alerts_firing", "SLA alerts firing now", [e] {
      double n = 0;
      for (const auto& a : e->alerts()) n += a.status.state == alerts::AlertState::kFiring;
      return n;
    });
  }
}

void register_webhook_gauges(alerts::WebhookSender& webhook) {
  auto& reg = MetricsRegistry::global();
  alerts::WebhookSender* w = &webhook;
  auto hook_stat = [w](uint64_t alerts::WebhookStats::*field) {
    return [w, field] { return static_cast<double>(w->stats().*field); };
  };
  reg.callback_gauge("weft_alert_notifications_sent_total", "Webhook notifications delivered",
                     hook_stat(&alerts::WebhookStats::sent));
  reg.callback_gauge("weft_alert_notifications_failed_total",
                     "Webhook notifications given up after their retries",
                     hook_stat(&alerts::WebhookStats::failed));
  reg.callback_gauge("weft_alert_notifications_dropped_total",
                     "Webhook notifications pushed out of a full queue",
                     hook_stat(&alerts::WebhookStats::dropped));
}

}  // namespace

Result<PreparedTailSampling> PipelineRuntime::prepare_tail_sampling(
    const PipelineFlags& flags) {
  PreparedTailSampling out;
  if (flags.config_file.empty()) return out;
  WEFT_ASSIGN_OR_RETURN(std::string text, read_text_file(flags.config_file));
  auto config = sampling::parse_tail_sampling_config_text(text);
  if (!config.is_ok()) {
    if (config.status().code() == ResultCode::kNotFound) return out;
    return invalid_argument(flags.config_file + ": " + config.status().message());
  }
  if (!flags.red_metrics)
    return invalid_argument(flags.config_file +
                            ": tail sampling runs in the pipeline, which --no-red-metrics "
                            "turns off");
  const bool dry_run = config->dry_run;
  auto sampler = sampling::TailSampler::create(std::move(config).value());
  if (!sampler.is_ok())
    return invalid_argument(flags.config_file + ": tail_sampling: " + sampler.status().message());
  out.sampler = std::shared_ptr<sampling::TailSampler>(std::move(sampler).value());
  if (!dry_run) out.gate = std::make_shared<sampling::TailSamplingGate>(out.sampler);
  return out;
}

Result<std::unique_ptr<PipelineRuntime>> PipelineRuntime::open(const PipelineFlags& flags,
                                                               const std::string& data_dir,
                                                               SpanSink& store,
                                                               PreparedTailSampling tail) {
  auto parts = std::make_unique<Parts>();
  parts->store = &store;
  if (!flags.config_file.empty()) {
    WEFT_ASSIGN_OR_RETURN(std::string text, read_text_file(flags.config_file));
    auto alerts_config = alerts::parse_alerts_config_text(text);
    if (!alerts_config.is_ok())
      return invalid_argument(flags.config_file + ": " + alerts_config.status().message());
    parts->alerts_config = std::move(alerts_config).value();
  }
  if (!flags.red_metrics) {
    if (tail.sampler)
      return invalid_argument(flags.config_file +
                              ": tail sampling runs in the pipeline, which --no-red-metrics "
                              "turns off");
    if (!parts->alerts_config.rules.empty())
      return invalid_argument(flags.config_file +
                              ": alerts need the RED metrics, which --no-red-metrics turns off");
    return std::unique_ptr<PipelineRuntime>(new PipelineRuntime(std::move(parts)));
  }

  metrics::MetricsStoreOptions mo;
  mo.data_dir = data_dir;
  WEFT_ASSIGN_OR_RETURN(mo.ten_second_retention_nanos,
                        query::parse_duration("--metrics-fine-retention", flags.fine_retention));
  WEFT_ASSIGN_OR_RETURN(mo.minute_retention_nanos, query::parse_duration(
                                                       "--metrics-coarse-retention",
                                                       flags.coarse_retention));
  mo.max_series_per_family = flags.max_series;
  WEFT_ASSIGN_OR_RETURN(mo.memory_budget_bytes,
                        parse_byte_size("--metrics-memory-budget", flags.memory_budget));
  if (mo.memory_budget_bytes == 0) mo.memory_budget_bytes = UINT64_MAX;  // "0": no budget
  graph::ServiceGraphOptions go;
  WEFT_ASSIGN_OR_RETURN(go.pairing_window_nanos,
                        query::parse_duration("--graph-window", flags.graph_window));
  if (go.pairing_window_nanos == 0) return invalid_argument("--graph-window must be above 0");
  go.user_client_for_roots = flags.graph_user_node;
  parts->prometheus.spans = flags.prometheus == "spans" || flags.prometheus == "all";
  parts->prometheus.edges = flags.prometheus == "edges" || flags.prometheus == "all";

  auto opened = metrics::MetricsStore::open(mo);
  if (!opened.is_ok())
    return Status(opened.status().code(),
                  "cannot open the RED metrics in " + data_dir + "/metrics: " +
                      opened.status().message());
  parts->metrics = std::move(opened).value();
  metrics::MetricsStore* m = parts->metrics.get();
  auto graph = std::make_unique<graph::ServiceGraph>(
      go, [m](std::vector<pipeline::EdgeSample>&& edges) { m->record_edges(edges); });
  parts->graph = graph.get();
  std::vector<std::unique_ptr<pipeline::Processor>> chain;
  chain.push_back(std::make_unique<metrics::RedProcessor>(*m));
  chain.push_back(std::move(graph));
  if (tail.sampler) {
    parts->sampler = tail.sampler;
    parts->sampler_dry_run = !tail.gate;
    chain.push_back(std::make_unique<SharedProcessor>(tail.sampler));
  }
  parts->chain = std::make_unique<pipeline::Pipeline>(store, std::move(chain));

  parts->reader = std::make_unique<RedMetricsReader>(*m);
  const alerts::AlertsConfig& ac = parts->alerts_config;
  alerts::AlertEngineOptions eo;
  eo.interval_ns = ac.evaluation_interval_ns;
  eo.max_exemplars = ac.max_exemplars;
  eo.external_url = ac.external_url;  // or weft's own address, learnt at start()
  eo.state_file = data_dir + "/alerts.state";
  // The webhook is made at start(), once weft's own address is known; the sink finds it
  // there (set before the engine's thread starts, never changed after).
  Parts* p = parts.get();
  alerts::NotificationSink sink = [p](const alerts::Notification& n) {
    if (p->webhook) p->webhook->enqueue(n);
  };
  parts->alerts = std::make_unique<alerts::AlertEngine>(ac.rules, *parts->reader,
                                                        std::move(sink), eo);
  register_gauges(*parts);
  return std::unique_ptr<PipelineRuntime>(new PipelineRuntime(std::move(parts)));
}

PipelineRuntime::PipelineRuntime(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

PipelineRuntime::~PipelineRuntime() { (void)stop(); }

SpanSink& PipelineRuntime::sink() {
  return parts_->chain ? static_cast<SpanSink&>(*parts_->chain) : *parts_->store;
}

api::PipelineViews PipelineRuntime::views() const {
  return {parts_->metrics.get(), parts_->alerts.get()};
}

query::DependencySource PipelineRuntime::dependency_source() const {
  if (!parts_->metrics) return {};
  return api::make_dependency_source(*parts_->metrics);
}

std::string PipelineRuntime::prometheus_text() const {
  if (!parts_->metrics || (!parts_->prometheus.spans && !parts_->prometheus.edges)) return {};
  return metrics::render_prometheus(*parts_->metrics, parts_->prometheus);
}

std::string PipelineRuntime::describe() const {
  if (!parts_->metrics) return "pipeline: RED metrics, service graph and alerts off";
  std::string s = "pipeline: RED metrics and service graph on (" +
                  std::to_string(parts_->metrics->series_count(metrics::Family::kSpans)) +
                  " series recovered)";
  const auto& ac = parts_->alerts_config;
  if (parts_->sampler) {
    const auto& tc = parts_->sampler->config();
    s += ", tail sampling (" + std::to_string(tc.policies.size()) + " polic" +
         (tc.policies.size() == 1 ? "y" : "ies") + ", decision " +
         std::to_string(tc.decision_wait_ns / 1'000'000) + " ms after a trace's last span" +
         (parts_->sampler_dry_run ? "; dry run: every trace is kept)"
                                  : "; dropped traces never reach a block)");
  }
  s += ", " + std::to_string(ac.rules.size()) + " alert rule" + (ac.rules.size() == 1 ? "" : "s");
  if (ac.webhook) s += " -> " + ac.webhook->url;
  return s;
}

void PipelineRuntime::start(const std::string& external_url) {
  Parts& p = *parts_;
  {
    std::lock_guard lock(p.mu);
    if (p.started || !p.metrics) return;
    p.started = true;
  }
  p.metrics->start();
  const alerts::AlertsConfig& ac = p.alerts_config;
  const std::string url = ac.external_url.empty() ? external_url : ac.external_url;
  if (ac.webhook) {
    p.webhook = std::make_unique<alerts::WebhookSender>(alerts::webhook_options(*ac.webhook, url),
                                                        make_webhook_poster());
    p.webhook->start();
    register_webhook_gauges(*p.webhook);
  }
  p.alerts->set_external_url(url);
  p.alerts->start(Clock::system());
  p.expiry = std::thread([&p] {
    std::unique_lock lock(p.mu);
    while (!p.cv.wait_for(lock, std::chrono::seconds(1), [&p] { return p.stopping; })) {
      lock.unlock();
      const uint64_t now = Clock::system().now_unix_nanos();
      p.graph->expire(now);
      if (p.sampler) {
        // Decisions take effect at the store's cuts (its gate asks the sampler); here they
        // are made and counted.
        (void)p.sampler->decide(now);
        count_sampler_decisions(p);
      }
      lock.lock();
    }
  });
}

Status PipelineRuntime::stop() {
  Parts& p = *parts_;
  {
    std::lock_guard lock(p.mu);
    if (p.stopped || !p.metrics) return Status::ok();
    p.stopped = true;
    p.stopping = true;
  }
  p.cv.notify_all();
  if (p.expiry.joinable()) p.expiry.join();
  if (p.alerts) p.alerts->stop();
  if (p.webhook) p.webhook->stop();
  // Halves still waiting: those with a peer become virtual edges now, the rest are dropped.
  p.graph->expire(UINT64_MAX);
  return p.metrics->close();
}

}  // namespace weft::server
