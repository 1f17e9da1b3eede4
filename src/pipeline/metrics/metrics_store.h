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
// after a flush (or while reloading), buckets are dropped from memory, oldest first: the
// 1-minute buckets, then the 10-second buckets -- only data a flush has durably written
// (appended and fdatasync'ed; a store without a data_dir never evicts), and never a
// 10-second bucket ending less than `ten_second_in_memory_nanos` (default 5 min, at least
// 20 s) before now. Each family keeps a minute horizon (minute_horizon()) and a 10-second
// memory horizon (ten_second_memory_horizon()); a query whose range reaches below either
// reads those buckets back from the segment files (only segments whose records overlap the
// range) and merges them with memory: answers are the same as with everything in memory;
// services()/operations()/series_count() too (a series stays known while its evicted data
// has not expired). A late span for an evicted 10-second bucket is held in memory until a
// flush writes it as one more delta. An evicted 10-second bucket is rolled into its minute
// from disk: the roll reads its deltas back. The budget must leave room for the series
// themselves, the last `ten_second_in_memory_nanos` of the 10-second tier and data not yet
// durable (the estimate shows it). The roll happens in flush(): the 10-second
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
#include <algorithm>
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
  // Over the budget, 10-second buckets are evicted too (oldest first, after the minutes), but
  // never one ending less than this before now: ingest's merges, late spans of the last
  // minutes and /metrics' last closed bucket stay in memory. The budget must leave room for
  // this much of the 10-second tier.
  uint64_t ten_second_in_memory_nanos = 5ULL * 60 * 1'000'000'000;
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
  // Buckets (1-minute and 10-second) dropped from memory to stay within the budget (still on
  // disk); of them, 10-second buckets:
  uint64_t evicted_buckets() const { return evicted_buckets_.load(std::memory_order_relaxed); }
  uint64_t evicted_ten_second_buckets() const {
    return evicted_tens_.load(std::memory_order_relaxed);
  }
  // Start of the oldest minute of `f` whose buckets are all still in memory; older minutes
  // are read from the segment files (0: nothing evicted).
  uint64_t minute_horizon(Family f) const {
    return minute_horizon_[idx(f)].load(std::memory_order_acquire);
  }
  // The 10-second horizon of `f` in memory: every 10-second bucket of `f` starting in
  // [ten_second_horizon(), this) has its durably written part in the segment files only (what
  // memory still holds of it is data not yet durable: late spans); queries read it back and
  // the roll reads it back into its minute. At or below ten_second_horizon(): none evicted.
  uint64_t ten_second_memory_horizon(Family f) const {
    return std::max(ten_evicted_[idx(f)].load(std::memory_order_acquire), ten_second_horizon());
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
  // The same, for a key and its hash_key() (copies the names only for a new series).
  Series* find_or_create(Shard& shard, const SeriesKeyView& key, size_t key_hash, Admit admit);
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
  // Per family, per 10-second bucket start: the estimated bytes of the buckets' persisted
  // parts (memory::persisted_bytes; pending data is never evicted) and how many of them have
  // a delta handed to the segments but not yet durable (or given up after failures).
  struct TenAccount {
    int64_t bytes = 0;
    uint32_t unsaved = 0;
  };
  void add_bytes(int64_t delta) {
    bytes_held_.fetch_add(static_cast<uint64_t>(delta), std::memory_order_relaxed);
  }
  // REQUIRES: flush_mu_ (or open()). A minute bucket's estimated size changed by `delta`.
  void minute_bytes(Family f, uint64_t minute, int64_t delta);
  // REQUIRES: flush_mu_ (or open()). Publishes what the segments hold durably (`publish`:
  // after a successful append) and drops from memory the persisted parts of the evicted
  // 10-second buckets, then, while over budget, the oldest durable minutes and after them
  // the oldest durable 10-second buckets ending before now - ten_second_in_memory_nanos.
  void evict_to_budget(uint64_t now, bool publish);
  // Plans and applies one round of evict_to_budget(); false if nothing could move.
  bool evict_round(uint64_t now, bool publish);
  // REQUIRES: flush_mu_. Reads back the durable deltas of the evicted 10-second buckets in
  // [lo, hi) (per family, below its 10-second memory horizon), summed per series and minute.
  Status read_evicted_tens(uint64_t lo, uint64_t hi,
                           std::map<SeriesKey, std::map<uint64_t, BucketStats>>& out) const;
  // REQUIRES: flush_mu_. After bytes were given up: the persisted parts of evicted 10-second
  // buckets were among them (nothing was durable since the last publish): pending again.
  void repend_evicted_tens();
  void ten_account(Family f, uint64_t bucket, int64_t bytes_delta) {
    ten_accounts_[idx(f)][bucket].bytes += bytes_delta;
  }
  void load_record(BucketRecord&& r, uint64_t horizon, uint64_t cutoff);
  // Adds what of [start, end) is on disk only -- minutes before the family's minute horizon,
  // durable parts of 10-second buckets below its 10-second memory horizon -- read from the
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
  std::atomic<uint64_t> evicted_tens_{0};
  std::array<std::atomic<uint64_t>, kFamilyCount> minute_horizon_{};
  // Per family: 10-second buckets starting before it (and at or after ten_horizon_) are
  // evicted (ten_second_memory_horizon()). Moves under evict_mu_ exclusively.
  std::array<std::atomic<uint64_t>, kFamilyCount> ten_evicted_{};
  std::atomic<uint64_t> minute_cutoff_{0};  // minutes ending at or before it have expired
  // Per family, per minute start: the in-memory minute tier's bytes and unsaved buckets.
  // REQUIRES: flush_mu_ (persist) or open().
  std::array<std::map<uint64_t, MinuteAccount>, kFamilyCount> minute_accounts_;
  // MINUTE records handed to segments_ but not yet durably written: (family, minute) counts.
  std::map<std::pair<size_t, uint64_t>, uint32_t> awaiting_durable_;  // REQUIRES: flush_mu_
  // REQUIRES: flush_mu_ (persist) or open().
  std::array<std::map<uint64_t, TenAccount>, kFamilyCount> ten_accounts_;
  // TEN_SECOND_DELTA records handed to segments_ but not yet durable: (family, bucket) counts.
  std::map<std::pair<size_t, uint64_t>, uint32_t> awaiting_ten_durable_;  // REQUIRES: flush_mu_
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
