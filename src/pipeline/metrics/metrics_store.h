#pragma once
// The RED time-series store: per series (series_key.h) per time bucket, calls, errors, a
// duration sketch and exemplar trace IDs. Fed by the red_metrics processor (spans) and the
// service graph (edges); read by the metrics APIs, /metrics and the SLA alerts.
//
// Resolution and retention. 10-second buckets for `ten_second_retention` (default 6 h), then
// rolled into 1-minute buckets kept for `minute_retention` (default 7 d). Both tiers live on
// disk under <data_dir>/metrics/ (docs/format/metrics.md). In memory (closed buckets packed:
// their sketches encoded): the whole 10-second tier and the recent part of the minute tier.
//
// Memory budget. When the estimated bytes held (bytes_held()) exceed `memory_budget_bytes`
// after a flush (or while reloading), the oldest 1-minute buckets are dropped from memory --
// only minutes whose MINUTE record a flush has durably written (appended and fdatasync'ed):
// a store without a data_dir never evicts -- and each family's minute horizon
// (minute_horizon()) moves past them. A query whose range starts before a family's horizon
// reads those minutes back from the segment files (only segments whose MINUTE records
// overlap the range) and merges them with memory: answers are the same as with everything
// in memory; services()/operations()/series_count() too (a series stays known while it has
// unexpired minutes on disk). The 10-second tier and minutes not yet durable are never
// evicted, so the budget must leave room for them (the estimate shows it). The roll happens in flush(): the 10-second
// horizon is floor_to_minute(now - ten_second_retention), and every 10-second bucket that
// starts before it becomes part of its minute, which is then final and written once.
//
// Bucketing. A span (or edge) is counted in the 10-second bucket holding its end time --
// unless that bucket starts before the 10-second horizon (late: older than the in-memory
// window) or more than 5 minutes after now (future: a skewed clock): then it is counted in
// the bucket holding `now`, and in late_spans() / future_spans(). Its figures are never
// dropped.
//
// Durability. flush(now) persists every bucket closed by `now` (end <= now) that has
// unpersisted data, as delta records; close() also persists the open buckets, so a graceful
// restart loses nothing; a crash loses at most the last flush interval. open() reloads the
// segments; a damaged tail is dropped and counted (damaged_bytes()), never fatal.
//
// Bounded cardinality. At most `max_series_per_family` series per family. A new series
// beyond it goes to its overflow series -- operation "__other__" under its service (edges:
// server "__other__" under its client), of which at most `max_overflow_series_per_family`
// exist beyond the cap -- or, past that too, to service (client) "__other__"; every call
// so redirected is counted (overflowed_calls()).
//
// Thread-safety: record() and the queries run concurrently from any thread (series are
// sharded, each shard under its own mutex; record() takes each shard it touches once);
// flush()/close() are serialised with each other.
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "metrics/batch_aggregate.h"
#include "metrics/bucket_stats.h"
#include "metrics/series_key.h"

