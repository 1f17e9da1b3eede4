// Fuzz target: trace log lines (../shared/LOGFORMAT.md, docs/format/logline.md). The input
// is split into lines; each goes through TraceAssembler::add_line (LineParser, then the
// trace tree rebuild) with small bounds, so early emission, late lines, remembered traces,
// placeholders and batch splitting all run. The first byte picks the RpcId scheme mode.
// Checks, besides no crash / UB / leak:
//   * a rejected line has a reason and an error status; an accepted line's token is
//     reported exactly once by the emit callback;
//   * every emitted span has non-zero trace and span IDs, is not its own parent, ends no
//     earlier than it starts, and has a resource and a scope;
//   * build_trace is deterministic: each trace's accepted lines built in their order and in
//     reverse give the same spans.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "logline/line_parser.h"
#include "logline/trace_assembler.h"
#include "logline/trace_builder.h"

using namespace weft;
using namespace weft::model;
using namespace weft::logline;

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "logline_fuzz: %s\n", what);
  std::abort();
}

void check_span(const Span& s) {
  if (s.trace_id.is_zero()) fail("zero trace ID");
  if (s.span_id.is_zero()) fail("zero span ID");
  if (s.parent_span_id == s.span_id) fail("a span is its own parent");
  if (s.end_time_unix_nano < s.start_time_unix_nano) fail("end before start");
  if (!s.resource || !s.scope) fail("no resource or scope");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  AssemblerOptions o;
  o.build.scheme = static_cast<SchemeMode>(data[0] % 3);
  o.window_ns = 5;
  o.max_open_ns = 40;
  o.max_open_traces = 3;
  o.max_open_lines = 24;
  o.max_open_bytes = 64 << 10;
  o.max_lines_per_trace = 8;
  o.max_remembered_traces = 4;
  o.max_remembered_entries = 64;
  o.max_batch_spans = 5;
  o.build.max_missing_listed = 4;
  o.build.max_events_per_span = 6;
  o.parser.max_line_bytes = 8192;
  o.parser.max_field_bytes = 1024;
  o.parser.max_json_depth = 8;
  o.parser.max_rpc_id_depth = 12;
  o.parser.service_mappings = {{"/fuzz/a*", "mapped"}};

  std::map<uint64_t, int> reported;
  TraceAssembler a(o, [&](SpanBatch batch, std::vector<uint64_t> tokens) {
    for (const Span& s : batch.spans) check_span(s);
    for (uint64_t t : tokens) ++reported[t];
  });

  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<std::string_view> accepted_lines;
  std::vector<uint64_t> accepted_tokens;
  int64_t now = 0;
  uint64_t token = 0;
  size_t start = 0;
  while (start <= in.size()) {
    size_t end = in.find('\n', start);
    if (end == std::string_view::npos) end = in.size();
    const std::string_view line = in.substr(start, end - start);
    const char* source = token % 2 ? "/fuzz/a.log" : "/fuzz/b.log";
    LineStatus st = a.add_line(line, source, now, token);
    if (st.ok()) {
      if (!st.status.is_ok()) fail("accepted with an error status");
      accepted_tokens.push_back(token);
      accepted_lines.push_back(line);
    } else if (st.status.is_ok() || st.status.message().empty()) {
      fail("rejected without a message");
    }
    ++token;
    now += 2;
    if (token % 4 == 0) a.tick(now);
    start = end + 1;
  }
  a.flush_all();
  if (a.stats().open_traces != 0 || a.stats().open_lines != 0) fail("open after flush_all");
  for (uint64_t t : accepted_tokens)
    if (reported[t] != 1) fail("an accepted line's token not reported exactly once");
  if (reported.size() != accepted_tokens.size()) fail("a rejected line's token was reported");

  // Determinism: each trace built from its lines in two orders.
  LineParser parser(o.parser);
  std::map<TraceId, std::vector<LogLine>> traces;
  for (std::string_view l : accepted_lines) {
    LogLine parsed;
    if (!parser.parse(l, "/fuzz/a.log", &parsed).ok()) fail("a line accepted once, rejected now");
    traces[parsed.trace_id].push_back(std::move(parsed));
  }
  ResourceCache resources;
  for (const auto& [id, lines] : traces) {
    std::vector<const LogLine*> fwd, rev;
    for (const LogLine& l : lines) fwd.push_back(&l);
    rev.assign(fwd.rbegin(), fwd.rend());
    EmittedTrace e1, e2;
    BuildResult r1 = build_trace(fwd, o.build, &e1, &resources);
    BuildResult r2 = build_trace(rev, o.build, &e2, &resources);
    if (r1.spans.size() != r2.spans.size()) fail("span count depends on line order");
    for (size_t i = 0; i < r1.spans.size(); ++i) {
      check_span(r1.spans[i]);
      if (!same_span(r1.spans[i], r2.spans[i])) fail("spans depend on line order");
    }
  }
  return 0;
}
