#pragma once
// A small blocking HTTP/1.1 client, private to the SDK: enough for the OTLP/HTTP exporter
// and the remote sampler to talk to a local collector without pulling in libcurl. Plain
// HTTP only (TLS belongs in a local collector or a sidecar). IPv4 and IPv6, one kept-alive
// connection per client, a per-request deadline.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "weft/clock.h"

namespace weft::net {

struct Url {
  std::string host;  // name or address; an IPv6 literal without its brackets
  uint16_t port = 80;
  std::string path = "/";  // request target: path plus query, never empty
};

// Parses "http://host[:port][/path][?query]" (the scheme is case-insensitive; "[v6]" for
// IPv6 literals; a fragment is dropped). "https://..." is an error ("https is not
// supported; use a local collector or sidecar"), as are user info, an empty host and a port
// outside 1..65535. On error returns false, sets *error and leaves *out unchanged.
bool ParseHttpUrl(std::string_view url, Url* out, std::string* error);

struct HttpResult {
  int status = 0;     // 0 on transport failure
  std::string body;   // the decoded body (chunked encoding removed)
  std::string error;  // non-empty on transport failure (connect refused, timeout, bad response)
  std::string retry_after;  // value of Retry-After, if any
};

// Limits on what a response may be; exceeding one is a transport failure.
inline constexpr size_t kMaxResponseHeaderBytes = 64 * 1024;
inline constexpr size_t kMaxResponseBodyBytes = 64 * 1024 * 1024;

// One kept-alive TCP connection, reconnected when it breaks. A request sent on a reused
// connection that fails before any response byte arrives (the server closed it while it was
// idle) is retried once on a fresh connection; requests are therefore assumed to be safe to
// repeat in that case (OTLP export requests are). Blocking, with a per-request deadline
// covering connect + send + receive, including that one retry; name resolution
// (getaddrinfo) is the one step the deadline cannot interrupt, so use addresses or names
// that resolve locally. Not thread-safe: one per thread.
class HttpClient {
 public:
  // `clock` (not owned; null = the system's) times the deadlines.
  HttpClient(std::string host, uint16_t port, std::chrono::milliseconds timeout,
             const SteadyClock* clock = nullptr);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `method path HTTP/1.1` with Host, Content-Length (always, even 0) and `headers`
  // (sent verbatim; do not pass Host, Content-Length or Transfer-Encoding), then `body`.
  // Any status the server returns is a result (status != 0), not a transport failure.
  HttpResult Request(std::string_view method, std::string_view path,
                     const std::vector<std::pair<std::string, std::string>>& headers,
                     std::string_view body);

 private:
  using Clock = SteadyClock;
  enum class Outcome { kDone, kFailed, kStale };

  bool Connect(Clock::time_point deadline, std::string* error);
  bool IdleConnectionUsable();
  Outcome Attempt(std::string_view head, std::string_view body, bool is_head, bool reused,
                  Clock::time_point deadline, HttpResult* result);
  void Close();

  std::string host_;
  uint16_t port_;
  std::chrono::milliseconds timeout_;
  const SteadyClock* clock_;
  int fd_ = -1;
  std::string buf_;  // receive buffer, kept to reuse its capacity
};

}  // namespace weft::net
