// Slow clients against HttpServer with real sockets on 127.0.0.1, port 0: header, body and
// idle timeouts, the connection cap, and a normal request served while many slow
// connections are open.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "common/metrics.h"
#include "server/http_server.h"

namespace weft::server {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// A blocking client socket with bounded reads (never hangs the test).
class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;
  RawClient(RawClient&& o) noexcept : fd_(o.fd_), connected_(o.connected_) { o.fd_ = -1; }

  bool connected() const { return connected_; }
  bool send(const std::string& s) {
    return ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size());
  }
  // Reads until the peer closes (true) or `timeout` passes (false); what arrived in `*got`.
  bool read_until_closed(milliseconds timeout, std::string* got) {
    auto deadline = Clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return true;  // closed (FIN, or RST)
      got->append(buf, static_cast<size_t>(n));
    }
  }
  // Reads one response (headers and Content-Length body), up to `timeout`.
  std::string read_response(milliseconds timeout) {
    std::string got;
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      size_t end = got.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t cl = got.find("Content-Length: ");
        size_t len = cl == std::string::npos ? 0 : std::stoul(got.substr(cl + 16));
        if (got.size() >= end + 4 + len) return got;
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  }
  // True when the peer has closed (or reset) the connection, without waiting.
  bool closed_now() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    char c;
    return ::recv(fd_, &c, 1, MSG_PEEK) <= 0;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

const std::string kGet = "GET /x HTTP/1.1\r\nHost: t\r\n\r\n";

uint64_t counter(const char* name, std::vector<std::string> labels) {
  return MetricsRegistry::global().counter(name, "", {}).with(labels).value();
}

class SlowClientTest : public ::testing::Test {
 protected:
  // Starts a server named `name` (metrics are per name: each test its own) with `limits`.
  void start(const std::string& name, HttpConnectionLimits limits) {
    name_ = name;
    HttpServerOptions o;
    o.name = name;
    o.max_body_bytes = 1000;
    o.limits = limits;
    server_ = std::make_unique<HttpServer>(ioc_, o, [](http::Request&& req, http::Responder respond) {
      respond(http::Response::text(200, req.method + " " + req.path + " " + req.body));
    });
    auto addr = server_->start("127.0.0.1", 0);
    ASSERT_TRUE(addr.is_ok()) << addr.status().to_string();
    port_ = static_cast<uint16_t>(std::stoi(addr->substr(addr->rfind(':') + 1)));
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }
  void TearDown() override {
    if (server_) server_->stop();
    ioc_.stop();
    for (auto& t : threads_) t.join();
  }
  uint64_t timed_out(const char* which) {
    return counter("weft_http_connections_timed_out_total", {name_, which});
  }
  // Waits up to `timeout` for the server to count `n` open connections.
  bool wait_connections(size_t n, milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (server_->connections() != n) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(milliseconds(5));
    }
    return true;
  }

  boost::asio::io_context ioc_;
  std::unique_ptr<HttpServer> server_;
  std::vector<std::thread> threads_;
  std::string name_;
  uint16_t port_ = 0;
};

HttpConnectionLimits limits(int header_ms, int body_ms, int idle_ms, size_t max_connections = 10000) {
  HttpConnectionLimits l;
  l.header_timeout = milliseconds(header_ms);
  l.body_timeout = milliseconds(body_ms);
  l.idle_timeout = milliseconds(idle_ms);
  l.max_connections = max_connections;
  return l;
}

TEST_F(SlowClientTest, HalfRequestLineGets408AtHeaderTimeout) {
  start("t_half_line", limits(300, 5000, 5000));
  RawClient c(port_);
  ASSERT_TRUE(c.connected());
  auto t0 = Clock::now();
  ASSERT_TRUE(c.send("POST /v1/tra"));
  std::string got;
  ASSERT_TRUE(c.read_until_closed(milliseconds(5000), &got));
  double took = seconds_since(t0);
  EXPECT_GE(took, 0.25);
  EXPECT_LT(took, 2.0);
  EXPECT_EQ(got.rfind("HTTP/1.1 408 Request Timeout\r\n", 0), 0u) << got;
  EXPECT_NE(got.find("Connection: close"), std::string::npos) << got;
  EXPECT_NE(got.find("request headers not received within 300ms"), std::string::npos) << got;
  EXPECT_EQ(timed_out("header"), 1u);
  EXPECT_TRUE(wait_connections(0, milliseconds(1000)));
}

