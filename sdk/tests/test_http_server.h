#pragma once
// A tiny HTTP/1.1 server for tests: listens on 127.0.0.1 (port 0), one thread per
// connection, keep-alive, requests with Content-Length bodies. The handler returns the raw
// response bytes, so tests control framing (Content-Length, chunked, close) exactly.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace weft::testing {

struct TestRequest {
  std::string method;
  std::string target;
  std::string head;  // the whole request head, for header assertions
  std::string body;
};

struct TestResponse {
  std::string raw;           // bytes written back verbatim
  bool close_after = false;  // close the connection after writing (without saying so)
  bool hang = false;         // write nothing and hold the connection until the server stops
};

// "HTTP/1.1 <status> X\r\nContent-Length: n\r\n<extra>\r\n<body>"
inline std::string HttpResponse(int status, const std::string& body,
                                const std::string& extra_headers = "") {
  return "HTTP/1.1 " + std::to_string(status) +
         " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" +
         body;
}

class TestHttpServer {
 public:
  using Handler = std::function<TestResponse(const TestRequest&)>;

  explicit TestHttpServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 64) != 0)
      std::abort();
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~TestHttpServer() { Stop(); }

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }

  void Stop() {
    if (stop_.exchange(true)) return;
    accept_thread_.join();
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mu_);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
    ::close(listen_fd_);
  }

 private:
  // Waits up to 20 ms for fd to be readable; false when the server is stopping.
  bool WaitReadable(int fd) {
    while (!stop_.load()) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) return true;
    }
    return false;
  }

  void AcceptLoop() {
    while (WaitReadable(listen_fd_)) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      connections_.fetch_add(1);
      std::lock_guard<std::mutex> lock(mu_);
      threads_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  void Serve(int fd) {
    std::string buf;
    char chunk[65536];
    for (;;) {
      size_t end;
      while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
        if (!WaitReadable(fd)) return Done(fd);
        ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) return Done(fd);
        buf.append(chunk, static_cast<size_t>(n));
      }
      TestRequest req;
      req.head = buf.substr(0, end + 2);
      size_t sp1 = req.head.find(' '), sp2 = req.head.find(' ', sp1 + 1);
      req.method = req.head.substr(0, sp1);
      req.target = req.head.substr(sp1 + 1, sp2 - sp1 - 1);
      size_t length = 0;
      for (const char* name : {"Content-Length: ", "content-length: "}) {
        size_t at = req.head.find(name);
        if (at != std::string::npos) length = std::strtoul(req.head.c_str() + at + 16, nullptr, 10);
      }
      while (buf.size() < end + 4 + length) {
        if (!WaitReadable(fd)) return Done(fd);
        ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) return Done(fd);
        buf.append(chunk, static_cast<size_t>(n));
      }
      req.body = buf.substr(end + 4, length);
      buf.erase(0, end + 4 + length);
      requests_.fetch_add(1);
      TestResponse resp = handler_(req);
      if (resp.hang) {
        while (!stop_.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return Done(fd);
      }
      size_t off = 0;
      while (off < resp.raw.size()) {
        ssize_t n = ::send(fd, resp.raw.data() + off, resp.raw.size() - off, MSG_NOSIGNAL);
        if (n <= 0) return Done(fd);
        off += static_cast<size_t>(n);
      }
      if (resp.close_after) return Done(fd);
    }
  }
  void Done(int fd) { ::close(fd); }

  Handler handler_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::thread accept_thread_;
  std::mutex mu_;
  std::vector<std::thread> threads_;
};

}  // namespace weft::testing
