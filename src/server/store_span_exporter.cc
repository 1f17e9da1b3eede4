#include "server/store_span_exporter.h"

#include <atomic>
#include <future>
#include <string>

#include "weft/otlp_encoding.h"

namespace weft::server {

namespace {

class StoreSpanExporter final : public weft::SpanExporter {
 public:
  explicit StoreSpanExporter(ingest::Ingestor& ingestor) : ingestor_(ingestor) {}

  weft::ExportResult Export(const weft::ExportBatch& batch) override {
    if (batch.spans.empty()) return weft::ExportResult::kSuccess;
    weft::EncodeOtlpExportRequest(batch, &encoded_);  // one thread calls Export at a time
    std::promise<ingest::IngestOutcome> promise;
    std::future<ingest::IngestOutcome> outcome = promise.get_future();
    ingestor_.ingest(ingest::Protocol::kSidecar, ingest::Encoding::kOtlpProto, encoded_,
                     [&promise](ingest::IngestOutcome o) { promise.set_value(std::move(o)); });
    const ingest::IngestOutcome o = outcome.get();
    if (!o.status.ok()) {
      failed_.fetch_add(batch.spans.size(), std::memory_order_relaxed);
      return weft::ExportResult::kFailure;
    }
    exported_.fetch_add(o.accepted_spans, std::memory_order_relaxed);
    failed_.fetch_add(o.rejected_spans, std::memory_order_relaxed);
    return weft::ExportResult::kSuccess;
  }

  weft::ExporterStats stats() const override {
    weft::ExporterStats s;
    s.exported_spans = exported_.load(std::memory_order_relaxed);
    s.failed_spans = failed_.load(std::memory_order_relaxed);
    return s;
  }

 private:
  ingest::Ingestor& ingestor_;
  std::string encoded_;
  std::atomic<uint64_t> exported_{0};
  std::atomic<uint64_t> failed_{0};
};

}  // namespace

std::unique_ptr<weft::SpanExporter> make_store_span_exporter(ingest::Ingestor& ingestor) {
  return std::make_unique<StoreSpanExporter>(ingestor);
}

}  // namespace weft::server
