#include "loadgen/workload.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>
#include <unordered_map>

#include "loadgen/batch_cutter.h"
#include "loadgen/catalog.h"

namespace weft::loadgen {

using namespace weft::model;

namespace {

WorkloadOptions options_with_seed(uint64_t seed) {
  WorkloadOptions o;
  o.seed = seed;
  return o;
}

bool has_exception(const Span& s) {
  for (const SpanEvent& e : s.events)
    if (e.name == "exception") return true;
  return false;
}

TEST(PrngTest, SameSeedSameSequence) {
  Prng a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const uint64_t x = a.next();
    EXPECT_EQ(x, b.next());
    differs |= x != c.next();
  }
  EXPECT_TRUE(differs);
}

TEST(PrngTest, KnownFirstValue) {
  // Pins the generator: changing it changes the reference workload for every seed.
  Prng p(1);
  EXPECT_EQ(p.next(), 12966619160104079557ULL);
  for (int i = 0; i < 1000; ++i) EXPECT_LT(p.below(7), 7u);
}

TEST(WorkloadTest, ReferenceWorkloadIsPinned) {
  // Seed 1's first trace. If this changes, the reference workload changed: every published
  // figure in BENCHMARKS.md was measured on other spans. Change it only on purpose.
  WorkloadGenerator gen(options_with_seed(1));
  const Trace t = gen.next_trace();
  EXPECT_EQ(t.trace_id.to_hex(), "b3f2af6d0fc710c5853b559647364cea");
  ASSERT_EQ(t.spans.size(), 4u);
  EXPECT_EQ(t.spans[0].name, "POST /api/v1/users");
}

TEST(CatalogTest, TwentyServicesTwoHundredNamesFortyPeers) {
  const Catalog& c = Catalog::reference();
  ASSERT_EQ(c.services().size(), 20u);
  EXPECT_EQ(c.services()[0].name, "svc-00");
  EXPECT_EQ(c.services()[19].name, "svc-19");
  const auto names = c.span_names();
  EXPECT_EQ(names.size(), 200u);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 200u);
  const auto peers = c.peer_names();
  EXPECT_EQ(std::set<std::string>(peers.begin(), peers.end()).size(), 40u);
  for (const auto& s : c.services()) {
    for (const auto& r : s.resources) {
      ASSERT_NE(r, nullptr);
      EXPECT_EQ(r->attributes.size(), 4u);
      EXPECT_EQ(r->service_name(), s.name);
    }
    for (int d : s.downstream) EXPECT_GT(d, &s - &c.services()[0]);
  }
}

TEST(WorkloadTest, SameSeedSameTraces) {
  WorkloadGenerator a(options_with_seed(7)), b(options_with_seed(7)), c(options_with_seed(8));
  for (int i = 0; i < 200; ++i) {
    Trace x = a.next_trace(), y = b.next_trace(), z = c.next_trace();
    ASSERT_EQ(x.trace_id, y.trace_id);
    EXPECT_NE(x.trace_id, z.trace_id);
    ASSERT_EQ(x.spans.size(), y.spans.size());
    for (size_t s = 0; s < x.spans.size(); ++s) ASSERT_TRUE(same_span(x.spans[s], y.spans[s]));
  }
}

TEST(WorkloadTest, TreesAreWellFormed) {
  WorkloadGenerator gen(options_with_seed(3));
  const WorkloadOptions o = options_with_seed(3);
  for (int t = 0; t < 2000; ++t) {
    const Trace trace = gen.next_trace();
    ASSERT_FALSE(trace.spans.empty());
    std::unordered_map<SpanId, const Span*, FixedIdHash> by_id;
    for (const Span& s : trace.spans) {
      EXPECT_EQ(s.trace_id, trace.trace_id);
      EXPECT_FALSE(s.span_id.is_zero());
      EXPECT_TRUE(by_id.emplace(s.span_id, &s).second) << "duplicate span ID";
    }
    int roots = 0;
    for (size_t i = 0; i < trace.spans.size(); ++i) {
      const Span& s = trace.spans[i];
      if (i > 0) {
        EXPECT_LE(trace.spans[i - 1].start_time_unix_nano, s.start_time_unix_nano);
      }
      EXPECT_GE(s.start_time_unix_nano, o.start_unix_nano);
      EXPECT_LT(s.start_time_unix_nano, s.end_time_unix_nano);
      ASSERT_NE(s.resource, nullptr);
      ASSERT_NE(s.scope, nullptr);
      if (s.kind == SpanKind::kClient && s.is_error() && !has_exception(s)) {
        // Propagated failure: the call's HTTP status says so too.
        const AnyValue* code = find_attribute(s.attributes, "http.status_code");
        ASSERT_NE(code, nullptr);
        EXPECT_GE(*code->as_int(), 400);
      }
      if (s.kind == SpanKind::kConsumer) {
        EXPECT_TRUE(s.is_root());
        ASSERT_EQ(s.links.size(), 1u);
        auto producer = by_id.find(s.links[0].span_id);
        ASSERT_NE(producer, by_id.end());
        EXPECT_EQ(producer->second->kind, SpanKind::kProducer);
        EXPECT_GE(s.start_time_unix_nano, producer->second->start_time_unix_nano);
        continue;
      }
      if (s.is_root()) {
        ++roots;
        EXPECT_EQ(s.kind, SpanKind::kServer);
        continue;
      }
      auto parent = by_id.find(s.parent_span_id);
      ASSERT_NE(parent, by_id.end()) << "missing parent";
      const Span& p = *parent->second;
      EXPECT_GE(s.start_time_unix_nano, p.start_time_unix_nano);
      EXPECT_LE(s.end_time_unix_nano, p.end_time_unix_nano) << "child outlives its parent";
      if (s.kind == SpanKind::kServer) {
        EXPECT_EQ(p.kind, SpanKind::kClient);
        EXPECT_NE(s.service_name(), p.service_name());
      } else {
        EXPECT_EQ(s.resource, p.resource) << "same service and host as the parent";
      }
    }
    EXPECT_EQ(roots, 1);
  }
}

