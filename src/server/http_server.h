#pragma once
// An HTTP/1.1 server on Boost.Beast that carries bytes between sockets and an
// http::Handler. It owns transport concerns only: keep-alive, timeouts, the body size
// limit (413), Content-Encoding (gzip/deflate), malformed HTTP (400). What a request
// means is the handler's business.
//
// Threading: runs on the io_context it is given (any number of threads); each connection
// is serialised on its own strand. A handler may answer from any thread.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "common/http_message.h"
#include "common/status.h"

namespace weft::server {

struct HttpServerOptions {
  std::string name;  // "otlp_http", "zipkin", "query": the `server` label of metrics
  size_t max_body_bytes = 16u << 20;
  std::chrono::seconds idle_timeout{120};  // between requests on a keep-alive connection
  std::chrono::seconds io_timeout{60};     // reading one request / writing one response
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

  struct State;  // implementation detail, shared with the connections it accepted

 private:
  std::shared_ptr<State> state_;
};

}  // namespace weft::server
