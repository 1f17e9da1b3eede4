#pragma once
// Span processors receive every ended, sampled span. OnEnd runs on the application's thread
// and must not block: the batch processor copies the record into a per-thread ring and
// returns; a full ring drops the span and counts it.
#include <chrono>
#include <cstdint>
#include <memory>

#include "weft/exporter.h"
#include "weft/span_record.h"

namespace weft {

struct ProcessorStats {
  uint64_t ended = 0;     // spans handed to OnEnd
  uint64_t dropped = 0;   // queue full, or ended after shutdown
  uint64_t exported = 0;  // batches the exporter reported as success, in spans
  uint64_t failed = 0;    // in batches the exporter reported as failure, in spans
};

class SpanProcessor {
 public:
  virtual ~SpanProcessor() = default;
  virtual void OnEnd(const SpanRecord& record) noexcept = 0;
  // Exports everything ended before the call; true if done within `timeout`.
  virtual bool ForceFlush(std::chrono::milliseconds timeout) = 0;
  // Flushes, then stops; later OnEnd calls drop and count.
  virtual void Shutdown(std::chrono::milliseconds timeout) = 0;
  virtual ProcessorStats stats() const = 0;
};

struct BatchProcessorOptions {
  // Each producer thread gets its own lock-free single-producer ring of this many bytes
  // (allocated on the thread's first span). A span record is ~100 bytes plus its attributes.
  // Spans are exported from the ring where they lie, so it holds what the thread ends while
  // an export runs plus that thread's part of the batch being encoded (or, with an exporter
  // that does not call ExportBatch::Release, of the batch in flight).
  size_t ring_bytes_per_thread = 256 << 10;
  // A batch is exported when this many spans are waiting, or every `export_interval`.
  size_t max_export_batch = 2048;
  std::chrono::milliseconds export_interval{200};
};

// The exporter is called from the processor's own thread. The exporter is shared with the
// caller only so tests can read it back; it must not be exported to from elsewhere.
std::unique_ptr<SpanProcessor> MakeBatchProcessor(std::shared_ptr<SpanExporter> exporter,
                                                  std::shared_ptr<const ProviderInfo> info,
                                                  BatchProcessorOptions options = {});
// Exports each span on the thread that ends it, under a lock. For tests and tiny tools.
std::unique_ptr<SpanProcessor> MakeSimpleProcessor(std::shared_ptr<SpanExporter> exporter,
                                                   std::shared_ptr<const ProviderInfo> info);

}  // namespace weft
