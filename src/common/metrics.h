#pragma once
// weft's own metrics, rendered as Prometheus text on /metrics.
//
// Usage: metrics families are created once (usually as function-local statics through
// `MetricsRegistry::global()`), children looked up by label values once and cached by the
// caller on hot paths. Counters and gauges are lock-free; histograms take no lock either.
// Thread-safe throughout.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace weft {

// Appends a label value escaped as the Prometheus text format wants it (\\, \", \n).
void append_prometheus_label_value(std::string& out, std::string_view v);

class Counter {
 public:
  void inc(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class Gauge {
 public:
  void set(int64_t v) { v_.store(v, std::memory_order_relaxed); }
  void add(int64_t d) { v_.fetch_add(d, std::memory_order_relaxed); }
  int64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> v_{0};
};

// Cumulative histogram over fixed upper bounds (seconds for latencies).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  // Per-bucket counts (non-cumulative), with one extra for +Inf.
  std::vector<uint64_t> bucket_counts() const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micro_{0};  // sum in millionths, to stay lock-free
};

// Default latency buckets in seconds: 50µs .. 10s.
std::vector<double> latency_buckets();

template <typename T>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::function<std::unique_ptr<T>()> make)
      : name_(std::move(name)),
        help_(std::move(help)),
        label_names_(std::move(label_names)),
        make_(std::move(make)) {}
  // The child for these label values (created on first use). The reference stays valid.
  T& with(const std::vector<std::string>& label_values) {
    std::lock_guard lock(mu_);
    auto& slot = children_[label_values];
    if (!slot) slot = make_();
    return *slot;
  }
  T& get() { return with({}); }

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  template <typename F>
  void for_each(F&& f) const {
    std::lock_guard lock(mu_);
    for (const auto& [labels, child] : children_) f(labels, *child);
  }

 private:
  std::string name_, help_;
  std::vector<std::string> label_names_;
  std::function<std::unique_ptr<T>()> make_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> children_;
};

class MetricsRegistry {
 public:
  static MetricsRegistry& global();

  // Returns the family of that name, creating it on first call (later calls with the same
  // name return the same family; help and labels of the first call win).
  Family<Counter>& counter(const std::string& name, const std::string& help,
                           std::vector<std::string> labels = {});
  Family<Gauge>& gauge(const std::string& name, const std::string& help,
                       std::vector<std::string> labels = {});
  Family<Histogram>& histogram(const std::string& name, const std::string& help,
                               std::vector<std::string> labels = {},
                               std::vector<double> bounds = latency_buckets());
  // A gauge computed when /metrics is read.
  void callback_gauge(const std::string& name, const std::string& help, std::function<double()> fn);

  // Prometheus text exposition format 0.0.4.
  std::string render() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Family<Counter>>> counters_;
  std::map<std::string, std::unique_ptr<Family<Gauge>>> gauges_;
  std::map<std::string, std::unique_ptr<Family<Histogram>>> histograms_;
  struct CallbackGauge {
    std::string help;
    std::function<double()> fn;
  };
  std::map<std::string, CallbackGauge> callbacks_;
};

}  // namespace weft
