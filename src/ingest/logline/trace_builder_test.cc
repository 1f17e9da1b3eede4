// build_trace: both RpcId schemes and their detection, events placed by the scheme, error
// marking, placeholders for missing parents, gaps, duplicates and merged lines, span IDs
// from x_span_id, determinism, and batches of one trace emitted at different times.
#include "logline/trace_builder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "logline/line_ids.h"
#include "logline/logline_test_util.h"

namespace weft::logline {

using namespace weft::model;

namespace {

using testing::attr;
using testing::attr_int;
using testing::attr_str;
using testing::build;
using testing::by_id;
using testing::by_name;
using testing::by_rpc;
using testing::is_placeholder;
using testing::kExampleException;
using testing::kExampleMysql;
using testing::kExampleRequest;
using testing::line;

constexpr SpanKind kServer = SpanKind::kServer;
constexpr SpanKind kClient = SpanKind::kClient;
constexpr SpanKind kInternal = SpanKind::kInternal;

TraceId tid(std::string_view text) {
  bool hashed;
  return trace_id_from_text(text, &hashed);
}

// --- LOGFORMAT.md's example (per-request) ---

TEST(TraceBuilder, LogformatExample) {
  auto b = build({kExampleException, kExampleMysql, kExampleRequest});
  const auto& spans = b.result.spans;
  EXPECT_EQ(b.result.scheme, RpcIdScheme::kPerRequest);
  ASSERT_EQ(spans.size(), 2u);
  const Span* req = by_rpc(spans, "0.1", kServer);
  const Span* sql = by_rpc(spans, "0.2", kClient);
  ASSERT_TRUE(req && sql);
  const TraceId trace = tid("123jiojfdsao");
  EXPECT_EQ(req->trace_id, trace);
  EXPECT_TRUE(req->is_root());
  EXPECT_EQ(sql->parent_span_id, req->span_id);
  EXPECT_EQ(req->span_id, derive_span_id(trace, "0.1", "server"));
  EXPECT_EQ(sql->span_id, derive_span_id(trace, "0.2", "call:mysql"));
  EXPECT_EQ(req->name, "js_game1_start");
  EXPECT_EQ(sql->name, "js_game1_round_sigup");
  EXPECT_EQ(req->service_name(), "tal_client_frontend");
  EXPECT_EQ(attr_str(req->resource->attributes, "service.version"), "php-baseserver-4.0");
  EXPECT_EQ(attr_str(sql->resource->attributes, "service.version"), "php-4");
  EXPECT_EQ(req->start_time_unix_nano, 1506480162'000'000'000u - 21'000'000u);
  EXPECT_EQ(req->end_time_unix_nano, 1506480162'000'000'000u);
  EXPECT_EQ(attr_str(sql->attributes, "peer.service"), "mysql:12.123.23.1:3306/tal_game_round");
  for (const Span& s : spans)
    EXPECT_EQ(attr_str(s.attributes, "weft.log.trace_id"), "123jiojfdsao");
  // The log.exception line (0.3) is an event of the request (0.1), which it marks as an
  // error; being numbered 0.3, it shows that call 0.3 was made but not logged.
  EXPECT_EQ(req->status.code, SpanStatusCode::kError);
  EXPECT_EQ(req->status.message, "exception: call stack");
  ASSERT_EQ(req->events.size(), 1u);
  EXPECT_EQ(req->events[0].name, "exception");
  EXPECT_EQ(attr_str(req->events[0].attributes, "exception.stacktrace"), "x.php(123) gotError");
  EXPECT_EQ(attr_str(req->events[0].attributes, "log.rpc_id"), "0.3");
  EXPECT_EQ(attr_str(req->attributes, "weft.rpcid.missing"), "0.3");
  EXPECT_EQ(attr_int(req->attributes, "weft.rpcid.missing_count"), 1);
  EXPECT_EQ(sql->status.code, SpanStatusCode::kUnset);
  EXPECT_EQ(b.result.events, 1u);
  EXPECT_EQ(b.result.placeholders, 0u);
}

// --- per-request, two services ---

std::vector<std::string> per_request_trace() {
  const char* t = "pr-trace";
  return {
      line("request.info", t, "0.1", "frontend", 100.000,
           R"(,"x_duration":0.5,"x_module":"checkout")"),
      line("log.info", t, "0.1", "frontend", 99.6, R"(,"x_msg":"start")"),
      line("http.post", t, "0.2", "frontend", 99.9,
           R"(,"x_duration":0.3,"x_action":"http://inventory/reserve")"),
      line("request.info", t, "0.2.1", "inventory", 99.88,
           R"(,"x_duration":0.25,"x_module":"reserve")"),
      line("redis.request", t, "0.2.2", "inventory", 99.8,
           R"(,"x_duration":0.01,"x_host":"10.0.0.9:6379")"),
      line("log.error", t, "0.2.2", "inventory", 99.81, R"(,"x_msg":"stock low")"),
      line("mysql.request", t, "0.2.3", "inventory", 99.85, R"(,"x_duration":0.02)"),
      line("mysql.request", t, "0.3", "frontend", 99.95, R"(,"x_duration":0.04)"),
      line("log.info", t, "0.3", "frontend", 99.96, R"(,"x_msg":"saved")"),
  };
}

TEST(TraceBuilder, PerRequestScheme) {
  auto b = build(per_request_trace());
  const auto& spans = b.result.spans;
  EXPECT_EQ(b.result.scheme, RpcIdScheme::kPerRequest);
  ASSERT_EQ(spans.size(), 6u);
  const Span* checkout = by_rpc(spans, "0.1", kServer);
  const Span* http = by_rpc(spans, "0.2", kClient);
  const Span* reserve = by_rpc(spans, "0.2.1", kServer);
  const Span* redis = by_rpc(spans, "0.2.2", kClient);
  const Span* inv_sql = by_rpc(spans, "0.2.3", kClient);
  const Span* sql = by_rpc(spans, "0.3", kClient);
  ASSERT_TRUE(checkout && http && reserve && redis && inv_sql && sql);
  EXPECT_TRUE(checkout->is_root());
  EXPECT_EQ(http->parent_span_id, checkout->span_id);
  EXPECT_EQ(sql->parent_span_id, checkout->span_id);
  EXPECT_EQ(reserve->parent_span_id, http->span_id);  // R.1 is the child of the call R
  EXPECT_EQ(redis->parent_span_id, reserve->span_id);
  EXPECT_EQ(inv_sql->parent_span_id, reserve->span_id);
  EXPECT_EQ(reserve->service_name(), "inventory");
  // log lines: events of the request span of their service, in RpcId order.
  ASSERT_EQ(checkout->events.size(), 2u);
  EXPECT_EQ(checkout->events[0].name, "start");
  EXPECT_EQ(checkout->events[1].name, "saved");
  EXPECT_EQ(attr_str(checkout->events[1].attributes, "log.rpc_id"), "0.3");
  ASSERT_EQ(reserve->events.size(), 1u);
  EXPECT_EQ(reserve->events[0].name, "stock low");
  EXPECT_EQ(reserve->status.code, SpanStatusCode::kError);  // log.error
  EXPECT_EQ(reserve->status.message, "stock low");
  EXPECT_EQ(checkout->status.code, SpanStatusCode::kUnset);
  for (const Span& s : spans) EXPECT_EQ(attr(s.attributes, "weft.rpcid.missing"), nullptr);
  EXPECT_EQ(attr_str(http->attributes, "peer.service"), "http:inventory");
}

// --- per-call (EagleEye) ---

std::vector<std::string> per_call_trace() {
  const char* t = "pc-trace";
  return {
      line("request.info", t, "0", "frontend", 100.0, R"(,"x_duration":0.5,"x_module":"home")"),
      line("log.info", t, "0", "frontend", 99.6, R"(,"x_msg":"begin")"),
      line("http.get", t, "0.1", "frontend", 99.9, R"(,"x_duration":0.3)"),
      line("log.info", t, "0.1", "frontend", 99.91, R"(,"x_msg":"after call 0.1")"),
      line("request.info", t, "0.1", "users", 99.88, R"(,"x_duration":0.25,"x_module":"get_user")"),
      line("log.info", t, "0.1", "users", 99.7, R"(,"x_msg":"lookup")"),
      line("mysql.request", t, "0.1.1", "users", 99.8, R"(,"x_duration":0.01)"),
      line("redis.request", t, "0.2", "frontend", 99.95, R"(,"x_duration":0.02)"),
  };
}

TEST(TraceBuilder, PerCallScheme) {
  auto b = build(per_call_trace());
  const auto& spans = b.result.spans;
  EXPECT_EQ(b.result.scheme, RpcIdScheme::kPerCall);
  ASSERT_EQ(spans.size(), 5u);
  const Span* home = by_rpc(spans, "0", kServer);
  const Span* call = by_rpc(spans, "0.1", kClient);
  const Span* user = by_rpc(spans, "0.1", kServer);
  const Span* sql = by_rpc(spans, "0.1.1", kClient);
  const Span* redis = by_rpc(spans, "0.2", kClient);
  ASSERT_TRUE(home && call && user && sql && redis);
  EXPECT_TRUE(home->is_root());
  EXPECT_EQ(call->parent_span_id, home->span_id);
  EXPECT_EQ(user->parent_span_id, call->span_id);  // CLIENT R is the parent of SERVER R
  EXPECT_EQ(sql->parent_span_id, user->span_id);
  EXPECT_EQ(redis->parent_span_id, home->span_id);
  // Log lines go to the SERVER span of their own service: at 0.1 the caller's line goes
  // to 0 (frontend), the callee's to 0.1 (users).
  ASSERT_EQ(home->events.size(), 2u);
  EXPECT_EQ(home->events[0].name, "begin");
  EXPECT_EQ(home->events[1].name, "after call 0.1");
  ASSERT_EQ(user->events.size(), 1u);
  EXPECT_EQ(user->events[0].name, "lookup");
  for (const Span& s : spans) EXPECT_EQ(attr(s.attributes, "weft.rpcid.missing"), nullptr);
}

TEST(TraceBuilder, SchemeDetection) {
  // The examples above, and votes on small cases.
  std::vector<LogLine> lines;
  auto votes = [&](std::vector<std::string> texts) {
    lines.clear();
    for (const auto& t : texts) lines.push_back(testing::parse_ok(t));
    std::vector<const LogLine*> p;
    for (const LogLine& l : lines) p.push_back(&l);
    return count_scheme_votes(p);
  };
  SchemeVotes v = votes(per_request_trace());
  EXPECT_GT(v.per_request, 0u);
  EXPECT_EQ(v.per_call, 0u);
  v = votes(per_call_trace());
  EXPECT_EQ(v.per_request, 0u);
  EXPECT_GT(v.per_call, 0u);
  // A SERVER line at "0" only: per-call.
  v = votes({line("request.info", "t", "0", "a")});
  EXPECT_EQ(choose_scheme(v, RpcIdScheme::kPerRequest), RpcIdScheme::kPerCall);
  // A lone request 0.1 with log lines: no evidence -> the undecided default.
  v = votes({line("request.info", "t", "0.1", "a"), line("log.info", "t", "0.1", "a")});
  EXPECT_EQ(v.per_call + v.per_request, 0u);
  EXPECT_EQ(choose_scheme(v, RpcIdScheme::kPerRequest), RpcIdScheme::kPerRequest);
  EXPECT_EQ(choose_scheme(v, RpcIdScheme::kPerCall), RpcIdScheme::kPerCall);
  // CLIENT lines of another service beside a .1 request are no per-request evidence.
  v = votes({line("request.info", "t", "0.1", "a"), line("mysql.request", "t", "0.2", "b")});
  EXPECT_EQ(v.per_request, 0u);

  BuildOptions undecided_call;
  undecided_call.undecided = RpcIdScheme::kPerCall;
  EXPECT_EQ(build({line("request.info", "t", "0.1", "a")}, undecided_call).result.scheme,
            RpcIdScheme::kPerCall);
}

TEST(TraceBuilder, ForcedScheme) {
  // The per-call trace read as per-request: other parents (and placeholders) — the flag
  // decides, not the detection.
  BuildOptions o;
  o.scheme = SchemeMode::kPerRequest;
  auto b = build(per_call_trace(), o);
  EXPECT_EQ(b.result.scheme, RpcIdScheme::kPerRequest);
  const Span* sql = by_rpc(b.result.spans, "0.1.1", kClient);
  ASSERT_NE(sql, nullptr);
  // Per-request, CLIENT 0.1.1 belongs to the request 0.1.1 (its prefix 0.1, then .1),
  // which no line is: a placeholder.
  const Span* parent = by_id(b.result.spans, sql->parent_span_id);
  ASSERT_NE(parent, nullptr);
  EXPECT_EQ(parent->rpc_id, "0.1.1");
  EXPECT_EQ(parent->kind, kServer);
  EXPECT_TRUE(is_placeholder(*parent));

  o.scheme = SchemeMode::kPerCall;
  EXPECT_EQ(build(per_request_trace(), o).result.scheme, RpcIdScheme::kPerCall);
  SchemeMode m;
  EXPECT_TRUE(parse_scheme_mode("per-call", &m));
  EXPECT_EQ(m, SchemeMode::kPerCall);
  EXPECT_TRUE(parse_scheme_mode("detect", &m));
  EXPECT_EQ(m, SchemeMode::kDetect);
  EXPECT_FALSE(parse_scheme_mode("sideways", &m));
}

// --- gaps and missing parents ---

TEST(TraceBuilder, GapsPerRequest) {
  const char* t = "gap";
  auto b = build({
      line("request.info", t, "0.1", "a"),
      line("mysql.request", t, "0.2", "a"),
      line("log.info", t, "0.4", "a"),  // call 0.4 was made (a line after it says so)
      line("mysql.request", t, "0.6", "a"),
      line("request.info", t, "0.6.1", "b"),  // a callee whose own calls skip 0.6.2
      line("redis.request", t, "0.6.3", "b"),
  });
  const Span* req = by_rpc(b.result.spans, "0.1", kServer);
  ASSERT_NE(req, nullptr);
  EXPECT_EQ(attr_str(req->attributes, "weft.rpcid.missing"), "0.3,0.4,0.5");
  EXPECT_EQ(attr_int(req->attributes, "weft.rpcid.missing_count"), 3);
  const Span* callee = by_rpc(b.result.spans, "0.6.1", kServer);
  ASSERT_NE(callee, nullptr);
  EXPECT_EQ(attr_str(callee->attributes, "weft.rpcid.missing"), "0.6.2");
  EXPECT_EQ(b.result.placeholders, 0u);
}

TEST(TraceBuilder, GapsPerCall) {
  const char* t = "gap-pc";
  BuildOptions o;
  o.scheme = SchemeMode::kPerCall;
  auto b = build({line("request.info", t, "0", "a"), line("mysql.request", t, "0.1", "a"),
                  line("mysql.request", t, "0.4", "a"), line("request.info", t, "0.4", "b")},
                 o);
  const Span* root = by_rpc(b.result.spans, "0", kServer);
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(attr_str(root->attributes, "weft.rpcid.missing"), "0.2,0.3");
  EXPECT_EQ(attr_int(root->attributes, "weft.rpcid.missing_count"), 2);
}

TEST(TraceBuilder, GapListIsBounded) {
  const char* t = "huge";
  auto b =
      build({line("request.info", t, "0.1", "a"), line("mysql.request", t, "0.999999999", "a")});
  const Span* req = by_rpc(b.result.spans, "0.1", kServer);
  ASSERT_NE(req, nullptr);
  EXPECT_EQ(attr_int(req->attributes, "weft.rpcid.missing_count"), 999999997);
  const std::string listed = attr_str(req->attributes, "weft.rpcid.missing");
  EXPECT_EQ(std::count(listed.begin(), listed.end(), ',') + 1, 64);
  EXPECT_TRUE(listed.starts_with("0.2,0.3,"));
}

TEST(TraceBuilder, MissingParentsGetPlaceholders) {
  const char* t = "orphans";
  // Only the callee's lines: its caller's call 0.2 and the entry request 0.1 are missing.
  auto b = build({
      line("request.info", t, "0.2.1", "inventory", 100.0, R"(,"x_duration":1)"),
      line("redis.request", t, "0.2.2", "inventory", 99.5, R"(,"x_duration":0.1)"),
      line("log.info", t, "0.5.3", "billing", 101.0),  // nothing else of billing
  });
  const auto& spans = b.result.spans;
  const Span* server = by_rpc(spans, "0.2.1", kServer);
  ASSERT_NE(server, nullptr);
  const Span* call = by_id(spans, server->parent_span_id);
  ASSERT_NE(call, nullptr);
  EXPECT_TRUE(is_placeholder(*call));
  EXPECT_EQ(call->kind, kClient);
  EXPECT_EQ(call->rpc_id, "0.2");
  EXPECT_EQ(call->name, "(missing call 0.2)");
  const Span* entry = by_id(spans, call->parent_span_id);
  ASSERT_NE(entry, nullptr);
  EXPECT_TRUE(is_placeholder(*entry));
  EXPECT_EQ(entry->kind, kServer);
  EXPECT_EQ(entry->rpc_id, "0.1");
  EXPECT_EQ(entry->name, "(missing request 0.1)");
  EXPECT_TRUE(entry->is_root());
  // Placeholders span what they hold.
  EXPECT_EQ(call->start_time_unix_nano, 99'000'000'000u);
  EXPECT_EQ(call->end_time_unix_nano, 100'000'000'000u);
  EXPECT_LE(entry->start_time_unix_nano, call->start_time_unix_nano);
  // billing's log line 0.5.3: its request 0.5.1 and the call 0.5 are placeholders; the
  // request placeholder takes billing as its service (its line was written there).
  const Span* billing = by_rpc(spans, "0.5.1", kServer);
  ASSERT_NE(billing, nullptr);
  EXPECT_TRUE(is_placeholder(*billing));
  EXPECT_EQ(billing->service_name(), "billing");
  ASSERT_EQ(billing->events.size(), 1u);
  const Span* call5 = by_id(spans, billing->parent_span_id);
  ASSERT_NE(call5, nullptr);
  EXPECT_EQ(call5->rpc_id, "0.5");
  EXPECT_EQ(call5->parent_span_id, entry->span_id);
  // Gaps under the entry: 0.3 and 0.4 (0.2 and 0.5 have placeholders); under 0.5: 0.5.2,
  // and 0.5.3 too (a log line numbered 0.5.3 says call 0.5.3 was made; its line is missing).
  EXPECT_EQ(attr_str(entry->attributes, "weft.rpcid.missing"), "0.3,0.4");
  EXPECT_EQ(attr_str(billing->attributes, "weft.rpcid.missing"), "0.5.2,0.5.3");
  EXPECT_EQ(b.result.placeholders, 4u);
  // A placeholder's ID is not the real span's, so a late real line never collides.
  EXPECT_NE(call->span_id, derive_span_id(tid(t), "0.2", "call:http"));
  EXPECT_EQ(call->span_id, derive_span_id(tid(t), "0.2", "call", "placeholder"));
}

TEST(TraceBuilder, MissingParentsPerCall) {
  BuildOptions o;
  o.scheme = SchemeMode::kPerCall;
  auto b = build(
      {line("request.info", "pc", "0.3", "users"), line("mysql.request", "pc", "0.3.2", "users")},
      o);
  const Span* server = by_rpc(b.result.spans, "0.3", kServer);
  ASSERT_NE(server, nullptr);
  const Span* call = by_id(b.result.spans, server->parent_span_id);
  ASSERT_NE(call, nullptr);
  EXPECT_TRUE(is_placeholder(*call));
  EXPECT_EQ(call->rpc_id, "0.3");
  const Span* root = by_id(b.result.spans, call->parent_span_id);
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->rpc_id, "0");
  EXPECT_TRUE(root->is_root());
  EXPECT_EQ(attr_str(server->attributes, "weft.rpcid.missing"), "0.3.1");
}

// --- duplicates, merging, determinism, order ---

TEST(TraceBuilder, DuplicatesAndMergedLines) {
  auto b = build({kExampleRequest, kExampleRequest, kExampleMysql});
  EXPECT_EQ(b.result.spans.size(), 2u);
  EXPECT_EQ(b.result.duplicate_lines, 1u);
  // Two different lines for one call (its request and its error): one span, an error.
  const char* t = "merge";
  auto m = build({line("mysql.request", t, "0.2", "a", 10, R"(,"x_duration":1,"x_db":"x")"),
                  line("mysql.error", t, "0.2", "a", 11, R"(,"x_msg":"gone away","x_code":"2006")"),
                  line("request.info", t, "0.1", "a", 12)});
  ASSERT_EQ(m.result.spans.size(), 2u);
  const Span* call = by_rpc(m.result.spans, "0.2", kClient);
  ASSERT_NE(call, nullptr);
  EXPECT_EQ(call->status.code, SpanStatusCode::kError);
  EXPECT_EQ(call->status.message, "gone away");
  EXPECT_EQ(attr_str(call->attributes, "db.name"), "x");
  EXPECT_EQ(attr_str(call->attributes, "log.code"), "2006");
  EXPECT_EQ(attr_int(call->attributes, "weft.log.merged_lines"), 1);
  EXPECT_EQ(call->start_time_unix_nano, 9'000'000'000u);
  EXPECT_EQ(call->end_time_unix_nano, 11'000'000'000u);
  // A connect and its call share a number: two spans, both children of the request.
  auto c = build({line("mysql.connect", t, "0.2", "a"), line("mysql.request", t, "0.2", "a"),
                  line("request.info", t, "0.1", "a")});
  EXPECT_EQ(c.result.spans.size(), 3u);
  const Span* req = by_rpc(c.result.spans, "0.1", kServer);
  for (const Span& s : c.result.spans) {
    if (&s != req) {
      EXPECT_EQ(s.parent_span_id, req->span_id);
    }
  }
}

TEST(TraceBuilder, DeterministicWhateverTheOrder) {
  std::vector<std::string> lines = per_request_trace();
  const auto ref = build(lines);
  std::mt19937 rng(7);
  for (int i = 0; i < 20; ++i) {
    std::shuffle(lines.begin(), lines.end(), rng);
    const auto b = build(lines);
    ASSERT_EQ(b.result.spans.size(), ref.result.spans.size());
    for (size_t k = 0; k < ref.result.spans.size(); ++k)
      EXPECT_TRUE(same_span(b.result.spans[k], ref.result.spans[k])) << k;
  }
}

TEST(TraceBuilder, WholeSecondTimestampsKeepRpcIdOrder) {
  // Every line in the same second, without durations: spans come out in RpcId order
  // (numerically: 0.10 after 0.9) with their RpcIds, which the UI orders by.
  const char* t = "seconds";
  std::vector<std::string> lines = {line("request.info", t, "0.1", "a", 1700000000)};
  for (int k = 2; k <= 11; ++k)
    lines.push_back(line("redis.request", t, "0." + std::to_string(k), "a", 1700000000));
  std::reverse(lines.begin(), lines.end());
  auto b = build(lines);
  ASSERT_EQ(b.result.spans.size(), 11u);
  for (size_t i = 0; i < b.result.spans.size(); ++i) {
    EXPECT_EQ(b.result.spans[i].rpc_id, "0." + std::to_string(i + 1));
    EXPECT_EQ(b.result.spans[i].start_time_unix_nano, 1700000000'000'000'000u);
  }
  // Events of one span also follow RpcId order, not arrival.
  auto e = build({line("log.info", t, "0.3", "a", 1700000000, R"(,"x_msg":"third")"),
                  line("log.info", t, "0.1", "a", 1700000000, R"(,"x_msg":"first")"),
                  line("log.info", t, "0.2", "a", 1700000000, R"(,"x_msg":"second")"),
                  line("request.info", t, "0.1", "a", 1700000000)});
  const Span* req = by_rpc(e.result.spans, "0.1", kServer);
  ASSERT_NE(req, nullptr);
  ASSERT_EQ(req->events.size(), 3u);
  EXPECT_EQ(req->events[0].name, "first");
  EXPECT_EQ(req->events[1].name, "second");
  EXPECT_EQ(req->events[2].name, "third");
}

TEST(TraceBuilder, EventCapPerSpan) {
  BuildOptions o;
  o.max_events_per_span = 3;
  std::vector<std::string> lines = {line("request.info", "cap", "0.1", "a")};
  for (int i = 0; i < 5; ++i) lines.push_back(line("log.error", "cap", "0.1", "a", 1 + i));
  auto b = build(lines, o);
  ASSERT_EQ(b.result.spans.size(), 1u);
  EXPECT_EQ(b.result.spans[0].events.size(), 3u);
  EXPECT_EQ(b.result.spans[0].dropped_events_count, 2u);
  EXPECT_EQ(b.result.spans[0].status.code, SpanStatusCode::kError);
}

// --- lines with span IDs (the SDK's lines for spans without an RpcId) ---

TEST(TraceBuilder, ExplicitSpanIds) {
  const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  auto l = [&](std::string_view type, std::string_view id, std::string_view parent,
               std::string_view extra) {
    std::string s = "{\"x_name\":\"" + std::string(type) + "\",\"x_trace_id\":\"" + trace +
                    "\",\"x_span_id\":\"" + std::string(id) + "\"";
    if (!parent.empty()) s += ",\"x_parent_span_id\":\"" + std::string(parent) + "\"";
    return s + ",\"x_timestamp\":100,\"x_department\":\"svc\"" + std::string(extra) + "}";
  };
  auto b = build({
      l("request.info", "a000000000000001", "", R"(,"x_duration":1,"x_module":"root")"),
      l("log.info", "a000000000000002", "a000000000000001",
        R"(,"x_duration":0.5,"x_module":"work","x_msg":"work")"),
      l("log.error", "a000000000000002", "a000000000000001", R"(,"x_msg":"oops")"),
      l("mysql.request", "a000000000000003", "a000000000000002", R"(,"x_duration":0.1)"),
      l("http.get", "a000000000000004", "ffffffffffffffff", R"(,"x_duration":0.1)"),
      l("log.info", "a000000000000009", "a000000000000001", R"(,"x_msg":"lost span")"),
  });
  const auto& spans = b.result.spans;
  ASSERT_EQ(spans.size(), 5u);
  auto id = [](const char* hex) { return *SpanId::from_hex(hex); };
  const Span* root = by_id(spans, id("a000000000000001"));
  const Span* work = by_id(spans, id("a000000000000002"));
  const Span* sql = by_id(spans, id("a000000000000003"));
  const Span* orphan = by_id(spans, id("a000000000000004"));
  ASSERT_TRUE(root && work && sql && orphan);
  EXPECT_EQ(root->trace_id.to_hex(), trace);
  EXPECT_TRUE(root->is_root());
  EXPECT_EQ(work->kind, kInternal);
  EXPECT_EQ(work->name, "work");
  EXPECT_EQ(work->parent_span_id, root->span_id);
  ASSERT_EQ(work->events.size(), 1u);
  EXPECT_EQ(work->events[0].name, "oops");
  EXPECT_EQ(work->status.code, SpanStatusCode::kError);
  EXPECT_EQ(sql->parent_span_id, work->span_id);
  // A parent that is not here (yet) is kept as is: its line may come later.
  EXPECT_EQ(orphan->parent_span_id, id("ffffffffffffffff"));
  // An event of a span whose line is missing: a placeholder under the parent it names.
  const Span* lost = by_name(spans, "(missing span a000000000000009)");
  ASSERT_NE(lost, nullptr);
  EXPECT_TRUE(is_placeholder(*lost));
  EXPECT_EQ(lost->parent_span_id, root->span_id);
  ASSERT_EQ(lost->events.size(), 1u);
}

TEST(TraceBuilder, ExplicitSpanInsideAnRpcIdRequest) {
  // The SDK's INTERNAL span in an RpcId request: x_rpc_id = the request's current RpcId,
  // x_parent_span_id = an ID no line carries. Placed by the RpcId.
  const char* t = "mixed";
  auto b = build({
      line("request.info", t, "0.1", "a"),
      line(
          "log.info", t, "0.1", "a", 1700000000.5,
          R"(,"x_span_id":"b000000000000001","x_parent_span_id":"c000000000000001","x_duration":0.2,"x_module":"step")"),
  });
  const Span* req = by_rpc(b.result.spans, "0.1", kServer);
  const Span* step = by_name(b.result.spans, "step");
  ASSERT_TRUE(req && step);
  EXPECT_EQ(step->kind, kInternal);
  EXPECT_EQ(step->parent_span_id, req->span_id);
}

TEST(TraceBuilder, ParentLoopsAreCut) {
  const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  auto l = [&](std::string_view id, std::string_view parent) {
    return "{\"x_name\":\"request.info\",\"x_trace_id\":\"" + trace + "\",\"x_span_id\":\"" +
           std::string(id) + "\",\"x_parent_span_id\":\"" + std::string(parent) +
           "\",\"x_timestamp\":1}";
  };
  auto b =
      build({l("0000000000000001", "0000000000000002"), l("0000000000000002", "0000000000000003"),
             l("0000000000000003", "0000000000000001"), l("0000000000000004", "0000000000000004")});
  ASSERT_EQ(b.result.spans.size(), 4u);
  int roots = 0;
  for (const Span& s : b.result.spans) roots += s.is_root();
  EXPECT_EQ(roots, 2);  // one per loop (a span naming itself is a root)
}

// --- batches of one trace (lines arriving after the trace was emitted) ---

TEST(TraceBuilder, LateBatchesLinkToEmittedSpans) {
  const char* t = "late";
  EmittedTrace emitted;
  auto first = build({line("request.info", t, "0.1", "a"), line("mysql.request", t, "0.2", "a")},
                     {}, &emitted);
  ASSERT_EQ(first.result.spans.size(), 2u);
  const SpanId req = by_rpc(first.result.spans, "0.1", kServer)->span_id;
  EXPECT_TRUE(emitted.has_scheme);
  EXPECT_EQ(emitted.lines.size(), 2u);

  // A call and a log line for the emitted request: the call links to it (no placeholder);
  // the log line cannot become an event of a stored span, so it is a span of its own under it.
  auto second = build({line("redis.request", t, "0.3", "a"),
                       line("log.error", t, "0.3", "a", 1700000001, R"(,"x_msg":"late")")},
                      {}, &emitted);
  ASSERT_EQ(second.result.spans.size(), 2u);
  EXPECT_EQ(second.result.placeholders, 0u);
  const Span* redis = by_rpc(second.result.spans, "0.3", kClient);
  ASSERT_NE(redis, nullptr);
  EXPECT_EQ(redis->parent_span_id, req);
  const Span* late = by_rpc(second.result.spans, "0.3", kInternal);
  ASSERT_NE(late, nullptr);
  EXPECT_EQ(late->parent_span_id, req);
  EXPECT_EQ(late->name, "late");
  EXPECT_EQ(late->status.code, SpanStatusCode::kError);
  EXPECT_TRUE(*attr(late->attributes, "weft.log.late_event")->as_bool());
  ASSERT_EQ(late->events.size(), 1u);
  EXPECT_EQ(second.result.late_event_spans, 1u);

  // The same lines again: nothing new.
  auto again = build({line("request.info", t, "0.1", "a"), line("redis.request", t, "0.3", "a")},
                     {}, &emitted);
  EXPECT_TRUE(again.result.spans.empty());
  EXPECT_EQ(again.result.duplicate_lines, 2u);

  // Another line for an emitted span (its error): a span of its own ID, so the store keeps it.
  auto merged =
      build({line("mysql.error", t, "0.2", "a", 1700000002, R"(,"x_msg":"gone")")}, {}, &emitted);
  ASSERT_EQ(merged.result.spans.size(), 1u);
  EXPECT_NE(merged.result.spans[0].span_id, derive_span_id(tid(t), "0.2", "call:mysql"));
  EXPECT_EQ(merged.result.spans[0].parent_span_id, req);
  EXPECT_EQ(merged.result.spans[0].status.code, SpanStatusCode::kError);
}

TEST(TraceBuilder, LateRealLineForAPlaceholder) {
  const char* t = "late-ph";
  EmittedTrace emitted;
  auto first = build({line("redis.request", t, "0.2", "a")}, {}, &emitted);
  ASSERT_EQ(first.result.spans.size(), 2u);  // the call and the placeholder request 0.1
  const Span* ph = by_rpc(first.result.spans, "0.1", kServer);
  ASSERT_TRUE(ph && is_placeholder(*ph));
  auto second = build({line("request.info", t, "0.1", "a"), line("mysql.request", t, "0.3", "a")},
                      {}, &emitted);
  ASSERT_EQ(second.result.spans.size(), 2u);
  const Span* req = by_rpc(second.result.spans, "0.1", kServer);
  ASSERT_NE(req, nullptr);
  EXPECT_FALSE(is_placeholder(*req));
  EXPECT_NE(req->span_id, ph->span_id);  // never the placeholder's ID (the store keeps the first)
  const Span* sql = by_rpc(second.result.spans, "0.3", kClient);
  EXPECT_EQ(sql->parent_span_id, req->span_id);  // new lines join the real span
}

TEST(TraceBuilder, PlaceholdersCarryTheOriginalTraceId) {
  // mysql 0.2.2 under placeholders: request 0.2.1 <- call 0.2 <- request 0.1.
  auto b = build({line("mysql.request", "not-hex-trace", "0.2.2", "a")});
  ASSERT_EQ(b.result.spans.size(), 4u);
  for (const Span& s : b.result.spans) {
    EXPECT_EQ(attr_str(s.attributes, "weft.log.trace_id"), "not-hex-trace");
    EXPECT_EQ(s.trace_id, tid("not-hex-trace"));
    EXPECT_NE(s.resource, nullptr);
    EXPECT_NE(s.scope, nullptr);
    EXPECT_EQ(s.scope->name, "weft.logline");
  }
}

}  // namespace
}  // namespace weft::logline
