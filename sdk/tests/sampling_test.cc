// Samplers: ratio (against OpenTelemetry JS's decisions), parent-based, rate limiting, per
// window, per operation, strategy JSON, and the remote sampler against an in-test server.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <random>
#include <thread>

#include "fake_clock.h"
#include "sampling/json_lite.h"
#include "sampling/rate_samplers.h"
#include "sampling/remote_sampler.h"
#include "sampling/strategy.h"
#include "test_http_server.h"
#include "weft/sampler.h"

namespace weft {
namespace {

using namespace std::chrono_literals;
using weft::testing::FakeSteadyClock;
using weft::testing::HttpResponse;
using weft::testing::TestHttpServer;
using weft::testing::TestRequest;
using weft::testing::TestResponse;

constexpr SamplingDecision kSample = SamplingDecision::kRecordAndSample;
constexpr SamplingDecision kDrop = SamplingDecision::kDrop;

TraceId Tid(std::string_view hex) {
  TraceId id;
  EXPECT_TRUE(TraceId::from_hex(hex, &id)) << hex;
  return id;
}

SpanContext Parent(uint8_t flags) {
  SpanContext sc;
  sc.trace_id = Tid("0af7651916cd43dd8448eb211c80319c");
  sc.span_id.bytes[7] = 1;
  sc.flags = flags;
  return sc;
}

SamplingDecision Decide(Sampler& s, const TraceId& id, std::string_view name = "op",
                        const SpanContext& parent = SpanContext{}) {
  return s.ShouldSample(SamplingParams{parent, id, name, SpanKind::kServer});
}

bool Sampled(Sampler& s, std::string_view name = "op") {
  return Decide(s, NewTraceId(), name) == kSample;
}

// --- TraceIdRatio ---

// Decisions of @opentelemetry/sdk-trace-base 2.12.1's TraceIdRatioBasedSampler (node 20) for
// these ids, made by otel_js_ratio_vectors.cjs: 40 random ids, then per ratio an id whose
// 32-bit XOR is just below and at the ratio's bound, then the XOR = 0xffffffff, all-zero
// (invalid) and XOR = 10 ids.
constexpr const char* kJsIds[] = {
    "1c0d57f143f04a6ee2b84105d5f2e30a", "535c8ea88f7b1baccb3af6366438f14d",
    "d0af9825302bd02bfd70522efba9a163", "29616ccbd37bf4217a5b1baa552e4218",
    "a92e8eaf5fe48bde618d3e485cd158ba", "07727df416e635e938c4ac268ade8c37",
    "a7e5b8ad83785723dab3302241b96ab1", "4b0e14fa7402f3fbf33082c1087799f3",
    "0c996e22e7860860c360b93448a12d9e", "7c5b2a8436aed0272f32df6d11aadb8d",
    "d75f57674a8fc8272a0254f40e3ac880", "cc8f347b52db68d0da3685c102e560ba",
    "849d7a22ba2202bdeb7d5555c22299e5", "37774f288f5f6fac597820df0342921f",
    "7b3c5add350acc18532b85a8ce2f82f1", "28a233c7201f6216e9b5194fdbdab32a",
    "8b3557b0b29fb30c828b4a6192fe8007", "19211390b510e5a8f8b096f31ffcc8c8",
    "dc622fa949242e7d66a5e567b17b50af", "e69fb192d1c55e289dfade602d37dde1",
    "464aa1d5174205b16c93d0029ab990bf", "aeed00dd1bbe6c05830f9643d632c298",
    "faae2e18b0785339f76acc8df6a68ced", "3bd21fc2e9a9a4e9d60bc6a306b44fac",
    "b15f49412ad607fcc9b76b6fc3854d43", "9ec2c43cbfb9021eb4b191202589eb89",
    "c6ffc4fdafcb225a2c814011df74c820", "f7a510d086bc32cc0792b68406ef8adc",
    "4e38c397b3012375ca72ebd6a144f0c0", "8764545d3d9d3a545510fb42199caab7",
    "4fb04eb423c8ab17db6a76398c8b5c7b", "60976aaf74c9853de91161c124a5cea0",
    "ce708f6bc0a888c40b6822a47f4c8a20", "fd354eefbe58e98c4e09fe83151ae117",
    "897db5657c02feea8f1f15a69ddc6f38", "97bdf4149606d96e1d5edf9188f17162",
    "3f64d1fb75c16b419b88a4941720cf09", "9c9fa30bf308698eac561db327bf2dbb",
    "b3ac4b6c33ce05d17f9e1bb7b293079c", "2ad6f13ce14cae8a5e6ab362888e2526",
    "1234567812345678deadbeefdeadbeef", "1275df4e12345678deadbeefdeadbeef",
    "1275df4f12345678deadbeefdeadbeef", "0badcfe012345678deadbeefdeadbeef",
    "0badcfe112345678deadbeefdeadbeef", "2dcba98612345678deadbeefdeadbeef",
    "2dcba98712345678deadbeefdeadbeef", "6dcba98612345678deadbeefdeadbeef",
    "6dcba98712345678deadbeefdeadbeef", "f452301c12345678deadbeefdeadbeef",
    "f452301d12345678deadbeefdeadbeef", "edcbb94f12345678deadbeefdeadbeef",
    "edcbb94012345678deadbeefdeadbeef", "edcba98612345678deadbeefdeadbeef",
    "edcba98712345678deadbeefdeadbeef", "ffffffff000000000000000000000000",
    "00000000000000000000000000000000", "0000000000000000000000000000000a",
};
struct JsDecisions {
  double ratio;
  const char* sampled;  // '1' per id of kJsIds that OTel JS samples
};
constexpr JsDecisions kJsDecisions[] = {
    {0, "0000000000000000000000000000000000000000000000000000000000"},
    {0.001, "0000000000000000000000000000000000000000110000000000000001"},
    {0.1, "0000000000001000000000010000000001000000111100000000000001"},
    {0.25, "0000000000001001100000010000001001000001111111000000000001"},
    {0.5, "1100000011011001111000110001001011000011111111110000000001"},
    {0.9, "1111111111111111111111111111101111011111111111111100000001"},
    {0.999999, "1111111111111111111111111111111111111111111111111111000001"},
    {1, "1111111111111111111111111111111111111111111111111111111101"},
};

TEST(SamplingRatio, MatchesOpenTelemetryJsDecisions) {
  for (const JsDecisions& d : kJsDecisions) {
    auto sampler = TraceIdRatioSampler(d.ratio);
    ASSERT_EQ(std::string_view(d.sampled).size(), std::size(kJsIds));
    for (size_t i = 0; i < std::size(kJsIds); ++i) {
      EXPECT_EQ(Decide(*sampler, Tid(kJsIds[i])) == kSample, d.sampled[i] == '1')
          << "ratio " << d.ratio << " id " << kJsIds[i];
    }
  }
}

TEST(SamplingRatio, SameTraceIdSameDecisionAcrossInstances) {
  auto a = TraceIdRatioSampler(0.3), b = TraceIdRatioSampler(0.3);
  int sampled = 0;
  for (int i = 0; i < 10'000; ++i) {
    TraceId id = NewTraceId();
    SamplingDecision d = Decide(*a, id);
    ASSERT_EQ(d, Decide(*b, id));
    ASSERT_EQ(d, Decide(*a, id));  // and stable for one instance
    sampled += d == kSample;
  }
  EXPECT_GT(sampled, 0);
  EXPECT_LT(sampled, 10'000);
}

TEST(SamplingRatio, QuarterSamplesAQuarter) {
  std::mt19937_64 rng(42);
  auto sampler = TraceIdRatioSampler(0.25);
  constexpr int kIds = 100'000;
  int sampled = 0;
  for (int i = 0; i < kIds; ++i) {
    TraceId id;
    uint64_t a = rng(), b = rng();
    std::memcpy(id.bytes.data(), &a, 8);
    std::memcpy(id.bytes.data() + 8, &b, 8);
    sampled += Decide(*sampler, id) == kSample;
  }
  // Binomial(100k, 0.25): sigma = 137; the bound is about 5 sigma.
  EXPECT_NEAR(sampled, kIds / 4, 700);
}

TEST(SamplingRatio, ZeroAndOneAreExact) {
  auto none = TraceIdRatioSampler(0), all = TraceIdRatioSampler(1);
  auto below = TraceIdRatioSampler(-3), above = TraceIdRatioSampler(7),
       nan = TraceIdRatioSampler(std::nan(""));
  for (int i = 0; i < 20'000; ++i) {
    TraceId id = NewTraceId();
    ASSERT_EQ(Decide(*none, id), kDrop);
    ASSERT_EQ(Decide(*below, id), kDrop);
    ASSERT_EQ(Decide(*nan, id), kDrop);
    ASSERT_EQ(Decide(*all, id), kSample);
    ASSERT_EQ(Decide(*above, id), kSample);
  }
  // The extremes of the 32-bit value.
  EXPECT_EQ(Decide(*all, Tid("ffffffff000000000000000000000000")), kSample);
  EXPECT_EQ(Decide(*none, Tid("00000000000000000000000000000001")), kDrop);
  EXPECT_EQ(Decide(*all, TraceId{}), kDrop);  // invalid ids never sample, as in OTel JS
  EXPECT_EQ(all->Description(), "TraceIdRatioBased{1}");
  EXPECT_EQ(TraceIdRatioSampler(0.25)->Description(), "TraceIdRatioBased{0.25}");
}

// --- AlwaysOn / AlwaysOff / ParentBased ---

TEST(SamplingParentBased, DecisionTable) {
  const SpanContext root;
  const SpanContext sampled = Parent(kTraceFlagSampled), unsampled = Parent(0),
                    debug = Parent(kTraceFlagDebug), debug_sampled = Parent(kTraceFlagDebug | 1);
  SpanContext remote_sampled = sampled, remote_unsampled = unsampled;
  remote_sampled.remote = remote_unsampled.remote = true;
  struct Row {
    std::shared_ptr<Sampler> root_sampler;
    const SpanContext& parent;
    SamplingDecision want;
  };
  const Row rows[] = {
      {AlwaysOnSampler(), root, kSample},
      {AlwaysOffSampler(), root, kDrop},
      {AlwaysOffSampler(), sampled, kSample},
      {AlwaysOnSampler(), unsampled, kDrop},
      {AlwaysOffSampler(), remote_sampled, kSample},
      {AlwaysOnSampler(), remote_unsampled, kDrop},
      {AlwaysOffSampler(), debug, kSample},
      {AlwaysOffSampler(), debug_sampled, kSample},
  };
  for (size_t i = 0; i < std::size(rows); ++i) {
    auto sampler = ParentBasedSampler(rows[i].root_sampler);
    EXPECT_EQ(Decide(*sampler, rows[i].parent.valid() ? rows[i].parent.trace_id : NewTraceId(),
                     "op", rows[i].parent),
              rows[i].want)
        << "row " << i;
  }
  EXPECT_EQ(ParentBasedSampler(AlwaysOffSampler())->Description(),
            "ParentBased{root=AlwaysOffSampler}");
  EXPECT_EQ(Decide(*ParentBasedSampler(nullptr), NewTraceId()), kSample);  // null root = on
}

TEST(SamplingParentBased, RootRatioIsConsistentWithChildren) {
  // A root sampled by ratio in one service, children parent-based in another: one trace.
  auto svc_a = ParentBasedSampler(TraceIdRatioSampler(0.5));
  for (int i = 0; i < 1000; ++i) {
    TraceId id = NewTraceId();
    const bool root_sampled = Decide(*svc_a, id) == kSample;
    SpanContext parent = Parent(root_sampled ? kTraceFlagSampled : 0);
    parent.trace_id = id;
    ASSERT_EQ(Decide(*svc_a, id, "child", parent) == kSample, root_sampled);
  }
}

// --- RateLimiting / PerWindow, on a fake clock ---

std::atomic<int64_t> g_fake_now{1'000'000'000};
int64_t FakeNow() { return g_fake_now.load(); }
void Advance(std::chrono::nanoseconds d) { g_fake_now.fetch_add(d.count()); }

int Admitted(Sampler& s, int attempts) {
  int n = 0;
  for (int i = 0; i < attempts; ++i) n += Sampled(s);
  return n;
}

TEST(SamplingRateLimiting, BurstThenSteadyRate) {
  auto s = sampling::MakeRateLimitingSampler(10, FakeNow);
  EXPECT_EQ(Admitted(*s, 50), 10);  // starts full: burst = rate
  Advance(99ms);
  EXPECT_EQ(Admitted(*s, 5), 0);
  Advance(1ms);
  EXPECT_EQ(Admitted(*s, 5), 1);
  // 10 s of a steady flood, one attempt per ms: 10/s.
  int admitted = 0;
  for (int ms = 0; ms < 10'000; ++ms) {
    Advance(1ms);
    admitted += Admitted(*s, 3);
  }
  EXPECT_NEAR(admitted, 100, 1);
  // Idle for a minute: the bucket refills to its capacity, not beyond.
  Advance(60s);
  EXPECT_EQ(Admitted(*s, 50), 10);
  EXPECT_EQ(s->Description(), "RateLimiting{10/s}");
}

TEST(SamplingRateLimiting, FractionalAndZeroRates) {
  auto half = sampling::MakeRateLimitingSampler(0.5, FakeNow);
  EXPECT_EQ(Admitted(*half, 10), 1);  // burst max(1, rate) = 1
  Advance(1999ms);
  EXPECT_EQ(Admitted(*half, 10), 0);
  Advance(1ms);
  EXPECT_EQ(Admitted(*half, 10), 1);
  auto zero = sampling::MakeRateLimitingSampler(0, FakeNow);
  auto negative = sampling::MakeRateLimitingSampler(-1, FakeNow);
  EXPECT_EQ(Admitted(*zero, 10), 0);
  EXPECT_EQ(Admitted(*negative, 10), 0);
}

TEST(SamplingRateLimiting, ConcurrentDecisionsNeverExceedTheBucket) {
  auto s = sampling::MakeRateLimitingSampler(1000, FakeNow);  // clock frozen: exactly the burst
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&] { admitted += Admitted(*s, 5000); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 1000);
}

// The public factory starts with a full bucket (the refill over real time is checked by
// weft_sdk_sampler_bench's BM_RateLimitingRealClock, not here: no wall-clock assertions).
TEST(SamplingRateLimiting, PublicFactoryAdmitsTheBurst) {
  auto s = RateLimitingSampler(0.001);  // burst 1, then one trace per 1000 s
  EXPECT_EQ(Admitted(*s, 100), 1);
  EXPECT_EQ(s->Description(), "RateLimiting{0.001/s}");
}

TEST(SamplingPerWindow, ExactCountsPerWindow) {
  auto s = sampling::MakePerWindowSampler(3, 3s, FakeNow);
  EXPECT_EQ(Admitted(*s, 10), 3);
  Advance(2999ms);
  EXPECT_EQ(Admitted(*s, 10), 0);
  Advance(1ms);  // the second window starts: the count resets
  EXPECT_EQ(Admitted(*s, 10), 3);
  Advance(7s);  // skipping windows is fine
  EXPECT_EQ(Admitted(*s, 10), 3);
  EXPECT_EQ(s->Description(), "PerWindow{3/3000ms}");
  auto none = sampling::MakePerWindowSampler(0, 1s, FakeNow);
  EXPECT_EQ(Admitted(*none, 10), 0);
}

TEST(SamplingPerWindow, ConcurrentDecisionsAdmitExactlyN) {
  auto s = sampling::MakePerWindowSampler(777, 1s, FakeNow);
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&] { admitted += Admitted(*s, 5000); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 777);
  Advance(1s);
  EXPECT_EQ(Admitted(*s, 1000), 777);
}

// The public factory's first window (windows moving with real time: the sampler bench).
TEST(SamplingPerWindow, PublicFactoryAdmitsNInTheFirstWindow) {
  auto s = PerWindowSampler(2, std::chrono::hours(24));
  EXPECT_EQ(Admitted(*s, 10), 2);
  EXPECT_EQ(Admitted(*s, 10), 0);
}

// --- PerOperation ---

TEST(SamplingPerOperation, FirstMatchingRuleDecides) {
  auto s = PerOperationSampler({{"GET /health", AlwaysOffSampler()},
                                {"GET /*", AlwaysOnSampler()},
                                {"GET /admin", AlwaysOffSampler()},  // shadowed by "GET /*"
                                {"POST /pay*", AlwaysOffSampler()},
                                {"POST /payments", AlwaysOnSampler()},  // shadowed by the prefix
                                {"exact", AlwaysOnSampler()},
                                {"exact", AlwaysOffSampler()}},  // duplicate: the first wins
                               AlwaysOffSampler());
  EXPECT_FALSE(Sampled(*s, "GET /health"));
  EXPECT_TRUE(Sampled(*s, "GET /users"));
  EXPECT_TRUE(Sampled(*s, "GET /admin"));
  EXPECT_TRUE(Sampled(*s, "GET /"));
  EXPECT_FALSE(Sampled(*s, "POST /payments"));
  EXPECT_FALSE(Sampled(*s, "POST /pay"));
  EXPECT_TRUE(Sampled(*s, "exact"));
  EXPECT_FALSE(Sampled(*s, "exactly"));  // exact patterns are not prefixes
  EXPECT_FALSE(Sampled(*s, "GET"));
  EXPECT_FALSE(Sampled(*s, ""));
  EXPECT_EQ(s->Description(), "PerOperation{7 rules, fallback=AlwaysOffSampler}");
}

TEST(SamplingPerOperation, CatchAllFallbackAndNulls) {
  auto star = PerOperationSampler({{"keep", AlwaysOnSampler()}, {"*", AlwaysOffSampler()}},
                                  AlwaysOnSampler());
  EXPECT_TRUE(Sampled(*star, "keep"));
  EXPECT_FALSE(Sampled(*star, "anything"));
  EXPECT_FALSE(Sampled(*star, ""));
  // Null fallback = AlwaysOn; a rule with a null sampler uses the fallback.
  auto nulls = PerOperationSampler({{"off", AlwaysOffSampler()}, {"null", nullptr}}, nullptr);
  EXPECT_FALSE(Sampled(*nulls, "off"));
  EXPECT_TRUE(Sampled(*nulls, "null"));
  EXPECT_TRUE(Sampled(*nulls, "other"));
}

// --- json_lite ---

TEST(SamplingJsonLite, ParsesDocuments) {
  json::JsonValue v;
  std::string error;
  ASSERT_TRUE(json::Parse(
      "\xEF\xBB\xBF { \"a\": [1, -2.5e2, 0, true, false, null, {}], \"s\": \"x\\\"\\\\\\/\\n\\u00e9"
      "\\ud83d\\ude00\\ud800!\", \"o\": {\"n\": 1e400}, \"a\": 2 } ",
      &v, &error))
      << error;
  ASSERT_TRUE(v.is_object());
  const json::JsonValue* a = v.FindArray("a");  // the first of repeated members
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->items().size(), 7u);
  EXPECT_EQ(a->items()[1].as_number(), -250);
  EXPECT_TRUE(a->items()[3].as_bool());
  EXPECT_TRUE(a->items()[5].is_null());
  EXPECT_TRUE(a->items()[6].is_object());
  EXPECT_EQ(v.FindString("s")->as_string(), "x\"\\/\n\xC3\xA9\xF0\x9F\x98\x80\xEF\xBF\xBD!");
  EXPECT_TRUE(std::isinf(v.FindObject("o")->FindNumber("n")->as_number()));
  EXPECT_EQ(v.FindNumber("s"), nullptr);
  EXPECT_EQ(v.Find("missing"), nullptr);
}

TEST(SamplingJsonLite, RejectsMalformedInput) {
  for (std::string_view bad :
       {"",         "{",       "{\"a\":}",  "{\"a\" 1}", "{'a':1}",    "[1,]", "[1 2]",
        "01",       "1.",      ".5",        "-",         "1e",         "tru",  "\"abc",
        "\"a\tb\"", "\"\\x\"", "\"\\u12\"", "{} x",      "{\"a\":1,}", "nul"}) {
    json::JsonValue v;
    std::string error;
    EXPECT_FALSE(json::Parse(bad, &v, &error)) << bad;
    EXPECT_NE(error, "") << bad;
  }
  std::string deep(100, '[');
  deep += std::string(100, ']');
  json::JsonValue v;
  std::string error;
  EXPECT_FALSE(json::Parse(deep, &v, &error));
  EXPECT_NE(error.find("deep"), std::string::npos) << error;
  std::string ok(60, '[');
  ok += std::string(60, ']');
  EXPECT_TRUE(json::Parse(ok, &v, &error)) << error;
}

// --- strategies ---

std::string Strategy(std::string_view json) {
  std::string error;
  auto s = sampling::SamplerFromStrategyJson(json, &error);
  return s ? s->Description() : "error: " + error;
}

TEST(SamplingStrategy, JaegerShapes) {
  EXPECT_EQ(
      Strategy(R"({"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.5}})"),
      "TraceIdRatioBased{0.5}");
  EXPECT_EQ(
      Strategy(
          R"({"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":5}})"),
      "RateLimiting{5/s}");
  EXPECT_EQ(Strategy(R"({"strategyType":0,"probabilisticSampling":{"samplingRate":2}})"),
            "TraceIdRatioBased{1}");  // clamped
  EXPECT_EQ(Strategy(R"({"strategyType":1,"rateLimitingSampling":{"maxTracesPerSecond":2.5}})"),
            "RateLimiting{2.5/s}");
  EXPECT_EQ(
      Strategy(
          R"({"strategy_type":"RATE_LIMITING","rate_limiting_sampling":{"max_traces_per_second":3}})"),
      "RateLimiting{3/s}");
  EXPECT_EQ(Strategy(R"({"probabilisticSampling":{"samplingRate":0.1},"unknown":[1,{"x":null}]})"),
            "TraceIdRatioBased{0.1}");
  EXPECT_EQ(
      Strategy(R"({"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.5},
      "operationSampling":{"defaultSamplingProbability":0.2,"defaultLowerBoundTracesPerSecond":0,
      "perOperationStrategies":[{"operation":"op","probabilisticSampling":{"samplingRate":1}},
                                {"operation":"bad"}]}})"),
      "PerOperation{1 rules, fallback=TraceIdRatioBased{0.2}}");
  EXPECT_EQ(
      Strategy(R"({"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.5},
      "weftPerWindow":{"traces":3,"windowSeconds":3}})"),
      "PerWindow{3/3000ms}");
}

