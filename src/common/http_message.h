#pragma once
// Transport-neutral HTTP request/response. Receivers (ingest) and API handlers (api)
// speak these; src/server maps them to and from the wire (Boost.Beast), so the layers
// below server never see a socket.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weft::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: path plus "?query"
  std::string path;    // percent-decoded path, no query
  // Query parameters in order; a key may repeat (Jaeger's `tags`, Zipkin's `annotationQuery`).
  std::vector<std::pair<std::string, std::string>> query;
  // Header names lowercased.
  std::map<std::string, std::string> headers;
  std::string body;  // already un-gzipped by the server when Content-Encoding: gzip

  // First value of a query parameter, if present.
  std::optional<std::string> param(std::string_view key) const {
    for (const auto& [k, v] : query)
      if (k == key) return v;
    return std::nullopt;
  }
  std::vector<std::string> params(std::string_view key) const {
    std::vector<std::string> out;
    for (const auto& [k, v] : query)
      if (k == key) out.push_back(v);
    return out;
  }
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Retry-After)

  static Response json(int status, std::string body) {
    return Response{status, "application/json", std::move(body), {}};
  }
  static Response text(int status, std::string body) {
    return Response{status, "text/plain; charset=utf-8", std::move(body), {}};
  }
};

// A handler answers through `respond`, exactly once, from any thread: receivers answer
// only after the store made the spans durable, which happens on the store's thread.
using Responder = std::function<void(Response)>;
using Handler = std::function<void(Request&&, Responder)>;

// Splits "a=1&b=x%20y" into decoded pairs ('+' means space).
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);
std::string percent_decode(std::string_view s, bool plus_is_space);

// The media type of a Content-Type value without its parameters, trimmed and lowercased:
// " Application/JSON; charset=utf-8" -> "application/json".
std::string media_type(std::string_view content_type);

}  // namespace weft::http
