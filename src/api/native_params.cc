#include "api/native_params.h"

#include <limits>
#include <optional>
#include <string>

#include "query/params.h"

namespace weft::api {

Result<size_t> parse_limit(const http::Request& req, size_t dflt, size_t max) {
  auto v = req.param("limit");
  if (!v || v->empty()) return dflt;
  WEFT_ASSIGN_OR_RETURN(uint64_t n, query::parse_uint("limit", *v));
  if (n == 0 || n > max)
    return invalid_argument("limit: must be between 1 and " + std::to_string(max));
  return static_cast<size_t>(n);
}

Status parse_window(const query::QueryService& service, const http::Request& req,
                    uint64_t default_lookback, uint64_t* start, uint64_t* end) {
  std::optional<uint64_t> s, e, lookback;
  if (auto v = req.param("start"); v && !v->empty()) {
    WEFT_ASSIGN_OR_RETURN(s, query::parse_time_nanos("start", *v));
  }
  if (auto v = req.param("end"); v && !v->empty()) {
    WEFT_ASSIGN_OR_RETURN(e, query::parse_time_nanos("end", *v));
  }
  if (auto v = req.param("lookback"); v && !v->empty()) {
    WEFT_ASSIGN_OR_RETURN(lookback, query::parse_duration("lookback", *v));
  }
  if (!s && !lookback && default_lookback) lookback = default_lookback;
  if (!e && (lookback || default_lookback)) e = service.now_unix_nanos();
  *end = e.value_or(std::numeric_limits<uint64_t>::max());
  if (s) {
    *start = *s;
  } else if (lookback) {
    *start = *end > *lookback ? *end - *lookback : 0;
  } else {
    *start = 0;
  }
  if (*start > *end) return invalid_argument("start: must not be after end");
  return Status::ok();
}

Result<bool> parse_adjust(const http::Request& req) {
  auto v = req.param("adjust");
  if (!v || v->empty() || *v == "true" || *v == "1") return true;
  if (*v == "false" || *v == "0") return false;
  return invalid_argument("adjust: must be true or false, got \"" + std::string(*v) + "\"");
}

}  // namespace weft::api
