#include "analysis/cohorts.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "analysis/span_tree.h"

// How add() stays fast (bench/cohorts_bench: 100k traces of ~20 spans in about 0.8 s, about
// half of it waiting for the trace's memory): the work is per attribute, so per attribute it
// must be small. Every feature is interned into one open-addressing table (id = index;
// strings stored once, in an arena) and counted through a "last trace that counted it"
// stamp, so no per-trace set is built. A resource shared by many traces (decoded batches
// share one) is read once and its features remembered (1.3 s → 0.85 s). Hashing is inline
// (a wyhash-like multiply-fold) and short strings are compared inline: std::hash's murmur and
// memcmp calls were a third of the time. In front of the table, per attribute key, sit the
// last few values seen with their ids: a hit (http.method=GET on every span, one request ID
// on every span of a trace) needs no formatting, hashing or probing (a few per cent).
// Prefetching the next spans and hashing a whole trace before probing were tried: no gain.

namespace weft::query::analysis {

namespace {

using model::AnyValue;
using model::KeyValueList;
using model::Resource;
using model::Span;

constexpr uint32_t kNone = UINT32_MAX;
constexpr size_t kMaxValueChars = 100;
constexpr uint32_t kMaxExamples = 3;
constexpr uint32_t kMinTracesForIdRule = 20;
constexpr size_t kResourceMemoSize = 256;  // resources remembered (direct-mapped)
constexpr size_t kKeySlots = 128;          // attribute keys with recent values (direct-mapped)
constexpr size_t kRecentValues = 4;        // recent values per attribute key
constexpr std::string_view kTimes = "\xC3\x97";  // U+00D7 MULTIPLICATION SIGN

// ---- Hashing and comparing strings in place ----------------------------------------------

constexpr uint64_t kK0 = 0xA0761D6478BD642FULL, kK1 = 0xE7037ED1A0B428DBULL,
                   kK2 = 0x8EBC6AF09C88C6E3ULL;

inline uint64_t mum(uint64_t a, uint64_t b) {
  const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}
inline uint64_t load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint64_t load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Continues hash h over s (its length included, so "ab"+"c" and "a"+"bc" differ).
inline uint64_t hash_more(uint64_t h, std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  h ^= mum(n ^ kK0, kK1);
  for (; n > 16; n -= 16, p += 16) h = mum(load64(p) ^ h ^ kK0, load64(p + 8) ^ kK1);
  uint64_t a = 0, b = 0;
  if (n >= 8) {  // 8..16: two loads, overlapping
    a = load64(p);
    b = load64(p + n - 8);
  } else if (n >= 4) {
    a = load32(p) << 32 | load32(p + n - 4);
  } else if (n > 0) {
    a = uint64_t{static_cast<unsigned char>(p[0])} << 16 |
        uint64_t{static_cast<unsigned char>(p[n >> 1])} << 8 | static_cast<unsigned char>(p[n - 1]);
  }
  return mum(a ^ h ^ kK0, b ^ kK2);
}

// a == b, inline for the short strings most keys and values are.
inline bool same(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char *p = a.data(), *q = b.data();
  if (n > 16) return std::memcmp(p, q, n) == 0;
  if (n >= 8) return load64(p) == load64(q) && load64(p + n - 8) == load64(q + n - 8);
  if (n >= 4) return load32(p) == load32(q) && load32(p + n - 4) == load32(q + n - 4);
  for (size_t i = 0; i < n; ++i)
    if (p[i] != q[i]) return false;
  return true;
}

// ---- Attribute values as text -------------------------------------------------------------

// The first 100 characters of s: UTF-8 code points, each byte that is not a continuation
// byte (10xxxxxx) starting one, so invalid UTF-8 is cut near 100 bytes, never split worse.
std::string_view cut_long(std::string_view s) {
  // The first 101 bytes ASCII (the common case): character 101 starts at byte 100.
  uint64_t high = 0;
  for (size_t i = 0; i < 96; i += 8) high |= load64(s.data() + i);
  for (size_t i = 96; i <= kMaxValueChars; ++i) high |= static_cast<unsigned char>(s[i]);
  if ((high & 0x8080808080808080ULL) == 0) return s.substr(0, kMaxValueChars);
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (chars == kMaxValueChars) return s.substr(0, i);
    ++chars;
  }
  return s;
}
inline std::string_view cut(std::string_view s) {
  return s.size() <= kMaxValueChars ? s : cut_long(s);
}

// AnyValue's variant indexes.
enum ValueType : uint8_t { kEmpty = 0, kString = 1, kBool = 2, kInt = 3, kDouble = 4, kBytes = 5 };

// Room for any int64 or double as text (std::to_chars, shortest round-trip).
using NumberBuf = std::array<char, 32>;

// The text of an attribute value (not empty, not bytes), in `num` or `buf` when it has to be
// formatted: as AnyValue::to_string, cut to 100 characters.
std::string_view value_text(const AnyValue& v, NumberBuf& num, std::string& buf) {
  switch (v.v.index()) {
    case kString:
      return cut(*std::get_if<std::string>(&v.v));
    case kBool:
      return *std::get_if<bool>(&v.v) ? "true" : "false";
    case kInt: {
      auto res = std::to_chars(num.data(), num.data() + num.size(), *std::get_if<int64_t>(&v.v));
      return {num.data(), static_cast<size_t>(res.ptr - num.data())};
    }
    case kDouble: {
      auto res = std::to_chars(num.data(), num.data() + num.size(), *std::get_if<double>(&v.v));
      return {num.data(), static_cast<size_t>(res.ptr - num.data())};
    }
    default:  // arrays, key-value lists: compact JSON; rare enough to allocate
      buf = v.to_string();
      return cut(buf);
  }
}

// ---- Structure buckets, statistics ------------------------------------------------------

// "1", "2-3", "4-7", ...: the power-of-two bucket of n >= 1.
std::string span_count_bucket(size_t n) {
  size_t lo = 1;
  while (lo <= n / 2) lo *= 2;
  if (lo == 1) return "1";
  return std::to_string(lo) + "-" + std::to_string(2 * lo - 1);
}

const char* repeat_bucket(uint32_t n) {
  if (n >= 20) return "20+";
  if (n >= 10) return "10-19";
  if (n >= 5) return "5-9";
  return "3-4";
}

// The two-proportion z statistic, pooled: 0 when a side is empty or the variance is 0.
double z_score(uint32_t sel, uint32_t base, double ns, double nb) {
  if (ns <= 0 || nb <= 0) return 0;
  const double p = (sel + base) / (ns + nb);
  const double var = p * (1 - p) * (1 / ns + 1 / nb);
  return var > 0 ? (sel / ns - base / nb) / std::sqrt(var) : 0;
}

// ---- What is kept ---------------------------------------------------------------------

// One feature: its value (in the arena), its key (kind and name), its counts, the trace that
// counted it last (so that a trace counts it once) and where its examples are.
struct FeatureRec {
  uint64_t hash;
  uint64_t value_offset;
  uint32_t value_size;
  uint32_t key;
  uint32_t selected = 0, baseline = 0;
  uint32_t last_trace = 0;
  uint32_t examples = kNone;  // into example_ids
};

// A (kind, name) pair: an attribute key, or the fixed name of another kind.
struct KeyRec {
  FeatureKind kind;
  std::string name;
  uint64_t seed;          // the hash of kind and name, continued over a value
  uint32_t distinct = 0;  // features with this key, counted at finish()
};

}  // namespace