namespace weft::pipeline::metrics {

class SegmentSet;
struct BucketRecord;

struct MetricsStoreOptions {
  // Segments go to <data_dir>/metrics/. Empty: memory only (nothing persisted).
  std::string data_dir;
  uint64_t ten_second_retention_nanos = 6ULL * 3600 * 1'000'000'000;
  uint64_t minute_retention_nanos = 7ULL * 24 * 3600 * 1'000'000'000;
  size_t max_series_per_family = 10'000;
  size_t max_overflow_series_per_family = 1'000;
  uint64_t flush_interval_nanos = 10'000'000'000ULL;  // the background thread's period
  uint64_t segment_max_bytes = 16 << 20;              // then a new segment file
  // Estimated bytes of buckets and series held in memory, beyond which the oldest durable
  // 1-minute buckets are evicted (read back from disk by queries). UINT64_MAX: no limit.
  uint64_t memory_budget_bytes = 128ULL << 20;
  const Clock* clock = &Clock::system();
};

// Which series a query reads. Empty / unset fields match everything.
struct SeriesFilter {
  std::vector<std::string> services;        // kSpans: service; kEdges: client or server
  std::optional<std::string> operation;     // kSpans only
  std::vector<model::SpanKind> span_kinds;  // kSpans only
  std::string client, server;               // kEdges only
};

// How series are grouped in a query's answer: the fields not grouped by are merged (and
// blank in the answer's keys: operation "", kind 0, flags 0).
enum class GroupBy {
  kService,           // kSpans: service
  kOperation,         // kSpans: service, operation
  kOperationAndKind,  // kSpans: service, operation, span kind (statuses merged)
  kSeries,            // the whole key (kSpans: with status; kEdges: every edge)
};

struct Point {
  uint64_t start_unix_nano = 0;  // the step [start, start + step)
  BucketStats stats;
};
struct SeriesPoints {
  SeriesKey key;
  std::vector<Point> points;  // one per step, empty steps included
};
struct QueryResult {
  // 10 s when the whole range is within the 10-second tier, else 60 s (older steps then
  // hold whole minutes: each bucket counts in the step holding its start).
  uint64_t resolution_nanos = kTenSeconds;
  std::vector<SeriesPoints> series;  // by key
};

struct EdgeTotals {
  SeriesKey key;  // Family::kEdges
  uint64_t calls = 0, errors = 0;
  double p50_nanos = 0, p95_nanos = 0, p99_nanos = 0;
};

// One series for /metrics (prometheus_text.h).
struct SeriesSnapshot {
  SeriesKey key;
  uint64_t calls_total = 0;  // every call recorded since the store was opened
  uint64_t errors_total = 0;
  BucketStats last_closed;  // the 10-second bucket that ended last before `now`
};

class MetricsStore {
 public:
  // Opens (creating <data_dir>/metrics/ if needed) and reloads what is on disk.
  static Result<std::unique_ptr<MetricsStore>> open(MetricsStoreOptions options);
  ~MetricsStore();  // close()s
  MetricsStore(const MetricsStore&) = delete;
  MetricsStore& operator=(const MetricsStore&) = delete;

  // ---- writing ----
  // Merges one batch's aggregate (the processors' commit()). Never blocks on I/O.
  void record(const BatchAggregate& batch);
  // For the service graph processor: one batch of edges.
  void record_edges(const std::vector<EdgeSample>& edges);

  // Persists every bucket closed by `now_unix_nano`, rolls and expires (above).
  Status flush(uint64_t now_unix_nano);
  // Stops the background thread, persists everything including open buckets. Idempotent;
  // record() after close() still counts in memory but is not persisted.
  Status close();
  // A thread calling flush(clock now) every flush_interval_nanos until stop()/close().
  void start();
  void stop();

  // ---- reading (const, thread-safe) ----
  // Steps [start + k*step, start + (k+1)*step) for every k with start + k*step < end.
  // INVALID_ARGUMENT if step is 0, start >= end or there would be more than kMaxPoints.
  static constexpr uint64_t kMaxPoints = 11'000;
  Result<QueryResult> query(Family family, const SeriesFilter& filter, GroupBy group,
                            uint64_t start_unix_nano, uint64_t end_unix_nano,
                            uint64_t step_nanos) const;
  std::vector<std::string> services() const;                              // sorted, of kSpans
  std::vector<std::string> operations(const std::string& service) const;  // sorted
  // Totals per edge over [start, end).
  std::vector<EdgeTotals> edges(uint64_t start_unix_nano, uint64_t end_unix_nano) const;
  std::vector<SeriesSnapshot> snapshot(Family family, uint64_t now_unix_nano) const;

  uint64_t now_unix_nano() const { return options_.clock->now_unix_nanos(); }
  // Start of the oldest 10-second bucket held (older data is in 1-minute buckets).
  uint64_t ten_second_horizon() const { return ten_horizon_.load(std::memory_order_acquire); }
  const MetricsStoreOptions& options() const { return options_; }

  // ---- counters ----
  size_t series_count(Family f) const { return series_count_[idx(f)].load(); }
  uint64_t overflowed_calls(Family f) const { return overflowed_[idx(f)].load(); }
  uint64_t late_spans() const { return late_.load(); }
  uint64_t future_spans() const { return future_.load(); }
  uint64_t damaged_bytes() const { return damaged_bytes_; }  // dropped at open
  uint64_t flush_errors() const { return flush_errors_.load(); }
  // The estimate of the bytes the store holds in memory (series, keys, buckets, sketches,
  // exemplars; container overheads approximated), for a /metrics gauge.
  uint64_t bytes_held() const { return bytes_held_.load(std::memory_order_relaxed); }
  // 1-minute buckets dropped from memory to stay within the budget (still on disk).
  uint64_t evicted_buckets() const { return evicted_buckets_.load(std::memory_order_relaxed); }
  // Start of the oldest minute of `f` whose buckets are all still in memory; older minutes
  // are read from the segment files (0: nothing evicted).
  uint64_t minute_horizon(Family f) const {
    return minute_horizon_[idx(f)].load(std::memory_order_acquire);
  }

