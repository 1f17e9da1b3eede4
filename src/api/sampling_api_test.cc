#include "api/sampling_api.h"

#include <filesystem>
#include <fstream>

#include "api/api_test_fixture.h"
#include "api/sampling_file.h"
#include "api/sampling_strategies.h"

namespace weft::api::testing {
namespace {

using Type = SamplingStrategy::Type;

// The example of docs/api.md: a service with its own operations, a rate-limited one, a
// per_window one and a default with operations.
constexpr const char* kFile = R"({
  "service_strategies": [
    {"service": "foo", "type": "probabilistic", "param": 0.8,
     "operation_strategies": [
       {"operation": "op1", "type": "probabilistic", "param": 0.2},
       {"operation": "/health", "type": "probabilistic", "param": 0.05}]},
    {"service": "bar", "type": "ratelimiting", "param": 5},
    {"service": "baz", "type": "probabilistic", "param": 0.3},
    {"service": "slow", "type": "per_window", "param": 3, "window_seconds": 10,
     "comment": "unknown members are ignored"}
  ],
  "default_strategy": {"type": "probabilistic", "param": 0.5,
    "operation_strategies": [{"operation": "/health", "type": "probabilistic", "param": 0.0},
                             {"operation": "/metrics", "type": "probabilistic", "param": 0.01}]}
})";

SamplingStrategies parse_ok(std::string_view json) {
  auto r = parse_sampling_strategies(json);
  EXPECT_TRUE(r.is_ok()) << r.status().message();
  return r.is_ok() ? std::move(r).value() : SamplingStrategies{};
}

// The error message of parsing `json`, which must fail with INVALID_ARGUMENT.
std::string parse_error(std::string_view json) {
  auto r = parse_sampling_strategies(json);
  EXPECT_FALSE(r.is_ok()) << json;
  if (r.is_ok()) return "";
  EXPECT_EQ(r.status().code(), ResultCode::kInvalidArgument);
  return r.status().message();
}

std::string service_file(std::string_view entry) {
  return R"({"service_strategies":[)" + std::string(entry) + "]}";
}

TEST(SamplingStrategiesTest, ResolvesServicesAsJaegerDoes) {
  SamplingStrategies s = parse_ok(kFile);
  EXPECT_TRUE(s.warnings.empty());
  ASSERT_EQ(s.services.size(), 4u);

  // Own operations first, then the default's that the service does not name.
  const SamplingStrategy& foo = s.lookup("foo");
  EXPECT_EQ(foo.type, Type::kProbabilistic);
  EXPECT_EQ(foo.sampling_rate, 0.8);
  ASSERT_TRUE(foo.operation_sampling);
  EXPECT_EQ(foo.operation_sampling->default_sampling_probability, 0.8);
  std::vector<OperationStrategy> want = {{"op1", 0.2}, {"/health", 0.05}, {"/metrics", 0.01}};
  EXPECT_EQ(foo.operation_sampling->per_operation, want);

  // Rate-limited without operations: no per-operation part (Jaeger only lends the
  // default's operations to probabilistic services).
  const SamplingStrategy& bar = s.lookup("bar");
  EXPECT_EQ(bar.type, Type::kRateLimiting);
  EXPECT_EQ(bar.max_traces_per_second, 5);
  EXPECT_FALSE(bar.operation_sampling);
  EXPECT_FALSE(bar.per_window);

  // Probabilistic without operations: the default's operations under its own probability.
  const SamplingStrategy& baz = s.lookup("baz");
  ASSERT_TRUE(baz.operation_sampling);
  EXPECT_EQ(baz.operation_sampling->default_sampling_probability, 0.3);
  want = {{"/health", 0.0}, {"/metrics", 0.01}};
  EXPECT_EQ(baz.operation_sampling->per_operation, want);

  // Unknown services get the default.
  const SamplingStrategy& other = s.lookup("nobody");
  EXPECT_EQ(&other, &s.default_strategy);
  EXPECT_EQ(other.sampling_rate, 0.5);
  ASSERT_TRUE(other.operation_sampling);
  EXPECT_EQ(other.operation_sampling->default_sampling_probability, 0.5);
  EXPECT_EQ(other.operation_sampling->per_operation, want);
}

TEST(SamplingStrategiesTest, DefaultsToProbabilisticOne) {
  for (const char* json : {"{}", R"({"service_strategies":[]})"}) {
    SamplingStrategies s = parse_ok(json);
    EXPECT_EQ(s.lookup("any").type, Type::kProbabilistic);
    EXPECT_EQ(s.lookup("any").sampling_rate, 1.0);
    EXPECT_FALSE(s.lookup("any").operation_sampling);
  }
  EXPECT_EQ(SamplingStrategies{}.lookup("x"), SamplingStrategy{});
}

