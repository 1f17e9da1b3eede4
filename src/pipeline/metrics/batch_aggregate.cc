#include "metrics/batch_aggregate.h"

namespace weft::pipeline::metrics {

BucketStats& BatchAggregate::slot(const SeriesKeyView& key, uint64_t end_unix_nano) {
  const uint64_t bucket = end_unix_nano - end_unix_nano % kTenSeconds;
  const size_t key_hash = hash_key(key);
  auto it = index_.find(Slot{key, bucket, key_hash});
  if (it != index_.end()) [[likely]]
    return it->second->stats;
  AggregateEntry& e = entries_.emplace_back();
  e.key =
      SeriesKey{key.family, std::string(key.first), std::string(key.second), key.kind, key.flags};
  e.key_hash = key_hash;
  e.bucket_start_unix_nano = bucket;
  index_.emplace(Slot{view_of(e.key), bucket, key_hash}, &e);
  return e.stats;
}

void BatchAggregate::add_span(std::string_view service, std::string_view operation,
                              model::SpanKind kind, bool error, uint64_t end_unix_nano,
                              uint64_t duration_nanos, const model::TraceId& trace) {
  SeriesKeyView key{Family::kSpans, service, operation, static_cast<uint8_t>(kind),
                    static_cast<uint8_t>(error ? SeriesKey::kError : 0)};
  slot(key, end_unix_nano).add(duration_nanos, error, trace, end_unix_nano);
}

void BatchAggregate::add_edge(const EdgeSample& e) {
  SeriesKeyView key{Family::kEdges, e.client, e.server, static_cast<uint8_t>(e.server_kind),
                    static_cast<uint8_t>((e.virtual_server ? SeriesKey::kVirtual : 0) |
                                         (e.messaging ? SeriesKey::kMessaging : 0))};
  // EdgeSample carries no trace ID: edge series keep no exemplars.
  slot(key, e.end_unix_nano).add(e.duration_nanos, e.error, model::TraceId{}, e.end_unix_nano);
}

}  // namespace weft::pipeline::metrics
