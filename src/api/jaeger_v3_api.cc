#include "api/jaeger_v3_api.h"

#include "api/analysis_api.h"
#include "api/json_writer.h"
#include "query/params.h"
#include "query/trace_digest.h"
#include "wire/otlp_json.h"

namespace weft::api {

using namespace weft::model;

namespace {

using query::QueryService;
constexpr ErrorStyle kStyle = ErrorStyle::kJaegerV3;
constexpr size_t kDefaultSearchDepth = 20;

// A parameter by its canonical camelCase name, else its deprecated snake_case alias (the
// gateway accepts both); returns the name actually used, for error messages.
struct Param {
  std::optional<std::string> value;
  std::string name;
};
Param param(const http::Request& req, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (auto v = req.param(n); v && !v->empty()) return {v, n};
  return {std::nullopt, *names.begin()};
}

Status malformed(const Status& s, const std::string& name) {
  // The gateway's wording: "malformed parameter <name>: <why>".
  std::string why = s.message();
  if (why.starts_with(name + ": ")) why = why.substr(name.size() + 2);
  return invalid_argument("malformed parameter " + name + ": " + why);
}

Result<TraceQuery> parse_find_traces(const http::Request& req) {
  TraceQuery q;
  q.service = param(req, {"query.serviceName", "query.service_name"}).value.value_or("");
  q.operation = param(req, {"query.operationName", "query.operation_name"}).value.value_or("");
  Param tmin = param(req, {"query.startTimeMin", "query.start_time_min"});
  Param tmax = param(req, {"query.startTimeMax", "query.start_time_max"});
  if (!tmin.value || !tmax.value)
    return invalid_argument("query.startTimeMin and query.startTimeMax are required");
  auto start = query::parse_rfc3339(tmin.name, *tmin.value);
  if (!start.is_ok()) return malformed(start.status(), tmin.name);
  auto end = query::parse_rfc3339(tmax.name, *tmax.value);
  if (!end.is_ok()) return malformed(end.status(), tmax.name);
  q.start_unix_nano = *start;
  q.end_unix_nano = *end;

  q.limit = kDefaultSearchDepth;
  if (Param p = param(req, {"query.searchDepth", "query.search_depth", "query.num_traces"});
      p.value) {
    auto n = query::parse_uint(p.name, *p.value);
    if (!n.is_ok()) return malformed(n.status(), p.name);
    if (*n > 0) q.limit = *n;
  }
  if (Param p = param(req, {"query.durationMin", "query.duration_min"}); p.value) {
    auto d = query::parse_duration(p.name, *p.value);
    if (!d.is_ok()) return malformed(d.status(), p.name);
    q.min_duration_nanos = *d;
  }
  if (Param p = param(req, {"query.durationMax", "query.duration_max"}); p.value) {
    auto d = query::parse_duration(p.name, *p.value);
    if (!d.is_ok()) return malformed(d.status(), p.name);
    q.max_duration_nanos = *d;
  }
  if (Param p = param(req, {"query.attributes"}); p.value) {
    auto tags = query::parse_tag_json(p.name, *p.value);
    if (!tags.is_ok()) return malformed(tags.status(), p.name);
    q.tags = std::move(*tags);
  }
  return q;
}

http::Response otlp_result(const std::vector<Span>& spans) {
  JsonWriter w;
  w.begin_object().key("result").raw(wire::encode_otlp_json(spans)).end_object();
  return http::Response::json(200, w.take());
}

http::Response get_trace(QueryService& service, std::string_view id_text,
                         const http::Request& req) {
  auto id = query::parse_trace_id("trace_id", id_text);
  if (!id.is_ok()) return error_response(kStyle, malformed(id.status(), "trace_id"));
  // startTime/endTime are accepted and checked but not needed: trace-by-ID needs no time
  // range here. rawTraces=true skips the clock-skew adjuster, as in Jaeger.
  bool raw = false;
  if (Param p = param(req, {"rawTraces", "raw_traces"}); p.value) raw = *p.value == "true";
  for (auto names : {std::pair{"startTime", "start_time"}, std::pair{"endTime", "end_time"}}) {
    Param p = param(req, {names.first, names.second});
    if (!p.value) continue;
    auto t = query::parse_rfc3339(p.name, *p.value);
    if (!t.is_ok()) return error_response(kStyle, malformed(t.status(), p.name));
  }
  auto trace = service.get_trace(*id);
  if (!trace.is_ok()) return error_response(kStyle, trace.status());
  if (!*trace) return error_response(kStyle, 404, "No traces found");
  if (!raw) adjust_clock_skew_for_display(**trace);
  return otlp_result((*trace)->spans);
}

http::Response find_traces(QueryService& service, const http::Request& req) {
  auto q = parse_find_traces(req);
  if (!q.is_ok()) return error_response(kStyle, q.status());
  auto found = service.search_traces(*q);
  if (!found.is_ok()) return error_response(kStyle, found.status());
  if (found->traces.empty()) return error_response(kStyle, 404, "No traces found");
  std::vector<Span> spans;
  for (Trace& t : found->traces) {
    adjust_clock_skew_for_display(t);
    for (Span& s : t.spans) spans.push_back(std::move(s));
  }
  return otlp_result(spans);
}

http::Response find_trace_summaries(QueryService& service, const http::Request& req) {
  auto q = parse_find_traces(req);
  if (!q.is_ok()) return error_response(kStyle, q.status());
  auto found = service.search_traces(*q);
  if (!found.is_ok()) return error_response(kStyle, found.status());
  JsonWriter w;
  w.begin_object().key("summaries").begin_array();
  for (const Trace& t : found->traces) {
    query::TraceDigest d = query::digest_trace(t);
    w.begin_object()
        .kv("traceId", t.trace_id.to_hex())
        .kv("rootServiceName", d.summary.root_service)
        .kv("rootOperationName", d.summary.root_name)
        .key("minStartTimeUnixNano")
        .u64_string(d.summary.start_unix_nano)
        .key("maxEndTimeUnixNano")
        .u64_string(d.summary.end_unix_nano)
        .kv_u64("spanCount", d.summary.span_count)
        .kv_u64("errorSpanCount", d.summary.error_count)
        .kv_u64("orphanSpanCount", d.orphan_span_count)
        .key("services")
        .begin_array();
    for (const query::ServiceDigest& s : d.services)
      w.begin_object()
          .kv("name", s.name)
          .kv_u64("spanCount", s.span_count)
          .kv_u64("errorSpanCount", s.error_count)
          .end_object();
    w.end_array().end_object();
  }
  w.end_array().end_object();
  return http::Response::json(200, w.take());
}

http::Response services(QueryService& service) {
  auto names = service.services();
  if (!names.is_ok()) return error_response(kStyle, names.status());
  JsonWriter w;
  w.begin_object().key("services").begin_array();
  for (const std::string& n : *names) w.str(n);
  w.end_array().end_object();
  return http::Response::json(200, w.take());
}

http::Response operations(QueryService& service, const http::Request& req) {
  std::optional<SpanKind> kind;
  if (Param p = param(req, {"spanKind", "span_kind"}); p.value) {
    auto k = query::parse_span_kind_param(p.name, *p.value);
    if (!k.is_ok()) return error_response(kStyle, malformed(k.status(), p.name));
    kind = *k;
  }
  auto ops = service.operations(req.param("service").value_or(""), kind);
  if (!ops.is_ok()) return error_response(kStyle, ops.status());
  JsonWriter w;
  w.begin_object().key("operations").begin_array();
  for (const OperationInfo& op : *ops) {
    // The gateway reports an unknown kind as "internal".
    SpanKind k = op.kind == SpanKind::kUnspecified ? SpanKind::kInternal : op.kind;
    w.begin_object().kv("name", op.name).kv("spanKind", span_kind_name(k)).end_object();
  }
  w.end_array().end_object();
  return http::Response::json(200, w.take());
}

http::Response dependencies(QueryService& service, const http::Request& req) {
  Param ps = param(req, {"startTime", "start_time"});
  Param pe = param(req, {"endTime", "end_time"});
  if (!ps.value) return error_response(kStyle, 400, "missing required parameter: startTime");
  if (!pe.value) return error_response(kStyle, 400, "missing required parameter: endTime");
  auto start = query::parse_rfc3339(ps.name, *ps.value);
  if (!start.is_ok()) return error_response(kStyle, malformed(start.status(), ps.name));
  auto end = query::parse_rfc3339(pe.name, *pe.value);
  if (!end.is_ok()) return error_response(kStyle, malformed(end.status(), pe.name));
  if (*end <= *start) return error_response(kStyle, 400, "endTime must be after startTime");
  auto links = service.dependencies(*start, *end);
  if (!links.is_ok()) return error_response(kStyle, links.status());
  JsonWriter w;
  w.begin_object().key("dependencies").begin_array();
  for (const DependencyLink& l : *links)
    w.begin_object()
        .kv("parent", l.parent)
        .kv("child", l.child)
        .key("callCount")
        .u64_string(l.call_count)
        .end_object();
  w.end_array().end_object();
  return http::Response::json(200, w.take());
}

}  // namespace

RouteResult route_jaeger_v3(QueryService& service, const http::Request& req) {
  std::string_view path = req.path;
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  auto answer = [&](const char* route, auto&& fn) -> RouteResult {
    if (!is_get(req)) return {route, method_not_allowed(kStyle, req)};
    return {route, fn()};
  };
  if (auto id = match_segment(path, "/api/v3/traces/"))
    return answer("/api/v3/traces/{trace_id}", [&] { return get_trace(service, *id, req); });
  if (path == "/api/v3/traces")
    return answer("/api/v3/traces", [&] { return find_traces(service, req); });
  if (path == "/api/v3/trace-summaries")
    return answer("/api/v3/trace-summaries", [&] { return find_trace_summaries(service, req); });
  if (path == "/api/v3/services")
    return answer("/api/v3/services", [&] { return services(service); });
  if (path == "/api/v3/operations")
    return answer("/api/v3/operations", [&] { return operations(service, req); });
  if (path == "/api/v3/dependencies")
    return answer("/api/v3/dependencies", [&] { return dependencies(service, req); });
  return {"unknown", route_not_found(kStyle, req)};
}

}  // namespace weft::api