 private:
  struct Series;
  struct Shard;
  static constexpr size_t kShards = 16;
  static size_t idx(Family f) { return static_cast<size_t>(f); }

  explicit MetricsStore(MetricsStoreOptions options);
  Status load();
  Shard& shard_of(const SeriesKey& key) const;
  enum class Admit { kRegular, kOverflow, kAlways };
  // REQUIRES: the shard's mutex. Null if the cardinality cap refuses a new series.
  Series* find_or_create(Shard& shard, const SeriesKey& key, Admit admit);
  void record_overflow(const AggregateEntry& e, uint64_t now);
  // REQUIRES: the shard's mutex.
  void apply(Series& s, const AggregateEntry& e, uint64_t now);
  Status persist(uint64_t now, bool include_open);
  void run_background();
  // ---- memory budget (metrics_store.cc) ----
  struct MinuteAccount {
    uint64_t bytes = 0;    // estimated bytes of the family's buckets of this minute
    uint32_t unsaved = 0;  // of them, buckets with data not yet durably written
  };
  void add_bytes(int64_t delta) {
    bytes_held_.fetch_add(static_cast<uint64_t>(delta), std::memory_order_relaxed);
  }
  // REQUIRES: flush_mu_ (or open()). A minute bucket's estimated size changed by `delta`.
  void minute_bytes(Family f, uint64_t minute, int64_t delta);
  // REQUIRES: flush_mu_ (or open()). Drops the oldest durable minutes while over budget.
  void evict_to_budget();
  void load_record(BucketRecord&& r, uint64_t horizon, uint64_t cutoff);
  // Adds the minutes of [start, end) before the families' minute horizons, read from the
  // segments, into `out`. REQUIRES: evict_mu_ shared.
  Status read_old_minutes(Family family, const SeriesFilter& filter, GroupBy group,
                        uint64_t start, uint64_t end, uint64_t step,
                        std::map<SeriesKey, std::vector<Point>>& out) const;

  MetricsStoreOptions options_;
  std::unique_ptr<Shard[]> shards_;
  std::atomic<uint64_t> ten_horizon_{0};
  std::array<std::atomic<size_t>, kFamilyCount> series_count_{};
  std::array<std::atomic<size_t>, kFamilyCount> regular_series_count_{};
  std::array<std::atomic<size_t>, kFamilyCount> overflow_series_count_{};
  std::array<std::atomic<uint64_t>, kFamilyCount> overflowed_{};
  std::atomic<uint64_t> late_{0}, future_{0}, flush_errors_{0};
  uint64_t damaged_bytes_ = 0;
  std::atomic<uint64_t> bytes_held_{0};
  std::atomic<uint64_t> evicted_buckets_{0};
  std::array<std::atomic<uint64_t>, kFamilyCount> minute_horizon_{};
  std::atomic<uint64_t> minute_cutoff_{0};  // minutes ending at or before it have expired
  // Per family, per minute start: the in-memory minute tier's bytes and unsaved buckets.
  // REQUIRES: flush_mu_ (persist) or open().
  std::array<std::map<uint64_t, MinuteAccount>, kFamilyCount> minute_accounts_;
  // MINUTE records handed to segments_ but not yet durably written: (family, minute) counts.
  std::map<std::pair<size_t, uint64_t>, uint32_t> awaiting_durable_;  // REQUIRES: flush_mu_
  // Queries hold it shared while they read memory and disk; eviction (moving a minute horizon)
  // and close() (dropping segments_) hold it exclusively.
  mutable std::shared_mutex evict_mu_;

  std::mutex flush_mu_;                   // serialises flush/close; guards segments_ and closed_
  std::unique_ptr<SegmentSet> segments_;  // null: memory only
  bool closed_ = false;

  std::mutex thread_mu_;
  std::condition_variable thread_cv_;
  bool stop_thread_ = false;
  std::thread thread_;
};

}  // namespace weft::pipeline::metrics