struct ShapeStats {
  uint64_t traces = 0, regular_traces = 0, regular_spans = 0, spans = 0, large = 0;
  uint64_t error_traces = 0, slow_traces = 0, attributes = 0, events = 0;
  uint64_t client_calls = 0, virtual_calls = 0, producers = 0, max_regular = 0;
  std::set<std::string> names, services;
};

ShapeStats collect(uint64_t seed, int traces) {
  ShapeStats st;
  WorkloadGenerator gen(options_with_seed(seed));
  for (int t = 0; t < traces; ++t) {
    const Trace trace = gen.next_trace();
    ++st.traces;
    st.spans += trace.spans.size();
    if (trace.spans.size() >= 1000) {
      ++st.large;
    } else {
      ++st.regular_traces;
      st.regular_spans += trace.spans.size();
      st.max_regular = std::max<uint64_t>(st.max_regular, trace.spans.size());
    }
    bool error = false, slow = false;
    std::set<SpanId> clients_with_server;
    for (const Span& s : trace.spans)
      if (s.kind == SpanKind::kServer && !s.is_root()) clients_with_server.insert(s.parent_span_id);
    for (const Span& s : trace.spans) {
      error |= s.status.code == SpanStatusCode::kError && !s.events.empty() &&
               s.events.back().name == "exception";
      slow |= find_attribute(s.attributes, "feature.flag") != nullptr;
      st.attributes += s.attributes.size();
      st.events += s.events.size();
      st.names.insert(s.name);
      st.services.insert(std::string(s.service_name()));
      if (s.kind == SpanKind::kClient) {
        ++st.client_calls;
        if (!clients_with_server.count(s.span_id)) ++st.virtual_calls;
      }
      if (s.kind == SpanKind::kProducer) ++st.producers;
    }
    st.error_traces += error;
    st.slow_traces += slow;
  }
  return st;
}

TEST(WorkloadTest, StatisticalShapeMatchesWorkloadMd) {
  const ShapeStats st = collect(11, 20000);
  std::printf(
      "traces %llu spans %llu regular mean %.2f large %llu errors %llu slow %llu "
      "attrs/span %.2f events/span %.3f virtual %llu/%llu producers %llu names %zu\n",
      (unsigned long long)st.traces, (unsigned long long)st.spans,
      double(st.regular_spans) / double(st.regular_traces), (unsigned long long)st.large,
      (unsigned long long)st.error_traces, (unsigned long long)st.slow_traces,
      double(st.attributes) / double(st.spans), double(st.events) / double(st.spans),
      (unsigned long long)st.virtual_calls, (unsigned long long)st.client_calls,
      (unsigned long long)st.producers, st.names.size());
  const double regular_mean = double(st.regular_spans) / double(st.regular_traces);
  EXPECT_NEAR(regular_mean, 10.0, 0.5);
  EXPECT_LE(st.max_regular, 60u);
  EXPECT_GE(st.large, 5u);  // 1 in 1000 of 20000: expect 20
  EXPECT_LE(st.large, 40u);
  EXPECT_NEAR(double(st.error_traces) / double(st.traces), 0.02, 0.005);
  EXPECT_NEAR(double(st.slow_traces) / double(st.traces), 0.01, 0.004);
  EXPECT_NEAR(double(st.attributes) / double(st.spans), 8.0, 0.6);
  EXPECT_NEAR(double(st.events) / double(st.spans), 0.2 + 0.02 / 10, 0.03);
  const double virtual_ratio = double(st.virtual_calls) / double(st.client_calls);
  EXPECT_GT(virtual_ratio, 0.02);
  EXPECT_LT(virtual_ratio, 0.05);
  EXPECT_GT(st.producers, 0u);
  EXPECT_EQ(st.services.size(), 20u);
  EXPECT_GE(st.names.size(), 190u);
  EXPECT_LE(st.names.size(), 200u);
}

TEST(BatchCutterTest, ExactSizesAndLimit) {
  BatchCutter cutter(options_with_seed(5), 100, 1050);
  std::vector<Span> batch;
  std::vector<size_t> sizes;
  while (cutter.next(&batch)) sizes.push_back(batch.size());
  ASSERT_EQ(sizes.size(), 11u);
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ(sizes[i], 100u);
  EXPECT_EQ(sizes.back(), 50u);
  EXPECT_EQ(cutter.spans_emitted(), 1050u);
}

TEST(BatchCutterTest, BatchesAreTheTraceStreamInOrder) {
  WorkloadGenerator gen(options_with_seed(9));
  BatchCutter cutter(options_with_seed(9), 37, 0);
  std::vector<Span> batch;
  size_t at = 0;
  Trace trace = gen.next_trace();
  for (int b = 0; b < 50; ++b) {
    ASSERT_TRUE(cutter.next(&batch));
    ASSERT_EQ(batch.size(), 37u);
    for (const Span& s : batch) {
      if (at == trace.spans.size()) {
        trace = gen.next_trace();
        at = 0;
      }
      ASSERT_TRUE(same_span(s, trace.spans[at++]));
    }
  }
}

}  // namespace
}  // namespace weft::loadgen
