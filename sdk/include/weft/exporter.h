#pragma once
// Exporters turn batches of finished SpanRecords into bytes somewhere: a collector over
// OTLP/HTTP or OTLP/gRPC, a trace log file, or memory (tests). Export is called from one
// thread at a time (the processor's), never from the application's threads with the batch
// processor.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "weft/clock.h"
#include "weft/span_record.h"
#include "weft/value.h"

namespace weft {

struct InstrumentationScope {
  std::string name;
  std::string version;
};

struct Resource {
  KeyValueList attributes;  // includes service.name
  std::string_view service_name() const;
};

// The resource and the instrumentation scopes of one tracer provider. Scopes are appended
// (never changed or removed) as tracers are made; a reader may use the first scope_count()
// entries while others are appended.
class ProviderInfo {
 public:
  static constexpr size_t kMaxScopes = 1024;
  explicit ProviderInfo(Resource resource);
  const Resource& resource() const { return resource_; }
  // Index of (name, version), added if new; the last index is reused when the table is full.
  uint16_t InternScope(std::string_view name, std::string_view version);
  std::span<const InstrumentationScope> scopes() const {
    return {scopes_.get(), count_.load(std::memory_order_acquire)};
  }

 private:
  Resource resource_;
  std::unique_ptr<InstrumentationScope[]> scopes_;
  std::atomic<size_t> count_{0};
  std::mutex mu_;
};

struct ExportBatch {
  const Resource& resource;
  // Indexed by SpanRecord::scope.
  std::span<const InstrumentationScope> scopes;
  // Valid only during the Export call, and only until Release() if the exporter calls it.
  // With the batch processor they point into its per-thread rings (no copy).
  std::span<const SpanRecord* const> spans;

  // Optional: an exporter that has finished reading `spans` before Export returns (it has
  // encoded them into its request) says so, and the processor reuses their memory for new
  // spans while the request is on the wire. At most once per Export call.
  void Release() const {
    if (release_fn) release_fn(release_ctx);
  }
  void (*release_fn)(void*) = nullptr;  // set by the processor; null = nothing to do
  void* release_ctx = nullptr;
};

enum class ExportResult : uint8_t { kSuccess, kFailure };

struct ExporterStats {
  uint64_t exported_spans = 0;  // acknowledged by the receiver
  uint64_t failed_spans = 0;    // given up on after retries, or rejected
  uint64_t retries = 0;
};

class SpanExporter {
 public:
  virtual ~SpanExporter() = default;
  // Retries (with backoff, bounded) are the exporter's business; the processor calls once.
  virtual ExportResult Export(const ExportBatch& batch) = 0;
  // Makes anything buffered durable (the log exporter fsyncs).
  virtual bool Flush(std::chrono::milliseconds timeout) {
    (void)timeout;
    return true;
  }
  virtual void Shutdown() {}
  virtual ExporterStats stats() const { return {}; }
};

// --- built-in exporters ---

struct OtlpHttpExporterOptions {
  std::string endpoint = "http://127.0.0.1:4318/v1/traces";
  bool gzip = false;
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{10'000};
  int max_attempts = 5;  // 1 = no retries
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{5'000};
  // What the timeout, the backoff and the retry budget are timed with; null = the system's
  // steady clock (tests inject a fake one).
  std::shared_ptr<const SteadyClock> clock;
};
std::unique_ptr<SpanExporter> MakeOtlpHttpExporter(OtlpHttpExporterOptions options);

// Trace log lines in ../shared/LOGFORMAT.md's format (one JSON object per span; events as
// log.* lines), appended to `path` in whole-line writes from a preallocated buffer.
struct LogLineExporterOptions {
  std::string path;
  size_t buffer_bytes = 1 << 20;
  bool fsync_on_flush = true;
  // What the flush interval is timed with; null = the system's steady clock (tests).
  std::shared_ptr<const SteadyClock> clock;
};
std::unique_ptr<SpanExporter> MakeLogLineExporter(LogLineExporterOptions options);

}  // namespace weft
