#include "api/analysis_api.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "analysis/aggregate_critical_path.h"
#include "analysis/clock_skew.h"
#include "analysis/cohorts.h"
#include "analysis/critical_path.h"
#include "analysis/rpcid_gaps.h"
#include "analysis/span_tree.h"
#include "analysis/trace_compare.h"
#include "api/json_writer.h"
#include "api/native_params.h"
#include "query/params.h"

namespace weft::api {

using namespace weft::model;
using query::QueryService;
namespace analysis = query::analysis;

namespace {

constexpr ErrorStyle kStyle = ErrorStyle::kNative;
constexpr uint64_t kDefaultLookback = 3600ULL * 1'000'000'000;
// Search summaries read per analysis at most: deciding bands and cohorts on summaries is
// cheap; only the traces analysed are fetched whole.
constexpr size_t kMaxCandidates = 200'000;
constexpr size_t kDefaultAggregateTraces = 2000, kMaxAggregateTraces = 10'000;
constexpr size_t kDefaultCohortTraces = 5000, kMaxCohortTraces = 20'000;
// Traces fetched per call to get_traces: bounds the memory of one analysis (a few MB of
// traces) while letting the store read each page once for many of them.
constexpr size_t kFetchChunk = 1024;

Result<Trace> fetch_trace(QueryService& service, std::string_view id_text, const char* param,
                          bool adjust) {
  WEFT_ASSIGN_OR_RETURN(TraceId id, query::parse_trace_id(param, id_text));
  WEFT_ASSIGN_OR_RETURN(std::optional<Trace> trace, service.get_trace(id));
  if (!trace) return not_found("trace " + id.to_hex() + " not found");
  if (adjust) adjust_clock_skew_for_display(*trace);
  return std::move(*trace);
}

std::string span_id_hex(const analysis::SpanTree& tree, uint32_t i) {
  return tree.span(i).span_id.to_hex();
}

uint64_t span_duration(const Span& s) { return s.duration_nanos(); }

double ratio(uint64_t part, uint64_t whole) {
  return whole ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

http::Response trace_critical_path(QueryService& service, std::string_view id,
                                   const http::Request& req) {
  auto adjust = parse_adjust(req);
  if (!adjust.is_ok()) return error_response(kStyle, adjust.status());
  auto trace = fetch_trace(service, id, "traceId", *adjust);
  if (!trace.is_ok()) return error_response(kStyle, trace.status());
  const analysis::SpanTree tree(*trace);
  const analysis::CriticalPath path = analysis::critical_path(tree);
  JsonWriter w;
  w.begin_object().kv("traceId", trace->trace_id.to_hex());
  if (path.root == analysis::SpanTree::kNone) {
    w.kv("rootSpanId", "").key("segments").begin_array().end_array();
    w.key("selfTimes").begin_array().end_array().end_object();
    return http::Response::json(200, w.take());
  }
  const Span& root = tree.span(path.root);
  w.kv("rootSpanId", span_id_hex(tree, path.root))
      .key("startTimeUnixNano").u64_string(root.start_time_unix_nano)
      .key("endTimeUnixNano").u64_string(root.end_time_unix_nano)
      .key("durationNanos").u64_string(span_duration(root));
  w.key("segments").begin_array();
  for (const analysis::PathSegment& seg : path.segments) {
    const Span& s = tree.span(seg.span);
    w.begin_object()
        .kv("spanId", s.span_id.to_hex())
        .kv("service", s.service_name())
        .kv("operation", s.name)
        .key("startTimeUnixNano").u64_string(seg.start_unix_nano)
        .key("endTimeUnixNano").u64_string(seg.end_unix_nano)
        .end_object();
  }
  w.end_array().key("selfTimes").begin_array();
  for (const analysis::SelfTime& t : path.self_times) {
    w.begin_object()
        .kv("service", t.service)
        .kv("operation", t.operation)
        .key("nanos").u64_string(t.nanos)
        .key("share").dbl(ratio(t.nanos, span_duration(root)))
        .kv_u64("segments", t.segments)
        .end_object();
  }
  w.end_array().end_object();
  return http::Response::json(200, w.take());
}

http::Response trace_rpcid_gaps(QueryService& service, std::string_view id) {
  auto trace = fetch_trace(service, id, "traceId", false);
  if (!trace.is_ok()) return error_response(kStyle, trace.status());
  const analysis::RpcIdCompleteness c = analysis::rpcid_completeness(*trace);
  JsonWriter w;
  w.begin_object()
      .kv("traceId", trace->trace_id.to_hex())
      .kv_bool("logBuilt", c.log_built)
      .kv_u64("missingCount", c.missing_count)
      .key("parents")
      .begin_array();
  for (const analysis::RpcIdGap& g : c.parents) {
    w.begin_object().kv("rpcId", g.parent_rpc_id).key("present").begin_array();
    for (uint32_t n : g.present) w.u64(n);
    w.end_array().key("missing").begin_array();
    for (uint32_t n : g.missing) w.u64(n);
    w.end_array().kv_u64("missingCount", g.missing_count).end_object();
  }
  w.end_array().end_object();
  return http::Response::json(200, w.take());
}

// The entry point and window of an aggregate analysis.
struct EntryQuery {
  TraceQuery query;
  size_t limit = 0;
};

Result<EntryQuery> parse_entry(QueryService& service, const http::Request& req,
                               size_t default_limit, size_t max_limit) {
  EntryQuery e;
  auto svc = req.param("service");
  if (!svc || svc->empty()) return invalid_argument("service: required");
  WEFT_ASSIGN_OR_RETURN(e.query.service, service.resolve_service(*svc));
  if (auto op = req.param("operation"); op && !op->empty()) {
    WEFT_ASSIGN_OR_RETURN(e.query.operation, service.resolve_operation(e.query.service, *op));
  }
  WEFT_RETURN_IF_ERROR(parse_window(service, req, kDefaultLookback, &e.query.start_unix_nano,
                                    &e.query.end_unix_nano));
  WEFT_ASSIGN_OR_RETURN(e.limit, parse_limit(req, default_limit, max_limit));
  e.query.limit = kMaxCandidates;
  return e;
}

// `k` of `items`, spread evenly over their order (all if k ≥ size).
template <typename T>
std::vector<T> spread_sample(const std::vector<T>& items, size_t k) {
  if (items.size() <= k) return items;
  std::vector<T> out;
  out.reserve(k);
  for (size_t i = 0; i < k; ++i) out.push_back(items[i * items.size() / k]);
  return out;
}

// The IDs of `summaries` by start time: the order of the store's blocks, so that one fetch
// of many finds them on few pages.
std::vector<TraceId> ids_by_start(std::vector<TraceSummary> summaries) {
  std::sort(summaries.begin(), summaries.end(), [](const TraceSummary& a, const TraceSummary& b) {
    return a.start_unix_nano < b.start_unix_nano;
  });
  std::vector<TraceId> ids;
  ids.reserve(summaries.size());
  for (const TraceSummary& s : summaries) ids.push_back(s.trace_id);
  return ids;
}

// Fetches `ids` in chunks, clock skew corrected, and hands each trace to `fn`.
template <typename Fn>
Status for_each_trace(QueryService& service, const std::vector<TraceId>& ids, Fn&& fn) {
  for (size_t at = 0; at < ids.size(); at += kFetchChunk) {
    std::vector<TraceId> chunk(ids.begin() + static_cast<std::ptrdiff_t>(at),
                               ids.begin() + static_cast<std::ptrdiff_t>(
                                                 std::min(ids.size(), at + kFetchChunk)));
    WEFT_ASSIGN_OR_RETURN(std::vector<Trace> traces, service.get_traces(chunk));
    for (Trace& t : traces) {
      analysis::adjust_clock_skew(t);
      fn(t);
    }
  }
  return Status::ok();
}

void write_entry(JsonWriter& w, const EntryQuery& e) {
  w.kv("service", e.query.service)
      .kv("operation", e.query.operation)
      .key("start").u64_string(e.query.start_unix_nano)
      .key("end").u64_string(e.query.end_unix_nano);
}

void write_trace_ids(JsonWriter& w, std::string_view key, const std::vector<TraceId>& ids) {
  w.key(key).begin_array();
  for (const TraceId& id : ids) w.str(id.to_hex());
  w.end_array();
}

http::Response aggregate_critical_path(QueryService& service, const http::Request& req) {
  auto entry = parse_entry(service, req, kDefaultAggregateTraces, kMaxAggregateTraces);
  if (!entry.is_ok()) return error_response(kStyle, entry.status());
  auto found = service.search(entry->query);
  if (!found.is_ok()) return error_response(kStyle, found.status());
  // Evenly across durations: the sample keeps the shape of the distribution, so its
  // slowest 1 % stands for the whole set's.
  std::vector<TraceSummary>& summaries = *found;
  std::sort(summaries.begin(), summaries.end(), [](const TraceSummary& a, const TraceSummary& b) {
    return a.duration_nanos() < b.duration_nanos();
  });
  const std::vector<TraceId> picked = ids_by_start(spread_sample(summaries, entry->limit));
  analysis::AggregateCriticalPathBuilder builder(entry->query.service, entry->query.operation);
  Status s = for_each_trace(service, picked, [&](const Trace& t) { builder.add(t); });
  if (!s.is_ok()) return error_response(kStyle, s);
  const analysis::AggregateCriticalPath result = std::move(builder).finish();
  JsonWriter w;
  w.begin_object();
  write_entry(w, *entry);
  w.kv_u64("matchedTraces", summaries.size())
      .kv_u64("analyzedTraces", result.analyzed_traces)
      .kv_bool("sampled", picked.size() < summaries.size())
      .kv_bool("candidatesCapped", summaries.size() >= kMaxCandidates)
      .key("bands")
      .begin_array();
  for (const analysis::Band& b : result.bands) {
    w.begin_object()
        .kv("band", b.name)
        .kv_u64("traces", b.traces)
        .key("minDurationNanos").u64_string(b.min_duration_nanos)
        .key("maxDurationNanos").u64_string(b.max_duration_nanos)
        .key("criticalPathNanos").u64_string(b.critical_path_nanos)
        .key("shares")
        .begin_array();
    for (const analysis::BandShare& sh : b.shares) {
      w.begin_object()
          .kv("service", sh.service)
          .kv("operation", sh.operation)
          .key("nanos").u64_string(sh.nanos)
          .key("share").dbl(sh.share)
          .key("meanNanos").u64_string(sh.mean_nanos);
      if (sh.median_share) w.key("medianShare").dbl(*sh.median_share);
      w.end_object();
    }
    w.end_array();
    write_trace_ids(w, "exampleTraceIds", b.examples);
    w.end_object();
  }
  w.end_array().end_object();
  return http::Response::json(200, w.take());
}

// The q-quantile (0..1) of sorted values, nearest rank.
uint64_t quantile(const std::vector<uint64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(q * static_cast<double>(sorted.size()));
  return sorted[std::min(rank, sorted.size() - 1)];
}

http::Response cohorts(QueryService& service, const http::Request& req) {
  auto entry = parse_entry(service, req, kDefaultCohortTraces, kMaxCohortTraces);
  if (!entry.is_ok()) return error_response(kStyle, entry.status());
  auto select = req.param("select");
  auto min_duration_text = req.param("minDuration");
  const bool has_select = select && !select->empty();
  const bool has_min = min_duration_text && !min_duration_text->empty();
  if (has_select == has_min)
    return error_response(kStyle, 400, "select: give select=slow|error or minDuration, one of them");
  if (has_select && *select != "slow" && *select != "error")
    return error_response(kStyle, 400,
                          "select: must be slow or error, got \"" + std::string(*select) + "\"");
  uint64_t threshold = 0;
  if (has_min) {
    auto d = query::parse_duration("minDuration", *min_duration_text);
    if (!d.is_ok()) return error_response(kStyle, d.status());
    threshold = *d;
  }
  auto found = service.search(entry->query);
  if (!found.is_ok()) return error_response(kStyle, found.status());
  std::vector<TraceSummary>& summaries = *found;
  const bool by_error = has_select && *select == "error";
  if (has_select && *select == "slow") {
    std::vector<uint64_t> durations;
    durations.reserve(summaries.size());
    for (const TraceSummary& s : summaries) durations.push_back(s.duration_nanos());
    std::sort(durations.begin(), durations.end());
    threshold = quantile(durations, 0.95);
  }
  std::vector<TraceSummary> selected, baseline;
  for (TraceSummary& s : summaries) {
    const bool in = by_error ? s.error_count > 0 : s.duration_nanos() >= threshold;
    (in ? selected : baseline).push_back(std::move(s));
  }
  const std::vector<TraceId> sel = ids_by_start(spread_sample(selected, entry->limit));
  const std::vector<TraceId> base = ids_by_start(spread_sample(baseline, entry->limit));
  analysis::CohortAnalyzer analyzer;
  Status st = for_each_trace(service, sel, [&](const Trace& t) { analyzer.add(t, true); });
  if (st.is_ok())
    st = for_each_trace(service, base, [&](const Trace& t) { analyzer.add(t, false); });
  if (!st.is_ok()) return error_response(kStyle, st);
  const analysis::CohortResult result = std::move(analyzer).finish();
  JsonWriter w;
  w.begin_object();
  write_entry(w, *entry);
  w.kv("select", has_select ? std::string(*select) : std::string("minDuration"));
  if (!by_error) w.key("thresholdNanos").u64_string(threshold);
  w.kv_u64("matchedTraces", summaries.size())
      .kv_bool("candidatesCapped", summaries.size() >= kMaxCandidates)
      .kv_u64("selectedTraces", selected.size())
      .kv_u64("baselineTraces", baseline.size())
      .kv_u64("selectedAnalyzed", result.selected_analyzed)
      .kv_u64("baselineAnalyzed", result.baseline_analyzed)
      .kv_bool("selectedSampled", sel.size() < selected.size())
      .kv_bool("baselineSampled", base.size() < baseline.size())
      .key("features")
      .begin_array();
  for (const analysis::FeatureStat& f : result.features) {
    w.begin_object()
        .kv("kind", analysis::feature_kind_name(f.kind))
        .kv("name", f.name)
        .kv("value", f.value)
        .kv_u64("selectedCount", f.selected_count)
        .kv_u64("baselineCount", f.baseline_count)
        .key("selectedRatio").dbl(f.selected_ratio)
        .key("baselineRatio").dbl(f.baseline_ratio);
    w.key("lift");
    if (f.lift)
      w.dbl(*f.lift);
    else
      w.null();
    w.key("zScore").dbl(f.z_score).key("pValue").dbl(f.p_value);
    write_trace_ids(w, "exampleTraceIds", f.examples);
    w.end_object();
  }
  w.end_array().end_object();
  return http::Response::json(200, w.take());
}

void write_compared(JsonWriter& w, const Trace& t, const analysis::SpanTree& tree) {
  uint64_t start = UINT64_MAX, end = 0;
  for (const Span& s : t.spans) {
    start = std::min(start, s.start_time_unix_nano);
    end = std::max(end, s.end_time_unix_nano);
  }
  const uint32_t root = tree.main_root();
  w.begin_object()
      .kv("traceId", t.trace_id.to_hex())
      .kv_u64("spanCount", t.spans.size())
      .key("durationNanos").u64_string(end > start ? end - start : 0)
      .kv("rootService", root == analysis::SpanTree::kNone ? std::string_view()
                                                           : tree.span(root).service_name())
      .kv("rootOperation", root == analysis::SpanTree::kNone ? std::string_view()
                                                             : std::string_view(tree.span(root).name))
      .end_object();
}

http::Response compare(QueryService& service, const http::Request& req) {
  auto adjust = parse_adjust(req);
  if (!adjust.is_ok()) return error_response(kStyle, adjust.status());
  auto a_text = req.param("a"), b_text = req.param("b");
  if (!a_text || a_text->empty()) return error_response(kStyle, 400, "a: required (a trace ID)");
  if (!b_text || b_text->empty()) return error_response(kStyle, 400, "b: required (a trace ID)");
  auto a = fetch_trace(service, *a_text, "a", *adjust);
  if (!a.is_ok()) return error_response(kStyle, a.status());
  auto b = fetch_trace(service, *b_text, "b", *adjust);
  if (!b.is_ok()) return error_response(kStyle, b.status());
  const analysis::SpanTree ta(*a), tb(*b);
  const analysis::TraceComparison cmp = analysis::compare_traces(ta, tb);
  JsonWriter w;
  w.begin_object().key("a");
  write_compared(w, *a, ta);
  w.key("b");
  write_compared(w, *b, tb);
  w.kv_u64("onlyA", cmp.only_a).kv_u64("onlyB", cmp.only_b).key("nodes").begin_array();
  for (const analysis::CompareNode& n : cmp.nodes) {
    const char* side = n.a_count && n.b_count ? "both" : n.a_count ? "onlyA" : "onlyB";
    const int64_t delta =
        static_cast<int64_t>(n.b_duration_nanos) - static_cast<int64_t>(n.a_duration_nanos);
    w.begin_object()
        .kv_i64("parent", n.parent)
        .kv_u64("depth", n.depth)
        .kv("service", n.service)
        .kv("operation", n.operation)
        .kv("side", side)
        .kv_u64("aCount", n.a_count)
        .kv_u64("bCount", n.b_count)
        .key("aDurationNanos").u64_string(n.a_duration_nanos)
        .key("bDurationNanos").u64_string(n.b_duration_nanos)
        .kv("deltaNanos", std::to_string(delta))
        .end_object();
  }
  w.end_array().end_object();
  return http::Response::json(200, w.take());
}

}  // namespace

bool route_analysis_async(QueryService& service, const http::Request& req,
                          const http::Responder& respond) {
  static std::atomic<int> running{0};
  std::string_view path = req.path;
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (!path.starts_with("/api/v1/analysis/")) return false;
  if (running.fetch_add(1) >= kMaxConcurrentAnalyses) {
    running.fetch_sub(1);
    respond(error_response(kStyle, 429,
                           "too many analyses running (at most " +
                               std::to_string(kMaxConcurrentAnalyses) + "); try again shortly"));
    return true;
  }
  std::thread([&service, req, respond] {
    const auto t0 = std::chrono::steady_clock::now();
    std::optional<RouteResult> r = route_analysis(service, req);
    if (!r) r = RouteResult{"unknown", route_not_found(kStyle, req)};
    // Free the slot before answering: a client that asks again at once finds it free.
    running.fetch_sub(1);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
    observe_query_latency("native", r->route, took.count());
    respond(std::move(r->response));
  }).detach();
  return true;
}

void adjust_clock_skew_for_display(Trace& trace) {
  if (analysis::adjust_clock_skew(trace) > 0) query::sort_spans(&trace);
}

std::optional<RouteResult> route_analysis(QueryService& service, const http::Request& req) {
  std::string_view path = req.path;
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  auto answer = [&](const char* route, auto&& fn) -> RouteResult {
    if (!is_get(req)) return {route, method_not_allowed(kStyle, req)};
    return {route, fn()};
  };
  if (auto id = match_segment(path, "/api/v1/traces/", "/critical-path"))
    return answer("/api/v1/traces/{id}/critical-path",
                  [&] { return trace_critical_path(service, *id, req); });
  if (auto id = match_segment(path, "/api/v1/traces/", "/rpcid-gaps"))
    return answer("/api/v1/traces/{id}/rpcid-gaps", [&] { return trace_rpcid_gaps(service, *id); });
  if (path == "/api/v1/analysis/critical-path")
    return answer("/api/v1/analysis/critical-path",
                  [&] { return aggregate_critical_path(service, req); });
  if (path == "/api/v1/analysis/cohorts")
    return answer("/api/v1/analysis/cohorts", [&] { return cohorts(service, req); });
  if (path == "/api/v1/compare") return answer("/api/v1/compare", [&] { return compare(service, req); });
  return std::nullopt;
}

}  // namespace weft::api
