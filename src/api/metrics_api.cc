#include "api/metrics_api.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

#include "api/json_writer.h"
#include "query/params.h"

namespace weft::api {

using namespace weft::model;
namespace pm = pipeline::metrics;

namespace {

constexpr uint64_t kMilli = 1'000'000;
constexpr uint64_t kSecond = 1'000'000'000;
constexpr uint64_t kHour = 3600 * kSecond;
// Jaeger's defaults (cmd/query/app/default_params.go).
constexpr uint64_t kJaegerLookback = kHour;
constexpr uint64_t kJaegerStep = 5 * kSecond;
constexpr uint64_t kJaegerRatePer = 10 * 60 * kSecond;
constexpr uint64_t kNativeLookback = kHour;
constexpr uint64_t kNativeTargetPoints = 360;

// ---- shared helpers ---------------------------------------------------------------------

uint64_t floor_to(uint64_t t, uint64_t unit) { return t - t % unit; }

// The resolution the store answers [start, ...) in.
uint64_t resolution_for(const pm::MetricsStore& store, uint64_t start) {
  return start >= store.ten_second_horizon() ? pm::kTenSeconds : pm::kOneMinute;
}

// RFC 3339 in UTC as proto3 JSON writes a Timestamp: 0, 3, 6 or 9 fractional digits.
std::string rfc3339(uint64_t unix_nano) {
  const int64_t secs = static_cast<int64_t>(unix_nano / kSecond);
  const uint32_t nanos = static_cast<uint32_t>(unix_nano % kSecond);
  int64_t days = secs / 86400, rem = secs % 86400;
  // civil_from_days (H. Hinnant's algorithm).
  days += 719468;
  const int64_t era = days / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld",
                        static_cast<long long>(y), static_cast<long long>(m),
                        static_cast<long long>(d), static_cast<long long>(rem / 3600),
                        static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60));
  std::string out(buf, static_cast<size_t>(n));
  if (nanos % 1'000'000 == 0 && nanos) {
    std::snprintf(buf, sizeof buf, ".%03u", nanos / 1'000'000);
    out += buf;
  } else if (nanos % 1000 == 0 && nanos) {
    std::snprintf(buf, sizeof buf, ".%06u", nanos / 1000);
    out += buf;
  } else if (nanos) {
    std::snprintf(buf, sizeof buf, ".%09u", nanos);
    out += buf;
  }
  return out + "Z";
}

double ms(double nanos) { return nanos / 1e6; }

// ---- Jaeger SPM ---------------------------------------------------------------------------

constexpr ErrorStyle kJaegerStyle = ErrorStyle::kJaeger;

struct SpmParams {
  std::vector<std::string> services;
  bool group_by_operation = false;
  std::vector<SpanKind> span_kinds;
  uint64_t end = 0, lookback = kJaegerLookback, step = kJaegerStep, rate_per = kJaegerRatePer;
};

Status parse_error(std::string_view param, std::string_view why) {
  return invalid_argument("unable to parse param '" + std::string(param) +
                          "': " + std::string(why));
}

// Go's strconv.ParseBool.
Result<bool> parse_go_bool(std::string_view param, std::string_view v) {
  if (v == "1" || v == "t" || v == "T" || v == "TRUE" || v == "true" || v == "True") return true;
  if (v == "0" || v == "f" || v == "F" || v == "FALSE" || v == "false" || v == "False")
    return false;
  return parse_error(param,
                     "strconv.ParseBool: parsing \"" + std::string(v) + "\": invalid syntax");
}

Result<uint64_t> parse_ms(const http::Request& req, std::string_view name, uint64_t dflt) {
  auto v = req.param(name);
  if (!v || v->empty()) return dflt;
  auto r = query::parse_scaled_int(name, *v, kMilli);
  if (!r.is_ok()) return parse_error(name, "must be a non-negative integer of milliseconds");
  return *r;
}

