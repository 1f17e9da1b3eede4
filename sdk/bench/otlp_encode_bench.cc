// Exporter CPU per span: OTLP request encoding (target <= 0.2 us per typical span), gzip of
// the request, and trace log-line formatting, over a batch of 512 typical spans (a name and 5
// attributes: method, URL, status code, peer address and port) made through the public API.
#include <benchmark/benchmark.h>
#include <zlib.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "../src/log/line_format.h"
#include "../src/otlp/encode.h"
#include "weft/weft.h"

namespace {

class Capture final : public weft::SpanExporter {
 public:
  weft::ExportResult Export(const weft::ExportBatch& batch) override {
    resource_ = batch.resource;
    scopes_.assign(batch.scopes.begin(), batch.scopes.end());
    for (const weft::SpanRecord* r : batch.spans) {
      storage_.push_back(std::make_unique<uint64_t[]>(r->size / 8 + 1));
      std::memcpy(storage_.back().get(), r, r->size);
      records_.push_back(reinterpret_cast<const weft::SpanRecord*>(storage_.back().get()));
    }
    return weft::ExportResult::kSuccess;
  }
  weft::ExportBatch batch() const { return {resource_, scopes_, records_}; }
  size_t size() const { return records_.size(); }

 private:
  weft::Resource resource_;
  std::vector<weft::InstrumentationScope> scopes_;
  std::vector<std::unique_ptr<uint64_t[]>> storage_;
  std::vector<const weft::SpanRecord*> records_;
};

const Capture& TypicalBatch() {
  static std::shared_ptr<Capture> capture = [] {
    auto c = std::make_shared<Capture>();
    weft::Options o;
    o.service_name = "bench";
    o.exporter = c;
    o.simple_processor = true;
    o.flush_on_signal = false;
    weft::Sdk sdk = weft::Init(std::move(o));
    weft::Tracer t = sdk.tracer("bench-scope", "1.0");
    for (int i = 0; i < 512; ++i) {
      weft::Span s = t.StartSpan("GET /api/orders", weft::SpanKind::kClient);
      s.SetAttributes({{"http.request.method", "GET"},
                       {"url.full", "http://orders.internal:8080/api/orders?id=12345"},
                       {"http.response.status_code", 200},
                       {"server.address", "orders.internal"},
                       {"server.port", 8080}});
    }
    sdk.Shutdown();
    return c;
  }();
  return *capture;
}

void BM_OtlpEncode512(benchmark::State& state) {
  const Capture& c = TypicalBatch();
  const weft::ExportBatch batch = c.batch();
  std::string out;
  for (auto _ : state) {
    weft::otlp::EncodeExportRequest(batch, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * c.size());
  state.counters["bytes_per_span"] = static_cast<double>(out.size()) / c.size();
  state.counters["ns_per_span"] =
      benchmark::Counter(static_cast<double>(state.iterations() * c.size()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_OtlpEncode512);

void BM_OtlpEncodeGzip512(benchmark::State& state) {
  const Capture& c = TypicalBatch();
  const weft::ExportBatch batch = c.batch();
  std::string out, gz;
  z_stream z{};
  deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  for (auto _ : state) {
    weft::otlp::EncodeExportRequest(batch, &out);
    deflateReset(&z);
    gz.resize(deflateBound(&z, out.size()));
    z.next_in = reinterpret_cast<Bytef*>(out.data());
    z.avail_in = static_cast<uInt>(out.size());
    z.next_out = reinterpret_cast<Bytef*>(gz.data());
    z.avail_out = static_cast<uInt>(gz.size());
    deflate(&z, Z_FINISH);
    benchmark::DoNotOptimize(gz.data());
  }
  deflateEnd(&z);
  state.SetItemsProcessed(state.iterations() * c.size());
  state.counters["gzip_bytes_per_span"] = static_cast<double>(z.total_out) / c.size();
}
BENCHMARK(BM_OtlpEncodeGzip512);

void BM_LogLineFormat512(benchmark::State& state) {
  const Capture& c = TypicalBatch();
  const weft::ExportBatch batch = c.batch();
  weft::log::LineFormatter f;
  std::string out;
  for (auto _ : state) {
    out.clear();
    f.SetResource(batch.resource);
    for (const weft::SpanRecord* r : batch.spans) f.Format(*r, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * c.size());
  state.counters["bytes_per_span"] = static_cast<double>(out.size()) / c.size();
}
BENCHMARK(BM_LogLineFormat512);

}  // namespace

BENCHMARK_MAIN();