const char* feature_kind_name(FeatureKind kind) {
  switch (kind) {
    case FeatureKind::kAttribute:
      return "attribute";
    case FeatureKind::kService:
      return "service";
    case FeatureKind::kOperation:
      return "operation";
    case FeatureKind::kStructure:
      return "structure";
  }
  return "unknown";
}

struct CohortAnalyzer::State {
  size_t max_features;
  uint32_t selected_traces = 0, baseline_traces = 0;

  // The intern table: open addressing, linear probing, load at most 1/2. A slot holds the
  // feature's id + 1 (0: empty) and 32 bits of its hash, so a probe rarely reads a feature
  // that is not the one sought.
  struct Slot {
    uint32_t id_plus_1;
    uint32_t fingerprint;
  };
  std::vector<FeatureRec> features;
  std::vector<Slot> slots = std::vector<Slot>(1024, Slot{0, 0});
  std::string arena;  // every feature's value, back to back
  std::vector<KeyRec> keys;
  std::unordered_map<std::string, uint32_t> key_ids;  // kind digit + name → keys index
  std::vector<std::array<model::TraceId, kMaxExamples>> example_ids;
  const uint32_t service_key = key_id(FeatureKind::kService, "service");
  const uint32_t operation_key = key_id(FeatureKind::kOperation, "operation");
  const uint32_t span_count_key = key_id(FeatureKind::kStructure, "spanCount");
  const uint32_t depth_key = key_id(FeatureKind::kStructure, "depth");
  const uint32_t repeated_key = key_id(FeatureKind::kStructure, "repeatedCall");