Result<SpmParams> parse_spm(const pm::MetricsStore& store, const http::Request& req) {
  SpmParams p;
  p.services = req.params("service");
  if (p.services.empty()) return parse_error("service", "please provide at least one service name");
  if (auto v = req.param("groupByOperation"); v && !v->empty()) {
    WEFT_ASSIGN_OR_RETURN(p.group_by_operation, parse_go_bool("groupByOperation", *v));
  }
  for (const std::string& k : req.params("spanKind")) {
    static const std::map<std::string, SpanKind, std::less<>> kKinds = {
        {"unspecified", SpanKind::kUnspecified}, {"internal", SpanKind::kInternal},
        {"server", SpanKind::kServer},           {"client", SpanKind::kClient},
        {"producer", SpanKind::kProducer},       {"consumer", SpanKind::kConsumer}};
    auto it = kKinds.find(k);
    if (it == kKinds.end()) return parse_error("spanKind", "unsupported span kind: '" + k + "'");
    p.span_kinds.push_back(it->second);
  }
  if (p.span_kinds.empty()) p.span_kinds = {SpanKind::kServer};
  WEFT_ASSIGN_OR_RETURN(p.end, parse_ms(req, "endTs", store.now_unix_nano()));
  WEFT_ASSIGN_OR_RETURN(p.lookback, parse_ms(req, "lookback", kJaegerLookback));
  WEFT_ASSIGN_OR_RETURN(p.step, parse_ms(req, "step", kJaegerStep));
  WEFT_ASSIGN_OR_RETURN(p.rate_per, parse_ms(req, "ratePer", kJaegerRatePer));
  if (p.step == 0) return parse_error("step", "must be positive");
  if (p.rate_per == 0) return parse_error("ratePer", "must be positive");
  if (p.lookback / p.step > pm::MetricsStore::kMaxPoints)
    return parse_error("step", "too many points for the lookback");
  return p;
}

enum class SpmMetric { kLatencies, kCalls, kErrors };

http::Response spm_metrics(pm::MetricsStore& store, const http::Request& req, SpmMetric metric) {
  double quantile = 0;
  if (metric == SpmMetric::kLatencies) {
    auto v = req.param("quantile");
    char* endp = nullptr;
    if (v && !v->empty()) quantile = std::strtod(v->c_str(), &endp);
    if (!v || v->empty() || *endp != '\0' || !(quantile >= 0 && quantile <= 1))
      return error_response(kJaegerStyle,
                            parse_error("quantile", "must be a number between 0 and 1"));
  }
  auto p = parse_spm(store, req);
  if (!p.is_ok()) return error_response(kJaegerStyle, p.status());
  const uint64_t start = p->end > p->lookback ? p->end - p->lookback : 0;
  const uint64_t window_start = start > p->rate_per ? start - p->rate_per : 0;
  const uint64_t res = resolution_for(store, window_start);
  const uint64_t base = floor_to(window_start, res);
  const uint64_t base_end = floor_to(p->end, res) + res;
  pm::SeriesFilter filter;
  filter.services = p->services;
  filter.span_kinds = p->span_kinds;
  auto r = store.query(pm::Family::kSpans, filter,
                       p->group_by_operation ? pm::GroupBy::kOperation : pm::GroupBy::kService,
                       base, base_end, res);
  if (!r.is_ok()) return error_response(kJaegerStyle, r.status());

  const char* names[] = {"latencies", "call_rate", "error_rate"};
  std::string name = std::string(p->group_by_operation ? "service_operation_" : "service_") +
                     names[static_cast<int>(metric)];
  std::string help;
  char buf[64];
  switch (metric) {
    case SpmMetric::kLatencies:
      std::snprintf(buf, sizeof buf, "%.2fth quantile latency, grouped by service", quantile);
      help = buf;
      break;
    case SpmMetric::kCalls:
      help = "calls/sec, grouped by service";
      break;
    case SpmMetric::kErrors:
      help = "error rate, computed as a fraction of errors/sec over calls/sec, grouped by service";
      break;
  }
  if (p->group_by_operation) help += " & operation";

  JsonWriter w;
  w.begin_object().kv("name", name).kv("type", "GAUGE").kv("help", help);
  w.key("metrics").begin_array();
  const double rate_seconds = static_cast<double>(p->rate_per) / 1e9;
  for (const pm::SeriesPoints& s : r->series) {
    // Prefix sums of calls and errors over the buckets, for the sliding windows.
    const size_t n = s.points.size();
    std::vector<uint64_t> calls(n + 1, 0), errors(n + 1, 0);
    for (size_t i = 0; i < n; ++i) {
      calls[i + 1] = calls[i] + s.points[i].stats.calls;
      errors[i + 1] = errors[i] + s.points[i].stats.errors;
    }
    if (calls[n] == 0) continue;  // no data in range: no series, as Prometheus answers
    w.begin_object().key("labels").begin_array();
    w.begin_object().kv("name", "service_name").kv("value", s.key.service()).end_object();
    if (p->group_by_operation)
      w.begin_object().kv("name", "operation").kv("value", s.key.operation()).end_object();
    w.end_array().key("metricPoints").begin_array();
    const uint64_t points = (p->end - start) / p->step + 1;
    for (uint64_t k = 0; k < points; ++k) {
      const uint64_t t = start + k * p->step;
      // Buckets starting in [t - ratePer, t).
      const uint64_t from = t > p->rate_per ? t - p->rate_per : 0;
      auto index = [&](uint64_t at) {
        if (at <= base) return size_t{0};
        return std::min(n, static_cast<size_t>((at - base + res - 1) / res));
      };
      const size_t lo = index(from), hi = index(t);
      const uint64_t c = calls[hi] - calls[lo], e = errors[hi] - errors[lo];
      double value = 0;
      if (metric == SpmMetric::kCalls) {
        value = static_cast<double>(c) / rate_seconds;
      } else if (c == 0) {
        continue;  // NaN: Jaeger leaves the point out
      } else if (metric == SpmMetric::kErrors) {
        value = static_cast<double>(e) / static_cast<double>(c);
      } else {
        pm::Sketch merged;
        for (size_t i = lo; i < hi; ++i) merged.merge(s.points[i].stats.durations);
        value = ms(merged.quantile(quantile));
      }
      w.begin_object().key("gaugeValue").begin_object().key("doubleValue").dbl(value).end_object();
      w.kv("timestamp", rfc3339(t)).end_object();
    }
    w.end_array().end_object();
  }
  w.end_array().end_object();
  return http::Response::json(200, w.take());
}

