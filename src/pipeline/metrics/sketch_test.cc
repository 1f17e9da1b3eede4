#include "metrics/sketch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace weft::pipeline::metrics {
namespace {

// The exact value at the rank the sketch promises (floor(q * (n - 1))).
double exact(std::vector<uint64_t> v, double q) {
  std::sort(v.begin(), v.end());
  return static_cast<double>(v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))]);
}

std::vector<uint64_t> lognormal_durations(size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> d(std::log(20e6), 1.5);  // around 20 ms, wide
  std::vector<uint64_t> v(n);
  for (auto& x : v) x = static_cast<uint64_t>(d(rng)) + 1;
  return v;
}

constexpr double kQs[] = {0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0};

TEST(SketchTest, QuantilesWithinOnePercentOfExact) {
  auto data = lognormal_durations(100'000, 1);
  Sketch s;
  for (uint64_t x : data) s.add(x);
  EXPECT_EQ(s.count(), data.size());
  EXPECT_EQ(s.min(), *std::min_element(data.begin(), data.end()));
  EXPECT_EQ(s.max(), *std::max_element(data.begin(), data.end()));
  for (double q : kQs) {
    double want = exact(data, q);
    EXPECT_NEAR(s.quantile(q), want, want * Sketch::kRelativeAccuracy + 1e-9) << "q=" << q;
  }
}

TEST(SketchTest, SmallValuesZerosAndHugeValues) {
  // 1 ns .. 11 days: within kMaxBins, so nothing collapses.
  std::vector<uint64_t> data = {
      0, 0, 1, 2, 3, 1000, 1'000'000'000'000ULL, 1'000'000'000'000'000ULL};
  Sketch s;
  for (uint64_t x : data) s.add(x);
  for (double q : kQs) {
    double want = exact(data, q);
    EXPECT_NEAR(s.quantile(q), want, want * Sketch::kRelativeAccuracy) << "q=" << q;
  }
  Sketch huge;
  huge.add(UINT64_MAX);
  huge.add(UINT64_MAX / 2);
  EXPECT_EQ(huge.sum(), UINT64_MAX);  // saturated
  EXPECT_EQ(huge.quantile(1), static_cast<double>(UINT64_MAX));
  EXPECT_EQ(Sketch().quantile(0.5), 0);
}

TEST(SketchTest, MergeEqualsOneSketchOfEverything) {
  auto a = lognormal_durations(5000, 2), b = lognormal_durations(7000, 3);
  Sketch sa, sb, all;
  for (uint64_t x : a) sa.add(x), all.add(x);
  for (uint64_t x : b) sb.add(x), all.add(x);
  Sketch merged = sa;
  merged.merge(sb);
  EXPECT_EQ(merged, all);
  for (double q : kQs) EXPECT_DOUBLE_EQ(merged.quantile(q), all.quantile(q));
  // Merging into an empty sketch and merging an empty one change nothing.
  Sketch e;
  e.merge(all);
  EXPECT_EQ(e, all);
  e.merge(Sketch());
  EXPECT_EQ(e, all);
}

TEST(SketchTest, BinCountIsBoundedByCollapsingTheLowest) {
  Sketch s;
  // Every index from 1 ns to 2^64: more than kMaxBins indexes.
  for (double v = 1; v < 1.8e19; v *= 1.01) s.add(static_cast<uint64_t>(v));
  EXPECT_LE(s.bin_count(), Sketch::kMaxBins);
  // The high quantiles keep their accuracy.
  EXPECT_NEAR(s.quantile(1.0), static_cast<double>(s.max()), 1);
  EXPECT_GT(s.quantile(0.99), 1e18);
}

TEST(SketchTest, EncodeRoundTrip) {
  Sketch s;
  for (uint64_t x : lognormal_durations(3000, 4)) s.add(x);
  s.add(0);
  auto d = Sketch::decode(s.encode());
  ASSERT_TRUE(d.is_ok()) << d.status().to_string();
  EXPECT_EQ(*d, s);
  EXPECT_EQ(d->count(), s.count());
  EXPECT_EQ(d->sum(), s.sum());
  EXPECT_EQ(d->min(), s.min());
  EXPECT_EQ(d->max(), s.max());
  EXPECT_DOUBLE_EQ(d->quantile(0.99), s.quantile(0.99));
  auto empty = Sketch::decode(Sketch().encode());
  ASSERT_TRUE(empty.is_ok());
  EXPECT_TRUE(empty->empty());
}

TEST(SketchTest, GarbageIsRefused) {
  Sketch s;
  for (uint64_t x : {5u, 50u, 500u}) s.add(x);
  std::string good = s.encode();
  EXPECT_FALSE(Sketch::decode("").is_ok());
  EXPECT_FALSE(Sketch::decode("\x02").is_ok());      // unknown version
  EXPECT_FALSE(Sketch::decode(good + "x").is_ok());  // trailing bytes
  for (size_t n = 0; n < good.size(); ++n)           // every truncation
    EXPECT_FALSE(Sketch::decode(good.substr(0, n)).is_ok()) << n;
  // A count that the bins do not add up to.
  std::string bad = good;
  bad[1] = 9;
  EXPECT_FALSE(Sketch::decode(bad).is_ok());
  // Random bytes never crash and are (almost always) refused.
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string junk(rng() % 40, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    auto r = Sketch::decode(junk);
    if (r.is_ok()) {
      EXPECT_EQ(Sketch::decode(r->encode())->count(), r->count());
    }
  }
  // A huge bin count is refused before anything is allocated.
  EXPECT_FALSE(
      Sketch::decode(std::string("\x01\x01\x00\x01\x01\x01\xff\xff\xff\xff\x0f", 11)).is_ok());
}

}  // namespace
}  // namespace weft::pipeline::metrics
