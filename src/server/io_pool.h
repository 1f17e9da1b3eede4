#pragma once
// The I/O threads of a long-running command: `threads` threads (0 = one per core, at least
// two) run the io_context until stop(), which lets the last answers reach their sockets and
// joins them.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>
#include <thread>
#include <vector>

namespace weft::server {

class IoPool {
 public:
  IoPool(boost::asio::io_context& ioc, int threads);
  ~IoPool();  // stop()
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;

  // Waits ~50 ms for answers in flight to be written, stops the io_context, joins. Idempotent.
  void stop();

 private:
  boost::asio::io_context& ioc_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
};

}  // namespace weft::server