  // The trace being added.
  uint32_t trace_serial = 0;
  bool trace_selected = false;
  const model::TraceId* trace_id = nullptr;

  // Per attribute key (direct-mapped by its text), the last values seen and their features.
  // The key's text is known by its size and first and last 8 bytes (zero-padded): all of it
  // up to 16 bytes; longer keys are compared whole.
  struct Recent {
    uint32_t feature = kNone;
    uint8_t type = kEmpty;  // kString, kBool, kInt or kDouble
    uint32_t size = 0;      // of a string (after the cut)
    uint64_t bits = 0;      // the bool, int or double (its bits); a string's first 8 bytes
  };
  struct KeySlot {
    uint32_t key = kNone;
    uint32_t size = 0;
    uint64_t head = 0, tail = 0;
    std::array<Recent, kRecentValues> recent{};
    uint32_t next = 0;  // the recent entry to replace
  };
  std::array<KeySlot, kKeySlots> key_slots{};

  // Resources seen lately with their features (service and attributes), direct-mapped by
  // address. An entry holds its resource, so the address is not reused for another while it
  // is here. `trace` marks the resources the current trace has counted already.
  struct ResourceMemo {
    std::shared_ptr<const Resource> resource;
    std::string_view service;
    uint64_t service_hash = 0;  // for intern_operation
    std::vector<uint32_t> features;
    uint32_t trace = 0;
  };
  std::vector<ResourceMemo> resource_memo = std::vector<ResourceMemo>(kResourceMemoSize);
  const ResourceMemo no_resource{
      nullptr, "unknown_service", hash_more(keys[operation_key].seed, "unknown_service"), {}, 0};

  // Scratch buffers, reused from trace to trace.
  std::string value_buf;
  NumberBuf num_buf;
  std::vector<uint32_t> span_ops;  // operation feature per span
  ParentScratch scratch;  // link_parents' buffers
  std::vector<uint32_t> parents, depth, walk;
  std::vector<uint64_t> sibling_keys;

  std::string_view value_of(const FeatureRec& f) const {
    return {arena.data() + f.value_offset, f.value_size};
  }

  uint32_t key_id(FeatureKind kind, std::string_view name) {
    std::string k(1, static_cast<char>('0' + static_cast<int>(kind)));
    k += name;
    auto [it, inserted] = key_ids.emplace(std::move(k), static_cast<uint32_t>(keys.size()));
    if (inserted)
      keys.push_back({kind, std::string(name), hash_more(kK2 ^ static_cast<uint64_t>(kind), name)});
    return it->second;
  }

  // ---- The intern table ----

  void grow() {
    std::vector<Slot> bigger(slots.size() * 2, Slot{0, 0});
    const size_t mask = bigger.size() - 1;
    for (uint32_t id = 0; id < features.size(); ++id) {
      size_t i = features[id].hash & mask;
      while (bigger[i].id_plus_1) i = (i + 1) & mask;
      bigger[i] = {id + 1, static_cast<uint32_t>(features[id].hash >> 32)};
    }
    slots.swap(bigger);
  }

  // The id of the feature of `key` with hash h, interned on first sight: equal(stored value)
  // tells the value sought, append(arena) writes it.
  template <typename Equal, typename Append>
  uint32_t find_or_add(uint32_t key, uint64_t h, Equal&& equal, Append&& append) {
    const size_t mask = slots.size() - 1;
    const auto fingerprint = static_cast<uint32_t>(h >> 32);
    size_t i = h & mask;
    for (; slots[i].id_plus_1; i = (i + 1) & mask) {
      if (slots[i].fingerprint != fingerprint) continue;
      const FeatureRec& f = features[slots[i].id_plus_1 - 1];
      if (f.hash == h && f.key == key && equal(value_of(f))) return slots[i].id_plus_1 - 1;
    }
    const auto id = static_cast<uint32_t>(features.size());
    FeatureRec f{};
    f.hash = h;
    f.value_offset = arena.size();
    append(arena);
    f.value_size = static_cast<uint32_t>(arena.size() - f.value_offset);
    f.key = key;
    f.examples = kNone;
    features.push_back(f);
    slots[i] = {id + 1, fingerprint};
    if (features.size() * 2 > slots.size()) grow();
    return id;
  }

