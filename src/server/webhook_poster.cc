#include "server/webhook_poster.h"

#include "common/endpoint.h"
#include "server/http_client.h"

namespace weft::server {

std::function<Status(const std::string& url, const std::string& json_body, uint32_t timeout_ms)>
make_webhook_poster() {
  return [](const std::string& url, const std::string& body, uint32_t timeout_ms) -> Status {
    auto endpoint = parse_endpoint(url, "127.0.0.1", 80);
    if (!endpoint.is_ok()) return endpoint.status();
    if (!endpoint->scheme.empty() && endpoint->scheme != "http")
      return invalid_argument("webhook " + url + ": only http:// URLs are supported");
    HttpClientOptions options;
    options.connect_timeout_ms = timeout_ms;
    options.request_timeout_ms = timeout_ms;
    options.max_response_bytes = 1 << 20;
    HttpConnection connection(options);
    if (Status s = connection.connect(endpoint->host, endpoint->port); !s.is_ok()) return s;
    auto response = connection.request(
        "POST", endpoint->path.empty() ? "/" : endpoint->path,
        {{"Content-Type", "application/json"}}, body);
    if (!response.is_ok()) return response.status();
    if (response->status < 200 || response->status > 299)
      return unavailable("webhook " + url + " answered HTTP " + std::to_string(response->status));
    return Status::ok();
  };
}

}  // namespace weft::server
