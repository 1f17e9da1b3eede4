#include "sampling/sampling_config.h"

#include <gtest/gtest.h>

namespace weft::pipeline::sampling {
namespace {

TEST(SamplingConfigTest, ParsesTheFullSchema) {
  auto c = parse_tail_sampling_config_text(R"(
server: {port: 1}
tail_sampling:
  decision_wait: 10s
  root_grace: 1500ms
  max_traces: 100_000
  decision_cache_size: 5
  policies:
    - {name: a, type: always_sample}
    - {name: b, type: latency, latency: {threshold_ms: 5000, upper_threshold_ms: 10000}}
    - {name: c, type: numeric_attribute, numeric_attribute: {key: k, min_value: 50}}
    - {name: d, type: probabilistic, probabilistic: {sampling_percentage: 12.5, hash_salt: s}}
    - {name: e, type: status_code, status_code: {status_codes: [ERROR, UNSET]}}
    - {name: f, type: string_attribute, string_attribute: {key: k, values: [v1, 'val.*'], enabled_regex_matching: true, cache_max_size: 10, invert_match: true}}
    - {name: g, type: rate_limiting, rate_limiting: {spans_per_second: 35}}
    - {name: h, type: span_count, span_count: {min_spans: 2, max_spans: 20}}
    - {name: i, type: trace_state, trace_state: {key: k, values: [v]}}
    - {name: j, type: boolean_attribute, boolean_attribute: {key: k, value: true}}
    - {name: k, type: rare, rare: {max_per_window: 3, window: 1m}}
    - name: l
      type: and
      and: {and_sub_policy: [{name: x, type: always_sample}, {name: y, type: span_count, span_count: {min_spans: 1}}]}
    - name: m
      type: composite
      composite:
        max_total_spans_per_second: 1000
        policy_order: [p1, p2]
        composite_sub_policy:
          - {name: p1, type: always_sample}
          - {name: p2, type: and, and: {and_sub_policy: [{name: z, type: always_sample}]}}
        rate_allocation: [{policy: p1, percent: 50}, {policy: p2, percent: 25}]
)");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->decision_wait_ns, 10'000'000'000ULL);
  EXPECT_EQ(c->root_grace_ns, 1'500'000'000ULL);
  EXPECT_EQ(c->max_traces, 100'000u);
  EXPECT_EQ(c->decision_cache_size, 5u);
  ASSERT_EQ(c->policies.size(), 13u);
  EXPECT_EQ(c->policies[1].upper_threshold_ms, 10000);
  EXPECT_EQ(c->policies[2].min_value, std::optional<int64_t>(50));
  EXPECT_FALSE(c->policies[2].max_value.has_value());
  EXPECT_DOUBLE_EQ(c->policies[3].sampling_percentage, 12.5);
  EXPECT_EQ(c->policies[4].status_codes.size(), 2u);
  EXPECT_TRUE(c->policies[5].invert_match);
  EXPECT_EQ(c->policies[10].window_ns, 60'000'000'000ULL);
  EXPECT_EQ(c->policies[11].sub_policies.size(), 2u);
  EXPECT_EQ(c->policies[12].rate_allocation[1].percent, 25);
  EXPECT_EQ(c->policies[12].sub_policies[1].sub_policies.size(), 1u);
}

TEST(SamplingConfigTest, DefaultsAndAbsentSection) {
  auto c = parse_tail_sampling_config_text("tail_sampling:\n  policies: [{name: a, type: always_sample}]\n");
  ASSERT_TRUE(c.is_ok());
  EXPECT_EQ(c->decision_wait_ns, 30'000'000'000ULL);
  EXPECT_EQ(c->root_grace_ns, 5'000'000'000ULL);
  EXPECT_EQ(c->max_traces, 50'000u);
  EXPECT_EQ(c->decision_cache_size, 100'000u);
  EXPECT_FALSE(c->dry_run);
  EXPECT_EQ(parse_tail_sampling_config_text("alerts: {}\n").status().code(), ResultCode::kNotFound);
}

TEST(SamplingConfigTest, DryRun) {
  auto c = parse_tail_sampling_config_text(
      "tail_sampling:\n  dry_run: true\n  policies: [{name: a, type: always_sample}]\n");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_TRUE(c->dry_run);
  auto bad = parse_tail_sampling_config_text(
      "tail_sampling:\n  dry_run: maybe\n  policies: [{name: a, type: always_sample}]\n");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("config line 2: tail_sampling.dry_run"), std::string::npos)
      << bad.status().message();
}

struct BadCase {
  const char* yaml;
  const char* message;  // the expected error text, "config line N: path: ..." included
};

TEST(SamplingConfigTest, RefusesBadInputNamingLineAndKey) {
  const std::string head = "tail_sampling:\n  policies:\n    - {name: ok, type: always_sample}\n";
  const BadCase cases[] = {
      {"    - {name: b, type: latency, latency: {threshold_ms: fast}}\n",
       "config line 4: tail_sampling.policies[1].latency.threshold_ms: \"fast\" is not a whole number"},
      {"    - {name: b, type: latency, latency: {threshold_ms: 10, upper_threshold_ms: 5}}\n",
       "config line 4: tail_sampling.policies[1].latency.upper_threshold_ms: must be more than"},
      {"    - {name: b, type: latency}\n",
       "config line 4: tail_sampling.policies[1]: needs latency: {threshold_ms: 500}"},
      {"    - {name: b, type: sometimes}\n",
       "config line 4: tail_sampling.policies[1].type: \"sometimes\" is not a policy type"},
      {"    - {name: b, type: latency, latency: {threshold_ms: 5, treshold: 1}}\n",
       "config line 4: tail_sampling.policies[1].latency.treshold: unknown key"},
      {"    - {name: b, type: latency, string_attribute: {key: k}}\n",
       "config line 4: tail_sampling.policies[1].string_attribute: unknown key (expected one of: "
       "name, type, latency)"},
      {"    - {name: ok, type: always_sample}\n",
       "config line 4: tail_sampling.policies[1].name: \"ok\" names an earlier policy too"},
      {"    - {type: always_sample}\n", "config line 4: tail_sampling.policies[1]: needs name"},
      {"    - {name: b, type: status_code, status_code: {status_codes: [FAILED]}}\n",
       "config line 4: tail_sampling.policies[1].status_code.status_codes[0]: \"FAILED\" is not one of ERROR, OK, UNSET"},
      {"    - {name: b, type: numeric_attribute, numeric_attribute: {key: k}}\n",
       "config line 4: tail_sampling.policies[1].numeric_attribute: needs min_value, max_value or both"},
      {"    - {name: b, type: numeric_attribute, numeric_attribute: {key: k, min_value: 5, max_value: 1}}\n",
       "config line 4: tail_sampling.policies[1].numeric_attribute.max_value: must not be less than min_value"},
      {"    - {name: b, type: string_attribute, string_attribute: {key: k, values: ['(a'], enabled_regex_matching: true}}\n",
       "config line 4: tail_sampling.policies[1].string_attribute.values[0]: \"(a\" is not a valid regular expression"},
      {"    - {name: b, type: string_attribute, string_attribute: {key: k, values: []}}\n",
       "config line 4: tail_sampling.policies[1].string_attribute.values: must not be empty"},
      {"    - {name: b, type: boolean_attribute, boolean_attribute: {key: k, value: maybe}}\n",
       "config line 4: tail_sampling.policies[1].boolean_attribute.value: \"maybe\" is not true or false"},
      {"    - {name: b, type: probabilistic, probabilistic: {sampling_percentage: 101}}\n",
       "config line 4: tail_sampling.policies[1].probabilistic.sampling_percentage: \"101\" is not a number from 0 to 100"},
      {"    - {name: b, type: rate_limiting, rate_limiting: {spans_per_second: 0}}\n",
       "config line 4: tail_sampling.policies[1].rate_limiting.spans_per_second: \"0\" is not a whole number from 1"},
      {"    - {name: b, type: span_count, span_count: {min_spans: 5, max_spans: 2}}\n",
       "config line 4: tail_sampling.policies[1].span_count.max_spans: must not be less than min_spans"},
      {"    - {name: b, type: trace_state, trace_state: {key: k}}\n",
       "config line 4: tail_sampling.policies[1].trace_state: needs values"},
      {"    - {name: b, type: rare, rare: {max_per_window: 3, window: soon}}\n",
       "config line 4: tail_sampling.policies[1].rare.window: \"soon\" is not a duration"},
      {"    - name: b\n      type: and\n      and:\n        and_sub_policy:\n          - {name: c, type: and, and: {and_sub_policy: []}}\n",
       "config line 8: tail_sampling.policies[1].and.and_sub_policy[0].type: \"and\" cannot be inside an and policy"},
      {"    - name: b\n      type: composite\n      composite:\n        max_total_spans_per_second: 10\n"
       "        composite_sub_policy: [{name: c, type: always_sample}]\n"
       "        rate_allocation: [{policy: d, percent: 10}]\n",
       "config line 9: tail_sampling.policies[1].composite.rate_allocation[0].policy: \"d\" names no composite_sub_policy"},
      {"    - name: b\n      type: composite\n      composite:\n        max_total_spans_per_second: 10\n"
       "        composite_sub_policy: [{name: c, type: always_sample}, {name: d, type: always_sample}]\n"
       "        rate_allocation: [{policy: c, percent: 60}, {policy: d, percent: 50}]\n",
       "config line 9: tail_sampling.policies[1].composite.rate_allocation[1]: percentages add up to more than 100"},
      {"    - name: b\n      type: composite\n      composite:\n        max_total_spans_per_second: 10\n"
       "        policy_order: [zz]\n        composite_sub_policy: [{name: c, type: always_sample}]\n",
       "config line 8: tail_sampling.policies[1].composite.policy_order[0]: \"zz\" names no composite_sub_policy"},
  };
  for (const BadCase& c : cases) {
    auto r = parse_tail_sampling_config_text(head + c.yaml);
    ASSERT_FALSE(r.is_ok()) << c.yaml;
    EXPECT_EQ(r.status().code(), ResultCode::kInvalidArgument);
    EXPECT_EQ(r.status().message().rfind(c.message, 0), 0u)
        << "got: " << r.status().message() << "\nwant prefix: " << c.message;
  }
}

TEST(SamplingConfigTest, RefusesBadTopLevelKeys) {
  const std::pair<const char*, const char*> cases[] = {
      {"tail_sampling:\n  decision_wait: 30\n  policies: [{name: a, type: always_sample}]\n",
       "config line 2: tail_sampling.decision_wait: \"30\" is not a duration"},
      {"tail_sampling:\n  num_traces: 5\n  policies: [{name: a, type: always_sample}]\n",
       "config line 2: tail_sampling.num_traces: unknown key"},
      {"tail_sampling:\n  max_traces: 0\n  policies: [{name: a, type: always_sample}]\n",
       "config line 2: tail_sampling.max_traces: \"0\" is not a whole number from 1"},
      {"tail_sampling:\n  decision_wait: 5s\n", "config line 2: tail_sampling: needs policies"},
      {"tail_sampling:\n  policies: []\n",
       "config line 2: tail_sampling.policies: must have at least one policy"},
      {"tail_sampling:\n  policies: {a: 1}\n", "config line 2: tail_sampling.policies: must be a list"},
      {"tail_sampling: [\n", "config line "},
  };
  for (const auto& [yaml, want] : cases) {
    auto r = parse_tail_sampling_config_text(yaml);
    ASSERT_FALSE(r.is_ok()) << yaml;
    EXPECT_EQ(r.status().message().rfind(want, 0), 0u)
        << "got: " << r.status().message() << "\nwant prefix: " << want;
  }
}

TEST(SamplingConfigTest, Durations) {
  EXPECT_EQ(parse_duration_ns("30s"), 30'000'000'000ULL);
  EXPECT_EQ(parse_duration_ns("1m30s"), 90'000'000'000ULL);
  EXPECT_EQ(parse_duration_ns("1.5s"), 1'500'000'000ULL);
  EXPECT_EQ(parse_duration_ns("250ms"), 250'000'000ULL);
  EXPECT_FALSE(parse_duration_ns("30").has_value());
  EXPECT_FALSE(parse_duration_ns("s").has_value());
  EXPECT_FALSE(parse_duration_ns("5 parsecs").has_value());
}

}  // namespace
}  // namespace weft::pipeline::sampling
