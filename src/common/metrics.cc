#include "common/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace weft {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double v) {
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micro_.fetch_add(static_cast<uint64_t>(std::max(0.0, v) * 1e6), std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::bucket_counts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  for (size_t i = 0; i < out.size(); ++i) out[i] = buckets_[i].load(std::memory_order_relaxed);
  return out;
}

double Histogram::sum() const { return static_cast<double>(sum_micro_.load()) / 1e6; }

std::vector<double> latency_buckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,    0.1,    0.25,    0.5,    1,     2.5,    5,     10};
}

MetricsRegistry& MetricsRegistry::global() {
  static auto* registry = new MetricsRegistry();  // never destroyed: used from any thread
  return *registry;
}

Family<Counter>& MetricsRegistry::counter(const std::string& name, const std::string& help,
                                          std::vector<std::string> labels) {
  std::lock_guard lock(mu_);
  auto& f = counters_[name];
  if (!f)
    f = std::make_unique<Family<Counter>>(name, help, std::move(labels),
                                          [] { return std::make_unique<Counter>(); });
  return *f;
}

Family<Gauge>& MetricsRegistry::gauge(const std::string& name, const std::string& help,
                                      std::vector<std::string> labels) {
  std::lock_guard lock(mu_);
  auto& f = gauges_[name];
  if (!f)
    f = std::make_unique<Family<Gauge>>(name, help, std::move(labels),
                                        [] { return std::make_unique<Gauge>(); });
  return *f;
}

Family<Histogram>& MetricsRegistry::histogram(const std::string& name, const std::string& help,
                                              std::vector<std::string> labels,
                                              std::vector<double> bounds) {
  std::lock_guard lock(mu_);
  auto& f = histograms_[name];
  if (!f)
    f = std::make_unique<Family<Histogram>>(
        name, help, std::move(labels), [bounds] { return std::make_unique<Histogram>(bounds); });
  return *f;
}

void MetricsRegistry::callback_gauge(const std::string& name, const std::string& help,
                                     std::function<double()> fn) {
  std::lock_guard lock(mu_);
  callbacks_[name] = CallbackGauge{help, std::move(fn)};
}

void append_prometheus_label_value(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

namespace {

std::string label_set(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      const std::string& extra = {}) {
  if (names.empty() && extra.empty()) return {};
  std::string s = "{";
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (i) s += ",";
    s += names[i];
    s += "=\"";
    append_prometheus_label_value(s, values[i]);
    s += "\"";
  }
  if (!extra.empty()) {
    if (s.size() > 1) s += ",";
    s += extra;
  }
  s += "}";
  return s;
}

std::string format_double(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void header(std::string& out, const std::string& name, const std::string& help, const char* type) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

std::string MetricsRegistry::render() const {
  std::lock_guard lock(mu_);
  std::string out;
  // Plain references, not structured bindings: lambdas capture them (clang-14 cannot
  // capture a binding).
  for (const auto& entry : counters_) {
    const std::string& name = entry.first;
    const auto& f = entry.second;
    header(out, name, f->help(), "counter");
    f->for_each([&](const std::vector<std::string>& lv, const Counter& c) {
      out += name + label_set(f->label_names(), lv) + " " + std::to_string(c.value()) + "\n";
    });
  }
  for (const auto& entry : gauges_) {
    const std::string& name = entry.first;
    const auto& f = entry.second;
    header(out, name, f->help(), "gauge");
    f->for_each([&](const std::vector<std::string>& lv, const Gauge& g) {
      out += name + label_set(f->label_names(), lv) + " " + std::to_string(g.value()) + "\n";
    });
  }
  for (const auto& [name, cb] : callbacks_) {
    header(out, name, cb.help, "gauge");
    out += name + " " + format_double(cb.fn()) + "\n";
  }
  for (const auto& entry : histograms_) {
    const std::string& name = entry.first;
    const auto& f = entry.second;
    header(out, name, f->help(), "histogram");
    f->for_each([&](const std::vector<std::string>& lv, const Histogram& h) {
      auto counts = h.bucket_counts();
      uint64_t cum = 0;
      for (size_t i = 0; i < counts.size(); ++i) {
        cum += counts[i];
        std::string le =
            "le=\"" + (i < h.bounds().size() ? format_double(h.bounds()[i]) : std::string("+Inf")) +
            "\"";
        out += name + "_bucket" + label_set(f->label_names(), lv, le) + " " + std::to_string(cum) +
               "\n";
      }
      out += name + "_sum" + label_set(f->label_names(), lv) + " " + format_double(h.sum()) + "\n";
      out += name + "_count" + label_set(f->label_names(), lv) + " " + std::to_string(h.count()) +
             "\n";
    });
  }
  return out;
}

}  // namespace weft
