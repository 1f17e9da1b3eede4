// Cohorts: the features of hand-built traces, the statistics of a hand-computed case, the ID
// rule, and planted causes (a version, a host, an N+1 loop) among 1000 noisy traces that
// must come out first.
#include "analysis/cohorts.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <tuple>

namespace weft::query::analysis {
namespace {

using model::AnyValue;
using model::KeyValueList;
using model::Resource;
using model::Span;
using model::Trace;
using model::TraceId;

using ResourcePtr = std::shared_ptr<const Resource>;

TraceId trace_id(uint64_t n) {
  TraceId t;
  for (int i = 0; i < 8; ++i) t.bytes[15 - i] = static_cast<uint8_t>(n >> (8 * i));
  return t;
}

ResourcePtr resource(const std::string& svc, KeyValueList extra = {}) {
  auto r = std::make_shared<Resource>();
  r->attributes.push_back({"service.name", AnyValue(svc)});
  for (auto& kv : extra) r->attributes.push_back(std::move(kv));
  return r;
}

// Span n (ID n) of `r`, child of `parent` (0: root), named `name`.
Span span(uint64_t n, uint64_t parent, const ResourcePtr& r, const std::string& name,
          KeyValueList attrs = {}) {
  Span s;
  for (int i = 0; i < 8; ++i) s.span_id.bytes[7 - i] = static_cast<uint8_t>(n >> (8 * i));
  for (int i = 0; i < 8; ++i)
    s.parent_span_id.bytes[7 - i] = static_cast<uint8_t>(parent >> (8 * i));
  s.name = name;
  s.start_time_unix_nano = 1'000'000 * n;
  s.end_time_unix_nano = s.start_time_unix_nano + 500'000;
  s.attributes = std::move(attrs);
  s.resource = r;
  return s;
}

using Key = std::tuple<std::string, std::string, std::string>;  // kind, name, value

Key key_of(const FeatureStat& f) { return {feature_kind_name(f.kind), f.name, f.value}; }

// Every feature of one trace: analysed alone as the selection, each is reported.
std::set<Key> features_of(const Trace& t) {
  CohortAnalyzer a(100000);
  a.add(t, true);
  CohortResult r = std::move(a).finish();
  std::set<Key> out;
  for (const FeatureStat& f : r.features) out.insert(key_of(f));
  return out;
}

std::string structure_value(const Trace& t, const std::string& name) {
  for (const Key& k : features_of(t))
    if (std::get<0>(k) == "structure" && std::get<1>(k) == name) return std::get<2>(k);
  return "(none)";
}

// A chain root → ... of n spans, or n roots side by side.
Trace chain(uint32_t n) {
  Trace t{trace_id(1), {}};
  auto r = resource("svc");
  for (uint32_t i = 1; i <= n; ++i) t.spans.push_back(span(i, i - 1, r, "op"));
  return t;
}
Trace flat(uint32_t n) {
  Trace t{trace_id(1), {}};
  auto r = resource("svc");
  for (uint32_t i = 1; i <= n; ++i) t.spans.push_back(span(i, 0, r, "op"));
  return t;
}
// A root with `repeats` children "db: SELECT" (and one other child).
Trace fan_out(uint32_t repeats) {
  Trace t{trace_id(1), {}};
  auto fe = resource("frontend"), db = resource("db");
  t.spans.push_back(span(1, 0, fe, "GET /"));
  t.spans.push_back(span(2, 1, db, "INSERT"));
  for (uint32_t i = 0; i < repeats; ++i) t.spans.push_back(span(3 + i, 1, db, "SELECT"));
  return t;
}

TEST(CohortsTest, FeatureKindNames) {
  EXPECT_STREQ(feature_kind_name(FeatureKind::kAttribute), "attribute");
  EXPECT_STREQ(feature_kind_name(FeatureKind::kService), "service");
  EXPECT_STREQ(feature_kind_name(FeatureKind::kOperation), "operation");
  EXPECT_STREQ(feature_kind_name(FeatureKind::kStructure), "structure");
}

TEST(CohortsTest, TheFeaturesOfATrace) {
  Trace t{trace_id(1), {}};
  auto fe = resource("frontend", {{"host.name", AnyValue("web-1")}, {"cores", AnyValue(8)}});
  auto db = resource("db");
  t.spans.push_back(
      span(1, 0, fe, "GET /",
           {{"http.status_code", AnyValue(int64_t{200})},
            {"ratio", AnyValue(0.5)},
            {"cached", AnyValue(false)},
            {"tags", AnyValue(model::ArrayValue{AnyValue("a"), AnyValue(int64_t{1})})},
            {"blob", AnyValue(model::Bytes{"\x01\x02"})},
            {"nothing", AnyValue()}}));
  t.spans.push_back(span(2, 1, fe, "render"));
  for (uint64_t i = 3; i <= 5; ++i)
    t.spans.push_back(span(i, 2, db, "SELECT", {{"db.system", AnyValue("postgresql")}}));
  const std::set<Key> want = {
      {"attribute", "host.name", "web-1"},
      {"attribute", "cores", "8"},
      {"attribute", "http.status_code", "200"},
      {"attribute", "ratio", "0.5"},
      {"attribute", "cached", "false"},
      {"attribute", "tags", R"(["a",1])"},
      {"attribute", "db.system", "postgresql"},
      {"service", "service", "frontend"},
      {"service", "service", "db"},
      {"operation", "operation", "frontend: GET /"},
      {"operation", "operation", "frontend: render"},
      {"operation", "operation", "db: SELECT"},
      {"structure", "spanCount", "4-7"},
      {"structure", "depth", "3"},
      {"structure", "repeatedCall", "db: SELECT \u00d73-4"},
  };
  EXPECT_EQ(features_of(t), want);
}

TEST(CohortsTest, AFeatureCountsOncePerTrace) {
  Trace t = fan_out(6);
  for (Span& s : t.spans) s.attributes.push_back({"k", AnyValue("v")});
  CohortAnalyzer a;
  a.add(t, true);
  a.add(t, false);
  a.add(t, false);
  CohortResult r = std::move(a).finish();
  EXPECT_TRUE(r.features.empty());  // 1/1 selected vs 2/2 baseline: never more common
  CohortAnalyzer b;
  b.add(t, true);
  r = std::move(b).finish();
  ASSERT_FALSE(r.features.empty());
  for (const FeatureStat& f : r.features) EXPECT_EQ(f.selected_count, 1u) << f.value;
}

TEST(CohortsTest, SharedResourcesAndRepeatedValuesCountOncePerTrace) {
  // One resource object in every trace (as decoded batches share them); an attribute taking
  // more values than are remembered per key, once as a string with an int's text.
  auto shared = resource("svc", {{"host.name", AnyValue("h1")}});
  CohortAnalyzer a(1000);
  for (uint64_t t = 0; t < 10; ++t) {
    Trace trace{trace_id(t + 1), {}};
    for (uint64_t j = 0; j < 6; ++j) {
      AnyValue code = (t % 2 == 0 && j == 3) ? AnyValue("3") : AnyValue(static_cast<int64_t>(j));
      trace.spans.push_back(span(j + 1, j, shared, "op", {{"code", code}, {"f", AnyValue(1.5)}}));
    }
    if (t == 9) trace.spans.push_back(span(7, 1, shared, "op", {{"code", AnyValue(int64_t{7})}}));
    a.add(trace, true);
  }
  std::map<Key, uint32_t> counts;
  for (const FeatureStat& f : std::move(a).finish().features) counts[key_of(f)] = f.selected_count;
  EXPECT_EQ(counts[Key("attribute", "host.name", "h1")], 10u);
  EXPECT_EQ(counts[Key("service", "service", "svc")], 10u);
  EXPECT_EQ(counts[Key("operation", "operation", "svc: op")], 10u);
  EXPECT_EQ(counts[Key("attribute", "code", "0")], 10u);
  EXPECT_EQ(counts[Key("attribute", "code", "3")], 10u);  // int 3 and string "3": one feature
  EXPECT_EQ(counts[Key("attribute", "code", "5")], 10u);
  EXPECT_EQ(counts[Key("attribute", "code", "7")], 1u);
  EXPECT_EQ(counts[Key("attribute", "f", "1.5")], 10u);
  EXPECT_FALSE(counts.count(Key("attribute", "service.name", "svc")));
}

TEST(CohortsTest, SpanCountBuckets) {
  EXPECT_EQ(structure_value(flat(1), "spanCount"), "1");
  EXPECT_EQ(structure_value(flat(2), "spanCount"), "2-3");
  EXPECT_EQ(structure_value(flat(3), "spanCount"), "2-3");
  EXPECT_EQ(structure_value(flat(4), "spanCount"), "4-7");
  EXPECT_EQ(structure_value(flat(7), "spanCount"), "4-7");
  EXPECT_EQ(structure_value(flat(8), "spanCount"), "8-15");
  EXPECT_EQ(structure_value(flat(16), "spanCount"), "16-31");
  EXPECT_EQ(structure_value(flat(31), "spanCount"), "16-31");
  EXPECT_EQ(structure_value(flat(32), "spanCount"), "32-63");
}

TEST(CohortsTest, DepthCountsTheRootAsOne) {
  EXPECT_EQ(structure_value(flat(5), "depth"), "1");
  EXPECT_EQ(structure_value(chain(4), "depth"), "4");
  EXPECT_EQ(structure_value(chain(100'000), "depth"), "100000");  // no recursion
}

TEST(CohortsTest, DepthTreatsOrphansAndCyclesAsRoots) {
  Trace t{trace_id(1), {}};
  auto r = resource("svc");
  t.spans.push_back(span(1, 0, r, "op"));
  t.spans.push_back(span(2, 1, r, "op"));
  t.spans.push_back(span(3, 99, r, "op"));  // orphan: a root
  t.spans.push_back(span(4, 3, r, "op"));
  t.spans.push_back(span(5, 4, r, "op"));  // orphan chain: 3 deep
  t.spans.push_back(span(6, 6, r, "op"));  // self-parent: a root
  t.spans.push_back(span(7, 8, r, "op"));  // 7 ↔ 8: cut into a chain of 2
  t.spans.push_back(span(8, 7, r, "op"));
  EXPECT_EQ(structure_value(t, "depth"), "3");
  EXPECT_EQ(structure_value(Trace{trace_id(1), {}}, "depth"), "(none)");  // empty: no features
}

TEST(CohortsTest, RepeatedCallBuckets) {
  EXPECT_EQ(structure_value(fan_out(2), "repeatedCall"), "(none)");
  EXPECT_EQ(structure_value(fan_out(3), "repeatedCall"), "db: SELECT \u00d73-4");
  EXPECT_EQ(structure_value(fan_out(4), "repeatedCall"), "db: SELECT \u00d73-4");
  EXPECT_EQ(structure_value(fan_out(5), "repeatedCall"), "db: SELECT \u00d75-9");
  EXPECT_EQ(structure_value(fan_out(12), "repeatedCall"), "db: SELECT \u00d710-19");
  EXPECT_EQ(structure_value(fan_out(19), "repeatedCall"), "db: SELECT \u00d710-19");
  EXPECT_EQ(structure_value(fan_out(25), "repeatedCall"), "db: SELECT \u00d720+");
}

TEST(CohortsTest, RepeatedCallCountsChildrenOfOneParentOnly) {
  // Two parents with two SELECTs each: never 3 under one parent.
  Trace t{trace_id(1), {}};
  auto app = resource("app"), db = resource("db");
  t.spans.push_back(span(1, 0, app, "root"));
  t.spans.push_back(span(2, 1, app, "a"));
  t.spans.push_back(span(3, 1, app, "b"));
  for (uint64_t i = 0; i < 4; ++i) t.spans.push_back(span(4 + i, 2 + i % 2, db, "SELECT"));
  EXPECT_EQ(structure_value(t, "repeatedCall"), "(none)");
  // Same name, other service: not the same call.
  Trace u{trace_id(1), {}};
  auto db2 = resource("db2");
  u.spans.push_back(span(1, 0, app, "root"));
  for (uint64_t i = 0; i < 4; ++i) u.spans.push_back(span(2 + i, 1, i % 2 ? db : db2, "SELECT"));
  EXPECT_EQ(structure_value(u, "repeatedCall"), "(none)");
  // A tie takes the smaller "service: operation".
  Trace v{trace_id(1), {}};
  auto alpha = resource("alpha"), beta = resource("beta");
  v.spans.push_back(span(1, 0, app, "root"));
  for (uint64_t i = 0; i < 6; ++i) v.spans.push_back(span(2 + i, 1, i % 2 ? alpha : beta, "q"));
  EXPECT_EQ(structure_value(v, "repeatedCall"), "alpha: q \u00d73-4");
}

TEST(CohortsTest, ValuesAreCutAt100Characters) {
  Trace t{trace_id(1), {}};
  std::string e_acute;
  for (int i = 0; i < 150; ++i) e_acute += "\u00e9";
  t.spans.push_back(span(1, 0, resource("svc"), "op",
                         {{"long", AnyValue(std::string(150, 'a'))},
                          {"exact", AnyValue(std::string(100, 'b'))},
                          {"utf8", AnyValue(e_acute)}}));
  const std::set<Key> f = features_of(t);
  EXPECT_TRUE(f.count({"attribute", "long", std::string(100, 'a')}));
  EXPECT_TRUE(f.count({"attribute", "exact", std::string(100, 'b')}));
  EXPECT_TRUE(f.count({"attribute", "utf8", e_acute.substr(0, 200)}));  // 100 × 2 bytes
}

TEST(CohortsTest, IdLikeKeysAreSkipped) {
  auto run = [](uint32_t traces, uint32_t distinct) {
    CohortAnalyzer a(1000);
    for (uint32_t i = 0; i < traces; ++i) {
      Trace t{trace_id(i + 1), {}};
      t.spans.push_back(span(1, 0, resource("svc"), "op",
                             {{"request.id", AnyValue("r" + std::to_string(i % distinct))},
                              {"selected", AnyValue(i % 2 == 0)}}));
      a.add(t, i % 2 == 0);
    }
    bool seen = false;
    for (const FeatureStat& f : std::move(a).finish().features) seen |= f.name == "request.id";
    return seen;
  };
  EXPECT_FALSE(run(40, 40));  // every trace its own value
  EXPECT_FALSE(run(40, 21));  // more than half
  EXPECT_TRUE(run(40, 20));   // exactly half: kept
  EXPECT_TRUE(run(19, 19));   // fewer than 20 traces: the rule does not apply
  EXPECT_FALSE(run(20, 20));
}

TEST(CohortsTest, StatisticsOfAHandComputedCase) {
  // 4 selected, 6 baseline. x=a: 3 selected (traces 1, 3, 4), 1 baseline. y=b: all 4
  // selected, no baseline. z=c: 1 selected, 3 baseline (less common: left out).
  CohortAnalyzer a;
  auto r = resource("svc");
  auto add = [&](uint64_t id, bool selected, bool x, bool y, bool z) {
    KeyValueList attrs;
    if (x) attrs.push_back({"x", AnyValue("a")});
    if (y) attrs.push_back({"y", AnyValue("b")});
    if (z) attrs.push_back({"z", AnyValue("c")});
    a.add(Trace{trace_id(id), {span(1, 0, r, "op", attrs)}}, selected);
  };
  add(1, true, true, true, true);
  add(2, true, false, true, false);
  add(3, true, true, true, false);
  add(4, true, true, true, false);
  add(5, false, true, false, true);
  add(6, false, false, false, true);
  add(7, false, false, false, true);
  for (uint64_t id = 8; id <= 10; ++id) add(id, false, false, false, false);
  CohortResult res = std::move(a).finish();
  EXPECT_EQ(res.selected_analyzed, 4u);
  EXPECT_EQ(res.baseline_analyzed, 6u);
  ASSERT_EQ(res.features.size(), 2u);

  const FeatureStat& y = res.features[0];
  EXPECT_EQ(key_of(y), Key("attribute", "y", "b"));
  EXPECT_EQ(y.selected_count, 4u);
  EXPECT_EQ(y.baseline_count, 0u);
  EXPECT_DOUBLE_EQ(y.selected_ratio, 1.0);
  EXPECT_DOUBLE_EQ(y.baseline_ratio, 0.0);
  EXPECT_FALSE(y.lift.has_value());
  // pooled p = 4/10; var = 0.4 · 0.6 · (1/4 + 1/6) = 0.1; z = 1 / √0.1.
  EXPECT_NEAR(y.z_score, 3.162277660168379, 1e-9);
  EXPECT_NEAR(y.p_value, 0.0015654022580025523, 1e-12);
  EXPECT_EQ(y.examples, (std::vector<TraceId>{trace_id(1), trace_id(2), trace_id(3)}));

  const FeatureStat& x = res.features[1];
  EXPECT_EQ(key_of(x), Key("attribute", "x", "a"));
  EXPECT_EQ(x.selected_count, 3u);
  EXPECT_EQ(x.baseline_count, 1u);
  EXPECT_DOUBLE_EQ(x.selected_ratio, 0.75);
  EXPECT_DOUBLE_EQ(x.baseline_ratio, 1.0 / 6);
  ASSERT_TRUE(x.lift.has_value());
  EXPECT_NEAR(*x.lift, 4.5, 1e-12);
  EXPECT_NEAR(x.z_score, 1.8446619684315546, 1e-9);
  EXPECT_NEAR(x.p_value, 0.0650867264927668, 1e-12);
  EXPECT_EQ(x.examples, (std::vector<TraceId>{trace_id(1), trace_id(3), trace_id(4)}));
}

TEST(CohortsTest, AnEmptySelectionHasNoFeatures) {
  CohortAnalyzer a;
  a.add(fan_out(5), false);
  CohortResult r = std::move(a).finish();
  EXPECT_EQ(r.selected_analyzed, 0u);
  EXPECT_EQ(r.baseline_analyzed, 1u);
  EXPECT_TRUE(r.features.empty());
  CohortResult none = CohortAnalyzer().finish();
  EXPECT_TRUE(none.features.empty());
}

TEST(CohortsTest, AnEmptyBaselineHasRatioZeroAndNoZ) {
  CohortAnalyzer a;
  a.add(fan_out(5), true);
  CohortResult r = std::move(a).finish();
  ASSERT_FALSE(r.features.empty());
  for (const FeatureStat& f : r.features) {
    EXPECT_DOUBLE_EQ(f.selected_ratio, 1.0);
    EXPECT_DOUBLE_EQ(f.baseline_ratio, 0.0);
    EXPECT_FALSE(f.lift.has_value());
    EXPECT_EQ(f.z_score, 0.0);
    EXPECT_EQ(f.p_value, 1.0);
  }
}

TEST(CohortsTest, TiesRankByKindNameValueAndTruncate) {
  CohortAnalyzer a(3);
  a.add(Trace{trace_id(1),
              {span(1, 0, resource("svc"), "op",
                    {{"b", AnyValue("1")}, {"a", AnyValue("2")}, {"a", AnyValue("1")}})}},
        true);
  CohortResult r = std::move(a).finish();
  ASSERT_EQ(r.features.size(), 3u);
  EXPECT_EQ(key_of(r.features[0]), Key("attribute", "a", "1"));
  EXPECT_EQ(key_of(r.features[1]), Key("attribute", "a", "2"));
  EXPECT_EQ(key_of(r.features[2]), Key("attribute", "b", "1"));
}

// ---- Planted causes among noise -------------------------------------------------------

// What a generated trace looks like; the rest is random noise.
struct Plant {
  std::string checkout_version = "2.4.0";
  std::string checkout_host;  // empty: random of h0..h9
  uint32_t db_calls = 1;      // SELECTs under one checkout span
};

// frontend GET /checkout → checkout PlaceOrder → db SELECT × db_calls, db INSERT; plus 0–6
// random calls (cart, payment, email) with noisy attributes and a per-trace request ID.
Trace noisy_trace(std::mt19937_64& rng, uint64_t id, const Plant& p) {
  auto pick = [&](std::initializer_list<const char*> xs) {
    return std::string(xs.begin()[rng() % xs.size()]);
  };
  auto host = [&] { return "h" + std::to_string(rng() % 10); };
  Trace t{trace_id(id), {}};
  auto fe = resource("frontend", {{"host.name", AnyValue(host())},
                                  {"service.version", AnyValue("1.0.0")},
                                  {"cloud.region", AnyValue(pick({"eu", "us", "ap"}))}});
  auto co = resource("checkout",
                     {{"host.name", AnyValue(p.checkout_host.empty() ? host() : p.checkout_host)},
                      {"service.version", AnyValue(p.checkout_version)}});
  auto db = resource("db", {{"host.name", AnyValue("db-" + std::to_string(rng() % 3))}});
  uint64_t n = 1;
  t.spans.push_back(span(n++, 0, fe, "GET /checkout",
                         {{"http.method", AnyValue("GET")},
                          {"http.status_code", AnyValue(int64_t{rng() % 10 ? 200 : 500})},
                          {"user.tier", AnyValue(pick({"free", "pro", "enterprise"}))},
                          {"request.id", AnyValue("req-" + std::to_string(rng()))}}));
  const uint64_t place = n;
  t.spans.push_back(span(n++, 1, co, "PlaceOrder", {{"items", AnyValue(int64_t(rng() % 5))}}));
  for (uint32_t i = 0; i < p.db_calls; ++i)
    t.spans.push_back(span(n++, place, db, "SELECT", {{"db.system", AnyValue("postgresql")}}));
  t.spans.push_back(span(n++, place, db, "INSERT", {{"db.system", AnyValue("postgresql")}}));
  const uint64_t extra = rng() % 7;
  for (uint64_t i = 0; i < extra; ++i) {
    const std::string svc = pick({"cart", "payment", "email"});
    t.spans.push_back(span(
        n++, 1 + rng() % 2, resource(svc, {{"host.name", AnyValue(host())}}),
        pick({"Get", "Put", "Send"}),
        {{"retry", AnyValue(rng() % 4 == 0)}, {"peer.port", AnyValue(int64_t(8000 + rng() % 3))}}));
  }
  return t;
}

// 1000 traces, 10 % selected; `plant(selected)` decides what differs.
template <typename F>
CohortResult planted(F&& plant) {
  std::mt19937_64 rng(42);
  CohortAnalyzer a;
  for (uint64_t i = 0; i < 1000; ++i) {
    const bool selected = i % 10 == 3;
    a.add(noisy_trace(rng, i + 1, plant(rng, selected)), selected);
  }
  return std::move(a).finish();
}

bool chance(std::mt19937_64& rng, double p) {
  return std::uniform_real_distribution<double>(0, 1)(rng) < p;
}

TEST(CohortsTest, PlantedVersionRanksFirst) {
  CohortResult r = planted([](std::mt19937_64& rng, bool selected) {
    Plant p;
    p.checkout_version = chance(rng, selected ? 0.9 : 0.05) ? "2.4.1" : "2.4.0";
    return p;
  });
  EXPECT_EQ(r.selected_analyzed, 100u);
  EXPECT_EQ(r.baseline_analyzed, 900u);
  ASSERT_FALSE(r.features.empty());
  EXPECT_EQ(key_of(r.features[0]), Key("attribute", "service.version", "2.4.1"));
  EXPECT_GT(r.features[0].z_score, 10);
  EXPECT_LT(r.features[0].p_value, 1e-10);
  EXPECT_EQ(r.features[0].examples.size(), 3u);
  for (const FeatureStat& f : r.features) EXPECT_NE(f.name, "request.id");
}

TEST(CohortsTest, PlantedHostRanksFirst) {
  CohortResult r = planted([](std::mt19937_64& rng, bool selected) {
    Plant p;
    if (selected && chance(rng, 0.8)) p.checkout_host = "h7";
    return p;
  });
  ASSERT_FALSE(r.features.empty());
  EXPECT_EQ(key_of(r.features[0]), Key("attribute", "host.name", "h7"));
}

TEST(CohortsTest, PlantedNPlusOneRanksFirst) {
  CohortResult r = planted([](std::mt19937_64& rng, bool selected) {
    Plant p;
    p.db_calls = chance(rng, selected ? 0.9 : 0.03) ? 12 : 1 + static_cast<uint32_t>(rng() % 2);
    return p;
  });
  ASSERT_FALSE(r.features.empty());
  EXPECT_EQ(key_of(r.features[0]), Key("structure", "repeatedCall", "db: SELECT \u00d710-19"));
}

}  // namespace
}  // namespace weft::query::analysis