TEST(SamplingStrategiesTest, PerWindowExtension) {
  SamplingStrategies s = parse_ok(kFile);
  const SamplingStrategy& slow = s.lookup("slow");
  EXPECT_EQ(slow.type, Type::kRateLimiting);
  EXPECT_EQ(slow.max_traces_per_second, 1);  // 0.3/s rounded up, never 0
  ASSERT_TRUE(slow.per_window);
  EXPECT_EQ(slow.per_window->traces, 3);
  EXPECT_EQ(slow.per_window->window_seconds, 10);
  EXPECT_EQ(render_sampling_strategy(slow),
            R"({"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":1},)"
            R"("weftPerWindow":{"traces":3,"windowSeconds":10}})");

  auto fast = parse_ok(
      service_file(R"({"service":"f","type":"per_window","param":10,"window_seconds":2})"));
  EXPECT_EQ(fast.lookup("f").max_traces_per_second, 5);
  EXPECT_NE(parse_error(service_file(R"({"service":"f","type":"per_window","param":10})"))
                .find(R"("window_seconds" is required)"),
            std::string::npos);
  EXPECT_NE(parse_error(service_file(
                            R"({"service":"f","type":"per_window","param":10,"window_seconds":0})"))
                .find(R"(service_strategies[0] (service "f"): "window_seconds" must be > 0)"),
            std::string::npos);
}

TEST(SamplingStrategiesTest, RendersJaegerSamplingStrategyResponse) {
  SamplingStrategies s = parse_ok(kFile);
  EXPECT_EQ(render_sampling_strategy(s.lookup("bar")),
            R"({"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":5}})");
  EXPECT_EQ(render_sampling_strategy(s.lookup("foo")),
            R"({"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.8},)"
            R"("operationSampling":{"defaultSamplingProbability":0.8,)"
            R"("defaultLowerBoundTracesPerSecond":0,"perOperationStrategies":[)"
            R"({"operation":"op1","probabilisticSampling":{"samplingRate":0.2}},)"
            R"({"operation":"/health","probabilisticSampling":{"samplingRate":0.05}},)"
            R"({"operation":"/metrics","probabilisticSampling":{"samplingRate":0.01}}]}})");
  EXPECT_EQ(render_sampling_strategy(SamplingStrategy{}),
            R"({"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":1}})");
}

TEST(SamplingStrategiesTest, RateLimitingTruncatesLikeJaeger) {
  auto s = parse_ok(service_file(R"({"service":"r","type":"ratelimiting","param":2.7})"));
  EXPECT_EQ(s.lookup("r").max_traces_per_second, 2);
}

TEST(SamplingStrategiesTest, InvalidFilesNameServiceAndField) {
  auto contains = [](const std::string& msg, const std::string& part) {
    EXPECT_NE(msg.find(part), std::string::npos) << "\"" << msg << "\" lacks \"" << part << "\"";
  };
  contains(parse_error("{"), "not valid JSON");
  contains(parse_error("[]"), "must hold a JSON object");
  contains(parse_error(R"({"service_strategies":{}})"), R"("service_strategies" must be an array)");
  contains(parse_error(service_file(R"({"service":"a","type":"probabilistic","param":1.5})")),
           R"(service_strategies[0] (service "a"): "param" must be in [0, 1])");
  contains(parse_error(service_file(R"({"service":"a","type":"probabilistic","param":-0.1})")),
           R"("param" must be in [0, 1])");
  contains(parse_error(service_file(R"({"service":"b","type":"ratelimiting","param":-1})")),
           R"(service_strategies[0] (service "b"): "param" must be in [0, 32767])");
  contains(parse_error(service_file(R"({"service":"c","type":"const","param":1})")),
           R"(service_strategies[0] (service "c"): "type" must be probabilistic, )"
           R"(ratelimiting or per_window (got "const"))");
  contains(parse_error(service_file(R"({"service":"d","type":"probabilistic"})")),
           R"((service "d"): "param" is required)");
  contains(parse_error(service_file(R"({"service":"d","type":"probabilistic","param":"1"})")),
           R"("param" must be a number)");
  contains(parse_error(service_file(R"({"type":"probabilistic","param":1})")),
           R"(service_strategies[0]: "service" is required)");
  contains(parse_error(R"({"default_strategy":{"type":"probabilistic","param":2}})"),
           R"(default_strategy: "param" must be in [0, 1])");
  contains(parse_error(service_file(R"({"service":"e","type":"probabilistic","param":1,
      "operation_strategies":[{"operation":"op","type":"probabilistic","param":7}]})")),
           R"(service_strategies[0] (service "e") operation_strategies[0] (operation "op"): )"
           R"("param" must be in [0, 1])");
}

