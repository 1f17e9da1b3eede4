#include "metrics/prometheus_text.h"

#include <cstdio>
#include <utility>
#include <vector>

#include "common/metrics.h"

namespace weft::pipeline::metrics {
namespace {

constexpr double kQuantiles[] = {0.5, 0.9, 0.95, 0.99};

std::string labels_of(const SeriesKey& k) {
  std::vector<std::pair<const char*, std::string>> l;
  if (k.family == Family::kSpans) {
    l = {{"service", k.service()},
         {"operation", k.operation()},
         {"span_kind", model::span_kind_name(k.span_kind())},
         {"status", k.error() ? "error" : "ok"}};
  } else {
    l = {{"client", k.client()},
         {"server", k.server()},
         {"server_kind", peer_kind_name(k.server_kind())},
         {"virtual", k.virtual_server() ? "true" : "false"},
         {"messaging", k.messaging() ? "true" : "false"}};
  }
  std::string out;
  for (const auto& [name, value] : l) {
    if (!out.empty()) out.push_back(',');
    out += name;
    out += "=\"";
    append_prometheus_label_value(out, value);
    out.push_back('"');
  }
  return out;
}

void render_family(std::string& out, const std::vector<SeriesSnapshot>& series, const char* prefix,
                   const char* what) {
  if (series.empty()) return;
  std::vector<std::string> labels;
  labels.reserve(series.size());
  for (const SeriesSnapshot& s : series) labels.push_back(labels_of(s.key));
  char num[64];
  auto counter = [&](const char* name, const char* help, auto value_of) {
    out += std::string("# HELP ") + prefix + name + " " + help + " of " + what + ".\n";
    out += std::string("# TYPE ") + prefix + name + " counter\n";
    for (size_t i = 0; i < series.size(); ++i) {
      std::snprintf(num, sizeof num, "%llu", static_cast<unsigned long long>(value_of(series[i])));
      out += std::string(prefix) + name + "{" + labels[i] + "} " + num + "\n";
    }
  };
  counter("_calls_total", "Calls", [](const SeriesSnapshot& s) { return s.calls_total; });
  counter("_errors_total", "Calls with status ERROR",
          [](const SeriesSnapshot& s) { return s.errors_total; });
  out += std::string("# HELP ") + prefix + "_duration_seconds Duration quantiles of " + what +
         " over the last closed 10 s bucket.\n";
  out += std::string("# TYPE ") + prefix + "_duration_seconds gauge\n";
  for (size_t i = 0; i < series.size(); ++i) {
    const Sketch& d = series[i].last_closed.durations;
    if (d.empty()) continue;
    for (double q : kQuantiles) {
      std::snprintf(num, sizeof num, "%g\"} %.9g\n", q, d.quantile(q) / 1e9);
      out += std::string(prefix) + "_duration_seconds{" + labels[i] + ",quantile=\"" + num;
    }
  }
}

}  // namespace

std::string render_prometheus(const MetricsStore& store, PrometheusFamilies families,
                              uint64_t now_unix_nano) {
  std::string out;
  if (families.spans)
    render_family(out, store.snapshot(Family::kSpans, now_unix_nano), "weft_red", "spans");
  if (families.edges)
    render_family(out, store.snapshot(Family::kEdges, now_unix_nano), "weft_edge",
                  "service graph edges");
  return out;
}

}  // namespace weft::pipeline::metrics