TEST_F(SlowClientTest, SilentConnectionClosedWithoutAnswer) {
  start("t_silent", limits(300, 5000, 5000));
  RawClient c(port_);
  auto t0 = Clock::now();
  std::string got;
  ASSERT_TRUE(c.read_until_closed(milliseconds(5000), &got));
  EXPECT_GE(seconds_since(t0), 0.25);
  EXPECT_EQ(got, "");  // nothing asked, nothing answered
  EXPECT_EQ(timed_out("header"), 1u);
}

TEST_F(SlowClientTest, TricklingHeadersDoNotExtendTheHeaderTimeout) {
  // One byte every 100 ms never leaves the connection inactive for long; the header
  // timeout is a total, so it still ends at 600 ms.
  start("t_trickle", limits(600, 5000, 5000));
  RawClient c(port_);
  auto t0 = Clock::now();
  const std::string request = "GET /slow HTTP/1.1\r\nHost: t\r\nX-Padding: " + std::string(100, 'p');
  bool closed = false;
  for (char ch : request) {
    if (!c.send(std::string(1, ch)) || c.closed_now()) {
      closed = true;
      break;
    }
    std::this_thread::sleep_for(milliseconds(100));
    if (seconds_since(t0) > 5) break;
  }
  std::string got;
  if (!closed) closed = c.read_until_closed(milliseconds(3000), &got);
  EXPECT_TRUE(closed);
  EXPECT_LT(seconds_since(t0), 2.0);
  EXPECT_EQ(timed_out("header"), 1u);
}

TEST_F(SlowClientTest, IdleKeepAliveIsClosedSilently) {
  start("t_idle", limits(5000, 5000, 300));
  RawClient c(port_);
  ASSERT_TRUE(c.send(kGet));
  std::string res = c.read_response(milliseconds(3000));
  ASSERT_EQ(res.rfind("HTTP/1.1 200", 0), 0u) << res;
  auto t0 = Clock::now();
  std::string got;
  ASSERT_TRUE(c.read_until_closed(milliseconds(5000), &got));
  double took = seconds_since(t0);
  EXPECT_GE(took, 0.25);
  EXPECT_LT(took, 2.0);
  EXPECT_EQ(got, "");  // no 408 on an idle connection (clients would take it for an answer)
  EXPECT_EQ(timed_out("idle"), 1u);
  EXPECT_EQ(timed_out("header"), 0u);
}

TEST_F(SlowClientTest, KeepAliveRequestGetsItsOwnHeaderTime) {
  // Idle 400 ms, then headers over 500 ms: past the idle timeout in total, but the header
  // timeout (600 ms) runs from the request's first byte.
  start("t_keepalive", limits(600, 5000, 400));
  RawClient c(port_);
  ASSERT_TRUE(c.send(kGet));
  ASSERT_EQ(c.read_response(milliseconds(3000)).rfind("HTTP/1.1 200", 0), 0u);
  std::this_thread::sleep_for(milliseconds(250));
  ASSERT_TRUE(c.send("GET /second HT"));
  std::this_thread::sleep_for(milliseconds(400));
  ASSERT_TRUE(c.send("TP/1.1\r\nHost: t\r\n\r\n"));
  std::string res = c.read_response(milliseconds(3000));
  EXPECT_EQ(res.rfind("HTTP/1.1 200", 0), 0u) << res;
  EXPECT_NE(res.find("GET /second"), std::string::npos) << res;
}

TEST_F(SlowClientTest, SlowBodyGets408AtBodyTimeout) {
  start("t_body", limits(5000, 300, 5000));
  RawClient c(port_);
  auto t0 = Clock::now();
  ASSERT_TRUE(c.send("POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789"));
  std::string got;
  ASSERT_TRUE(c.read_until_closed(milliseconds(5000), &got));
  double took = seconds_since(t0);
  EXPECT_GE(took, 0.25);
  EXPECT_LT(took, 2.0);
  EXPECT_EQ(got.rfind("HTTP/1.1 408", 0), 0u) << got;
  EXPECT_NE(got.find("request body not received within 300ms"), std::string::npos) << got;
  EXPECT_EQ(timed_out("body"), 1u);
}