http::Response spm_min_step() {
  JsonWriter w;
  w.begin_object().kv_u64("data", pm::kTenSeconds / kMilli);
  w.kv_i64("total", 0).kv_i64("limit", 0).kv_i64("offset", 0).key("errors").null();
  w.end_object();
  return http::Response::json(200, w.take());
}

// ---- native -------------------------------------------------------------------------------

constexpr ErrorStyle kNativeStyle = ErrorStyle::kNative;

// [start, end) from start/end (Unix ns or RFC 3339) and lookback (default kNativeLookback).
Status parse_native_window(const pm::MetricsStore& store, const http::Request& req, uint64_t* start,
                           uint64_t* end) {
  *end = store.now_unix_nano();
  uint64_t lookback = kNativeLookback;
  if (auto v = req.param("end"); v && !v->empty()) {
    WEFT_ASSIGN_OR_RETURN(*end, query::parse_time_nanos("end", *v));
  }
  if (auto v = req.param("lookback"); v && !v->empty()) {
    WEFT_ASSIGN_OR_RETURN(lookback, query::parse_duration("lookback", *v));
  }
  *start = *end > lookback ? *end - lookback : 0;
  if (auto v = req.param("start"); v && !v->empty()) {
    WEFT_ASSIGN_OR_RETURN(*start, query::parse_time_nanos("start", *v));
  }
  if (*start >= *end) return invalid_argument("start: must be before end");
  return Status::ok();
}

void write_quantiles_ms(JsonWriter& w, const pm::Sketch& d, std::initializer_list<double> qs) {
  for (double q : qs) {
    char key[16];
    std::snprintf(key, sizeof key, "p%gMs", q * 100);
    w.key(key).dbl(ms(d.quantile(q)));
  }
}

