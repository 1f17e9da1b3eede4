#pragma once
// Span and sampler builders for the sampling tests.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/clock.h"
#include "sampling/tail_sampler.h"

namespace weft::pipeline::sampling::testing {

using namespace weft::model;

inline TraceId trace_id(uint64_t n) {
  TraceId id;
  for (int i = 0; i < 8; ++i) {
    // Spread n over both halves (shard and hash) with a cheap mix.
    const uint64_t mixed = (n + 1) * 0x9E3779B97F4A7C15ULL;
    id.bytes[i] = static_cast<uint8_t>(mixed >> (8 * i));
    id.bytes[8 + i] = static_cast<uint8_t>(n >> (8 * i));
  }
  return id;
}

inline SpanId span_id(uint64_t n) {
  SpanId id;
  for (int i = 0; i < 8; ++i) id.bytes[i] = static_cast<uint8_t>((n + 1) >> (8 * i));
  return id;
}

inline std::shared_ptr<const Resource> resource(const std::string& service,
                                                KeyValueList extra = {}) {
  auto r = std::make_shared<Resource>();
  r->attributes.push_back(KeyValue{"service.name", AnyValue(service)});
  for (auto& kv : extra) r->attributes.push_back(std::move(kv));
  return r;
}

// A span of trace `t`; the root when `root`. Times in ms from a fixed epoch.
inline Span span(uint64_t t, uint64_t n, bool root, uint64_t start_ms, uint64_t end_ms,
                 const std::string& service = "svc", const std::string& name = "op") {
  Span s;
  s.trace_id = trace_id(t);
  s.span_id = span_id(n);
  if (!root) s.parent_span_id = span_id(n + 1000000);
  s.name = name;
  s.start_time_unix_nano = 1'000'000'000'000ULL + start_ms * 1'000'000ULL;
  s.end_time_unix_nano = 1'000'000'000'000ULL + end_ms * 1'000'000ULL;
  s.resource = resource(service);
  s.scope = std::make_shared<InstrumentationScope>();
  return s;
}

inline SpanBatch batch(std::vector<Span> spans) { return SpanBatch{std::move(spans)}; }

// Parses `yaml` (a whole config file) into a sampler; fails the test on error.
inline std::unique_ptr<TailSampler> sampler_from(const std::string& yaml, const Clock& clock,
                                                 TailSamplerOptions options = {}) {
  auto config = parse_tail_sampling_config_text(yaml);
  EXPECT_TRUE(config.is_ok()) << config.status().to_string();
  if (!config.is_ok()) return nullptr;
  auto sampler = TailSampler::create(std::move(config).value(), clock, options);
  EXPECT_TRUE(sampler.is_ok()) << sampler.status().to_string();
  return sampler.is_ok() ? std::move(sampler).value() : nullptr;
}

// Observes and commits a batch directly (the batch is durable).
inline void feed(TailSampler& s, const SpanBatch& b) {
  auto obs = s.observe(b);
  if (obs) obs->commit();
}

}  // namespace weft::pipeline::sampling::testing