TEST(SamplingStrategy, PerOperationBehaviour) {
  std::string error;
  auto s = sampling::SamplerFromStrategyJson(
      R"({"strategyType":"PROBABILISTIC","operationSampling":{"defaultSamplingProbability":0,
          "defaultLowerBoundTracesPerSecond":0,"perOperationStrategies":[
          {"operation":"always","probabilisticSampling":{"samplingRate":1}},
          {"operation":"never","probabilisticSampling":{"samplingRate":0}}]}})",
      &error);
  ASSERT_TRUE(s) << error;
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(Sampled(*s, "always"));
    EXPECT_FALSE(Sampled(*s, "never"));
    EXPECT_FALSE(Sampled(*s, "other"));
  }
  // A lower bound admits that many traces per second of an operation its ratio drops.
  s = sampling::SamplerFromStrategyJson(
      R"({"operationSampling":{"defaultSamplingProbability":0,
          "defaultLowerBoundTracesPerSecond":2,"perOperationStrategies":[
          {"operation":"rare","probabilisticSampling":{"samplingRate":0}}]}})",
      &error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(Admitted(*s, 100), 2);  // "op": the default's limiter
  int rare = 0;
  for (int i = 0; i < 100; ++i) rare += Sampled(*s, "rare");
  EXPECT_EQ(rare, 2);  // its own limiter
}

