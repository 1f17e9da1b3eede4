#pragma once
// Helpers for exporter tests: real SpanRecords made through the public API (Init with the
// simple processor and an exporter that keeps byte copies of the records), replayable as an
// ExportBatch into the exporter under test.
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "weft/exporter.h"
#include "weft/weft.h"

namespace weft::testing {

class RecordCapture final : public SpanExporter {
 public:
  ExportResult Export(const ExportBatch& batch) override {
    std::lock_guard lock(mu_);
    resource_ = batch.resource;
    scopes_.assign(batch.scopes.begin(), batch.scopes.end());
    for (const SpanRecord* r : batch.spans) {
      auto copy = std::make_unique<uint64_t[]>(r->size / 8 + 1);
      std::memcpy(copy.get(), r, r->size);
      storage_.push_back(std::move(copy));
      records_.push_back(reinterpret_cast<const SpanRecord*>(storage_.back().get()));
    }
    return ExportResult::kSuccess;
  }
  ExportBatch batch() const { return ExportBatch{resource_, scopes_, records_}; }
  const std::vector<const SpanRecord*>& records() const { return records_; }
  const Resource& resource() const { return resource_; }
  const std::vector<InstrumentationScope>& scopes() const { return scopes_; }

 private:
  std::mutex mu_;
  Resource resource_;
  std::vector<InstrumentationScope> scopes_;
  std::vector<std::unique_ptr<uint64_t[]>> storage_;
  std::vector<const SpanRecord*> records_;
};

// Runs `body` under a fresh SDK (simple processor, RpcIds if asked) and returns the records
// of the spans it ended, in end order.
inline std::shared_ptr<RecordCapture> Capture(const std::function<void(Sdk&)>& body,
                                              bool rpc_ids = false,
                                              const std::function<void(Options&)>& tweak = {}) {
  auto capture = std::make_shared<RecordCapture>();
  Options o;
  o.service_name = "exp-test";
  o.resource_attributes = {{"service.version", Value("1.2.3")}};
  o.exporter = capture;
  o.simple_processor = true;
  o.flush_on_signal = false;
  o.rpc_ids = rpc_ids;
  if (tweak) tweak(o);
  Sdk sdk = Init(std::move(o));
  body(sdk);
  sdk.ForceFlush();
  sdk.Shutdown();
  return capture;
}

}  // namespace weft::testing
