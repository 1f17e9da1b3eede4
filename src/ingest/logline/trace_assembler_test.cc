// TraceAssembler: the open window, lines from many files in any order, late lines after
// a trace was emitted, duplicates, memory bounds, rejected lines, and the token hand-off
// (every accepted line's token reported exactly once).
#include "logline/trace_assembler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "logline/line_ids.h"
#include "logline/logline_test_util.h"

namespace weft::logline {

using namespace weft::model;

namespace {

using testing::attr;
using testing::attr_str;
using testing::by_rpc;
using testing::is_placeholder;
using testing::kExampleException;
using testing::kExampleMysql;
using testing::kExampleRequest;
using testing::line;

constexpr int64_t kS = 1'000'000'000;

struct Sink {
  std::vector<std::vector<Span>> calls;
  std::vector<Span> spans;
  std::vector<uint64_t> tokens;
  TraceAssembler::EmitFn fn() {
    return [this](SpanBatch b, std::vector<uint64_t> t) {
      calls.push_back(b.spans);
      spans.insert(spans.end(), b.spans.begin(), b.spans.end());
      tokens.insert(tokens.end(), t.begin(), t.end());
    };
  }
  size_t spans_of(std::string_view trace_text) const {
    bool hashed;
    const TraceId id = trace_id_from_text(trace_text, &hashed);
    return std::count_if(spans.begin(), spans.end(),
                         [&](const Span& s) { return s.trace_id == id; });
  }
};

TEST(TraceAssembler, HoldsATraceForItsWindow) {
  Sink sink;
  AssemblerOptions o;
  o.window_ns = 30 * kS;
  TraceAssembler a(o, sink.fn());
  EXPECT_TRUE(a.add_line(kExampleRequest, "/logs/a.log", 0, 1).ok());
  EXPECT_TRUE(a.add_line(kExampleMysql, "/logs/b.log", 20 * kS, 2).ok());
  a.tick(49 * kS);  // 29 s after the last line
  EXPECT_TRUE(sink.calls.empty());
  EXPECT_TRUE(a.add_line(kExampleException, "/logs/a.log", 49 * kS, 3).ok());
  a.tick(78 * kS);
  EXPECT_TRUE(sink.calls.empty());
  a.tick(79 * kS);  // 30 s after the last line
  ASSERT_EQ(sink.calls.size(), 1u);
  EXPECT_EQ(sink.spans.size(), 2u);
  std::sort(sink.tokens.begin(), sink.tokens.end());
  EXPECT_EQ(sink.tokens, (std::vector<uint64_t>{1, 2, 3}));
  const Span* req = by_rpc(sink.spans, "0.1", SpanKind::kServer);
  ASSERT_NE(req, nullptr);
  EXPECT_EQ(req->events.size(), 1u);  // the exception line merged in
  EXPECT_EQ(attr_str(req->attributes, "log.file.path"), "/logs/a.log");
  const AssemblerStats st = a.stats();
  EXPECT_EQ(st.lines_accepted, 3u);
  EXPECT_EQ(st.traces_emitted, 1u);
  EXPECT_EQ(st.spans_emitted, 2u);
  EXPECT_EQ(st.events_emitted, 1u);
  EXPECT_EQ(st.open_traces, 0u);
  EXPECT_EQ(st.open_lines, 0u);
  EXPECT_EQ(st.open_bytes, 0u);
  EXPECT_EQ(st.remembered_traces, 1u);
  a.tick(1000 * kS);
  EXPECT_EQ(sink.calls.size(), 1u);  // nothing more
}

TEST(TraceAssembler, MaxOpenTimeEmitsABusyTrace) {
  Sink sink;
  AssemblerOptions o;
  o.window_ns = 30 * kS;
  o.max_open_ns = 100 * kS;
  TraceAssembler a(o, sink.fn());
  for (int i = 0; i < 10; ++i)  // a line every 10 s: the window never runs out
    ASSERT_TRUE(a.add_line(line("redis.request", "busy", "0." + std::to_string(i + 2), "s", 1 + i),
                           "", i * 10 * kS)
                    .ok());
  a.tick(99 * kS);
  EXPECT_TRUE(sink.spans.empty());
  a.tick(100 * kS);  // open for 100 s, though its last line came 10 s ago
  EXPECT_EQ(
      sink.spans_of("busy"),
      11u);  // 10 calls + the placeholder request 0.1  // 12 calls + the placeholder request 0.1
}

TEST(TraceAssembler, ManyFilesAnyOrderEveryTokenOnce) {
  // Five traces of the per-request shape, their lines spread over three "files" and
  // shuffled, arriving a second apart; emitted once each, every token reported once.
  std::vector<std::pair<std::string, std::string>> lines;  // (source, line)
  for (int t = 0; t < 5; ++t) {
    const std::string trace = "trace-" + std::to_string(t);
    lines.emplace_back("/logs/front.log", line("request.info", trace, "0.1", "front", 100));
    lines.emplace_back("/logs/front.log", line("http.get", trace, "0.2", "front", 100));
    lines.emplace_back("/logs/back.log", line("request.info", trace, "0.2.1", "back", 100));
    lines.emplace_back("/logs/back.log", line("mysql.request", trace, "0.2.2", "back", 100));
    lines.emplace_back("/logs/back.log", line("log.info", trace, "0.2.2", "back", 100));
    lines.emplace_back("/logs/cache.log", line("redis.request", trace, "0.3", "front", 100));
  }
  std::mt19937 rng(3);
  std::shuffle(lines.begin(), lines.end(), rng);
  Sink sink;
  TraceAssembler a({}, sink.fn());
  int64_t now = 0;
  uint64_t token = 100;
  for (const auto& [src, l] : lines) {
    ASSERT_TRUE(a.add_line(l, src, now, token++).ok());
    now += kS;
  }
  a.tick(now + 30 * kS);
  EXPECT_EQ(sink.spans.size(), 25u);
  for (int t = 0; t < 5; ++t) {
    SCOPED_TRACE(t);
    const std::string trace = "trace-" + std::to_string(t);
    EXPECT_EQ(sink.spans_of(trace), 5u);
  }
  for (const Span& s : sink.spans) EXPECT_FALSE(is_placeholder(s));
  std::sort(sink.tokens.begin(), sink.tokens.end());
  std::vector<uint64_t> want(lines.size());
  for (size_t i = 0; i < want.size(); ++i) want[i] = 100 + i;
  EXPECT_EQ(sink.tokens, want);
}

TEST(TraceAssembler, LateLineJoinsItsTraceInTheNextEmission) {
  Sink sink;
  TraceAssembler a({}, sink.fn());
  ASSERT_TRUE(a.add_line(kExampleRequest, "", 0, 1).ok());
  ASSERT_TRUE(a.add_line(kExampleMysql, "", 0, 2).ok());
  a.tick(30 * kS);
  ASSERT_EQ(sink.calls.size(), 1u);
  const Span* req = by_rpc(sink.spans, "0.1", SpanKind::kServer);
  ASSERT_NE(req, nullptr);
  const SpanId req_id = req->span_id;
  const TraceId req_trace = req->trace_id;  // (sink.spans grows: `req` does not stay valid)
  // Minutes later: another call of that request, and its exception line.
  const std::string late_call =
      R"({"x_name":"redis.request","x_trace_id":"123jiojfdsao","x_rpc_id":"0.4","x_timestamp":1506480163,"x_department":"tal_client_frontend"})";
  ASSERT_TRUE(a.add_line(late_call, "", 300 * kS, 3).ok());
  ASSERT_TRUE(a.add_line(kExampleException, "", 301 * kS, 4).ok());
  EXPECT_EQ(a.stats().late_lines, 2u);  // both: the second finds its trace open again
  a.tick(320 * kS);
  EXPECT_EQ(sink.calls.size(), 1u);
  a.tick(331 * kS);
  ASSERT_EQ(sink.calls.size(), 2u);
  const std::vector<Span>& late = sink.calls[1];
  ASSERT_EQ(late.size(), 2u);
  const Span* call = by_rpc(late, "0.4", SpanKind::kClient);
  ASSERT_NE(call, nullptr);
  EXPECT_EQ(call->parent_span_id, req_id);  // joins the emitted request: no placeholder
  EXPECT_EQ(call->trace_id, req_trace);
  const Span* ev = by_rpc(late, "0.3", SpanKind::kInternal);
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ(ev->parent_span_id, req_id);
  EXPECT_EQ(ev->status.code, SpanStatusCode::kError);
  std::sort(sink.tokens.begin(), sink.tokens.end());
  EXPECT_EQ(sink.tokens, (std::vector<uint64_t>{1, 2, 3, 4}));
}

TEST(TraceAssembler, DuplicatesGiveOneSpanAndTheirTokensAreReported) {
  Sink sink;
  TraceAssembler a({}, sink.fn());
  ASSERT_TRUE(a.add_line(kExampleRequest, "/a.log", 0, 1).ok());
  ASSERT_TRUE(a.add_line(kExampleRequest, "/a.log.1", 1, 2).ok());       // rotated copy
  ASSERT_TRUE(a.add_line(kExampleRequest + "\r", "/a.log", 2, 3).ok());  // CRLF copy
  a.flush_all();
  EXPECT_EQ(sink.spans.size(), 1u);
  EXPECT_EQ(a.stats().duplicate_lines, 2u);
  // Read again after it was emitted (a restart replaying the file): no new span; its token
  // is reported with the next emit call.
  ASSERT_TRUE(a.add_line(kExampleRequest, "/a.log", 100 * kS, 4).ok());
  EXPECT_EQ(a.stats().open_traces, 0u);
  a.tick(100 * kS);
  EXPECT_EQ(sink.spans.size(), 1u);
  ASSERT_EQ(sink.calls.size(), 2u);
  EXPECT_TRUE(sink.calls[1].empty());
  std::sort(sink.tokens.begin(), sink.tokens.end());
  EXPECT_EQ(sink.tokens, (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(a.stats().duplicate_lines, 3u);
}

TEST(TraceAssembler, BoundedOpenTraces) {
  Sink sink;
  AssemblerOptions o;
  o.max_open_traces = 2;
  TraceAssembler a(o, sink.fn());
  ASSERT_TRUE(a.add_line(line("request.info", "t1", "0.1", "s"), "", 1, 1).ok());
  ASSERT_TRUE(a.add_line(line("request.info", "t2", "0.1", "s"), "", 2, 2).ok());
  ASSERT_TRUE(
      a.add_line(line("mysql.request", "t1", "0.2", "s"), "", 3, 3).ok());  // t1 is fresh now
  EXPECT_TRUE(sink.spans.empty());
  ASSERT_TRUE(a.add_line(line("request.info", "t3", "0.1", "s"), "", 4, 4).ok());
  // Over the bound: the trace least recently added to (t2) is emitted early.
  EXPECT_EQ(sink.spans_of("t2"), 1u);
  EXPECT_EQ(sink.spans_of("t1"), 0u);
  EXPECT_EQ(sink.tokens, (std::vector<uint64_t>{2}));
  AssemblerStats st = a.stats();
  EXPECT_EQ(st.traces_emitted_early, 1u);
  EXPECT_EQ(st.open_traces, 2u);
  a.flush_all();
  EXPECT_EQ(sink.spans_of("t1"), 2u);
  EXPECT_EQ(sink.spans_of("t3"), 1u);
  EXPECT_EQ(a.stats().traces_emitted_early, 1u);
}

TEST(TraceAssembler, BoundedOpenLinesAndBytes) {
  {
    Sink sink;
    AssemblerOptions o;
    o.max_open_lines = 5;
    TraceAssembler a(o, sink.fn());
    for (int t = 0; t < 4; ++t)
      for (int k = 1; k <= 2; ++k)
        ASSERT_TRUE(a.add_line(line("redis.request", "t" + std::to_string(t),
                                    "0." + std::to_string(k + 1), "s"),
                               "", t * 2 + k)
                        .ok());
    AssemblerStats st = a.stats();
    EXPECT_LE(st.open_lines, 5u);
    EXPECT_GE(st.traces_emitted_early, 1u);
    a.flush_all();
    EXPECT_EQ(sink.spans.size(), 4u * 3u);  // 2 calls + a placeholder request each
  }
  {
    Sink sink;
    AssemblerOptions o;
    o.max_open_bytes = 8 * 1024;
    TraceAssembler a(o, sink.fn());
    for (int t = 0; t < 50; ++t)
      ASSERT_TRUE(a.add_line(line("request.info", "t" + std::to_string(t), "0.1", "s", 1,
                                  ",\"x_msg\":\"" + std::string(200, 'x') + "\""),
                             "", t)
                      .ok());
    EXPECT_LE(a.stats().open_bytes, 8u * 1024u);
    EXPECT_GT(a.stats().traces_emitted_early, 0u);
    // One trace alone over the bound is emitted too.
    for (int k = 2; k < 40; ++k)
      ASSERT_TRUE(a.add_line(line("redis.request", "alone", "0." + std::to_string(k), "s", 1,
                                  ",\"x_msg\":\"" + std::string(200, 'x') + "\""),
                             "", 100 + k)
                      .ok());
    EXPECT_LE(a.stats().open_bytes, 8u * 1024u);
  }
  {
    // One huge trace: emitted as soon as it reaches max_lines_per_trace; the rest of its
    // lines are late lines of an emitted trace, linked to what went out.
    Sink sink;
    AssemblerOptions o;
    o.max_lines_per_trace = 10;
    TraceAssembler a(o, sink.fn());
    ASSERT_TRUE(a.add_line(line("request.info", "big", "0.1", "s"), "", 0).ok());
    for (int k = 2; k <= 25; ++k)
      ASSERT_TRUE(
          a.add_line(line("redis.request", "big", "0." + std::to_string(k), "s"), "", k).ok());
    a.flush_all();
    EXPECT_EQ(sink.spans.size(), 25u);
    for (const Span& s : sink.spans) EXPECT_FALSE(is_placeholder(s));
    EXPECT_EQ(a.stats().traces_emitted, 3u);
  }
}

TEST(TraceAssembler, RememberedTracesAreBounded) {
  Sink sink;
  AssemblerOptions o;
  o.max_remembered_traces = 2;
  TraceAssembler a(o, sink.fn());
  for (int t = 0; t < 4; ++t)
    ASSERT_TRUE(a.add_line(line("request.info", "r" + std::to_string(t), "0.1", "s"), "", t).ok());
  a.flush_all();
  AssemblerStats st = a.stats();
  EXPECT_EQ(st.remembered_traces, 2u);
  EXPECT_EQ(st.remembered_evicted, 2u);
  // r0 was forgotten: a late call of it hangs under a placeholder request (the store still
  // joins it to the trace by trace ID).
  ASSERT_TRUE(a.add_line(line("mysql.request", "r0", "0.2", "s"), "", 10).ok());
  a.flush_all();
  EXPECT_EQ(sink.spans_of("r0"), 3u);
  // r3 is remembered: a late call links to the emitted request.
  ASSERT_TRUE(a.add_line(line("mysql.request", "r3", "0.2", "s"), "", 11).ok());
  a.flush_all();
  EXPECT_EQ(sink.spans_of("r3"), 2u);
  // Bounded by entries too.
  AssemblerOptions e;
  e.max_remembered_entries = 10;
  TraceAssembler b(e, sink.fn());
  for (int t = 0; t < 20; ++t)
    ASSERT_TRUE(b.add_line(line("request.info", "e" + std::to_string(t), "0.1", "s"), "", t).ok());
  b.flush_all();
  EXPECT_LE(b.stats().remembered_entries, 10u);
}

TEST(TraceAssembler, BigTracesAreSplitAcrossEmitCalls) {
  Sink sink;
  AssemblerOptions o;
  o.max_batch_spans = 10;
  TraceAssembler a(o, sink.fn());
  ASSERT_TRUE(a.add_line(line("request.info", "split", "0.1", "s"), "", 0, 1000).ok());
  for (int k = 2; k <= 25; ++k)
    ASSERT_TRUE(
        a.add_line(line("redis.request", "split", "0." + std::to_string(k), "s"), "", 0, k).ok());
  ASSERT_TRUE(a.add_line(line("request.info", "small", "0.1", "s"), "", 0, 5000).ok());
  a.flush_all();
  ASSERT_EQ(sink.spans.size(), 26u);
  EXPECT_GE(sink.calls.size(), 3u);
  for (const auto& c : sink.calls) EXPECT_LE(c.size(), 10u);
  EXPECT_EQ(sink.tokens.size(), 26u);
}

TEST(TraceAssembler, RejectedLinesAreCountedByReasonAndNotReported) {
  Sink sink;
  TraceAssembler a({}, sink.fn());
  LineStatus st = a.add_line("not json at all", "", 0, 1);
  EXPECT_EQ(st.reason, RejectReason::kNotJson);
  st = a.add_line(R"({"x_trace_id":"t","x_timestamp":1})", "", 0, 2);
  EXPECT_EQ(st.reason, RejectReason::kMissingRpcId);
  st = a.add_line(R"({"x_trace_id":"t","x_rpc_id":"x","x_timestamp":1})", "", 0, 3);
  EXPECT_EQ(st.reason, RejectReason::kBadRpcId);
  EXPECT_EQ(st.status.message(), "bad_rpc_id: x_rpc_id \"x\" is not dotted decimal numbers");
  st = a.add_line(std::string("\0\0\0", 3), "", 0, 4);
  EXPECT_EQ(st.reason, RejectReason::kBinary);
  EXPECT_TRUE(a.add_line(kExampleRequest, "", 0, 5).ok());
  a.flush_all();
  EXPECT_EQ(sink.tokens, (std::vector<uint64_t>{5}));
  AssemblerStats s = a.stats();
  EXPECT_EQ(s.lines_rejected, 4u);
  EXPECT_EQ(s.lines_accepted, 1u);
  EXPECT_EQ(s.rejected_by_reason[static_cast<size_t>(RejectReason::kNotJson)], 1u);
  EXPECT_EQ(s.rejected_by_reason[static_cast<size_t>(RejectReason::kMissingRpcId)], 1u);
  EXPECT_EQ(s.rejected_by_reason[static_cast<size_t>(RejectReason::kBadRpcId)], 1u);
  EXPECT_EQ(s.rejected_by_reason[static_cast<size_t>(RejectReason::kBinary)], 1u);
}

TEST(TraceAssembler, ForcedSchemeOption) {
  Sink sink;
  AssemblerOptions o;
  o.build.scheme = SchemeMode::kPerCall;
  TraceAssembler a(o, sink.fn());
  ASSERT_TRUE(a.add_line(line("request.info", "f", "0.1", "s"), "", 0).ok());
  ASSERT_TRUE(a.add_line(line("mysql.request", "f", "0.1.1", "s"), "", 0).ok());
  a.flush_all();
  const Span* req = by_rpc(sink.spans, "0.1", SpanKind::kServer);
  const Span* sql = by_rpc(sink.spans, "0.1.1", SpanKind::kClient);
  ASSERT_TRUE(req && sql);
  EXPECT_EQ(sql->parent_span_id, req->span_id);
}

}  // namespace
}  // namespace weft::logline
