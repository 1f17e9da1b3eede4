#pragma once
// Query parameters the native API's endpoints share (docs/api.md, "Native API").
#include <cstddef>
#include <cstdint>

#include "common/http_message.h"
#include "common/status.h"
#include "query/query_service.h"

namespace weft::api {

// The largest `limit` of a search.
inline constexpr size_t kMaxSearchLimit = 10'000;

// `limit`: `dflt` when absent; INVALID_ARGUMENT unless 1 ≤ limit ≤ `max`.
Result<size_t> parse_limit(const http::Request& req, size_t dflt, size_t max);

// [start, end] from start/end (Unix ns or RFC 3339) and lookback; `default_lookback` of 0
// leaves the window open when neither start nor lookback is given.
Status parse_window(const query::QueryService& service, const http::Request& req,
                    uint64_t default_lookback, uint64_t* start, uint64_t* end);

// `adjust` (clock skew): true unless `adjust=false` (or `0`); INVALID_ARGUMENT otherwise.
Result<bool> parse_adjust(const http::Request& req);

}  // namespace weft::api
