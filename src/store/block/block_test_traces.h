#pragma once
// Test helpers for the block tests: a rich trace set exercising every model field, writing
// traces to a block, and comparing traces. Header-only, tests only.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "model/span.h"
#include "store/block/block_reader.h"
#include "store/block/block_writer.h"
#include "store/testing/span_builder.h"

namespace weft::store::testing {

using namespace weft::model;

inline void sort_spans(Trace& t) {
  std::sort(t.spans.begin(), t.spans.end(), [](const Span& a, const Span& b) {
    if (a.start_time_unix_nano != b.start_time_unix_nano)
      return a.start_time_unix_nano < b.start_time_unix_nano;
    return a.span_id < b.span_id;
  });
}

// The order a block stores traces in: ascending (trace start, trace ID); spans sorted.
inline std::vector<Trace> in_block_order(std::vector<Trace> traces) {
  for (Trace& t : traces) sort_spans(t);
  auto start = [](const Trace& t) {
    uint64_t s = UINT64_MAX;
    for (const Span& sp : t.spans) s = std::min(s, sp.start_time_unix_nano);
    return s;
  };
  std::sort(traces.begin(), traces.end(), [&](const Trace& a, const Trace& b) {
    return std::pair(start(a), a.trace_id) < std::pair(start(b), b.trace_id);
  });
  return traces;
}

inline ::testing::AssertionResult same_trace(const Trace& want, const Trace& got) {
  if (want.trace_id != got.trace_id)
    return ::testing::AssertionFailure()
           << "trace id " << got.trace_id.to_hex() << " want " << want.trace_id.to_hex();
  if (want.spans.size() != got.spans.size())
    return ::testing::AssertionFailure() << want.trace_id.to_hex() << ": " << got.spans.size()
                                         << " spans, want " << want.spans.size();
  for (size_t i = 0; i < want.spans.size(); ++i)
    if (!same_span(want.spans[i], got.spans[i]))
      return ::testing::AssertionFailure() << want.trace_id.to_hex() << ": span " << i << " ("
                                           << want.spans[i].span_id.to_hex() << ") differs";
  return ::testing::AssertionSuccess();
}

// Writes `traces` (any order) to a block at `path`.
inline BlockMeta write_block(const std::string& path, std::vector<Trace> traces,
                             BlockWriterOptions o = {}) {
  traces = in_block_order(std::move(traces));
  auto w = BlockWriter::create(path, o);
  EXPECT_TRUE(w.is_ok()) << w.status().to_string();
  for (const Trace& t : traces) {
    Status s = (*w)->add_trace(t);
    EXPECT_TRUE(s.is_ok()) << s.to_string();
  }
  auto m = (*w)->finish();
  EXPECT_TRUE(m.is_ok()) << m.status().to_string();
  return m.is_ok() ? *m : BlockMeta{};
}

inline std::shared_ptr<BlockReader> open_block(const std::string& path) {
  auto r = BlockReader::open(path);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? *r : nullptr;
}

// Deterministic traces using every field of the model: all AnyValue types (nested arrays
// and lists, bytes, empty), events with attributes, links, trace state, status messages,
// dropped counts, RpcIds, external parents, end before start, empty names, null resources.
inline std::vector<Trace> rich_traces(int n) {
  std::vector<Trace> out;
  auto shared_res = resource("svc-a", {{"host.name", "h1"}, {"env", "prod"}});
  auto other_res = resource("svc-b", {{"host.name", "h2"}, {"k8s.pod", AnyValue(int64_t{7})}});
  auto odd_res = std::make_shared<Resource>();  // no service.name
  odd_res->attributes.push_back({"team", "x"});
  odd_res->dropped_attributes_count = 3;
  odd_res->schema_url = "https://schema/1";
  auto scope2 = std::make_shared<InstrumentationScope>();
  scope2->name = "lib";
  scope2->version = "2";
  scope2->attributes.push_back({"a", true});
  scope2->schema_url = "s";
  uint64_t state = 12345;
  auto rnd = [&]() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 17;
  };
  for (int t = 0; t < n; ++t) {
    Trace tr;
    tr.trace_id = trace_id(rnd());
    const int spans = 1 + static_cast<int>(rnd() % 12);
    for (int i = 0; i < spans; ++i) {
      Span s = make_span(0, 1000 + i, i == 0 ? 0 : 1000 + rnd() % i, "svc", "op", 0, 0);
      s.trace_id = tr.trace_id;
      s.start_time_unix_nano = kT0 + (t % 50) * 1000 * kMs + rnd() % (500 * kMs);
      s.end_time_unix_nano = s.start_time_unix_nano + rnd() % (200 * kMs);
      if (rnd() % 20 == 0) s.end_time_unix_nano = s.start_time_unix_nano - 5;  // end < start
      s.name = "op-" + std::to_string(rnd() % 7);
      if (rnd() % 30 == 0) s.name = "";
      if (rnd() % 25 == 0) s.name = "raw-name-" + std::to_string(rnd()) + std::string(600, 'x');
      s.kind = static_cast<SpanKind>(rnd() % 6);
      s.resource = rnd() % 3 == 0 ? other_res : shared_res;
      if (rnd() % 15 == 0) s.resource = odd_res;
      if (rnd() % 40 == 0) s.resource = nullptr;
      if (rnd() % 40 == 0) s.resource = resource("svc-fresh-" + std::to_string(rnd() % 3));
      s.scope = rnd() % 4 == 0 ? scope2 : scope();
      if (rnd() % 50 == 0) s.scope = nullptr;
      s.flags = rnd() % 5 == 0 ? 0x301 : 1;
      if (i > 0 && rnd() % 10 == 0) s.parent_span_id = span_id(900000 + rnd());  // external
      s.attributes = {{"http.method", rnd() % 2 ? "GET" : "POST"},
                      {"http.status_code", AnyValue(int64_t(rnd() % 3 ? 200 : 503))},
                      {"user.id", "user-" + std::to_string(rnd() % 5000)}};
      if (rnd() % 3 == 0) s.attributes.push_back({"ratio", AnyValue(0.1 * (rnd() % 100))});
      if (rnd() % 4 == 0) s.attributes.push_back({"retry", AnyValue(rnd() % 2 == 0)});
      if (rnd() % 5 == 0)
        s.attributes.push_back({"blob", AnyValue(Bytes{std::string("\0\1\2", 3)})});
      if (rnd() % 6 == 0)
        s.attributes.push_back(
            {"list", AnyValue(ArrayValue{AnyValue("a"), AnyValue(int64_t{-3}),
                                         AnyValue(ArrayValue{AnyValue(true), AnyValue()})})});
      if (rnd() % 6 == 0)
        s.attributes.push_back(
            {"kv", AnyValue(KeyValueList{{"x", AnyValue(1.5)},
                                         {"y", AnyValue(KeyValueList{{"z", "w"}})}})});
      if (rnd() % 7 == 0) s.attributes.push_back({"empty", AnyValue()});
      if (rnd() % 8 == 0) s.attributes.push_back({"http.status_code", "dup-as-string"});
      if (rnd() % 9 == 0) s.attributes.push_back({"long", std::string(700, 'L')});
      if (rnd() % 4 == 0) {
        SpanEvent e;
        e.time_unix_nano = s.start_time_unix_nano + rnd() % 1000;
        if (rnd() % 5 == 0) e.time_unix_nano = s.start_time_unix_nano - 100;
        e.name = rnd() % 2 ? "exception" : "cache.miss";
        e.attributes = {{"exception.type", "E" + std::to_string(rnd() % 4)},
                        {"attempt", AnyValue(int64_t(rnd() % 3))}};
        e.dropped_attributes_count = rnd() % 2;
        s.events.push_back(e);
        if (rnd() % 2) s.events.push_back(SpanEvent{s.start_time_unix_nano + 7, "", {}, 0});
      }
      if (rnd() % 6 == 0) {
        s.status.code = SpanStatusCode::kError;
        if (rnd() % 2) s.status.message = "boom " + std::to_string(rnd() % 10);
      } else if (rnd() % 5 == 0) {
        s.status.code = SpanStatusCode::kOk;
      }
      if (rnd() % 7 == 0) s.trace_state = "vendor=" + std::to_string(rnd() % 100);
      if (rnd() % 9 == 0) s.dropped_attributes_count = 2;
      if (rnd() % 11 == 0) s.dropped_events_count = 1;
      if (rnd() % 13 == 0) s.dropped_links_count = 4;
      if (rnd() % 5 == 0) s.rpc_id = "0." + std::to_string(i);
      if (rnd() % 6 == 0)
        s.links.push_back(
            SpanLink{trace_id(rnd()), span_id(rnd()), "ts=1", {{"link.kind", "x"}}, 1, 1});
      tr.spans.push_back(std::move(s));
    }
    out.push_back(std::move(tr));
  }
  return out;
}

}  // namespace weft::store::testing