TEST(SamplingStrategiesTest, RateLimitedOperationsAreIgnoredWithAWarning) {
  auto s = parse_ok(service_file(R"({"service":"r","type":"ratelimiting","param":4,
      "operation_strategies":[{"operation":"a","type":"ratelimiting","param":1},
                              {"operation":"b","type":"probabilistic","param":0.5}]})"));
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_NE(s.warnings[0].find(R"(operation "a")"), std::string::npos) << s.warnings[0];
  const auto& o = s.lookup("r").operation_sampling;
  ASSERT_TRUE(o);
  // A rate-limited service's operations default to Jaeger's 0.001.
  EXPECT_EQ(o->default_sampling_probability, kJaegerDefaultSamplingProbability);
  std::vector<OperationStrategy> want = {{"b", 0.5}};
  EXPECT_EQ(o->per_operation, want);
}

TEST(SamplingStrategiesTest, LegacyDefaultOperationStrategies) {
  auto s = parse_ok(R"({"default_strategy":{"type":"probabilistic","param":0.4},
      "default_operation_strategies":[{"operation":"x","type":"probabilistic","param":0.1}]})");
  const auto& o = s.lookup("any").operation_sampling;
  ASSERT_TRUE(o);
  EXPECT_EQ(o->default_sampling_probability, 0.4);
  std::vector<OperationStrategy> want = {{"x", 0.1}};
  EXPECT_EQ(o->per_operation, want);
}

TEST(SamplingStrategiesTest, DuplicateServiceLastWins) {
  auto s = parse_ok(service_file(R"({"service":"a","type":"probabilistic","param":0.1},
                      {"service":"a","type":"probabilistic","param":0.2})"));
  EXPECT_EQ(s.lookup("a").sampling_rate, 0.2);
  EXPECT_EQ(s.warnings.size(), 1u);
}

// ---------- the reloading file ----------

class SamplingFileTest : public ::testing::Test {
 protected:
  std::string path() const { return dir_.path() + "/strategies.json"; }
  // In place (same inode), as an editor without atomic save does.
  void write(const std::string& text) {
    std::ofstream(path(), std::ios::trunc | std::ios::binary) << text;
  }
  // Atomically, as the docs recommend.
  void replace(const std::string& text) {
    std::ofstream(path() + ".tmp", std::ios::trunc | std::ios::binary) << text;
    std::filesystem::rename(path() + ".tmp", path());
  }
  std::unique_ptr<SamplingStrategiesFile> open(std::chrono::milliseconds interval) {
    SamplingStrategiesFile::Options o;
    o.check_interval = interval;
    o.log = [this](const std::string& line) { log_.push_back(line); };
    auto f = SamplingStrategiesFile::open(path(), o);
    EXPECT_TRUE(f.is_ok()) << f.status().message();
    return f.is_ok() ? std::move(f).value() : nullptr;
  }
  static std::string probabilistic(const std::string& service, double p) {
    return service_file(R"({"service":")" + service + R"(","type":"probabilistic","param":)" +
                        std::to_string(p) + "}");
  }

  store::testing::TempDir dir_;
  std::vector<std::string> log_;
};

TEST_F(SamplingFileTest, MissingOrInvalidAtStartIsAnError) {
  auto missing = SamplingStrategiesFile::open(path());
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find(path()), std::string::npos);

  write(R"({"default_strategy":{"type":"nope","param":1}})");
  auto bad = SamplingStrategiesFile::open(path());
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find(path()), std::string::npos);
  EXPECT_NE(bad.status().message().find("default_strategy: \"type\""), std::string::npos)
      << bad.status().message();
}

TEST_F(SamplingFileTest, ReloadPicksUpAChangedFile) {
  replace(probabilistic("a", 0.25));
  auto f = open(std::chrono::milliseconds(0));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->current()->lookup("a").sampling_rate, 0.25);
  EXPECT_FALSE(f->check_now());  // unchanged

  replace(probabilistic("a", 0.75));
  EXPECT_EQ(f->current()->lookup("a").sampling_rate, 0.75);  // interval 0: checked every call
  // Rewritten in place, different size.
  write(probabilistic("a", 0.5) + "   ");
  EXPECT_TRUE(f->check_now());
  EXPECT_EQ(f->current()->lookup("a").sampling_rate, 0.5);
  EXPECT_EQ(f->reloads(), 2u);
  EXPECT_EQ(f->reload_errors(), 0u);
}

