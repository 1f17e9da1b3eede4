#pragma once
// The alerts' webhook POST (pipeline/alerts/webhook.h's Poster) on weft's HTTP client: one
// connection per POST (alerts are rare; a kept-alive connection would only go stale), the
// timeout bounding connect and exchange, any non-2xx answer an error naming the status.
#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"

namespace weft::server {

// Has the type of pipeline::alerts::Poster (spelled out: the alerts are a private part).
std::function<Status(const std::string& url, const std::string& json_body, uint32_t timeout_ms)>
make_webhook_poster();

}  // namespace weft::server
