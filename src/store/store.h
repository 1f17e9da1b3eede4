#pragma once
// The Store interface: what every storage backend (the embedded engine, later ClickHouse)
// offers to ingest and to the query layer. The query layer sees a store only through this
// header, never its internals.
//
// Thread-safety: every method may be called concurrently from any thread.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/query.h"
#include "model/span.h"

namespace weft {

struct StoreStats {
  uint64_t spans = 0;  // spans held (head + blocks)
  uint64_t traces = 0;  // head + blocks; a trace split over several counts in each
  uint64_t head_bytes = 0;  // approximate memory held by the head
  uint64_t head_budget_bytes = 0;
  uint64_t evicted_traces = 0;  // since start
  uint64_t evicted_spans = 0;
  uint64_t wal_bytes = 0;  // bytes in live WAL segments
  uint64_t wal_segments = 0;
  uint64_t wal_syncs = 0;        // fsync calls since start
  uint64_t recovered_spans = 0;  // replayed from the WAL at open
  uint64_t wal_corruptions = 0;  // damaged WAL tails/segments/records dropped at open
  uint64_t duplicate_spans = 0;  // spans dropped because their trace already held the ID
  uint64_t blocks = 0;           // live blocks
  uint64_t block_bytes = 0;      // their files' bytes
  uint64_t block_spans = 0;
  uint64_t flushes = 0;      // blocks cut from the head since start
  uint64_t compactions = 0;  // merges since start
  uint64_t retention_dropped_blocks = 0;
  uint64_t flush_errors = 0;  // failed block writes (retried)
  uint64_t gate_dropped_traces = 0;  // left out of blocks by the trace gate (tail sampling)
  uint64_t gate_dropped_spans = 0;
};

// Where receivers put what they accepted: a Store, or the agent's disk queue
// (store/queue/disk_queue.h), which forwards instead of answering queries.
class SpanSink {
 public:
  virtual ~SpanSink() = default;

  // Appends `batch` and calls `done` exactly once: with OK once the spans are durable under
  // the configured fsync policy (for a Store: and visible to queries), or with an error, in
  // which case none of the batch was acknowledged: UNAVAILABLE (out of disk, shutting down)
  // or RESOURCE_EXHAUSTED (overloaded: too many bytes waiting). `done` runs on a sink thread
  // (or, for an immediate refusal, on the caller's thread before write() returns) and must
  // not block. The batch's spans have passed validation (ids non-zero).
  virtual void write(model::SpanBatch batch, std::function<void(Status)> done) = 0;
};

class Store : public SpanSink {
 public:
  // Every span of the trace (sorted by start time, then span ID), or nullopt if unknown.
  // Needs no time range.
  virtual Result<std::optional<model::Trace>> get_trace(const model::TraceId& id) = 0;
  // get_trace of each of `ids`: out[i] for ids[i]. Stores that can fetch many traces
  // cheaper than one at a time (the embedded store reads each block page once) override it.
  virtual Result<std::vector<std::optional<model::Trace>>> get_traces(
      const std::vector<model::TraceId>& ids) {
    std::vector<std::optional<model::Trace>> out;
    out.reserve(ids.size());
    for (const model::TraceId& id : ids) {
      WEFT_ASSIGN_OR_RETURN(std::optional<model::Trace> t, get_trace(id));
      out.push_back(std::move(t));
    }
    return out;
  }

  // Traces matching `query` under the semantics of model/query.h, ordered and limited.
  virtual Result<std::vector<model::TraceSummary>> search(const model::TraceQuery& query) = 0;

  // Service names, sorted.
  virtual Result<std::vector<std::string>> services() = 0;
  // Span names (with kind) seen for `service`, sorted; all services' if `service` is empty.
  virtual Result<std::vector<model::OperationInfo>> operations(const std::string& service) = 0;

  // Attribute keys seen (span and resource), sorted; values seen for one key (capped).
  // Used by Zipkin's autocomplete and the UI.
  virtual Result<std::vector<std::string>> attribute_keys() = 0;
  virtual Result<std::vector<std::string>> attribute_values(const std::string& key,
                                                            size_t limit) = 0;

  virtual StoreStats stats() const = 0;

  // Makes everything acknowledged so far part of the store's long-term form (the embedded
  // store: cuts the head into a block) and returns once that is durable.
  virtual Status flush() = 0;
  // Merges stored data into its most compact form now (the embedded store: merges
  // neighbouring blocks until no two fit together under the block size limit), without
  // waiting for the background policy; returns once durable.
  virtual Status compact() = 0;

  // Stops accepting writes, waits for pending ones to become durable, syncs. Idempotent.
  virtual Status close() = 0;
};

}  // namespace weft
