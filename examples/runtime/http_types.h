#pragma once
// The plain HTTP request and response the demo runtime hands to handlers and returns from
// clients. Header names are lowercase (HTTP names are case-insensitive).
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace demo {

using Headers = std::vector<std::pair<std::string, std::string>>;

// The value of the first pair named `key` (exact match), or "".
std::string_view Lookup(const Headers& pairs, std::string_view key);

struct Request {
  std::string method;  // "GET"
  std::string target;  // "/checkout?user=7"
  std::string path;    // "/checkout"
  Headers query;       // decoded query parameters, in order
  Headers headers;     // lowercase names
  std::string body;
  std::string client_address;
  uint16_t client_port = 0;

  std::string_view Query(std::string_view key) const { return Lookup(query, key); }
  std::string_view Header(std::string_view key) const { return Lookup(headers, key); }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  Headers headers;

  static Response Json(int status, std::string body) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
};

// host:port of a service.
struct Endpoint {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string ToString() const { return host + ":" + std::to_string(port); }
};
// Parses "host:port" (port 1-65535). False on anything else.
bool ParseEndpoint(std::string_view text, Endpoint* out);

// Splits "/path?a=1&b=x%20y" into the path and decoded parameters.
void SplitTarget(std::string_view target, std::string* path, Headers* query);

}  // namespace demo
