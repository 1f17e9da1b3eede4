#include "server/io_pool.h"

#include <algorithm>
#include <chrono>

namespace weft::server {

IoPool::IoPool(boost::asio::io_context& ioc, int threads)
    : ioc_(ioc), work_(boost::asio::make_work_guard(ioc)) {
  const int n =
      threads > 0 ? threads : std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { ioc_.run(); });
}

IoPool::~IoPool() { stop(); }

void IoPool::stop() {
  if (!work_) return;
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  work_.reset();
  ioc_.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

}  // namespace weft::server
