#pragma once
// What one RED time series is about. Two families share one key shape, so the store, the
// per-batch aggregation and the file format handle both alike:
//   kSpans: (service, operation, span kind, status: error or not) -- one per span series;
//   kEdges: (client, server, server PeerKind, virtual server, messaging) -- one per edge of
//           the service graph (pipeline/edge_sample.h).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "model/span.h"
#include "pipeline/edge_sample.h"

namespace weft::pipeline::metrics {

enum class Family : uint8_t { kSpans = 0, kEdges = 1 };
inline constexpr size_t kFamilyCount = 2;
const char* family_name(Family f);  // "spans", "edges"

// The name overflow series carry (bounded cardinality: metrics_store.h).
inline constexpr std::string_view kOtherName = "__other__";

struct SeriesKey {
  Family family = Family::kSpans;
  std::string first;   // kSpans: service;   kEdges: client
  std::string second;  // kSpans: operation; kEdges: server
  uint8_t kind = 0;    // kSpans: model::SpanKind; kEdges: PeerKind of the server
  uint8_t flags = 0;   // kSpans: kError;     kEdges: kVirtual | kMessaging

  static constexpr uint8_t kError = 1;
  static constexpr uint8_t kVirtual = 1;
  static constexpr uint8_t kMessaging = 2;

  static SeriesKey span(std::string service, std::string operation, model::SpanKind kind,
                        bool error);
  static SeriesKey edge(const EdgeSample& e);

  // kSpans accessors.
  const std::string& service() const { return first; }
  const std::string& operation() const { return second; }
  model::SpanKind span_kind() const { return static_cast<model::SpanKind>(kind); }
  bool error() const { return flags & kError; }
  // kEdges accessors.
  const std::string& client() const { return first; }
  const std::string& server() const { return second; }
  PeerKind server_kind() const { return static_cast<PeerKind>(kind); }
  bool virtual_server() const { return flags & kVirtual; }
  bool messaging() const { return flags & kMessaging; }

  friend bool operator==(const SeriesKey&, const SeriesKey&) = default;
  friend auto operator<=>(const SeriesKey&, const SeriesKey&) = default;
};

struct SeriesKeyHash {
  size_t operator()(const SeriesKey& k) const;
};

// The key with the same shape but views of the strings: for lookups on the hot path without
// copying the strings of every span.
struct SeriesKeyView {
  Family family;
  std::string_view first, second;
  uint8_t kind, flags;
  friend bool operator==(const SeriesKeyView&, const SeriesKeyView&) = default;
};
size_t hash_key(const SeriesKeyView& k);
// hash_key() in parts, for callers that hash a name once for many keys:
// hash_key(k) == hash_key_parts(k.family, hash_name(k.first), hash_name(k.second), k.kind,
// k.flags).
inline size_t hash_name(std::string_view s) { return std::hash<std::string_view>{}(s); }
inline size_t hash_key_parts(Family family, size_t first_hash, size_t second_hash, uint8_t kind,
                             uint8_t flags) {
  size_t v = first_hash;
  v ^= second_hash + 0x9E3779B97F4A7C15ULL + (v << 6) + (v >> 2);
  v ^= (static_cast<size_t>(family) << 16 | static_cast<size_t>(kind) << 8 | flags) *
       0xff51afd7ed558ccdULL;
  return v;
}
inline SeriesKeyView view_of(const SeriesKey& k) {
  return {k.family, k.first, k.second, k.kind, k.flags};
}

}  // namespace weft::pipeline::metrics
