#pragma once
// A small HTTP/1.1 server for the demo services (Boost.Beast). I/O runs on a couple of
// threads; each request's handler runs on a worker pool, so handlers may block (sleep, call
// other services synchronously) without stalling other connections. Tracing is not done
// here: see service.h, which wraps the handler in a SERVER span.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "runtime/http_types.h"

namespace demo {

using Handler = std::function<Response(const Request&)>;

struct ServerOptions {
  std::string name = "demo";
  int io_threads = 2;
  int worker_threads = 16;
  // A kept-alive connection idle this long is closed; a request must arrive whole within it.
  std::chrono::milliseconds idle_timeout{30'000};
  size_t max_body_bytes = 1 << 20;
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, Handler handler);
  ~HttpServer();  // Stop(0 ms) if still running
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens on host:port (0 = any free port). Returns the bound port; throws
  // std::system_error if it cannot.
  uint16_t Listen(const std::string& host, uint16_t port);
  // Takes over a socket that is already bound and listening (e.g. inherited from the
  // parent process, which bound it so it knew the port before starting us).
  uint16_t Adopt(int fd);
  // Starts the I/O and worker threads. Call once, after Listen or Adopt.
  void Start();
  // Stops accepting, waits up to `grace` for requests in flight, then stops the threads.
  void Stop(std::chrono::milliseconds grace);

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace demo
