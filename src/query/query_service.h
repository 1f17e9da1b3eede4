#pragma once
// QueryService: what the HTTP APIs ask of the stored traces. It sees the store only through
// store/store.h: conditions the store understands (TraceQuery) are pushed down; the rest
// (SearchFilter) is applied here in a second pass over the fetched traces.
//
// Thread-safety: every method may be called concurrently (the Store is thread-safe and the
// service keeps no mutable state).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "model/query.h"
#include "model/span.h"
#include "store/store.h"

namespace weft::query {

using namespace weft::model;

// Conditions the Store interface cannot express, checked on whole traces.
struct SearchFilter {
  // Each key must appear on some span of the trace: as a span, resource or event attribute
  // key, or as an event name. "error" also matches a span with status ERROR. (Zipkin's bare
  // annotationQuery terms.)
  std::vector<std::string> keys;
  bool empty() const { return keys.empty(); }
};

// Search results with their traces: summaries[i] describes traces[i].
struct TraceSearchResult {
  std::vector<model::TraceSummary> summaries;
  std::vector<model::Trace> traces;
};

// Where service-to-service calls come from: the service graph the pipeline keeps at ingest
// (src/pipeline/graph, stored by src/pipeline/metrics; api/dependency_source.h adapts it).
// Called concurrently; links for calls ending in [start, end].
using DependencySource = std::function<Result<std::vector<model::DependencyLink>>(
    uint64_t start_unix_nano, uint64_t end_unix_nano)>;

class QueryService {
 public:
  // REQUIRES: `store` and `clock` outlive the service. Without `dependencies`,
  // dependencies() answers UNAVAILABLE (the pipeline's RED metrics are off).
  explicit QueryService(Store& store, const Clock& clock = Clock::system(),
                        DependencySource dependencies = {});

  // Wall-clock now, for defaults such as "end = now".
  uint64_t now_unix_nanos() const { return clock_.now_unix_nanos(); }

  // The trace with its spans sorted by start time, then RpcId (spans that have one first,
  // model/rpc_id_order.h), then span ID; nullopt if unknown.
  // Log-built placeholders whose span the trace holds from elsewhere are resolved
  // (placeholders.h).
  Result<std::optional<model::Trace>> get_trace(const model::TraceId& id);
  // The traces found among `ids`, in the order asked (unknown ones are left out).
  Result<std::vector<model::Trace>> get_traces(const std::vector<model::TraceId>& ids);

  // Trace summaries matching `query` (and `filter`), ordered and limited per model/query.h.
  Result<std::vector<model::TraceSummary>> search(const model::TraceQuery& query,
                                                  const SearchFilter& filter = {});
  // The same, with every matching trace fetched whole (Jaeger's /api/traces, Zipkin's
  // /api/v2/traces). A trace dropped by retention between search and fetch is left out.
  Result<TraceSearchResult> search_traces(const model::TraceQuery& query,
                                          const SearchFilter& filter = {});

  Result<std::vector<std::string>> services();
  // Operations of `service` (all services' if empty), of one kind if `kind` is set, sorted.
  Result<std::vector<model::OperationInfo>> operations(
      const std::string& service, std::optional<model::SpanKind> kind = std::nullopt);
  // The service as stored whose name equals `name` ignoring ASCII case (an exact match
  // wins); `name` itself if none does. Zipkin clients send names lowercased.
  Result<std::string> resolve_service(std::string_view name);
  // Span names of `service` matching `name` ignoring case (exact first); `name` if none.
  Result<std::string> resolve_operation(const std::string& service, std::string_view name);

  // Service-to-service calls ending in [start, end], sorted by (parent, child).
  Result<std::vector<model::DependencyLink>> dependencies(uint64_t start_unix_nano,
                                                          uint64_t end_unix_nano);

  // Store maintenance (admin API): see Store::flush / Store::compact.
  Status flush() { return store_.flush(); }
  Status compact() { return store_.compact(); }
  StoreStats store_stats() const { return store_.stats(); }

  Result<std::vector<std::string>> attribute_keys();
  Result<std::vector<std::string>> attribute_values(const std::string& key, size_t limit);

  // Services that spans of `service` call out to (their "peer.service" attribute, which is
  // where Zipkin's remoteEndpoint.serviceName lands), from the most recent
  // `kRemoteServiceSample` traces of `service` starting in [start, end]. Sorted.
  static constexpr size_t kRemoteServiceSample = 200;
  Result<std::vector<std::string>> remote_services(const std::string& service,
                                                   uint64_t start_unix_nano,
                                                   uint64_t end_unix_nano);

 private:
  Store& store_;
  const Clock& clock_;
  DependencySource dependencies_;
};

// Sorts trace->spans as get_trace returns them: start time, then RpcId (spans that have one
// first), then span ID. Stable; a no-op when they are in order already.
void sort_spans(model::Trace* trace);

// True if some span of `trace` carries `key` as a span, resource or event attribute key or
// as an event name ("error" also matches a span with status ERROR).
bool trace_has_key(const model::Trace& trace, std::string_view key);

}  // namespace weft::query

namespace weft {
// The service is the query layer's one entry point; callers outside it (server, cmd) name
// it without the namespace.
using query::QueryService;
}  // namespace weft
