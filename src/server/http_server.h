#pragma once
// An HTTP/1.1 server on Boost.Beast that carries bytes between sockets and an
// http::Handler. It owns transport concerns only: keep-alive, timeouts, the connection cap,
// the body size limit (413), Content-Encoding (gzip/deflate/zstd), malformed HTTP (400).
// What a request means is the handler's business.
//
// Slow clients cost a bounded amount: a connection must deliver a request's headers within
// `header_timeout` (counted from the accept, or from the first byte of a later request on a
// keep-alive connection; a total, not an inactivity timeout, so trickling one byte at a time
// does not extend it), its body within `body_timeout` of the headers, and may sit idle between
// requests for `idle_timeout`. A connection that timed out in the middle of a request gets
// 408 and is closed; one that sent nothing is closed silently. Past `max_connections` open
// connections, a new one gets 503 and is closed at once (its file descriptor is not kept).
// Each is counted in /metrics (weft_http_connections_timed_out_total{server,timeout},
// weft_http_connections_rejected_total{server}, weft_http_connections_open{server}).
//
// Threading: runs on the io_context it is given (any number of threads); each connection
// is serialised on its own strand. A handler may answer from any thread.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "common/http_message.h"
#include "common/status.h"

namespace weft::server {

// What one HTTP connection may cost (the --http-* flags of `weft serve` and `weft agent`).
struct HttpConnectionLimits {
  // Accept (or first byte of a later request) → end of the request's headers.
  std::chrono::nanoseconds header_timeout = std::chrono::seconds(10);
  // End of the headers → end of the body.
  std::chrono::nanoseconds body_timeout = std::chrono::seconds(30);
  // End of a response → first byte of the next request on a keep-alive connection.
  std::chrono::nanoseconds idle_timeout = std::chrono::seconds(60);
  // Writing one response (a client that does not read).
  std::chrono::nanoseconds write_timeout = std::chrono::seconds(60);
  // Open connections per listener; past it new ones get 503 and are closed.
  size_t max_connections = 10'000;
};

struct HttpServerOptions {
  std::string name;  // "otlp_http", "zipkin", "query": the `server` label of metrics
  size_t max_body_bytes = 16u << 20;
  HttpConnectionLimits limits;
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& ioc, HttpServerOptions options, http::Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds `host:port` (port 0 picks a free one) and starts accepting. Returns the bound
  // address as "host:port".
  Result<std::string> start(const std::string& host, uint16_t port);
  // Stops accepting new connections. Requests in flight complete; idle keep-alive
  // connections are closed after their current request.
  void stop();
  // Requests read but not yet answered.
  int in_flight() const;
  // Connections open now.
  size_t connections() const;

  struct State;  // implementation detail, shared with the connections it accepted

 private:
  std::shared_ptr<State> state_;
};

// Connections are file descriptors. Raises this process's soft RLIMIT_NOFILE to its hard
// limit (weft waits with epoll, never select(), so the 1024 of FD_SETSIZE does not matter)
// and returns the per-listener connection cap that keeps `listeners` HTTP listeners, all at
// their cap, within 3/4 of that limit (the rest is the store's, gRPC's and the log tail's):
// `max_connections`, or less, in which case `*note` (if given) says why.
size_t fit_max_connections(size_t max_connections, int listeners, std::string* note = nullptr);

}  // namespace weft::server