  uint32_t intern(uint32_t key, std::string_view value) {
    return find_or_add(
        key, mum(hash_more(keys[key].seed, value), kK1),
        [value](std::string_view stored) { return same(stored, value); },
        [value](std::string& out) { out.append(value); });
  }

  // The operation feature "service: op", without building its text: `service_hash` is
  // hash_more(keys[operation_key].seed, service), kept per resource. The service and the name
  // are hashed apart, so the feature is the pair (the service "a: b" with the operation "c"
  // is not the service "a" with the operation "b: c", though both read "a: b: c").
  uint32_t intern_operation(std::string_view service, uint64_t service_hash, std::string_view op) {
    return find_or_add(
        operation_key, mum(hash_more(service_hash, op), kK1),
        [&](std::string_view stored) {
          return stored.size() == service.size() + 2 + op.size() &&
                 same(stored.substr(0, service.size()), service) &&
                 same(stored.substr(service.size() + 2), op);
        },
        [&](std::string& out) {
          out.append(service);
          out.append(": ");
          out.append(op);
        });
  }

  // Counts the feature for the current trace, once.
  void count(uint32_t id) {
    FeatureRec& f = features[id];
    if (f.last_trace == trace_serial) return;
    f.last_trace = trace_serial;
    if (trace_selected)
      count_selected(f);
    else
      ++f.baseline;
  }
  __attribute__((noinline)) void count_selected(FeatureRec& f) {
    if (f.selected < kMaxExamples) {
      if (f.examples == kNone) {
        f.examples = static_cast<uint32_t>(example_ids.size());
        example_ids.emplace_back();
      }
      example_ids[f.examples][f.selected] = *trace_id;
    }
    ++f.selected;
  }

  // ---- Attributes and resources ----

  // The first and last 8 bytes of s, zero-padded: with its size, all of s up to 16 bytes.
  static void head_tail(std::string_view s, uint64_t& head, uint64_t& tail) {
    head = tail = 0;
    if (s.size() >= 8) {
      head = load64(s.data());
      tail = load64(s.data() + s.size() - 8);
    } else {
      std::memcpy(&head, s.data(), s.size());
    }
  }

  KeySlot& key_slot(std::string_view key) {
    const size_t n = key.size();
    uint64_t head, tail;
    head_tail(key, head, tail);
    KeySlot& ks = key_slots[mum(head ^ n, tail ^ kK0) % kKeySlots];
    if (ks.key != kNone && ks.size == n && ks.head == head && ks.tail == tail &&
        (n <= 16 || same(keys[ks.key].name, key)))
      return ks;
    ks = KeySlot{};
    ks.key = key_id(FeatureKind::kAttribute, key);
    ks.size = static_cast<uint32_t>(n);
    ks.head = head;
    ks.tail = tail;
    return ks;
  }

  // The attribute's feature; kNone for an empty or bytes value.
  uint32_t attribute(const model::KeyValue& kv) {
    const AnyValue& v = kv.value;
    const auto type = static_cast<uint8_t>(v.v.index());
    if (type == kEmpty || type == kBytes) return kNone;
    KeySlot& ks = key_slot(kv.key);
    std::string_view text;
    uint64_t bits = 0, unused;
    switch (type) {
      case kString:
        text = cut(*std::get_if<std::string>(&v.v));
        head_tail(text, bits, unused);
        break;
      case kBool:
        bits = *std::get_if<bool>(&v.v);
        break;
      case kInt:
        bits = static_cast<uint64_t>(*std::get_if<int64_t>(&v.v));
        break;
      case kDouble:
        std::memcpy(&bits, std::get_if<double>(&v.v), 8);
        break;
      default:  // arrays, key-value lists: not remembered
        return intern(ks.key, value_text(v, num_buf, value_buf));
    }
    const auto size = static_cast<uint32_t>(text.size());
    for (const Recent& r : ks.recent) {
      if (r.type == type && r.bits == bits && r.size == size &&
          (size <= 8 || same(value_of(features[r.feature]), text)))
        return r.feature;
    }
    const uint32_t id = intern(ks.key, type == kString ? text : value_text(v, num_buf, value_buf));
    ks.recent[ks.next] = {id, type, size, bits};
    ks.next = (ks.next + 1) % kRecentValues;
    return id;
  }

