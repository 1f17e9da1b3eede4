#pragma once
// The admin port (--admin-addr): GET /metrics (Prometheus text) and GET /healthz (200 "ok",
// 503 "draining" once a drain has begun). Its own thread and io_context, so scraping never
// competes with proxied traffic for an I/O thread.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "sidecar/io.h"

namespace weft::sidecar {

class AdminServer {
 public:
  AdminServer(std::function<std::string()> metrics, std::function<bool()> draining);
  ~AdminServer();
  bool Listen(const tcp::endpoint& ep, tcp::endpoint* bound, std::string* error);
  void Start();
  void Stop();

 private:
  Task<void> AcceptLoop();
  Task<void> Serve(Socket socket);

  std::function<std::string()> metrics_;
  std::function<bool()> draining_;
  asio::io_context io_{1};
  std::optional<asio::executor_work_guard<Executor>> work_;
  std::unique_ptr<Acceptor> acceptor_;
  std::thread thread_;
};

}  // namespace weft::sidecar