TEST(SamplingStrategy, UnusableAnswersAreErrors) {
  for (std::string_view bad :
       {"", "not json", "[]", "{}", R"({"strategyType":"PROBABILISTIC"})",
        R"({"strategyType":"RATE_LIMITING","rateLimitingSampling":{}})",
        R"({"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":"0.5"}})",
        R"({"strategyType":"LOTTERY"})", R"({"operationSampling":{"perOperationStrategies":[]}})",
        R"({"weftPerWindow":{"traces":3}})",
        R"({"weftPerWindow":{"traces":3,"windowSeconds":0}})"}) {
    EXPECT_EQ(Strategy(bad).rfind("error: ", 0), 0u) << bad << " -> " << Strategy(bad);
  }
}

// --- RemoteSampler ---

// A sampling endpoint whose answer the test changes.
class StrategyServer {
 public:
  StrategyServer()
      : server_([this](const TestRequest& r) {
          std::lock_guard<std::mutex> lock(mu_);
          targets_.push_back(r.target);
          return TestResponse{HttpResponse(status_, body_, "Content-Type: application/json\r\n")};
        }) {}
  void Answer(int status, std::string body) {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
    body_ = std::move(body);
  }
  std::string url() const { return server_.url(); }
  int requests() const { return server_.requests(); }
  std::string first_target() {
    std::lock_guard<std::mutex> lock(mu_);
    return targets_.empty() ? "" : targets_.front();
  }