  // Counts the resource's service and attributes, unless this trace did already; returns
  // its memo entry (service name and hash).
  const ResourceMemo& add_resource(const std::shared_ptr<const Resource>& r) {
    if (!r) {
      count(intern(service_key, no_resource.service));
      return no_resource;
    }
    const auto address = reinterpret_cast<uintptr_t>(r.get());
    ResourceMemo& m = resource_memo[mum(address ^ kK0, kK1) % kResourceMemoSize];
    if (m.resource != r) {
      m.resource = r;
      m.service = r->service_name();
      m.service_hash = hash_more(keys[operation_key].seed, m.service);
      m.features.clear();
      m.features.push_back(intern(service_key, m.service));
      for (const model::KeyValue& kv : r->attributes) {
        if (kv.key == "service.name" && kv.value.as_string()) continue;  // the service feature
        const uint32_t id = attribute(kv);
        if (id != kNone) m.features.push_back(id);
      }
      m.trace = 0;
    }
    if (m.trace != trace_serial) {
      m.trace = trace_serial;
      for (uint32_t id : m.features) count(id);
    }
    return m;
  }

  // ---- Structure ----

  // parents[i]: the index of span i's parent, kNone for a root (as SpanTree decides).
  void link_parents(const model::Trace& trace) {
    analysis::link_parents(trace, &parents, &scratch);
  }

  // The deepest span's depth (a root is 1), after link_parents.
  uint32_t max_depth(uint32_t n) {
    depth.assign(n, 0);
    uint32_t deepest = 0;
    for (uint32_t i = 0; i < n; ++i) {
      walk.clear();
      uint32_t j = i;
      while (j != kNone && depth[j] == 0) {
        walk.push_back(j);
        j = parents[j];
      }
      uint32_t d = j == kNone ? 0 : depth[j];
      for (auto it = walk.rbegin(); it != walk.rend(); ++it) depth[*it] = ++d;
      deepest = std::max(deepest, depth[i]);
    }
    return deepest;
  }

  // The most children of one parent sharing an operation feature, with that feature; ties:
  // the smaller text. After link_parents.
  std::pair<uint32_t, uint32_t> most_repeated(uint32_t n) {
    sibling_keys.clear();
    for (uint32_t i = 0; i < n; ++i)
      if (parents[i] != kNone) sibling_keys.push_back(uint64_t{parents[i]} << 32 | span_ops[i]);
    std::sort(sibling_keys.begin(), sibling_keys.end());
    uint32_t best = 0, best_op = kNone;
    for (size_t i = 0; i < sibling_keys.size();) {
      size_t j = i;
      while (j < sibling_keys.size() && sibling_keys[j] == sibling_keys[i]) ++j;
      const auto run = static_cast<uint32_t>(j - i);
      const auto op = static_cast<uint32_t>(sibling_keys[i]);
      if (run > best || (run == best && value_of(features[op]) < value_of(features[best_op]))) {
        best = run;
        best_op = op;
      }
      i = j;
    }
    return {best, best_op};
  }

  void add_structure(const model::Trace& trace) {
    const auto n = static_cast<uint32_t>(trace.spans.size());
    count(intern(span_count_key, span_count_bucket(n)));
    link_parents(trace);
    char tmp[16];
    auto res = std::to_chars(tmp, tmp + sizeof tmp, max_depth(n));
    count(intern(depth_key, std::string_view(tmp, static_cast<size_t>(res.ptr - tmp))));
    const auto [repeats, op] = most_repeated(n);
    if (repeats < 3) return;
    value_buf.assign(value_of(features[op]));
    value_buf += ' ';
    value_buf += kTimes;
    value_buf += repeat_bucket(repeats);
    count(intern(repeated_key, value_buf));
  }

  // ---- add, finish ----

