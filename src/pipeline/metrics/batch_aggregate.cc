#include "metrics/batch_aggregate.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace weft::pipeline::metrics {
namespace {
constexpr size_t kMinIndex = 64;
constexpr size_t kChunkBytes = 4096;
}  // namespace

void BatchAggregate::reserve(size_t spans) {
  // A batch has at most one entry per span; usually far fewer.
  const size_t entries = std::min<size_t>(spans, 4096);
  entries_.reserve(entries);
  const size_t want = std::bit_ceil(std::max(kMinIndex, 2 * entries));
  if (want > index_.size()) grow_index(want);
}

void BatchAggregate::grow_index(size_t capacity) {
  std::vector<IndexSlot> fresh(capacity);
  const size_t mask = capacity - 1;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const AggregateEntry& e = entries_[i];
    const size_t h = slot_hash(e.key_hash, e.bucket_start_unix_nano);
    size_t p = h & mask;
    while (fresh[p].entry) p = (p + 1) & mask;
    fresh[p] = {static_cast<uint32_t>(i + 1), static_cast<uint32_t>(h >> 32)};
  }
  index_.swap(fresh);
}

std::string_view BatchAggregate::copy_name(std::string_view name) {
  if (name.empty()) return {};
  if (name.size() > chunk_left_) {
    const size_t n = std::max(kChunkBytes, name.size());
    chunks_.push_back(std::make_unique_for_overwrite<char[]>(n));
    chunk_pos_ = chunks_.back().get();
    chunk_left_ = n;
  }
  std::memcpy(chunk_pos_, name.data(), name.size());
  std::string_view copy(chunk_pos_, name.size());
  chunk_pos_ += name.size();
  chunk_left_ -= name.size();
  return copy;
}

AggregateEntry& BatchAggregate::slot(const SeriesKeyView& key, size_t key_hash,
                                     uint64_t end_unix_nano) {
  const uint64_t bucket = end_unix_nano - end_unix_nano % kTenSeconds;
  const size_t h = slot_hash(key_hash, bucket);
  const auto tag = static_cast<uint32_t>(h >> 32);
  if (index_.empty()) [[unlikely]]
    grow_index(kMinIndex);
  size_t mask = index_.size() - 1;
  size_t p = h & mask;
  for (;; p = (p + 1) & mask) {
    const IndexSlot s = index_[p];
    if (!s.entry) break;
    if (s.tag != tag) continue;
    AggregateEntry& e = entries_[s.entry - 1];
    if (e.bucket_start_unix_nano == bucket && e.key_hash == key_hash && e.key == key)
        [[likely]]
      return e;
  }
  // A new entry (the index stays at most half full).
  if (2 * (entries_.size() + 1) > index_.size()) {
    grow_index(2 * index_.size());
    mask = index_.size() - 1;
    p = h & mask;
    while (index_[p].entry) p = (p + 1) & mask;
  }
  AggregateEntry& e = entries_.emplace_back();
  const std::string_view first =
      key.first == last_first_ ? last_first_ : (last_first_ = copy_name(key.first));
  e.key = SeriesKeyView{key.family, first, copy_name(key.second), key.kind, key.flags};
  e.key_hash = key_hash;
  e.bucket_start_unix_nano = bucket;
  index_[p] = {static_cast<uint32_t>(entries_.size()), tag};
  return e;
}

void BatchAggregate::add_span_hashed(std::string_view service, size_t service_hash,
                                     std::string_view operation, model::SpanKind kind, bool error,
                                     uint64_t end_unix_nano, uint64_t duration_nanos,
                                     const model::TraceId& trace) {
  const auto k = static_cast<uint8_t>(kind);
  const auto flags = static_cast<uint8_t>(error ? SeriesKey::kError : 0);
  SeriesKeyView key{Family::kSpans, service, operation, k, flags};
  const size_t key_hash =
      hash_key_parts(Family::kSpans, service_hash, hash_name(operation), k, flags);
  slot(key, key_hash, end_unix_nano).add(duration_nanos, error, trace, end_unix_nano);
}

void BatchAggregate::add_edge(const EdgeSample& e) {
  SeriesKeyView key{Family::kEdges, e.client, e.server, static_cast<uint8_t>(e.server_kind),
                    static_cast<uint8_t>((e.virtual_server ? SeriesKey::kVirtual : 0) |
                                         (e.messaging ? SeriesKey::kMessaging : 0))};
  // EdgeSample carries no trace ID: edge series keep no exemplars.
  slot(key, hash_key(key), e.end_unix_nano)
      .add(e.duration_nanos, e.error, model::TraceId{}, e.end_unix_nano);
}

}  // namespace weft::pipeline::metrics
