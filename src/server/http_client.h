#pragma once
// A small synchronous HTTP/1.1 client (Boost.Beast underneath, kept out of this header) for
// the command-line tools: `weft loadgen` and `weft trace`. One HttpConnection is one
// kept-alive TCP connection to one host:port.
//
// Thread-safety: none; use one HttpConnection per thread.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace weft::server {

struct HttpClientOptions {
  uint32_t connect_timeout_ms = 5'000;
  // Bound on one exchange: writing the request and reading the whole response.
  uint32_t request_timeout_ms = 30'000;
  // gzip-compress request bodies (non-empty ones) and send Content-Encoding: gzip.
  bool gzip_requests = false;
  uint64_t max_response_bytes = 64ull << 20;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;  // names lowercased, in the order received
  std::string body;     // as received (not decompressed)

  // The first header named `lower_name`, or "" if absent.
  std::string header(std::string_view lower_name) const;
};

class HttpConnection {
 public:
  explicit HttpConnection(HttpClientOptions options = {});
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Resolves `host` and connects, closing any previous connection. UNAVAILABLE with the
  // reason if it fails or takes longer than connect_timeout_ms.
  Status connect(const std::string& host, uint16_t port);

  // Sends one request and reads the whole response (any status is a value; only transport
  // failures are errors: UNAVAILABLE naming what failed, including timeouts).
  // Host, User-Agent and Content-Length are set here; `headers` may add any other.
  // REQUIRES: connect() succeeded once. If the server closed the kept-alive connection
  // meanwhile, reconnects once before sending; if a reused connection fails before any byte
  // of the response arrived, reconnects and sends again once (the server saw at most a
  // request it could not answer).
  Result<HttpResponse> request(std::string_view method, std::string_view target,
                               const HttpHeaders& headers, std::string_view body);

  void close();
  bool is_open() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace weft::server
