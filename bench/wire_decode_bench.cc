// OTLP wire codecs on a realistic 100-span request: 8 attributes per span (http.method,
// http.url with an id, user.id, ...), an event on one span in five, one resource and scope.
// Reports time per span (items = spans).
#include <benchmark/benchmark.h>

#include <random>

#include "wire/otlp_json.h"
#include "wire/otlp_proto.h"
#include "wire/zipkin_json.h"

namespace {

using namespace weft;  // NOLINT(google-build-using-namespace): benchmark file
using namespace weft::model;

constexpr int kSpans = 100;

std::vector<Span> realistic_spans() {
  std::mt19937_64 rng(42);
  auto res = std::make_shared<Resource>();
  res->attributes = {{"service.name", AnyValue("checkout")},
                     {"service.version", AnyValue("2.14.1")},
                     {"host.name", AnyValue("ip-10-0-3-17.ec2.internal")},
                     {"telemetry.sdk.language", AnyValue("cpp")}};
  auto scope = std::make_shared<InstrumentationScope>();
  scope->name = "io.opentelemetry.http";
  scope->version = "1.30.0";
  TraceId trace;
  std::vector<Span> spans;
  for (int i = 0; i < kSpans; ++i) {
    if (i % 10 == 0)
      for (auto& b : trace.bytes) b = static_cast<uint8_t>(rng());
    Span s;
    s.trace_id = trace;
    for (auto& b : s.span_id.bytes) b = static_cast<uint8_t>(rng());
    if (i % 10) s.parent_span_id = spans.back().span_id;
    s.name = i % 2 ? "GET /api/v1/orders/{id}" : "SELECT orders";
    s.kind = i % 2 ? SpanKind::kServer : SpanKind::kClient;
    s.start_time_unix_nano = 1700000000000000000ull + i * 1000000ull;
    s.end_time_unix_nano = s.start_time_unix_nano + 2345678;
    uint64_t id = rng() % 1000000;
    s.attributes = {
        {"http.method", AnyValue("GET")},
        {"http.url", AnyValue("https://shop.example.com/api/v1/orders/" + std::to_string(id) +
                              "?include=items")},
        {"http.status_code", AnyValue(int64_t{200})},
        {"http.user_agent", AnyValue("Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0")},
        {"user.id", AnyValue("user-" + std::to_string(id * 7))},
        {"net.peer.name", AnyValue("orders.internal")},
        {"net.peer.port", AnyValue(int64_t{8080})},
        {"thread.name", AnyValue("worker-3")},
    };
    if (i % 5 == 0)
      s.events = {{s.start_time_unix_nano + 1000, "cache.miss", {{"key", AnyValue("o:1")}}, 0}};
    s.status.code = i % 17 ? SpanStatusCode::kUnset : SpanStatusCode::kError;
    s.resource = res;
    s.scope = scope;
    spans.push_back(std::move(s));
  }
  return spans;
}

void BM_DecodeOtlpProto(benchmark::State& state) {
  std::string bytes = wire::encode_otlp_proto(realistic_spans());
  for (auto _ : state) {
    wire::DecodeResult r;
    auto st = wire::decode_otlp_proto(bytes, &r);
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(r.batch.spans.data());
  }
  state.SetItemsProcessed(state.iterations() * kSpans);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes.size()));
  state.counters["bytes_per_span"] = static_cast<double>(bytes.size()) / kSpans;
}
BENCHMARK(BM_DecodeOtlpProto);

void BM_EncodeOtlpProto(benchmark::State& state) {
  auto spans = realistic_spans();
  for (auto _ : state) {
    std::string out = wire::encode_otlp_proto(spans);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kSpans);
}
BENCHMARK(BM_EncodeOtlpProto);

void BM_DecodeOtlpJson(benchmark::State& state) {
  std::string text = wire::encode_otlp_json(realistic_spans());
  for (auto _ : state) {
    wire::DecodeResult r;
    auto st = wire::decode_otlp_json(text, &r);
    benchmark::DoNotOptimize(st);
  }
  state.SetItemsProcessed(state.iterations() * kSpans);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_DecodeOtlpJson);

void BM_EncodeOtlpJson(benchmark::State& state) {
  auto spans = realistic_spans();
  for (auto _ : state) {
    std::string out = wire::encode_otlp_json(spans);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kSpans);
}
BENCHMARK(BM_EncodeOtlpJson);

void BM_DecodeZipkinJson(benchmark::State& state) {
  std::string text = wire::encode_zipkin_json(realistic_spans());
  for (auto _ : state) {
    wire::DecodeResult r;
    auto st = wire::decode_zipkin_json(text, &r);
    benchmark::DoNotOptimize(st);
  }
  state.SetItemsProcessed(state.iterations() * kSpans);
}
BENCHMARK(BM_DecodeZipkinJson);

void BM_EncodeZipkinJson(benchmark::State& state) {
  auto spans = realistic_spans();
  for (auto _ : state) {
    std::string out = wire::encode_zipkin_json(spans);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kSpans);
}
BENCHMARK(BM_EncodeZipkinJson);

}  // namespace

BENCHMARK_MAIN();
