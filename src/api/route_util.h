#pragma once
// Pieces every API handler shares: path matching, HTTP status from a Status, the error body
// each API family uses, and the per-route latency histogram.
#include <optional>
#include <string>
#include <string_view>

#include "common/http_message.h"
#include "common/status.h"

namespace weft::api {

// How an API family writes errors:
//  kJaeger:   {"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":400,"msg":"..."}]}
//  kJaegerV3: {"error":{"http_code":400,"message":"..."}}  (Jaeger's grpc-gateway error)
//  kNative:   {"error":{"code":400,"message":"..."}}       (native and Zipkin APIs)
enum class ErrorStyle { kJaeger, kJaegerV3, kNative };

http::Response error_response(ErrorStyle style, int http_status, std::string_view message);
// 400 for INVALID_ARGUMENT, 404 NOT_FOUND, 429 RESOURCE_EXHAUSTED, 503 UNAVAILABLE, else 500.
int http_status_of(const Status& status);
http::Response error_response(ErrorStyle style, const Status& status);

// 405 with an Allow header, in the family's error style.
http::Response method_not_allowed(ErrorStyle style, const http::Request& req);
// 404 naming the path.
http::Response route_not_found(ErrorStyle style, const http::Request& req);

// GET (and HEAD, answered like GET) are the only methods the query APIs serve.
inline bool is_get(const http::Request& req) { return req.method == "GET" || req.method == "HEAD"; }

// If `path` is `prefix` + X + `suffix` with X non-empty, returns X. Without a suffix X may
// not contain '/'; with one it may (a percent-decoded service name).
std::optional<std::string_view> match_segment(std::string_view path, std::string_view prefix,
                                              std::string_view suffix = {});

// A route's answer and the label its latency is recorded under ("/api/traces/{id}";
// "unknown" for unmatched paths).
struct RouteResult {
  std::string route;
  http::Response response;
};

// Records the seconds one request took in weft_query_duration_seconds{api,route}.
void observe_query_latency(std::string_view api, std::string_view route, double seconds);

// Runs `fn` (returning RouteResult), times it, records the latency and answers through
// `respond`. Shared by the handler factories.
template <typename Fn>
void run_timed(std::string_view api, const http::Responder& respond, Fn&& fn);

}  // namespace weft::api

#include <chrono>

namespace weft::api {
template <typename Fn>
void run_timed(std::string_view api, const http::Responder& respond, Fn&& fn) {
  auto t0 = std::chrono::steady_clock::now();
  RouteResult r = fn();
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
  observe_query_latency(api, r.route, took.count());
  respond(std::move(r.response));
}
}  // namespace weft::api