  void add(const model::Trace& trace, bool selected) {
    ++(selected ? selected_traces : baseline_traces);
    ++trace_serial;
    trace_selected = selected;
    trace_id = &trace.trace_id;
    if (trace.spans.empty()) return;
    span_ops.resize(trace.spans.size());
    for (size_t i = 0; i < trace.spans.size(); ++i) {
      const Span& s = trace.spans[i];
      const ResourceMemo& r = add_resource(s.resource);
      span_ops[i] = intern_operation(r.service, r.service_hash, s.name);
      count(span_ops[i]);
      for (const model::KeyValue& kv : s.attributes) {
        const uint32_t id = attribute(kv);
        if (id != kNone) count(id);
      }
    }
    add_structure(trace);
  }

  FeatureStat stat_of(uint32_t id) const {
    const FeatureRec& f = features[id];
    const KeyRec& k = keys[f.key];
    FeatureStat s;
    s.kind = k.kind;
    s.name = k.name;
    s.value = std::string(value_of(f));
    s.selected_count = f.selected;
    s.baseline_count = f.baseline;
    const double ns = selected_traces, nb = baseline_traces;
    s.selected_ratio = ns > 0 ? f.selected / ns : 0;
    s.baseline_ratio = nb > 0 ? f.baseline / nb : 0;
    if (s.baseline_ratio > 0) s.lift = s.selected_ratio / s.baseline_ratio;
    s.z_score = z_score(f.selected, f.baseline, ns, nb);
    s.p_value = std::erfc(std::fabs(s.z_score) / std::sqrt(2.0));
    if (f.examples != kNone)
      s.examples.assign(example_ids[f.examples].begin(),
                        example_ids[f.examples].begin() + std::min(f.selected, kMaxExamples));
    return s;
  }

  CohortResult finish() {
    CohortResult out;
    out.selected_analyzed = selected_traces;
    out.baseline_analyzed = baseline_traces;
    const uint64_t analysed = uint64_t{selected_traces} + baseline_traces;
    for (const FeatureRec& f : features) ++keys[f.key].distinct;
    auto id_like = [&](const KeyRec& k) {
      return k.kind == FeatureKind::kAttribute && analysed >= kMinTracesForIdRule &&
             2 * uint64_t{k.distinct} > analysed;
    };
    // Candidates by their counts alone; strings are copied only for the ones reported.
    struct Candidate {
      double diff, z;
      uint32_t id;
    };
    std::vector<Candidate> cands;
    const double ns = selected_traces, nb = baseline_traces;
    for (uint32_t id = 0; id < features.size(); ++id) {
      const FeatureRec& f = features[id];
      if (f.selected == 0 || id_like(keys[f.key])) continue;
      const double sr = f.selected / ns;  // ns > 0 as f.selected > 0
      const double br = nb > 0 ? f.baseline / nb : 0;
      if (!(sr > br)) continue;
      cands.push_back({sr - br, z_score(f.selected, f.baseline, ns, nb), id});
    }
    auto before = [&](const Candidate& a, const Candidate& b) {
      if (a.diff != b.diff) return a.diff > b.diff;
      if (a.z != b.z) return a.z > b.z;
      const FeatureRec &fa = features[a.id], &fb = features[b.id];
      const KeyRec &ka = keys[fa.key], &kb = keys[fb.key];
      return std::tuple(ka.kind, std::string_view(ka.name), value_of(fa)) <
             std::tuple(kb.kind, std::string_view(kb.name), value_of(fb));
    };
    const size_t keep = std::min(max_features, cands.size());
    std::partial_sort(cands.begin(), cands.begin() + static_cast<ptrdiff_t>(keep), cands.end(),
                      before);
    out.features.reserve(keep);
    for (size_t i = 0; i < keep; ++i) out.features.push_back(stat_of(cands[i].id));
    return out;
  }
};

CohortAnalyzer::CohortAnalyzer(size_t max_features) : state_(std::make_unique<State>()) {
  state_->max_features = max_features;
}
CohortAnalyzer::~CohortAnalyzer() = default;
CohortAnalyzer::CohortAnalyzer(CohortAnalyzer&&) noexcept = default;
CohortAnalyzer& CohortAnalyzer::operator=(CohortAnalyzer&&) noexcept = default;

void CohortAnalyzer::add(const model::Trace& trace, bool selected) { state_->add(trace, selected); }

CohortResult CohortAnalyzer::finish() && { return state_->finish(); }

}  // namespace weft::query::analysis
