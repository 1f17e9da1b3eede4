#include "metrics/series_key.h"

#include <utility>

namespace weft::pipeline::metrics {

const char* family_name(Family f) { return f == Family::kEdges ? "edges" : "spans"; }

SeriesKey SeriesKey::span(std::string service, std::string operation, model::SpanKind kind,
                          bool error) {
  return {Family::kSpans, std::move(service), std::move(operation), static_cast<uint8_t>(kind),
          static_cast<uint8_t>(error ? kError : 0)};
}

SeriesKey SeriesKey::edge(const EdgeSample& e) {
  return {Family::kEdges, e.client, e.server, static_cast<uint8_t>(e.server_kind),
          static_cast<uint8_t>((e.virtual_server ? kVirtual : 0) | (e.messaging ? kMessaging : 0))};
}

size_t hash_key(const SeriesKeyView& k) {
  return hash_key_parts(k.family, hash_name(k.first), hash_name(k.second), k.kind, k.flags);
}

size_t SeriesKeyHash::operator()(const SeriesKey& k) const { return hash_key(view_of(k)); }

}  // namespace weft::pipeline::metrics
