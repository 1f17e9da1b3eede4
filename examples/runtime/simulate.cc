#include "runtime/simulate.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <thread>

namespace demo {
namespace {

std::mt19937_64& Rng() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

}  // namespace

double Uniform() { return std::uniform_real_distribution<double>(0, 1)(Rng()); }

bool Chance(double p) { return Uniform() < p; }

int64_t UniformInt(int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(Rng());
}

std::chrono::microseconds Draw(const Latency& l) {
  // The median of a log-normal is exp(mu).
  std::lognormal_distribution<double> dist(std::log(l.median_ms), l.sigma);
  double ms = dist(Rng());
  if (Chance(l.spike_chance)) ms *= l.spike_factor;
  ms = std::min(ms, 5'000.0);  // keep the demo responsive even in the far tail
  return std::chrono::microseconds(static_cast<int64_t>(ms * 1000));
}

std::chrono::microseconds Work(const Latency& l) {
  const auto d = Draw(l);
  std::this_thread::sleep_for(d);
  return d;
}

}  // namespace demo
