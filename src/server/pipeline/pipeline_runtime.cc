#include "server/pipeline/pipeline_runtime.h"

#include <condition_variable>
#include <fstream>
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
#include "server/pipeline/red_metrics_reader.h"
#include "server/webhook_poster.h"

namespace weft::server {

namespace alerts = pipeline::alerts;
namespace graph = pipeline::graph;
namespace metrics = pipeline::metrics;

struct PipelineRuntime::Parts {
  SpanSink* store = nullptr;
  metrics::PrometheusFamilies prometheus;
  std::unique_ptr<metrics::MetricsStore> metrics;
  graph::ServiceGraph* graph = nullptr;  // owned by `chain`
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

// weft's own figures of the pipeline, read when /metrics is scraped.
void register_gauges(PipelineRuntime::Parts& p) {
  auto& reg = MetricsRegistry::global();
  metrics::MetricsStore* m = p.metrics.get();
  reg.callback_gauge("weft_red_series", "RED span series held (capped by --metrics-max-series)",
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
  {
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
}

}  // namespace

Result<std::unique_ptr<PipelineRuntime>> PipelineRuntime::open(const PipelineFlags& flags,
                                                               const std::string& data_dir,
                                                               SpanSink& store) {
  auto parts = std::make_unique<Parts>();
  parts->store = &store;
  if (!flags.config_file.empty()) {
    WEFT_ASSIGN_OR_RETURN(std::string text, read_text_file(flags.config_file));
    auto config = alerts::parse_alerts_config_text(text);
    if (!config.is_ok())
      return invalid_argument(flags.config_file + ": " + config.status().message());
    parts->alerts_config = std::move(config).value();
  }
  if (!flags.red_metrics) {
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
  parts->chain = std::make_unique<pipeline::Pipeline>(store, std::move(chain));

  parts->reader = std::make_unique<RedMetricsReader>(*m);
  const alerts::AlertsConfig& ac = parts->alerts_config;
  alerts::AlertEngineOptions eo;
  eo.interval_ns = ac.evaluation_interval_ns;
  eo.max_exemplars = ac.max_exemplars;
  eo.external_url = ac.external_url;  // or weft's own address, learnt at start()
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
      p.graph->expire(Clock::system().now_unix_nanos());
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