http::Response native_red(pm::MetricsStore& store, const http::Request& req) {
  pm::SeriesFilter filter;
  filter.services = req.params("service");
  std::erase(filter.services, std::string());
  if (auto v = req.param("operation"); v && !v->empty()) filter.operation = *v;
  for (const std::string& k : req.params("spanKind")) {
    if (k.empty()) continue;
    auto kind = query::parse_span_kind_param("spanKind", k);
    if (!kind.is_ok()) return error_response(kNativeStyle, kind.status());
    filter.span_kinds.push_back(*kind);
  }
  uint64_t start = 0, end = 0;
  if (Status s = parse_native_window(store, req, &start, &end); !s.is_ok())
    return error_response(kNativeStyle, s);
  const uint64_t res = resolution_for(store, start);
  uint64_t step = 0;
  if (auto v = req.param("step"); v && !v->empty()) {
    auto st = query::parse_duration("step", *v);
    if (!st.is_ok()) return error_response(kNativeStyle, st.status());
    step = *st;
    if (step == 0) return error_response(kNativeStyle, 400, "step: must be positive");
  } else {  // about kNativeTargetPoints points, a whole number of buckets each
    step = std::max<uint64_t>(1, ((end - start) / kNativeTargetPoints + res - 1) / res) * res;
  }
  auto r =
      store.query(pm::Family::kSpans, filter, pm::GroupBy::kOperationAndKind, start, end, step);
  if (!r.is_ok()) return error_response(kNativeStyle, r.status());
  JsonWriter w;
  w.begin_object();
  w.key("startUnixNano").u64_string(start).key("endUnixNano").u64_string(end);
  w.key("stepNanos").u64_string(step).key("resolutionNanos").u64_string(r->resolution_nanos);
  w.key("series").begin_array();
  for (const pm::SeriesPoints& s : r->series) {
    pm::Exemplars exemplars;
    uint64_t calls = 0;
    for (const pm::Point& p : s.points) {
      calls += p.stats.calls;
      exemplars.merge(p.stats.exemplars);
    }
    if (calls == 0) continue;
    w.begin_object()
        .kv("service", s.key.service())
        .kv("operation", s.key.operation())
        .kv("spanKind", span_kind_name(s.key.span_kind()));
    w.key("points").begin_array();
    for (const pm::Point& p : s.points) {
      w.begin_object().key("startUnixNano").u64_string(p.start_unix_nano);
      w.kv_u64("calls", p.stats.calls).kv_u64("errors", p.stats.errors);
      if (p.stats.calls) write_quantiles_ms(w, p.stats.durations, {0.5, 0.9, 0.95, 0.99});
      w.end_object();
    }
    w.end_array().key("exemplars").begin_array();
    for (const pm::Exemplar& e : exemplars.all()) {
      w.begin_object().kv("traceId", e.trace_id.to_hex());
      w.key("durationMs").dbl(ms(static_cast<double>(e.duration_nanos)));
      w.key("endUnixNano").u64_string(e.end_unix_nano).kv_bool("error", e.error).end_object();
    }
    w.end_array().end_object();
  }
  w.end_array().end_object();
  return http::Response::json(200, w.take());
}

http::Response native_edges(pm::MetricsStore& store, const http::Request& req) {
  uint64_t start = 0, end = 0;
  if (Status s = parse_native_window(store, req, &start, &end); !s.is_ok())
    return error_response(kNativeStyle, s);
  JsonWriter w;
  w.begin_object().key("edges").begin_array();
  for (const pm::EdgeTotals& e : store.edges(start, end)) {
    w.begin_object()
        .kv("client", e.key.client())
        .kv("server", e.key.server())
        .kv("serverKind", pipeline::peer_kind_name(e.key.server_kind()))
        .kv_bool("virtual", e.key.virtual_server())
        .kv_bool("messaging", e.key.messaging())
        .kv_u64("calls", e.calls)
        .kv_u64("errors", e.errors);
    w.key("p50Ms").dbl(ms(e.p50_nanos)).key("p95Ms").dbl(ms(e.p95_nanos));
    w.key("p99Ms").dbl(ms(e.p99_nanos)).end_object();
  }
  w.end_array().end_object();
  return http::Response::json(200, w.take());
}

http::Response native_services(pm::MetricsStore& store) {
  JsonWriter w;
  w.begin_object().key("services").begin_array();
  for (const std::string& s : store.services()) w.str(s);
  w.end_array().end_object();
  return http::Response::json(200, w.take());
}

}  // namespace

bool is_metrics_route(std::string_view path) {
  return path.starts_with("/api/metrics/") || path.starts_with("/api/v1/metrics/");
}

RouteResult route_metrics(pm::MetricsStore& store, const http::Request& req) {
  const std::string_view path = req.path;
  const bool jaeger = path.starts_with("/api/metrics/");
  const ErrorStyle style = jaeger ? kJaegerStyle : kNativeStyle;
  if (!is_get(req)) return {"unknown", method_not_allowed(style, req)};
  if (path == "/api/metrics/latencies")
    return {std::string(path), spm_metrics(store, req, SpmMetric::kLatencies)};
  if (path == "/api/metrics/calls")
    return {std::string(path), spm_metrics(store, req, SpmMetric::kCalls)};
  if (path == "/api/metrics/errors")
    return {std::string(path), spm_metrics(store, req, SpmMetric::kErrors)};
  if (path == "/api/metrics/minstep") return {std::string(path), spm_min_step()};
  if (path == "/api/v1/metrics/red") return {std::string(path), native_red(store, req)};
  if (path == "/api/v1/metrics/edges") return {std::string(path), native_edges(store, req)};
  if (path == "/api/v1/metrics/services") return {std::string(path), native_services(store)};
  return {"unknown", route_not_found(style, req)};
}

}  // namespace weft::api
