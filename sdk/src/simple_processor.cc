// The simple processor: exports each span on the thread that ends it, under a lock.
#include <mutex>

#include "weft/clock.h"
#include "weft/processor.h"

namespace weft {
namespace {

class SimpleProcessor final : public SpanProcessor {
 public:
  SimpleProcessor(std::shared_ptr<SpanExporter> exporter, std::shared_ptr<const ProviderInfo> info)
      : exporter_(std::move(exporter)), info_(std::move(info)) {}

  void OnEnd(const SpanRecord& record) noexcept override {
    std::lock_guard lock(mu_);
    detail::CalibrateClock();
    ++stats_.ended;
    if (stopped_) {
      ++stats_.dropped;
      return;
    }
    const SpanRecord* one[] = {&record};
    const ExportBatch batch{info_->resource(), info_->scopes(), one};
    (exporter_->Export(batch) == ExportResult::kSuccess ? stats_.exported : stats_.failed) += 1;
  }
  bool ForceFlush(std::chrono::milliseconds timeout) override {
    std::lock_guard lock(mu_);
    return exporter_->Flush(timeout);
  }
  void Shutdown(std::chrono::milliseconds timeout) override {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    exporter_->Flush(timeout);
    exporter_->Shutdown();
    stopped_ = true;
  }
  ProcessorStats stats() const override {
    std::lock_guard lock(mu_);
    return stats_;
  }

 private:
  std::shared_ptr<SpanExporter> exporter_;
  std::shared_ptr<const ProviderInfo> info_;
  mutable std::mutex mu_;
  ProcessorStats stats_;
  bool stopped_ = false;
};

}  // namespace

std::unique_ptr<SpanProcessor> MakeSimpleProcessor(std::shared_ptr<SpanExporter> exporter,
                                                   std::shared_ptr<const ProviderInfo> info) {
  return std::make_unique<SimpleProcessor>(std::move(exporter), std::move(info));
}

}  // namespace weft
