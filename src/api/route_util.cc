#include "api/route_util.h"

#include "api/json_writer.h"
#include "common/metrics.h"

namespace weft::api {

http::Response error_response(ErrorStyle style, int http_status, std::string_view message) {
  JsonWriter w;
  switch (style) {
    case ErrorStyle::kJaeger:
      w.begin_object()
          .key("data")
          .null()
          .kv_i64("total", 0)
          .kv_i64("limit", 0)
          .kv_i64("offset", 0)
          .key("errors")
          .begin_array()
          .begin_object()
          .kv_i64("code", http_status)
          .kv("msg", message)
          .end_object()
          .end_array()
          .end_object();
      break;
    case ErrorStyle::kJaegerV3:
      w.begin_object()
          .key("error")
          .begin_object()
          .kv_i64("http_code", http_status)
          .kv("message", message)
          .end_object()
          .end_object();
      break;
    case ErrorStyle::kNative:
      w.begin_object()
          .key("error")
          .begin_object()
          .kv_i64("code", http_status)
          .kv("message", message)
          .end_object()
          .end_object();
      break;
  }
  return http::Response::json(http_status, w.take());
}

int http_status_of(const Status& status) {
  switch (status.code()) {
    case ResultCode::kOk:
      return 200;
    case ResultCode::kInvalidArgument:
      return 400;
    case ResultCode::kNotFound:
      return 404;
    case ResultCode::kResourceExhausted:
      return 429;
    case ResultCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

http::Response error_response(ErrorStyle style, const Status& status) {
  return error_response(style, http_status_of(status), status.message());
}

http::Response method_not_allowed(ErrorStyle style, const http::Request& req) {
  http::Response r =
      error_response(style, 405, "method " + req.method + " not allowed on " + req.path);
  r.headers.emplace_back("Allow", "GET, HEAD");
  return r;
}

http::Response route_not_found(ErrorStyle style, const http::Request& req) {
  return error_response(style, 404, "no route for " + req.path);
}

std::optional<std::string_view> match_segment(std::string_view path, std::string_view prefix,
                                              std::string_view suffix) {
  if (path.size() <= prefix.size() + suffix.size()) return std::nullopt;
  if (path.substr(0, prefix.size()) != prefix) return std::nullopt;
  if (path.substr(path.size() - suffix.size()) != suffix) return std::nullopt;
  std::string_view mid = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
  // A segment followed by a suffix may hold '/' (a service name decoded from %2F).
  if (mid.empty() || (suffix.empty() && mid.find('/') != std::string_view::npos))
    return std::nullopt;
  return mid;
}

void observe_query_latency(std::string_view api, std::string_view route, double seconds) {
  static auto& family = MetricsRegistry::global().histogram(
      "weft_query_duration_seconds", "Time to answer one query API request, by API and route.",
      {"api", "route"});
  family.with({std::string(api), std::string(route)}).observe(seconds);
}

}  // namespace weft::api
