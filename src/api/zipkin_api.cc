#include "api/zipkin_api.h"

#include <set>

#include "api/analysis_api.h"
#include "api/json_writer.h"
#include "api/route_util.h"
#include "query/params.h"
#include "wire/zipkin_json.h"

namespace weft::api {

using namespace weft::model;

namespace {

using query::QueryService;
constexpr ErrorStyle kStyle = ErrorStyle::kNative;
constexpr uint64_t kMilli = 1'000'000;
constexpr uint64_t kMicro = 1'000;
// Zipkin's defaults: QUERY_LOOKBACK of one day, limit 10.
constexpr uint64_t kDefaultLookback = 86'400'000ULL * kMilli;
constexpr size_t kDefaultLimit = 10;
constexpr size_t kAutocompleteValuesLimit = 1000;

http::Response string_array(const std::vector<std::string>& items) {
  JsonWriter w;
  w.begin_array();
  for (const std::string& s : items) w.str(s);
  w.end_array();
  return http::Response::json(200, w.take());
}

void write_trace(JsonWriter& w, const Trace& t) {
  w.begin_array();
  for (const Span& s : t.spans) {
    w.before_value();
    wire::append_zipkin_json_span(w.out(), s);
  }
  w.end_array();
}

Result<std::string> required(const http::Request& req, const char* name) {
  auto v = req.param(name);
  if (!v || v->empty()) return invalid_argument(std::string(name) + ": parameter is required");
  return *v;
}

// [endTs - lookback, endTs] from Zipkin's millisecond parameters.
Status parse_window(const QueryService& service, const http::Request& req, bool end_required,
                    uint64_t* start, uint64_t* end) {
  *end = service.now_unix_nanos();
  if (auto v = req.param("endTs"); v && !v->empty()) {
    WEFT_ASSIGN_OR_RETURN(*end, query::parse_scaled_int("endTs", *v, kMilli));
  } else if (end_required) {
    return invalid_argument("endTs: parameter is required");
  }
  uint64_t lookback = kDefaultLookback;
  if (auto v = req.param("lookback"); v && !v->empty()) {
    WEFT_ASSIGN_OR_RETURN(lookback, query::parse_scaled_int("lookback", *v, kMilli));
  }
  *start = *end > lookback ? *end - lookback : 0;
  return Status::ok();
}

// Zipkin's /api/v2/traces parameters as a TraceQuery plus the second-pass filter. Zipkin's
// minDuration/maxDuration (µs) bound the duration of the span matching serviceName/spanName.
Result<std::pair<TraceQuery, query::SearchFilter>> parse_search(QueryService& service,
                                                                const http::Request& req) {
  TraceQuery q;
  query::SearchFilter filter;
  if (auto v = req.param("serviceName"); v && !v->empty()) {
    WEFT_ASSIGN_OR_RETURN(q.service, service.resolve_service(*v));
  }
  if (auto v = req.param("spanName"); v && !v->empty() && *v != "all") {
    if (q.service.empty()) {
      q.operation = *v;
    } else {
      WEFT_ASSIGN_OR_RETURN(q.operation, service.resolve_operation(q.service, *v));
    }
  }
  if (auto v = req.param("remoteServiceName"); v && !v->empty())
    q.tags.push_back({"peer.service", *v});
  if (auto v = req.param("annotationQuery"); v && !v->empty()) {
    WEFT_ASSIGN_OR_RETURN(query::AnnotationQuery aq,
                          query::parse_annotation_query("annotationQuery", *v));
    for (auto& t : aq.tags) q.tags.push_back(std::move(t));
    filter.keys = std::move(aq.keys);
  }
  if (auto v = req.param("minDuration"); v && !v->empty()) {
    WEFT_ASSIGN_OR_RETURN(q.min_duration_nanos, query::parse_scaled_int("minDuration", *v, kMicro));
  }
  if (auto v = req.param("maxDuration"); v && !v->empty()) {
    WEFT_ASSIGN_OR_RETURN(q.max_duration_nanos, query::parse_scaled_int("maxDuration", *v, kMicro));
  }
  q.duration_of_span = true;
  WEFT_RETURN_IF_ERROR(parse_window(service, req, false, &q.start_unix_nano, &q.end_unix_nano));
  q.limit = kDefaultLimit;
  if (auto v = req.param("limit"); v && !v->empty()) {
    WEFT_ASSIGN_OR_RETURN(uint64_t n, query::parse_uint("limit", *v));
    if (n > 0) q.limit = n;
  }
  return std::pair{std::move(q), std::move(filter)};
}

http::Response traces(QueryService& service, const http::Request& req) {
  auto parsed = parse_search(service, req);
  if (!parsed.is_ok()) return error_response(kStyle, parsed.status());
  auto found = service.search_traces(parsed->first, parsed->second);
  if (!found.is_ok()) return error_response(kStyle, found.status());
  JsonWriter w;
  w.begin_array();
  for (Trace& t : found->traces) {
    adjust_clock_skew_for_display(t);  // as Zipkin's UI does
    write_trace(w, t);
  }
  w.end_array();
  return http::Response::json(200, w.take());
}

http::Response trace(QueryService& service, std::string_view id_text) {
  auto id = query::parse_trace_id("traceId", id_text);
  if (!id.is_ok()) return error_response(kStyle, id.status());
  auto t = service.get_trace(*id);
  if (!t.is_ok()) return error_response(kStyle, t.status());
  if (!*t) return error_response(kStyle, 404, "trace " + id->to_hex() + " not found");
  adjust_clock_skew_for_display(**t);
  JsonWriter w;
  write_trace(w, **t);
  return http::Response::json(200, w.take());
}

http::Response trace_many(QueryService& service, const http::Request& req) {
  auto list = required(req, "traceIds");
  if (!list.is_ok()) return error_response(kStyle, list.status());
  std::vector<TraceId> ids;
  std::string_view rest = *list;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view one = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (one.empty()) continue;
    auto id = query::parse_trace_id("traceIds", one);
    if (!id.is_ok()) return error_response(kStyle, id.status());
    ids.push_back(*id);
  }
  if (ids.empty()) return error_response(kStyle, 400, "traceIds: parameter is required");
  auto found = service.get_traces(ids);
  if (!found.is_ok()) return error_response(kStyle, found.status());
  JsonWriter w;
  w.begin_array();
  for (Trace& t : *found) {
    adjust_clock_skew_for_display(t);
    write_trace(w, t);
  }
  w.end_array();
  return http::Response::json(200, w.take());
}

http::Response span_names(QueryService& service, const http::Request& req) {
  auto name = required(req, "serviceName");
  if (!name.is_ok()) return error_response(kStyle, name.status());
  auto resolved = service.resolve_service(*name);
  if (!resolved.is_ok()) return error_response(kStyle, resolved.status());
  auto ops = service.operations(*resolved);
  if (!ops.is_ok()) return error_response(kStyle, ops.status());
  std::set<std::string> names;
  for (const OperationInfo& op : *ops) names.insert(op.name);
  return string_array({names.begin(), names.end()});
}

http::Response remote_services(QueryService& service, const http::Request& req) {
  auto name = required(req, "serviceName");
  if (!name.is_ok()) return error_response(kStyle, name.status());
  auto resolved = service.resolve_service(*name);
  if (!resolved.is_ok()) return error_response(kStyle, resolved.status());
  uint64_t start, end;
  if (Status s = parse_window(service, req, false, &start, &end); !s)
    return error_response(kStyle, s);
  auto names = service.remote_services(*resolved, start, end);
  if (!names.is_ok()) return error_response(kStyle, names.status());
  return string_array(*names);
}

http::Response dependencies(QueryService& service, const http::Request& req) {
  uint64_t start, end;
  if (Status s = parse_window(service, req, true, &start, &end); !s)
    return error_response(kStyle, s);
  auto links = service.dependencies(start, end);
  if (!links.is_ok()) return error_response(kStyle, links.status());
  JsonWriter w;
  w.begin_array();
  for (const DependencyLink& l : *links)
    w.begin_object()
        .kv("parent", l.parent)
        .kv("child", l.child)
        .kv_u64("callCount", l.call_count)
        .kv_u64("errorCount", l.error_count)
        .end_object();
  w.end_array();
  return http::Response::json(200, w.take());
}

RouteResult route_zipkin(QueryService& service, const http::Request& req) {
  std::string_view path = req.path;
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  auto answer = [&](const char* route, auto&& fn) -> RouteResult {
    if (!is_get(req)) return {route, method_not_allowed(kStyle, req)};
    return {route, fn()};
  };
  if (path == "/api/v2/services") {
    return answer("/api/v2/services", [&] {
      auto names = service.services();
      return names.is_ok() ? string_array(*names) : error_response(kStyle, names.status());
    });
  }
  if (path == "/api/v2/spans")
    return answer("/api/v2/spans", [&] { return span_names(service, req); });
  if (path == "/api/v2/remoteServices")
    return answer("/api/v2/remoteServices", [&] { return remote_services(service, req); });
  if (path == "/api/v2/traces")
    return answer("/api/v2/traces", [&] { return traces(service, req); });
  if (auto id = match_segment(path, "/api/v2/trace/"))
    return answer("/api/v2/trace/{traceId}", [&] { return trace(service, *id); });
  if (path == "/api/v2/traceMany")
    return answer("/api/v2/traceMany", [&] { return trace_many(service, req); });
  if (path == "/api/v2/dependencies")
    return answer("/api/v2/dependencies", [&] { return dependencies(service, req); });
  if (path == "/api/v2/autocompleteKeys") {
    return answer("/api/v2/autocompleteKeys", [&] {
      auto keys = service.attribute_keys();
      return keys.is_ok() ? string_array(*keys) : error_response(kStyle, keys.status());
    });
  }
  if (path == "/api/v2/autocompleteValues") {
    return answer("/api/v2/autocompleteValues", [&] {
      auto key = required(req, "key");
      if (!key.is_ok()) return error_response(kStyle, key.status());
      auto values = service.attribute_values(*key, kAutocompleteValuesLimit);
      return values.is_ok() ? string_array(*values) : error_response(kStyle, values.status());
    });
  }
  return {"unknown", route_not_found(kStyle, req)};
}

}  // namespace

http::Handler make_zipkin_query_handler(QueryService& service) {
  return [&service](http::Request&& req, http::Responder respond) {
    run_timed("zipkin", respond, [&] { return route_zipkin(service, req); });
  };
}

}  // namespace weft::api
