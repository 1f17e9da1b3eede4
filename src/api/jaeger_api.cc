#include "api/jaeger_api.h"

#include <map>
#include <set>

#include "api/analysis_api.h"
#include "api/jaeger_json.h"
#include "api/json_writer.h"
#include "query/params.h"

namespace weft::api {

using namespace weft::model;

namespace {

using query::QueryService;
constexpr ErrorStyle kStyle = ErrorStyle::kJaeger;

// Jaeger's defaults (cmd/query/app/query_parser.go, default_params.go).
constexpr size_t kDefaultLimit = 100;
constexpr uint64_t kDefaultTraceLookback = 48ULL * 3600 * 1'000'000'000;  // 2 days
constexpr uint64_t kDefaultDependencyLookback = 24ULL * 3600 * 1'000'000'000;
constexpr uint64_t kMicro = 1'000;
constexpr uint64_t kMilli = 1'000'000;

// {"data":<written by fn>,"total":N,"limit":0,"offset":0,"errors":null}
template <typename Fn>
http::Response envelope(size_t total, Fn&& write_data) {
  JsonWriter w;
  w.begin_object().key("data");
  write_data(w);
  w.kv_u64("total", total).kv_i64("limit", 0).kv_i64("offset", 0).key("errors").null();
  w.end_object();
  return http::Response::json(200, w.take());
}

http::Response traces_response(const std::vector<Trace>& traces) {
  return envelope(traces.size(), [&](JsonWriter& w) {
    w.begin_array();
    for (const Trace& t : traces) write_jaeger_trace(w, t);
    w.end_array();
  });
}

// Jaeger's search parameters (see docs/api.md) as a TraceQuery.
Result<TraceQuery> parse_search(const QueryService& service, const http::Request& req) {
  TraceQuery q;
  q.service = req.param("service").value_or("");
  q.operation = req.param("operation").value_or("");
  if (q.service.empty()) return invalid_argument("parameter 'service' is required");

  uint64_t end = service.now_unix_nanos();
  if (auto v = req.param("end"); v && !v->empty()) {
    WEFT_ASSIGN_OR_RETURN(end, query::parse_scaled_int("end", *v, kMicro));
  }
  uint64_t lookback = kDefaultTraceLookback;
  if (auto v = req.param("lookback"); v && !v->empty() && *v != "custom") {
    WEFT_ASSIGN_OR_RETURN(lookback, query::parse_duration("lookback", *v));
  }
  uint64_t start = end > lookback ? end - lookback : 0;
  if (auto v = req.param("start"); v && !v->empty()) {
    WEFT_ASSIGN_OR_RETURN(start, query::parse_scaled_int("start", *v, kMicro));
  }
  q.start_unix_nano = start;
  q.end_unix_nano = end;

  WEFT_ASSIGN_OR_RETURN(q.tags, query::parse_jaeger_tags(req.params("tag"), req.params("tags")));
  if (auto v = req.param("minDuration"); v && !v->empty()) {
    WEFT_ASSIGN_OR_RETURN(q.min_duration_nanos, query::parse_duration("minDuration", *v));
  }
  if (auto v = req.param("maxDuration"); v && !v->empty()) {
    WEFT_ASSIGN_OR_RETURN(q.max_duration_nanos, query::parse_duration("maxDuration", *v));
  }
  if (q.min_duration_nanos && q.max_duration_nanos && *q.max_duration_nanos < *q.min_duration_nanos)
    return invalid_argument("'maxDuration' should be greater than 'minDuration'");
  if (auto v = req.param("spanKind"); v && !v->empty()) {
    WEFT_ASSIGN_OR_RETURN(q.span_kind, query::parse_span_kind_param("spanKind", *v));
  }
  q.limit = kDefaultLimit;
  if (auto v = req.param("limit"); v && !v->empty()) {
    WEFT_ASSIGN_OR_RETURN(uint64_t limit, query::parse_uint("limit", *v));
    if (limit > 0) q.limit = limit;
  }
  return q;
}

http::Response get_trace(QueryService& service, std::string_view id_text) {
  auto id = query::parse_trace_id("traceID", id_text);
  if (!id.is_ok()) return error_response(kStyle, id.status());
  auto trace = service.get_trace(*id);
  if (!trace.is_ok()) return error_response(kStyle, trace.status());
  if (!*trace) return error_response(kStyle, 404, "trace not found");
  adjust_clock_skew_for_display(**trace);  // as Jaeger's query service does
  return traces_response({std::move(**trace)});
}

http::Response search(QueryService& service, const http::Request& req) {
  // ?traceID=a&traceID=b fetches those traces (Jaeger's search-by-IDs).
  if (auto ids = req.params("traceID"); !ids.empty()) {
    std::vector<TraceId> parsed;
    for (const std::string& s : ids) {
      auto id = query::parse_trace_id("traceID", s);
      if (!id.is_ok()) return error_response(kStyle, id.status());
      parsed.push_back(*id);
    }
    auto traces = service.get_traces(parsed);
    if (!traces.is_ok()) return error_response(kStyle, traces.status());
    for (Trace& t : *traces) adjust_clock_skew_for_display(t);
    return traces_response(*traces);
  }
  auto q = parse_search(service, req);
  if (!q.is_ok()) return error_response(kStyle, q.status());
  auto found = service.search_traces(*q);
  if (!found.is_ok()) return error_response(kStyle, found.status());
  for (Trace& t : found->traces) adjust_clock_skew_for_display(t);
  return traces_response(found->traces);
}

http::Response services(QueryService& service) {
  auto names = service.services();
  if (!names.is_ok()) return error_response(kStyle, names.status());
  return envelope(names->size(), [&](JsonWriter& w) {
    w.begin_array();
    for (const std::string& n : *names) w.str(n);
    w.end_array();
  });
}

// Legacy /api/services/{service}/operations: distinct names of every kind.
http::Response service_operations(QueryService& service, std::string_view name) {
  auto ops = service.operations(std::string(name));
  if (!ops.is_ok()) return error_response(kStyle, ops.status());
  std::set<std::string> names;
  for (const OperationInfo& op : *ops) names.insert(op.name);
  return envelope(names.size(), [&](JsonWriter& w) {
    w.begin_array();
    for (const std::string& n : names) w.str(n);
    w.end_array();
  });
}

http::Response operations(QueryService& service, const http::Request& req) {
  std::string name = req.param("service").value_or("");
  if (name.empty()) return error_response(kStyle, 400, "parameter 'service' is required");
  std::optional<SpanKind> kind;
  if (auto v = req.param("spanKind"); v && !v->empty()) {
    auto k = query::parse_span_kind_param("spanKind", *v);
    if (!k.is_ok()) return error_response(kStyle, k.status());
    kind = *k;
  }
  auto ops = service.operations(name, kind);
  if (!ops.is_ok()) return error_response(kStyle, ops.status());
  return envelope(ops->size(), [&](JsonWriter& w) {
    w.begin_array();
    for (const OperationInfo& op : *ops) {
      w.begin_object()
          .kv("name", op.name)
          .kv("spanKind", op.kind == SpanKind::kUnspecified ? "" : span_kind_name(op.kind))
          .end_object();
    }
    w.end_array();
  });
}

http::Response dependencies(QueryService& service, const http::Request& req) {
  uint64_t end = service.now_unix_nanos();
  if (auto v = req.param("endTs"); v && !v->empty()) {
    auto r = query::parse_scaled_int("endTs", *v, kMilli);
    if (!r.is_ok()) return error_response(kStyle, r.status());
    end = *r;
  }
  uint64_t lookback = kDefaultDependencyLookback;
  if (auto v = req.param("lookback"); v && !v->empty()) {
    auto r = query::parse_scaled_int("lookback", *v, kMilli);
    if (!r.is_ok()) return error_response(kStyle, r.status());
    lookback = *r;
  }
  auto links = service.dependencies(end > lookback ? end - lookback : 0, end);
  if (!links.is_ok()) return error_response(kStyle, links.status());
  // Optional ?service= keeps the edges touching it; equal edges are merged (as Jaeger does).
  std::string only = req.param("service").value_or("");
  std::map<std::pair<std::string, std::string>, uint64_t> merged;
  for (const DependencyLink& l : *links)
    if (only.empty() || l.parent == only || l.child == only)
      merged[{l.parent, l.child}] += l.call_count;
  return envelope(merged.size(), [&](JsonWriter& w) {
    w.begin_array();
    for (const auto& [edge, calls] : merged)
      w.begin_object()
          .kv("parent", edge.first)
          .kv("child", edge.second)
          .kv_u64("callCount", calls)
          .end_object();
    w.end_array();
  });
}

}  // namespace

RouteResult route_jaeger(QueryService& service, const http::Request& req) {
  std::string_view path = req.path;
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  auto answer = [&](const char* route, auto&& fn) -> RouteResult {
    if (!is_get(req)) return {route, method_not_allowed(kStyle, req)};
    return {route, fn()};
  };
  if (auto id = match_segment(path, "/api/traces/"))
    return answer("/api/traces/{id}", [&] { return get_trace(service, *id); });
  if (path == "/api/traces") return answer("/api/traces", [&] { return search(service, req); });
  if (path == "/api/services") return answer("/api/services", [&] { return services(service); });
  if (auto name = match_segment(path, "/api/services/", "/operations"))
    return answer("/api/services/{service}/operations",
                  [&] { return service_operations(service, *name); });
  if (path == "/api/operations")
    return answer("/api/operations", [&] { return operations(service, req); });
  if (path == "/api/dependencies")
    return answer("/api/dependencies", [&] { return dependencies(service, req); });
  return {"unknown", route_not_found(kStyle, req)};
}

}  // namespace weft::api
