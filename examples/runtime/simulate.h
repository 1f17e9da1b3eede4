#pragma once
// Make-believe work for the demo services: latencies drawn from a log-normal distribution
// (what real service latencies look like: a body around the median and a long right tail),
// occasional spikes (a GC pause, a cold cache, a slow disk), and random failures.
#include <chrono>
#include <cstdint>

namespace demo {

// Uniform in [0, 1), from a per-thread generator.
double Uniform();
// True with probability p.
bool Chance(double p);
// Uniform integer in [lo, hi].
int64_t UniformInt(int64_t lo, int64_t hi);

struct Latency {
  double median_ms = 10;
  double sigma = 0.4;          // log-normal shape: 0.25 tight, 0.8 very spread
  double spike_chance = 0.01;  // probability of a spike
  double spike_factor = 12;    // a spike multiplies the drawn latency by this much
};

// A duration drawn from `l`.
std::chrono::microseconds Draw(const Latency& l);
// Sleeps for Draw(l); returns how long it meant to sleep.
std::chrono::microseconds Work(const Latency& l);

}  // namespace demo