 private:
  std::mutex mu_;
  int status_ = 404;
  std::string body_ = "no such service";
  std::vector<std::string> targets_;
  TestHttpServer server_;  // last: its thread uses the members above
};

constexpr const char* kAll =
    R"({"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":1}})";
constexpr const char* kNone =
    R"({"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0}})";

using testing::Eventually;  // a guard against hanging (60 s), not a timing check

sampling::RemoteSamplerStats Stats(const Sampler& s) {
  sampling::RemoteSamplerStats stats;
  EXPECT_TRUE(sampling::GetRemoteSamplerStats(s, &stats));
  return stats;
}

TEST(SamplingRemote, AppliesNewStrategiesWithinThePollInterval) {
  StrategyServer server;
  server.Answer(200, kAll);
  RemoteSamplerOptions o;
  o.endpoint = server.url();
  o.service_name = "orders svc";
  o.poll_interval = 50ms;
  o.initial = AlwaysOffSampler();
  auto clock = std::make_shared<FakeSteadyClock>();  // polls happen when the test says
  o.clock = clock;
  auto s = RemoteSampler(o);
  // Moves the clock once the poller waits for its next poll (it computes that poll's time
  // from the clock when it starts waiting).
  auto advance_when_waiting = [&](std::chrono::milliseconds d) {
    const uint64_t waits = clock->waits();
    ASSERT_TRUE(Eventually([&] { return clock->waits() > waits; }));
    clock->Advance(d);
  };
  EXPECT_TRUE(Eventually([&] { return Sampled(*s); }));  // the first poll is made at once
  EXPECT_EQ(server.first_target(), "/api/sampling?service=orders%20svc");
  EXPECT_EQ(s->Description(), "RemoteSampler{TraceIdRatioBased{1}}");
  EXPECT_EQ(Stats(*s).polls, 1u);

  // A change is applied by the next poll, one poll interval later.
  server.Answer(200, kNone);
  advance_when_waiting(49ms);
  const uint64_t waits = clock->waits();
  ASSERT_TRUE(Eventually([&] { return clock->waits() >= waits + 3; }));
  EXPECT_EQ(Stats(*s).polls, 1u);  // not yet
  EXPECT_TRUE(Sampled(*s));
  clock->Advance(1ms);
  EXPECT_TRUE(Eventually([&] { return !Sampled(*s); }));
  EXPECT_EQ(Stats(*s).polls, 2u);

  server.Answer(
      200,
      R"({"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":0.001}})");
  advance_when_waiting(50ms);
  EXPECT_TRUE(Eventually([&] { return Stats(*s).strategy == "RateLimiting{0.001/s}"; }));
  // Unchanged answers do not rebuild (and so do not refill) the limiter: its bucket holds
  // one trace and refills in 1000 s.
  const uint64_t updates = Stats(*s).updates;
  EXPECT_EQ(Admitted(*s, 20), 1);
  for (uint64_t polls = Stats(*s).polls; polls < 6; ++polls) {
    advance_when_waiting(50ms);
    ASSERT_TRUE(Eventually([&] { return Stats(*s).polls > polls; }));
  }
  EXPECT_EQ(Stats(*s).updates, updates);
  EXPECT_EQ(Admitted(*s, 20), 0);
}

