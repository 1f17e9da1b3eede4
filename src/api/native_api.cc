#include "api/native_api.h"

#include <limits>
#include <thread>

#include "api/analysis_api.h"
#include "api/compact_json.h"
#include "api/json_writer.h"
#include "api/native_json.h"
#include "api/native_params.h"
#include "query/params.h"

namespace weft::api {

using namespace weft::model;

namespace {

using query::QueryService;
constexpr ErrorStyle kStyle = ErrorStyle::kNative;
constexpr size_t kDefaultLimit = 20;
constexpr size_t kDefaultValuesLimit = 100;
constexpr uint64_t kDefaultDependencyLookback = 24ULL * 3600 * 1'000'000'000;

Result<TraceQuery> parse_search(const QueryService& service, const http::Request& req) {
  TraceQuery q;
  q.service = req.param("service").value_or("");
  q.operation = req.param("operation").value_or("");
  if (auto v = req.param("spanKind"); v && !v->empty()) {
    WEFT_ASSIGN_OR_RETURN(q.span_kind, query::parse_span_kind_param("spanKind", *v));
  }
  for (const std::string& t : req.params("tag")) {
    WEFT_ASSIGN_OR_RETURN(TagCondition c, query::parse_key_equals_value("tag", t));
    q.tags.push_back(std::move(c));
  }
  WEFT_RETURN_IF_ERROR(parse_window(service, req, 0, &q.start_unix_nano, &q.end_unix_nano));
  if (auto v = req.param("minDuration"); v && !v->empty()) {
    WEFT_ASSIGN_OR_RETURN(q.min_duration_nanos, query::parse_duration("minDuration", *v));
  }
  if (auto v = req.param("maxDuration"); v && !v->empty()) {
    WEFT_ASSIGN_OR_RETURN(q.max_duration_nanos, query::parse_duration("maxDuration", *v));
  }
  if (q.min_duration_nanos && q.max_duration_nanos && *q.max_duration_nanos < *q.min_duration_nanos)
    return invalid_argument("maxDuration: must not be less than minDuration");
  if (auto v = req.param("durationOf"); v && !v->empty()) {
    if (*v == "span") {
      q.duration_of_span = true;
    } else if (*v != "trace") {
      return invalid_argument("durationOf: must be \"trace\" or \"span\", got \"" + *v + "\"");
    }
  }
  if (auto v = req.param("order"); v && !v->empty()) {
    if (*v == "longest") {
      q.order = TraceOrder::kLongestFirst;
    } else if (*v != "newest") {
      return invalid_argument("order: must be \"newest\" or \"longest\", got \"" + *v + "\"");
    }
  }
  WEFT_ASSIGN_OR_RETURN(q.limit, parse_limit(req, kDefaultLimit, kMaxSearchLimit));
  return q;
}

http::Response string_list(std::string_view key, const std::vector<std::string>& items) {
  JsonWriter w;
  w.begin_object().key(key).begin_array();
  for (const std::string& s : items) w.str(s);
  w.end_array().end_object();
  return http::Response::json(200, w.take());
}

// A page (offset, limit) or sub-tree (root, depth) of the trace, when asked for.
Result<std::optional<query::TracePart>> select_part(Trace&& trace, const http::Request& req) {
  auto param = [&](const char* name) -> std::optional<std::string> {
    auto v = req.param(name);
    return v && !v->empty() ? std::optional<std::string>(std::string(*v)) : std::nullopt;
  };
  auto offset = param("offset"), limit = param("limit"), root = param("root"),
       depth = param("depth");
  if (root) {
    if (offset || limit) return invalid_argument("root: cannot be combined with offset/limit");
    auto id = SpanId::from_hex(*root);
    if (!id)
      return invalid_argument("root: must be 16 hex digits (a span ID), got \"" + *root + "\"");
    uint32_t levels = UINT32_MAX;
    if (depth) {
      WEFT_ASSIGN_OR_RETURN(uint64_t d, query::parse_uint("depth", *depth));
      levels = static_cast<uint32_t>(std::min<uint64_t>(d, UINT32_MAX));
    }
    WEFT_ASSIGN_OR_RETURN(query::TracePart part,
                          query::trace_subtree(std::move(trace), *id, levels));
    return std::optional<query::TracePart>(std::move(part));
  }
  if (depth) return invalid_argument("depth: needs root");
  if (!offset && !limit) return std::optional<query::TracePart>();
  uint64_t from = 0, count = UINT64_MAX;
  if (offset) {
    WEFT_ASSIGN_OR_RETURN(from, query::parse_uint("offset", *offset));
  }
  if (limit) {
    WEFT_ASSIGN_OR_RETURN(count, query::parse_uint("limit", *limit));
    if (count == 0) return invalid_argument("limit: must be at least 1");
  }
  return std::optional<query::TracePart>(query::trace_page(std::move(trace), from, count));
}

// `format`: native (the default) or compact (docs/api.md, "Compact form").
Result<bool> parse_compact(const http::Request& req) {
  auto v = req.param("format");
  if (!v || v->empty() || *v == "native") return false;
  if (*v == "compact") return true;
  return invalid_argument("format: must be native or compact");
}

http::Response get_trace(QueryService& service, std::string_view id_text,
                         const http::Request& req) {
  auto id = query::parse_trace_id("traceId", id_text);
  if (!id.is_ok()) return error_response(kStyle, id.status());
  auto compact = parse_compact(req);
  if (!compact.is_ok()) return error_response(kStyle, compact.status());
  auto adjust = parse_adjust(req);
  if (!adjust.is_ok()) return error_response(kStyle, adjust.status());
  auto trace = service.get_trace(*id);
  if (!trace.is_ok()) return error_response(kStyle, trace.status());
  if (!*trace) return error_response(kStyle, 404, "trace " + id->to_hex() + " not found");
  if (*adjust) adjust_clock_skew_for_display(**trace);
  auto part = select_part(std::move(**trace), req);
  if (!part.is_ok()) {
    int code = part.status().code() == ResultCode::kNotFound ? 404 : 400;
    return error_response(kStyle, code, part.status().message());
  }
  if (*compact) {
    auto body = *part ? compact_trace_part_json(**part) : compact_trace_json(**trace);
    // The only failure: times a JSON number cannot carry exactly.
    if (!body.is_ok()) return error_response(kStyle, 422, body.status().message());
    return http::Response::json(200, std::move(*body));
  }
  JsonWriter w;
  if (*part)
    write_native_trace_part(w, **part);
  else
    write_native_trace(w, **trace);
  return http::Response::json(200, w.take());
}

http::Response search(QueryService& service, const http::Request& req) {
  auto q = parse_search(service, req);
  if (!q.is_ok()) return error_response(kStyle, q.status());
  auto found = service.search(*q);
  if (!found.is_ok()) return error_response(kStyle, found.status());
  JsonWriter w;
  w.begin_object().key("traces").begin_array();
  for (const TraceSummary& s : *found) write_native_summary(w, s);
  w.end_array().end_object();
  return http::Response::json(200, w.take());
}

http::Response operations(QueryService& service, std::string_view name, const http::Request& req) {
  std::optional<SpanKind> kind;
  if (auto v = req.param("spanKind"); v && !v->empty()) {
    auto k = query::parse_span_kind_param("spanKind", *v);
    if (!k.is_ok()) return error_response(kStyle, k.status());
    kind = *k;
  }
  auto ops = service.operations(std::string(name), kind);
  if (!ops.is_ok()) return error_response(kStyle, ops.status());
  JsonWriter w;
  w.begin_object().key("operations").begin_array();
  for (const OperationInfo& op : *ops)
    w.begin_object().kv("name", op.name).kv("spanKind", span_kind_name(op.kind)).end_object();
  w.end_array().end_object();
  return http::Response::json(200, w.take());
}

http::Response dependencies(QueryService& service, const http::Request& req) {
  uint64_t start, end;
  if (Status s = parse_window(service, req, kDefaultDependencyLookback, &start, &end); !s)
    return error_response(kStyle, s);
  auto links = service.dependencies(start, end);
  if (!links.is_ok()) return error_response(kStyle, links.status());
  JsonWriter w;
  w.begin_object().key("dependencies").begin_array();
  for (const DependencyLink& l : *links)
    w.begin_object()
        .kv("parent", l.parent)
        .kv("child", l.child)
        .kv_u64("callCount", l.call_count)
        .kv_u64("errorCount", l.error_count)
        .kv("childKind", l.child_kind)
        .kv_bool("virtual", l.virtual_child)
        .end_object();
  w.end_array().end_object();
  return http::Response::json(200, w.take());
}

http::Response attribute_values(QueryService& service, std::string_view key,
                                const http::Request& req) {
  auto limit = parse_limit(req, kDefaultValuesLimit, kMaxSearchLimit);
  if (!limit.is_ok()) return error_response(kStyle, limit.status());
  auto values = service.attribute_values(std::string(key), *limit);
  if (!values.is_ok()) return error_response(kStyle, values.status());
  return string_list("values", *values);
}

}  // namespace

bool route_native_admin(QueryService& service, const http::Request& req,
                        const http::Responder& respond) {
  std::string_view path = req.path;
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const bool flush = path == "/api/v1/admin/flush";
  if (!flush && path != "/api/v1/admin/compact") return false;
  if (req.method != "POST") {
    respond(error_response(kStyle, 405, "use POST for " + std::string(path)));
    return true;
  }
  std::thread([&service, respond, flush] {
    auto t0 = std::chrono::steady_clock::now();
    Status s = flush ? service.flush() : service.compact();
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
    observe_query_latency("native", flush ? "/api/v1/admin/flush" : "/api/v1/admin/compact",
                          took.count());
    if (!s.is_ok()) return respond(error_response(kStyle, s));
    StoreStats st = service.store_stats();
    JsonWriter w;
    w.begin_object()
        .kv_u64("blocks", st.blocks)
        .kv_u64("blockBytes", st.block_bytes)
        .kv_u64("blockSpans", st.block_spans)
        .kv_u64("headSpans", st.spans - st.block_spans)
        .kv_u64("walBytes", st.wal_bytes)
        .end_object();
    respond(http::Response::json(200, w.take()));
  }).detach();
  return true;
}

RouteResult route_native(QueryService& service, const http::Request& req) {
  std::string_view path = req.path;
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  auto answer = [&](const char* route, auto&& fn) -> RouteResult {
    if (!is_get(req)) return {route, method_not_allowed(kStyle, req)};
    return {route, fn()};
  };
  if (auto analysis = route_analysis(service, req)) return std::move(*analysis);
  if (auto id = match_segment(path, "/api/v1/traces/"))
    return answer("/api/v1/traces/{id}", [&] { return get_trace(service, *id, req); });
  if (path == "/api/v1/search")
    return answer("/api/v1/search", [&] { return search(service, req); });
  if (path == "/api/v1/services") {
    return answer("/api/v1/services", [&] {
      auto names = service.services();
      return names.is_ok() ? string_list("services", *names)
                           : error_response(kStyle, names.status());
    });
  }
  if (auto name = match_segment(path, "/api/v1/services/", "/operations"))
    return answer("/api/v1/services/{service}/operations",
                  [&] { return operations(service, *name, req); });
  if (path == "/api/v1/dependencies")
    return answer("/api/v1/dependencies", [&] { return dependencies(service, req); });
  if (path == "/api/v1/attributes") {
    return answer("/api/v1/attributes", [&] {
      auto keys = service.attribute_keys();
      return keys.is_ok() ? string_list("keys", *keys) : error_response(kStyle, keys.status());
    });
  }
  if (auto key = match_segment(path, "/api/v1/attributes/", "/values"))
    return answer("/api/v1/attributes/{key}/values",
                  [&] { return attribute_values(service, *key, req); });
  return {"unknown", route_not_found(kStyle, req)};
}

}  // namespace weft::api