TEST_F(SlowClientTest, NormalRequestServedWhile500SlowConnectionsAreOpen) {
  start("t_many", limits(1500, 5000, 5000));
  std::vector<RawClient> slow;
  slow.reserve(500);
  for (int i = 0; i < 500; ++i) {
    slow.emplace_back(port_);
    ASSERT_TRUE(slow.back().connected()) << i;
    ASSERT_TRUE(slow.back().send("POST /v1/traces HTTP/1.1\r\nHost: t\r\nContent-Ty"));
  }
  ASSERT_TRUE(wait_connections(500, milliseconds(3000))) << server_->connections();
  auto t0 = Clock::now();
  RawClient normal(port_);
  ASSERT_TRUE(normal.send("POST /v1/traces HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nok"));
  std::string res = normal.read_response(milliseconds(3000));
  EXPECT_EQ(res.rfind("HTTP/1.1 200", 0), 0u) << res;
  EXPECT_NE(res.find("POST /v1/traces ok"), std::string::npos) << res;
  EXPECT_LT(seconds_since(t0), 1.0);
  // All 500 are closed by the server at the header timeout (1.5 s after they connected).
  ASSERT_TRUE(wait_connections(1, milliseconds(4000))) << server_->connections();
  for (auto& c : slow) {
    std::string got;
    EXPECT_TRUE(c.read_until_closed(milliseconds(100), &got));
  }
  EXPECT_EQ(timed_out("header"), 500u);
}

TEST_F(SlowClientTest, ConnectionsPastTheCapGet503) {
  start("t_cap", limits(5000, 5000, 5000, 10));
  std::vector<RawClient> held;
  for (int i = 0; i < 10; ++i) {
    held.emplace_back(port_);
    ASSERT_TRUE(held.back().send("GET /held HT"));
  }
  ASSERT_TRUE(wait_connections(10, milliseconds(3000)));
  RawClient extra(port_);
  std::string got;
  ASSERT_TRUE(extra.read_until_closed(milliseconds(3000), &got));
  EXPECT_EQ(got.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0u) << got;
  EXPECT_NE(got.find("Retry-After: 1"), std::string::npos) << got;
  EXPECT_EQ(counter("weft_http_connections_rejected_total", {name_}), 1u);
  EXPECT_EQ(server_->connections(), 10u);
  // A slot freed is a slot taken again.
  held.pop_back();
  ASSERT_TRUE(wait_connections(9, milliseconds(3000)));
  RawClient next(port_);
  ASSERT_TRUE(next.send(kGet));
  EXPECT_EQ(next.read_response(milliseconds(3000)).rfind("HTTP/1.1 200", 0), 0u);
}

TEST_F(SlowClientTest, PipelinedRequestsAreAllAnswered) {
  start("t_pipeline", limits(500, 500, 500));
  RawClient c(port_);
  ASSERT_TRUE(c.send(kGet + kGet + kGet));
  std::string got;
  c.read_until_closed(milliseconds(2500), &got);  // answers, then the idle timeout
  size_t n = 0;
  for (size_t at = got.find("HTTP/1.1 200"); at != std::string::npos;
       at = got.find("HTTP/1.1 200", at + 1))
    ++n;
  EXPECT_EQ(n, 3u) << got;
}

TEST(FitMaxConnections, StaysWithinTheOpenFilesLimit) {
  std::string note;
  size_t fitted = fit_max_connections(size_t{1} << 40, 4, &note);
  EXPECT_LT(fitted, size_t{1} << 40);
  EXPECT_GE(fitted, 1u);
  EXPECT_NE(note.find("lowered"), std::string::npos) << note;
  std::string none;
  EXPECT_EQ(fit_max_connections(1, 4, &none), 1u);
  EXPECT_EQ(none, "");
}

}  // namespace
}  // namespace weft::server