TEST(SamplingRemote, FailuresKeepTheLastGoodStrategy) {
  StrategyServer server;
  server.Answer(200, kAll);
  RemoteSamplerOptions o;
  o.endpoint = server.url() + "/";
  o.service_name = "svc";
  o.poll_interval = 50ms;
  o.initial = AlwaysOffSampler();
  auto s = RemoteSampler(o);
  ASSERT_TRUE(Eventually([&] { return Stats(*s).updates == 1; }));

  server.Answer(200, "{\"strategyType\": \"PROBABILISTIC\", ");  // bad JSON
  ASSERT_TRUE(Eventually([&] { return Stats(*s).failures >= 2; }));
  EXPECT_NE(Stats(*s).last_error.find("JSON"), std::string::npos) << Stats(*s).last_error;
  EXPECT_TRUE(Sampled(*s));

  server.Answer(500, "boom");
  const uint64_t failures = Stats(*s).failures;
  ASSERT_TRUE(Eventually([&] { return Stats(*s).failures >= failures + 2; }));
  EXPECT_NE(Stats(*s).last_error.find("HTTP 500"), std::string::npos) << Stats(*s).last_error;
  EXPECT_TRUE(Sampled(*s));
  EXPECT_EQ(Stats(*s).updates, 1u);

  server.Answer(200, kNone);  // recovers
  EXPECT_TRUE(Eventually([&] { return !Sampled(*s); }));
  EXPECT_EQ(Stats(*s).last_error, "");
}