TEST_F(SamplingFileTest, BrokenFileKeepsTheLastGoodOne) {
  replace(probabilistic("a", 0.25));
  auto f = open(std::chrono::milliseconds(0));
  ASSERT_TRUE(f);

  replace(R"({"service_strategies":[{"service":"a","type":"probabilistic","param":3}]})");
  EXPECT_FALSE(f->check_now());
  EXPECT_EQ(f->current()->lookup("a").sampling_rate, 0.25);
  EXPECT_EQ(f->reload_errors(), 1u);
  // The same broken version is reported once, not on every check.
  EXPECT_FALSE(f->check_now());
  EXPECT_EQ(f->reload_errors(), 1u);
  ASSERT_FALSE(log_.empty());
  EXPECT_NE(log_.back().find(R"(service "a")"), std::string::npos) << log_.back();

  std::filesystem::remove(path());
  EXPECT_FALSE(f->check_now());
  EXPECT_EQ(f->current()->lookup("a").sampling_rate, 0.25);
  EXPECT_EQ(f->reload_errors(), 2u);

  replace(probabilistic("a", 0.125));
  EXPECT_TRUE(f->check_now());
  EXPECT_EQ(f->current()->lookup("a").sampling_rate, 0.125);
  EXPECT_EQ(f->reloads(), 1u);
}

TEST_F(SamplingFileTest, CurrentChecksAtMostOncePerInterval) {
  replace(probabilistic("a", 0.25));
  auto f = open(std::chrono::hours(1));
  ASSERT_TRUE(f);
  replace(probabilistic("a", 0.75));
  EXPECT_EQ(f->current()->lookup("a").sampling_rate, 0.25);  // not looked at yet
  EXPECT_TRUE(f->check_now());
  EXPECT_EQ(f->current()->lookup("a").sampling_rate, 0.75);
}

// ---------- the endpoint, through the query API handler ----------

class SamplingApiTest : public ApiTest {
 protected:
  void write_strategies(const std::string& text) {
    std::ofstream(path_, std::ios::trunc | std::ios::binary) << text;
  }
  std::string path_ = dir_.path() + "/strategies.json";
};

TEST_F(SamplingApiTest, ServesTheServiceOrTheDefault) {
  write_strategies(kFile);
  auto file = SamplingStrategiesFile::open(path_);
  ASSERT_TRUE(file.is_ok()) << file.status().message();
  http::Handler h = make_query_api_handler(*service_, file->get());

  auto r = call(h, "/api/sampling?service=bar");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body,
            R"({"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":5}})");

  auto d = parse(call(h, "/api/sampling?service=foo"));
  EXPECT_EQ(str(d["strategyType"]), "PROBABILISTIC");
  EXPECT_EQ(d["probabilisticSampling"]["samplingRate"].GetDouble(), 0.8);
  EXPECT_EQ(d["operationSampling"]["perOperationStrategies"].Size(), 3u);

  d = parse(call(h, "/api/sampling?service=unknown-svc"));
  EXPECT_EQ(d["probabilisticSampling"]["samplingRate"].GetDouble(), 0.5);
}

TEST_F(SamplingApiTest, WithoutAFileEveryServiceSamplesEverything) {
  auto d = parse(get("/api/sampling?service=anything"));
  EXPECT_EQ(str(d["strategyType"]), "PROBABILISTIC");
  EXPECT_EQ(d["probabilisticSampling"]["samplingRate"].GetDouble(), 1.0);
}

TEST_F(SamplingApiTest, MissingServiceIs400InJaegerShape) {
  for (const char* target : {"/api/sampling", "/api/sampling?service="}) {
    auto r = get(target);
    ASSERT_EQ(r.status, 400) << target;
    auto d = parse(r);
    EXPECT_TRUE(d["data"].IsNull());
    EXPECT_EQ(d["errors"][0]["code"].GetInt(), 400);
    EXPECT_EQ(str(d["errors"][0]["msg"]), "parameter 'service' is required");
  }
  EXPECT_EQ(call(handler_, "/api/sampling?service=a", "POST").status, 405);
}

}  // namespace
}  // namespace weft::api::testing
