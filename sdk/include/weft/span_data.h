#pragma once
// SpanData: a finished span decoded into owned, plain fields, and the in-memory exporter
// that keeps them (for tests and for tools that want spans in-process). Decoding allocates;
// it is not on the application's hot path.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "weft/exporter.h"
#include "weft/span_record.h"
#include "weft/value.h"

namespace weft {

struct EventData {
  uint64_t time_ns = 0;
  std::string name;
  KeyValueList attributes;
  uint32_t dropped_attributes = 0;
};

struct LinkData {
  TraceId trace_id;
  SpanId span_id;
  std::string trace_state;
  KeyValueList attributes;
  uint32_t flags = 0;
};

struct SpanData {
  TraceId trace_id;
  SpanId span_id;
  SpanId parent_span_id;
  std::string name;
  std::string trace_state;
  std::string rpc_id;
  std::string current_rpc_id;  // INTERNAL spans in an RpcId request: the request's RpcId
  SpanKind kind = SpanKind::kInternal;
  uint64_t start_ns = 0;
  uint64_t end_ns = 0;
  StatusCode status = StatusCode::kUnset;
  std::string status_message;
  uint8_t flags = 0;
  bool parent_remote = false;
  KeyValueList attributes;
  std::vector<EventData> events;
  std::vector<LinkData> links;
  uint32_t dropped_attributes = 0;
  uint32_t dropped_events = 0;
  uint32_t dropped_links = 0;
  std::string scope_name;
  std::string scope_version;

  // The value of attribute `key`, or null.
  const Value* attribute(std::string_view key) const;
};

// Decodes a record; `scopes` (may be empty) names the scope. A record whose data does not
// parse (it always does, unless memory was corrupted) yields what was read before the fault.
SpanData DecodeSpanRecord(const SpanRecord& record,
                          std::span<const InstrumentationScope> scopes = {});
// Decodes an OTLP AnyValue / KeyValue message body.
Value DecodeAnyValue(std::string_view bytes);
std::pair<std::string, Value> DecodeKeyValue(std::string_view bytes);

class InMemoryExporter final : public SpanExporter {
 public:
  ExportResult Export(const ExportBatch& batch) override;
  ExporterStats stats() const override;
  std::vector<SpanData> spans() const;
  size_t size() const;
  void Clear();
  // The resource of the last batch.
  Resource resource() const;

 private:
  mutable std::mutex mu_;
  std::vector<SpanData> spans_;
  Resource resource_;
  uint64_t exported_ = 0;
};

}  // namespace weft