TEST(SamplingRemote, UnreachableEndpointKeepsTheInitialSampler) {
  uint16_t port;
  {
    TestHttpServer gone([](const TestRequest&) { return TestResponse{}; });
    port = gone.port();
  }
  RemoteSamplerOptions o;
  o.endpoint = "http://127.0.0.1:" + std::to_string(port);
  o.poll_interval = 20ms;
  o.initial = AlwaysOnSampler();
  auto s = RemoteSampler(o);
  EXPECT_TRUE(Eventually([&] { return Stats(*s).failures >= 3; }));
  EXPECT_TRUE(Sampled(*s));
  EXPECT_EQ(Stats(*s).updates, 0u);

  o.endpoint = "https://collector:16686";  // cannot be polled at all
  auto https = RemoteSampler(o);
  EXPECT_TRUE(Eventually([&] { return Stats(*https).failures == 1; }));
  EXPECT_NE(Stats(*https).last_error.find("https is not supported"), std::string::npos);
  EXPECT_TRUE(Sampled(*https));
}

TEST(SamplingRemote, DefaultInitialAndPromptShutdown) {
  StrategyServer server;  // answers 404 until told otherwise
  RemoteSamplerOptions o;
  o.endpoint = server.url();
  o.service_name = "svc";
  o.poll_interval = 60s;
  auto clock = std::make_shared<FakeSteadyClock>();  // the 60 s never pass
  o.clock = clock;
  auto s = RemoteSampler(o);
  EXPECT_EQ(s->Description(), "RemoteSampler{TraceIdRatioBased{0.001}}");
  EXPECT_TRUE(Eventually([&] { return Stats(*s).polls == 1 && Stats(*s).failures == 1; }));
  // Destroying the sampler wakes the poller from its wait: with the clock stopped, nothing
  // else could end it.
  auto destroyed = std::async(std::launch::async, [&] { s.reset(); });
  if (destroyed.wait_for(60s) != std::future_status::ready) {
    ADD_FAILURE() << "the destructor waited for the poll interval";
    clock->Advance(1h);
  }
  destroyed.get();
  EXPECT_EQ(clock->Elapsed(), 0ns);
}

