#pragma once
// Boost.Asio types the sidecar uses: every I/O object is bound to its thread's io_context
// executor (no type-erased executors), and every asynchronous step is a C++20 coroutine
// (Task) whose errors come back as error codes, never exceptions.
#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>

namespace weft::sidecar {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using Executor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<tcp, Executor>;
using Acceptor = asio::basic_socket_acceptor<tcp, Executor>;
using Resolver = asio::ip::basic_resolver<tcp, Executor>;
using SteadyClock = std::chrono::steady_clock;
using Timer = asio::basic_waitable_timer<SteadyClock, asio::wait_traits<SteadyClock>, Executor>;
template <typename T = void>
using Task = asio::awaitable<T, Executor>;

// `co_await op(..., Await(ec))`: the result, with the error in `ec`.
inline auto Await(error_code& ec) {
  return asio::redirect_error(asio::use_awaitable_t<Executor>(), ec);
}

}  // namespace weft::sidecar
