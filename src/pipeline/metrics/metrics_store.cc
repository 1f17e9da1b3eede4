#include "metrics/metrics_store.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "metrics/internal/segment_file.h"
#include "metrics/internal/segment_set.h"
#include "metrics/internal/store_series.h"

namespace weft::pipeline::metrics {
namespace {

constexpr uint64_t kFutureTolerance = 5ULL * 60 * 1'000'000'000;

bool is_overflow_key(const SeriesKey& k) { return k.first == kOtherName || k.second == kOtherName; }

}  // namespace

MetricsStore::MetricsStore(MetricsStoreOptions options)
    : options_(std::move(options)), shards_(new Shard[kShards]) {}

MetricsStore::~MetricsStore() { (void)close(); }

Result<std::unique_ptr<MetricsStore>> MetricsStore::open(MetricsStoreOptions options) {
  if (options.minute_retention_nanos < options.ten_second_retention_nanos)
    return invalid_argument("metrics: minute retention must not be shorter than 10 s retention");
  if (options.ten_second_retention_nanos < kOneMinute)
    return invalid_argument("metrics: 10 s retention must be at least a minute");
  std::unique_ptr<MetricsStore> store(new MetricsStore(std::move(options)));
  WEFT_RETURN_IF_ERROR(store->load());
  return store;
}

MetricsStore::Shard& MetricsStore::shard_of(const SeriesKey& key) const {
  return shards_[SeriesKeyHash()(key) % kShards];
}

MetricsStore::Series* MetricsStore::find_or_create(Shard& shard, const SeriesKey& key,
                                                   Admit admit) {
  return find_or_create(shard, view_of(key), SeriesKeyHash()(key), admit);
}

MetricsStore::Series* MetricsStore::find_or_create(Shard& shard, const SeriesKeyView& key,
                                                   size_t key_hash, Admit admit) {
  auto it = shard.series.find(PrehashedKey{key, key_hash});
  if (it != shard.series.end()) [[likely]]
    return it->second.get();
  const size_t f = idx(key.family);
  auto reserve = [](std::atomic<size_t>& n, size_t cap) {
    size_t cur = n.load(std::memory_order_relaxed);
    do {
      if (cur >= cap) return false;
    } while (!n.compare_exchange_weak(cur, cur + 1, std::memory_order_relaxed));
    return true;
  };
  switch (admit) {
    case Admit::kRegular:
      if (!reserve(regular_series_count_[f], options_.max_series_per_family)) return nullptr;
      break;
    case Admit::kOverflow:
      if (!reserve(overflow_series_count_[f], options_.max_overflow_series_per_family))
        return nullptr;
      break;
    case Admit::kAlways:  // the last-resort "__other__" series and series reloaded from disk
      break;
  }
  ++series_count_[f];
  auto s = std::make_unique<Series>();
  // Assigned into the empty key, as a copy assignment would (the strings' capacities, which
  // fixed_bytes() counts, follow std::string's growth from its in-place buffer).
  s->key.family = key.family;
  s->key.first.assign(key.first);
  s->key.second.assign(key.second);
  s->key.kind = key.kind;
  s->key.flags = key.flags;
  s->admitted = admit;
  add_bytes(s->fixed_bytes());
  Series* raw = s.get();
  SeriesKey copy = raw->key;
  shard.series.emplace(std::move(copy), std::move(s));
  return raw;
}

void MetricsStore::apply(Series& s, const AggregateEntry& e, uint64_t now) {
  uint64_t bucket = e.bucket_start_unix_nano;
  const uint64_t horizon = ten_horizon_.load(std::memory_order_acquire);
  if (bucket > now + kFutureTolerance) {
    bucket = floor_to(now, kTenSeconds);
    future_ += e.stats.calls;
  } else if (bucket < horizon) {
    bucket = floor_to(now, kTenSeconds);
    late_ += e.stats.calls;
  }
  bucket = std::max(bucket, horizon);  // only if the clock went back past the horizon
  // Nearly every span lands in the series' newest bucket: check it before the tree walk.
  // Then the one before it (spans of traces that ended a little earlier), and a new newest
  // bucket goes in at the end without a walk from the root.
  bool inserted = false;
  auto it = s.tens.end();
  if (!s.tens.empty()) {
    auto last = std::prev(s.tens.end());
    if (last->first == bucket) {
      it = last;
    } else if (last->first < bucket) {
      it = s.tens.try_emplace(s.tens.end(), bucket);
      inserted = true;
    } else if (last != s.tens.begin() && std::prev(last)->first == bucket) {
      it = std::prev(last);
    }
  }
  if (it == s.tens.end()) std::tie(it, inserted) = s.tens.try_emplace(bucket);
  StoredBucket& b = it->second;
  const int64_t before = inserted ? 0 : memory::bucket_bytes(b);
  if (!b.has_pending()) s.dirty_tens.push_back(bucket);
  e.merge_into(b.pending);
  add_bytes(memory::bucket_bytes(b) - before);
  s.calls_total += e.stats.calls;
  s.errors_total += e.stats.errors;
}

void MetricsStore::record_overflow(const AggregateEntry& e, uint64_t now) {
  overflowed_[idx(e.key.family)] += e.stats.calls;
  SeriesKey k = e.key_copy();
  k.second = std::string(kOtherName);
  {
    Shard& sh = shard_of(k);
    std::lock_guard lock(sh.mu);
    if (Series* s = find_or_create(sh, k, Admit::kOverflow)) {
      apply(*s, e, now);
      return;
    }
  }
  k.first = std::string(kOtherName);
  Shard& sh = shard_of(k);
  std::lock_guard lock(sh.mu);
  apply(*find_or_create(sh, k, Admit::kAlways), e, now);
}

void MetricsStore::record(const BatchAggregate& batch) {
  if (batch.empty()) return;
  const uint64_t now = now_unix_nano();
  // Each shard's lock once: entries ordered by shard (a buffer reused by the thread).
  thread_local std::vector<std::pair<uint32_t, const AggregateEntry*>> order;
  order.clear();
  order.reserve(batch.entries().size());
  for (const AggregateEntry& e : batch.entries())
    order.emplace_back(static_cast<uint32_t>(e.key_hash % kShards), &e);
  std::sort(order.begin(), order.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<const AggregateEntry*> refused;
  for (size_t i = 0; i < order.size();) {
    Shard& sh = shards_[order[i].first];
    std::lock_guard lock(sh.mu);
    const uint32_t cur = order[i].first;
    for (; i < order.size() && order[i].first == cur; ++i) {
      const AggregateEntry& e = *order[i].second;
      if (Series* s = find_or_create(sh, e.key, e.key_hash, Admit::kRegular))
        apply(*s, e, now);
      else
        refused.push_back(&e);
    }
  }
  for (const AggregateEntry* e : refused) record_overflow(*e, now);
}

void MetricsStore::record_edges(const std::vector<EdgeSample>& edges) {
  BatchAggregate agg;
  agg.reserve(edges.size());
  for (const EdgeSample& e : edges) agg.add_edge(e);
  record(agg);
}

// ---- persistence ----------------------------------------------------------------------

Status MetricsStore::load() {
  if (options_.data_dir.empty()) return Status::ok();
  const uint64_t now = now_unix_nano();
  const uint64_t horizon = now > options_.ten_second_retention_nanos
                               ? floor_to(now - options_.ten_second_retention_nanos, kOneMinute)
                               : 0;
  ten_horizon_.store(horizon);
  const uint64_t cutoff =
      now > options_.minute_retention_nanos ? now - options_.minute_retention_nanos : 0;
  minute_cutoff_.store(cutoff);
  // Streaming, segment by segment, evicting down to the budget after each one (what is
  // evicted is a MINUTE record, durable by definition).
  SegmentSet::Loaded loaded;
  WEFT_ASSIGN_OR_RETURN(
      segments_,
      SegmentSet::open(
          options_.data_dir + "/metrics", options_.segment_max_bytes, &loaded,
          [&](BucketRecord&& r) { load_record(std::move(r), horizon, cutoff); },
          [&] { evict_to_budget(now, false); }));
  damaged_bytes_ = loaded.damaged_bytes;
  // Minutes made of reloaded deltas only: their MINUTE record is for the next flush.
  for (size_t i = 0; i < kShards; ++i)
    for (auto& [key, s] : shards_[i].series)
      for (const auto& [minute, m] : s->minutes)
        if (m.has_pending()) s->dirty_minutes.push_back(minute);
  return Status::ok();
}

// One record read back, in file order. A MINUTE record is the whole minute: it replaces what
// the deltas of that minute (and any earlier MINUTE record of it) built so far, and the deltas
// of that minute read after it are dropped -- the same as load's rule "a MINUTE record
// supersedes every delta; the last MINUTE record wins" (docs/format/metrics.md, "Recovery").
void MetricsStore::load_record(BucketRecord&& r, uint64_t horizon, uint64_t cutoff) {
  const uint64_t minute = floor_to(r.bucket_start_unix_nano, kOneMinute);
  if (minute + kOneMinute <= cutoff) return;  // expired
  const size_t f = idx(r.key.family);
  Shard& sh = shard_of(r.key);
  auto found = sh.series.find(r.key);
  Series* sp = found != sh.series.end() ? found->second.get() : nullptr;
  if (!sp) {
    const Admit a = is_overflow_key(r.key) ? Admit::kOverflow : Admit::kRegular;
    ++(a == Admit::kOverflow ? overflow_series_count_ : regular_series_count_)[f];
    sp = find_or_create(sh, r.key, Admit::kAlways);
    sp->admitted = a;
  }
  Series& s = *sp;
  // Before the minute horizon moved while loading: that minute of this series is on disk as a
  // MINUTE record (it was durable, so evictable), which a later record cannot change.
  if (minute < minute_horizon_[f].load(std::memory_order_relaxed)) {
    s.evicted_until = std::max(s.evicted_until, minute + kOneMinute);
    return;
  }
  if (r.type == RecordType::kMinute) {
    auto lo = s.tens.lower_bound(minute), hi = s.tens.lower_bound(minute + kOneMinute);
    for (auto t = lo; t != hi; ++t) {
      add_bytes(-memory::bucket_bytes(t->second));
      ten_account(r.key.family, t->first, -memory::persisted_bytes(t->second));
    }
    s.tens.erase(lo, hi);
    auto [it, inserted] = s.minutes.try_emplace(minute);
    StoredBucket& m = it->second;
    const int64_t before = inserted ? 0 : memory::bucket_bytes(m);
    if (m.has_pending()) --minute_accounts_[f][minute].unsaved;
    m = StoredBucket();
    m.persisted.merge(r.stats);
    minute_bytes(r.key.family, minute, memory::bucket_bytes(m) - before);
    return;
  }
  auto mit = s.minutes.find(minute);
  if (mit != s.minutes.end() && !mit->second.has_pending()) return;  // has a MINUTE record
  if (r.bucket_start_unix_nano >= horizon) {
    // Evicted while loading: this bucket's durable deltas (this one too) are read back from
    // the segments, none of it is held.
    if (r.bucket_start_unix_nano < ten_evicted_[f].load(std::memory_order_relaxed)) {
      s.evicted_until = std::max(s.evicted_until, minute + kOneMinute);
      return;
    }
    auto [it, inserted] = s.tens.try_emplace(r.bucket_start_unix_nano);
    const int64_t before = inserted ? 0 : memory::bucket_bytes(it->second);
    const int64_t acct_before = memory::persisted_bytes(it->second);
    it->second.persisted.merge(r.stats);
    add_bytes(memory::bucket_bytes(it->second) - before);
    ten_account(r.key.family, r.bucket_start_unix_nano,
                memory::persisted_bytes(it->second) - acct_before);
  } else {  // should have been rolled: its minute record is still to be written
    if (r.stats.calls == 0) return;
    auto [it, inserted] = s.minutes.try_emplace(minute);
    StoredBucket& m = it->second;
    const int64_t before = inserted ? 0 : memory::bucket_bytes(m);
    if (!m.has_pending()) ++minute_accounts_[f][minute].unsaved;
    m.pending.merge(r.stats);
    minute_bytes(r.key.family, minute, memory::bucket_bytes(m) - before);
  }
}

// ---- memory budget ----------------------------------------------------------------------

void MetricsStore::minute_bytes(Family f, uint64_t minute, int64_t delta) {
  MinuteAccount& a = minute_accounts_[idx(f)][minute];
  a.bytes = static_cast<uint64_t>(static_cast<int64_t>(a.bytes) + delta);
  add_bytes(delta);
}

void MetricsStore::evict_to_budget(uint64_t now, bool publish) {
  if (options_.data_dir.empty()) return;  // nothing is on disk to read back
  // Each round frees at least what it planned by the accounts; pending data of old buckets
  // (late spans) stays, so a round may fall short: a few more rounds then.
  for (int round = 0; round < 4; ++round)
    if (!evict_round(now, publish && round == 0)) break;
}

bool MetricsStore::evict_round(uint64_t now, bool publish) {
  const uint64_t budget = options_.memory_budget_bytes;
  const uint64_t held = bytes_held();
  const uint64_t ten_h = ten_horizon_.load(std::memory_order_acquire);
  std::array<uint64_t, kFamilyCount> to{}, to_ten{}, from_ten{};
  bool tens_evicted = false;  // some family has evicted 10 s buckets (late data to settle)
  for (size_t f = 0; f < kFamilyCount; ++f) {
    to[f] = minute_horizon_[f].load(std::memory_order_relaxed);
    from_ten[f] = to_ten[f] = ten_evicted_[f].load(std::memory_order_relaxed);
    tens_evicted |= to_ten[f] > ten_h;
  }
  bool moved = false;
  if (held > budget) {
    // Oldest first, across the families: the minutes (a minute with unsaved data ends its
    // family's minutes), then the 10-second buckets (one with a delta not yet durable ends
    // its family's), never one ending after now - ten_second_in_memory_nanos.
    // At least 20 s: the last closed bucket (snapshot()) is always in memory.
    const uint64_t keep = std::max(options_.ten_second_in_memory_nanos, 2 * kTenSeconds);
    const uint64_t limit = now > keep ? now - keep : 0;
    std::array<std::map<uint64_t, MinuteAccount>::const_iterator, kFamilyCount> next;
    std::array<std::map<uint64_t, TenAccount>::const_iterator, kFamilyCount> next_ten;
    std::array<bool, kFamilyCount> minutes_left{};
    for (size_t f = 0; f < kFamilyCount; ++f) {
      next[f] = minute_accounts_[f].begin();
      next_ten[f] = ten_accounts_[f].lower_bound(std::max(to_ten[f], ten_h));
      minutes_left[f] = true;
    }
    uint64_t freed = 0;
    while (held > budget + freed) {
      size_t pick = kFamilyCount;
      uint64_t pick_start = 0;
      bool pick_minute = false;
      for (size_t f = 0; f < kFamilyCount; ++f) {
        uint64_t start = 0;
        bool minute = false;
        if (minutes_left[f] && next[f] != minute_accounts_[f].end() &&
            next[f]->second.unsaved == 0) {
          start = next[f]->first;
          minute = true;
        } else {
          minutes_left[f] = false;
          if (next_ten[f] == ten_accounts_[f].end() || next_ten[f]->second.unsaved != 0 ||
              next_ten[f]->first + kTenSeconds > limit)
            continue;
          start = next_ten[f]->first;
        }
        if (pick == kFamilyCount || start < pick_start) {
          pick = f;
          pick_start = start;
          pick_minute = minute;
        }
      }
      if (pick == kFamilyCount) break;  // the rest is recent, or not yet durable
      if (pick_minute) {
        freed += next[pick]->second.bytes;
        to[pick] = std::max(to[pick], pick_start + kOneMinute);
        ++next[pick];
      } else {
        freed += static_cast<uint64_t>(std::max<int64_t>(0, next_ten[pick]->second.bytes));
        to_ten[pick] = std::max(to_ten[pick], pick_start + kTenSeconds);
        ++next_ten[pick];
      }
      moved = true;
    }
  }
  if (!moved && !(publish && tens_evicted)) {
    // Nothing of what the new bytes hold is read back from disk yet: publish freely.
    if (publish && segments_) segments_->publish();
    return false;
  }
  std::unique_lock exclusive(evict_mu_);  // no query between memory and disk meanwhile
  if (publish && segments_) segments_->publish();
  uint64_t evicted = 0, evicted_tens = 0;
  for (size_t i = 0; i < kShards; ++i) {
    Shard& sh = shards_[i];
    std::lock_guard lock(sh.mu);
    for (auto& [key, sp] : sh.series) {
      Series& s = *sp;
      const size_t f = idx(key.family);
      auto end = s.minutes.lower_bound(to[f]);
      for (auto m = s.minutes.begin(); m != end; ++m) {
        add_bytes(-memory::bucket_bytes(m->second));
        s.evicted_until = std::max(s.evicted_until, m->first + kOneMinute);
        ++evicted;
      }
      s.minutes.erase(s.minutes.begin(), end);
      if (to_ten[f] <= ten_h) continue;
      // Below the 10-second memory horizon memory keeps only what is not durable: the
      // persisted parts (written by this or an earlier flush, now published) go.
      const auto ten_end = s.tens.lower_bound(to_ten[f]);
      for (auto t = s.tens.begin(); t != ten_end;) {
        StoredBucket& b = t->second;
        if (b.persisted.calls == 0) {  // late data not yet written: stays
          ++t;
          continue;
        }
        if (t->first >= from_ten[f]) ++evicted_tens;
        s.evicted_until = std::max(s.evicted_until, floor_to(t->first, kOneMinute) + kOneMinute);
        const int64_t before = memory::bucket_bytes(b);
        if (b.has_pending()) {
          b.persisted = PackedStats();
          add_bytes(memory::bucket_bytes(b) - before);
          ++t;
        } else {
          add_bytes(-before);
          t = s.tens.erase(t);
        }
      }
    }
  }
  for (size_t f = 0; f < kFamilyCount; ++f) {
    auto& acc = minute_accounts_[f];
    acc.erase(acc.begin(), acc.lower_bound(to[f]));
    minute_horizon_[f].store(to[f], std::memory_order_release);
    auto& tacc = ten_accounts_[f];
    tacc.erase(tacc.begin(), tacc.lower_bound(to_ten[f]));
    ten_evicted_[f].store(to_ten[f], std::memory_order_release);
  }
  evicted_buckets_.fetch_add(evicted + evicted_tens, std::memory_order_relaxed);
  evicted_tens_.fetch_add(evicted_tens, std::memory_order_relaxed);
  return moved;
}

Status MetricsStore::read_evicted_tens(
    uint64_t lo, uint64_t hi, std::map<SeriesKey, std::map<uint64_t, BucketStats>>& out) const {
  std::array<uint64_t, kFamilyCount> to{};
  uint64_t max_to = lo;
  for (size_t f = 0; f < kFamilyCount; ++f) {
    to[f] = std::min(hi, ten_evicted_[f].load(std::memory_order_relaxed));
    max_to = std::max(max_to, to[f]);
  }
  if (max_to <= lo) return Status::ok();
  // Every delta of an evicted bucket is in the published part of a segment that is kept
  // until the bucket's minute is written (retention needs its deltas rolled first).
  for (const SegmentSet::Readable& seg : segments_->readable(0, 0, lo, max_to)) {
    WEFT_ASSIGN_OR_RETURN(std::string bytes, read_file_prefix(seg.path, seg.length));
    scan_segment_if(
        bytes,
        [&](RecordType type, Family fam, uint64_t b) {
          return type == RecordType::kTenSecondDelta && b >= lo && b < to[idx(fam)];
        },
        [&](BucketRecord&& r) {
          out[r.key][floor_to(r.bucket_start_unix_nano, kOneMinute)].merge(r.stats);
        });
  }
  return Status::ok();
}

void MetricsStore::repend_evicted_tens() {
  const uint64_t ten_h = ten_horizon_.load(std::memory_order_acquire);
  for (size_t i = 0; i < kShards; ++i) {
    Shard& sh = shards_[i];
    std::lock_guard lock(sh.mu);
    for (auto& [key, sp] : sh.series) {
      Series& s = *sp;
      const uint64_t te = ten_evicted_[idx(key.family)].load(std::memory_order_relaxed);
      if (te <= ten_h) continue;
      for (auto t = s.tens.begin(); t != s.tens.end() && t->first < te; ++t) {
        StoredBucket& b = t->second;
        if (b.persisted.calls == 0) continue;
        const int64_t before = memory::bucket_bytes(b);
        ten_account(key.family, t->first, -memory::persisted_bytes(b));
        if (!b.has_pending()) s.dirty_tens.push_back(t->first);
        b.pending.merge(b.persisted.unpack());
        b.persisted = PackedStats();
        add_bytes(memory::bucket_bytes(b) - before);
      }
    }
  }
}

Status MetricsStore::persist(uint64_t now, bool include_open) {
  const uint64_t ten_ret = options_.ten_second_retention_nanos;
  const uint64_t old_horizon = ten_horizon_.load(std::memory_order_acquire);
  uint64_t horizon = old_horizon;
  if (now > ten_ret && floor_to(now - ten_ret, kOneMinute) > horizon) {
    horizon = floor_to(now - ten_ret, kOneMinute);
    // Evicted 10-second buckets about to be rolled: their durable parts are read back first,
    // so that their minute holds them (what memory still holds of them is rolled below).
    bool evicted = false;
    for (size_t f = 0; f < kFamilyCount; ++f)
      evicted |= ten_evicted_[f].load(std::memory_order_relaxed) > old_horizon;
    std::map<SeriesKey, std::map<uint64_t, BucketStats>> from_disk;
    if (evicted && segments_) {
      Status st = read_evicted_tens(old_horizon, horizon, from_disk);
      if (!st.is_ok()) {  // nothing changed: the next flush tries again
        ++flush_errors_;
        return st;
      }
    }
    // A query sees those deltas either on disk (before the horizon moves) or in their minute.
    std::unique_lock exclusive(evict_mu_, std::defer_lock);
    if (evicted) exclusive.lock();
    // Published before any shard is rolled: a record() that sees the old horizon holds the
    // shard's lock, so its bucket is rolled below with the rest.
    ten_horizon_.store(horizon, std::memory_order_release);
    for (auto& [key, minutes] : from_disk) {
      Shard& sh = shard_of(key);
      std::lock_guard lock(sh.mu);
      auto found = sh.series.find(key);
      Series* sp = found != sh.series.end() ? found->second.get() : nullptr;
      if (!sp) {  // not expected (evicted_until keeps it), but never lose the data
        const Admit a = is_overflow_key(key) ? Admit::kOverflow : Admit::kRegular;
        ++(a == Admit::kOverflow ? overflow_series_count_ : regular_series_count_)[idx(key.family)];
        sp = find_or_create(sh, key, Admit::kAlways);
        sp->admitted = a;
      }
      Series& s = *sp;
      for (auto& [minute, stats] : minutes) {
        auto [mit, inserted] = s.minutes.try_emplace(minute);
        StoredBucket& m = mit->second;
        const int64_t before = inserted ? 0 : memory::bucket_bytes(m);
        if (!m.has_pending()) {
          s.dirty_minutes.push_back(minute);
          ++minute_accounts_[idx(key.family)][minute].unsaved;  // until its MINUTE is durable
        }
        m.pending.merge(stats);
        minute_bytes(key.family, minute, memory::bucket_bytes(m) - before);
      }
    }
    for (auto& acc : ten_accounts_) acc.erase(acc.begin(), acc.lower_bound(horizon));
  }
  const uint64_t cutoff =
      now > options_.minute_retention_nanos ? now - options_.minute_retention_nanos : 0;
  std::vector<BucketRecord> records;
  std::map<std::pair<size_t, uint64_t>, uint32_t> written;  // MINUTE records, per family+minute
  std::map<std::pair<size_t, uint64_t>, uint32_t> ten_written;  // deltas, per family+bucket
  for (size_t i = 0; i < kShards; ++i) {
    Shard& sh = shards_[i];
    std::lock_guard lock(sh.mu);
    for (auto it = sh.series.begin(); it != sh.series.end();) {
      Series& s = *it->second;
      const Family fam = s.key.family;
      const size_t f = idx(fam);
      // Roll: every 10 s bucket before the horizon into its minute, which is then final.
      auto end = s.tens.lower_bound(horizon);
      for (auto t = s.tens.begin(); t != end; ++t) {
        const uint64_t minute = floor_to(t->first, kOneMinute);
        auto [mit, inserted] = s.minutes.try_emplace(minute);
        StoredBucket& m = mit->second;
        const int64_t before = inserted ? 0 : memory::bucket_bytes(m);
        if (!m.has_pending()) {
          s.dirty_minutes.push_back(minute);
          ++minute_accounts_[f][minute].unsaved;  // until its MINUTE record is durable
        }
        t->second.add_to(m.pending);
        minute_bytes(fam, minute, memory::bucket_bytes(m) - before);
        add_bytes(-memory::bucket_bytes(t->second));
      }
      s.tens.erase(s.tens.begin(), end);
      std::erase_if(s.dirty_tens, [&](uint64_t b) { return b < horizon; });
      for (uint64_t minute : s.dirty_minutes) {
        StoredBucket& m = s.minutes[minute];
        const int64_t before = memory::bucket_bytes(m);
        records.push_back({RecordType::kMinute, s.key, minute, m.total()});
        m.mark_persisted();
        minute_bytes(fam, minute, memory::bucket_bytes(m) - before);
        ++written[{f, minute}];
      }
      s.dirty_minutes.clear();
      // Deltas of the closed (or, on close, all) 10 s buckets with unpersisted data.
      std::erase_if(s.dirty_tens, [&](uint64_t b) {
        if (!include_open && b + kTenSeconds > now) return false;
        StoredBucket& t = s.tens[b];
        const int64_t before = memory::bucket_bytes(t);
        const int64_t acct_before = memory::persisted_bytes(t);
        records.push_back({RecordType::kTenSecondDelta, s.key, b, std::move(t.pending)});
        t.pending = BucketStats();
        t.persisted.merge(records.back().stats);
        add_bytes(memory::bucket_bytes(t) - before);
        ten_account(fam, b, memory::persisted_bytes(t) - acct_before);
        ++ten_written[{f, b}];
        return true;
      });
      while (!s.minutes.empty() && s.minutes.begin()->first + kOneMinute <= cutoff) {
        add_bytes(-memory::bucket_bytes(s.minutes.begin()->second));
        s.minutes.erase(s.minutes.begin());
      }
      // A series whose evicted minutes (on disk) have not expired is still known.
      if (s.tens.empty() && s.minutes.empty() && s.evicted_until <= cutoff) {
        add_bytes(-s.fixed_bytes());
        --series_count_[f];
        if (s.admitted == Admit::kRegular) --regular_series_count_[f];
        if (s.admitted == Admit::kOverflow) --overflow_series_count_[f];
        it = sh.series.erase(it);
      } else {
        ++it;
      }
    }
  }
  minute_cutoff_.store(cutoff, std::memory_order_release);
  for (auto& acc : minute_accounts_)
    while (!acc.empty() && acc.begin()->first + kOneMinute <= cutoff) acc.erase(acc.begin());
  if (!segments_) return Status::ok();  // memory only: nothing is ever durable, nor evicted
  for (const auto& [where, n] : written) awaiting_durable_[where] += n;
  for (const auto& [where, n] : ten_written) {
    awaiting_ten_durable_[where] += n;
    ten_accounts_[where.first][where.second].unsaved += n;
  }
  const uint64_t dropped_before = segments_->dropped_unwritten_bytes();
  Status st = segments_->append(records);
  // Bytes given up after failures are never written: their minutes and 10-second buckets stay
  // unsaved (in memory, never evicted) until they expire or are rolled; the late data of
  // evicted 10-second buckets among them is made pending again, to be rewritten.
  if (segments_->dropped_unwritten_bytes() != dropped_before) {
    awaiting_durable_.clear();
    awaiting_ten_durable_.clear();
    repend_evicted_tens();
  }
  if (!st.is_ok()) {
    ++flush_errors_;
    return st;
  }
  // Everything handed to the segments so far is written and synced.
  for (const auto& [where, n] : awaiting_durable_) {
    auto& acc = minute_accounts_[where.first];
    if (auto a = acc.find(where.second); a != acc.end())
      a->second.unsaved -= std::min(a->second.unsaved, n);
  }
  awaiting_durable_.clear();
  for (const auto& [where, n] : awaiting_ten_durable_) {
    auto& acc = ten_accounts_[where.first];
    if (auto a = acc.find(where.second); a != acc.end())
      a->second.unsaved -= std::min(a->second.unsaved, n);
  }
  awaiting_ten_durable_.clear();
  segments_->drop_expired(horizon, cutoff);
  evict_to_budget(now, true);
  return Status::ok();
}

Status MetricsStore::flush(uint64_t now_unix_nano) {
  std::lock_guard lock(flush_mu_);
  return persist(now_unix_nano, false);
}

Status MetricsStore::close() {
  stop();
  std::lock_guard lock(flush_mu_);
  if (closed_) return Status::ok();
  closed_ = true;
  Status s = persist(now_unix_nano(), true);
  std::unique_lock exclusive(evict_mu_);  // queries read segments_
  segments_.reset();
  return s;
}

// ---- background flushing --------------------------------------------------------------

void MetricsStore::start() {
  std::lock_guard lock(thread_mu_);
  if (thread_.joinable()) return;
  stop_thread_ = false;
  thread_ = std::thread([this] { run_background(); });
}

void MetricsStore::stop() {
  {
    std::lock_guard lock(thread_mu_);
    if (!thread_.joinable()) return;
    stop_thread_ = true;
  }
  thread_cv_.notify_all();
  thread_.join();
}

void MetricsStore::run_background() {
  std::unique_lock lock(thread_mu_);
  while (!thread_cv_.wait_for(lock, std::chrono::nanoseconds(options_.flush_interval_nanos),
                              [&] { return stop_thread_; })) {
    lock.unlock();
    (void)flush(now_unix_nano());  // failures are counted (flush_errors) and retried
    lock.lock();
  }
}

}  // namespace weft::pipeline::metrics