TEST(SamplingRemote, ConcurrentDecisionsDuringSwaps) {
  StrategyServer server;
  server.Answer(200, kAll);
  RemoteSamplerOptions o;
  o.endpoint = server.url();
  o.service_name = "svc";
  o.poll_interval = 1ms;
  o.initial = AlwaysOnSampler();
  // Each wait between polls passes at once: the poller polls back to back.
  auto clock = std::make_shared<FakeSteadyClock>(FakeSteadyClock::kJumpOnWait);
  o.clock = clock;
  auto s = RemoteSampler(o);
  ASSERT_TRUE(Eventually([&] { return Stats(*s).updates == 1; }));
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  std::atomic<int> decisions{0};
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&] {
      while (!stop) {
        Sampled(*s);
        ++decisions;
      }
    });
  // 20 swaps, each applied while the two threads decide.
  for (uint64_t i = 0; i < 20; ++i) {
    server.Answer(200, i % 2 ? kAll : kNone);
    if (!Eventually([&] { return Stats(*s).updates == i + 2; })) {
      ADD_FAILURE() << "swap " << i << " not applied";
      break;
    }
  }
  EXPECT_TRUE(Eventually([&] { return decisions.load() > 0; }));
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(Stats(*s).updates, 21u);
  EXPECT_EQ(Sampled(*s), true);  // the last answer was kAll
}

TEST(SamplingRemote, OtherSamplersHaveNoRemoteStats) {
  sampling::RemoteSamplerStats stats;
  EXPECT_FALSE(sampling::GetRemoteSamplerStats(*AlwaysOnSampler(), &stats));
}

}  // namespace
}  // namespace weft
