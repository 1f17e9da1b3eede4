#pragma once
// Test fixtures for the sidecar: a real upstream (Boost.Beast, synchronous, one thread per
// connection, port 0), a span exporter that records into the SDK's InMemoryExporter, and
// small raw-socket and Beast client helpers.
#include <utility>  // before Boost.Asio (see sidecar/io.h)

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "weft/span_data.h"

namespace weft::sidecar::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;

// Records spans into a shared InMemoryExporter the test keeps.
class RecordingExporter final : public SpanExporter {
 public:
  explicit RecordingExporter(std::shared_ptr<InMemoryExporter> to) : to_(std::move(to)) {}
  ExportResult Export(const ExportBatch& batch) override { return to_->Export(batch); }

 private:
  std::shared_ptr<InMemoryExporter> to_;
};

inline std::string Attr(const SpanData& s, std::string_view key) {
  const Value* v = s.attribute(key);
  if (!v) return "<none>";
  if (v->is<std::string>()) return v->as<std::string>();
  if (v->is<int64_t>()) return std::to_string(v->as<int64_t>());
  if (v->is<bool>()) return v->as<bool>() ? "true" : "false";
  return "<other>";
}

struct SeenRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lowercased names
  uint64_t body_bytes = 0;
  std::string body;  // first 64 KiB
  int version = 11;
};

// A Beast HTTP/1.1 server on 127.0.0.1:0. Routes (by path):
//   /ws                WebSocket echo
//   /slow?ms=N         answers after N ms
//   /chunked?n=N       N chunks "chunk-i;" (chunked encoding)
//   /big?bytes=N       N bytes of a pattern, chunked, produced in 64 KiB pieces; if a gate is
//                      set, it waits on it after the first MiB
//   /status?code=N     that status, empty body
//   /close             answers with Connection: close
//   /then-close        answers keep-alive, then closes the connection 50 ms later, unannounced
//   anything else      200 "ok <method> <path>" (after reading and counting the body)
class TestUpstream {
 public:
  TestUpstream() : acceptor_(io_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~TestUpstream() {
    stop_ = true;
    beast::error_code ec;
    {
      // A blocking accept() is not woken by close() from another thread: connect to it.
      tcp::socket wake(io_);
      wake.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), ec);
    }
    thread_.join();
    acceptor_.close(ec);
    {
      // Wake the connection threads blocked in reads.
      std::lock_guard lock(mu_);
      for (auto& s : sockets_) {
        s->shutdown(tcp::socket::shutdown_both, ec);
      }
      gate_open_ = true;
    }
    gate_cv_.notify_all();
    for (auto& t : conn_threads_) t.join();
  }

  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_.load(); }
  std::vector<SeenRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  SeenRequest last() const {
    std::lock_guard lock(mu_);
    return requests_.empty() ? SeenRequest{} : requests_.back();
  }
  // Progress of the request body being read now (for streaming checks).
  uint64_t body_bytes_in_progress() const { return in_progress_.load(); }
  // /big waits after its first MiB until OpenGate().
  void UseGate() { gate_open_ = false; }
  void OpenGate() {
    {
      std::lock_guard lock(mu_);
      gate_open_ = true;
    }
    gate_cv_.notify_all();
  }
  uint64_t big_bytes_sent() const { return big_sent_.load(); }

 private:
  static std::string Param(std::string_view target, std::string_view key) {
    const size_t q = target.find('?');
    if (q == std::string_view::npos) return "";
    std::string_view rest = target.substr(q + 1);
    while (!rest.empty()) {
      const size_t amp = rest.find('&');
      const std::string_view kv = rest.substr(0, amp);
      const size_t eq = kv.find('=');
      if (kv.substr(0, eq) == key) return std::string(kv.substr(eq + 1));
      if (amp == std::string_view::npos) break;
      rest = rest.substr(amp + 1);
    }
    return "";
  }

  void AcceptLoop() {
    while (!stop_) {
      auto sock = std::make_shared<tcp::socket>(io_);
      beast::error_code ec;
      acceptor_.accept(*sock, ec);
      if (stop_) return;
      if (ec) continue;
      connections_.fetch_add(1);
      std::lock_guard lock(mu_);
      sockets_.push_back(sock);
      conn_threads_.emplace_back([this, sock] {
        Serve(*sock);
        beast::error_code ignored;
        sock->shutdown(tcp::socket::shutdown_both, ignored);  // the peer sees the close
      });
    }
  }

  void Serve(tcp::socket& s) {
    beast::flat_buffer buf;
    beast::error_code ec;
    for (;;) {
      http::request_parser<http::buffer_body> p;
      p.body_limit(std::numeric_limits<std::uint64_t>::max());
      p.header_limit(1 << 20);
      http::read_header(s, buf, p, ec);
      if (ec) return;
      SeenRequest seen;
      auto& req = p.get();
      seen.method = std::string(req.method_string());
      seen.target = std::string(req.target());
      seen.version = req.version();
      for (const auto& f : req) {
        std::string name(f.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        seen.headers[name] = std::string(f.value());
      }
      const std::string path = seen.target.substr(0, seen.target.find('?'));
      if (path == "/ws" && websocket::is_upgrade(req)) {
        Record(seen);
        http::request<http::empty_body> up{req.method(), req.target(), req.version()};
        for (const auto& f : req) up.set(f.name_string(), f.value());
        websocket::stream<tcp::socket&> ws(s);
        ws.accept(up, ec);
        if (ec) return;
        for (;;) {
          beast::flat_buffer msg;
          ws.read(msg, ec);
          if (ec) return;
          ws.binary(ws.got_binary());
          ws.write(msg.data(), ec);
          if (ec) return;
        }
      }
      char chunk[64 * 1024];
      in_progress_ = 0;
      while (!p.is_done()) {
        req.body().data = chunk;
        req.body().size = sizeof chunk;
        http::read(s, buf, p, ec);
        if (ec == http::error::need_buffer) ec = {};
        if (ec) return;
        const size_t got = sizeof chunk - req.body().size;
        if (seen.body.size() < 65536) seen.body.append(chunk, std::min(got, 65536 - seen.body.size()));
        seen.body_bytes += got;
        in_progress_ += got;
      }
      Record(seen);
      const bool keep = req.keep_alive();
      if (!Respond(s, seen, path, keep) || !keep) {
        s.shutdown(tcp::socket::shutdown_send, ec);
        return;
      }
    }
  }

  void Record(const SeenRequest& r) {
    std::lock_guard lock(mu_);
    requests_.push_back(r);
  }

  bool Respond(tcp::socket& s, const SeenRequest& req, const std::string& path, bool keep) {
    beast::error_code ec;
    if (path == "/slow") {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::stoi(Param(req.target, "ms"))));
    }
    if (path == "/chunked" || path == "/big") {
      http::response<http::empty_body> res{http::status::ok, 11};
      res.set(http::field::content_type, "application/octet-stream");
      res.chunked(true);
      res.keep_alive(keep);
      http::response_serializer<http::empty_body> sr{res};
      http::write_header(s, sr, ec);
      if (ec) return false;
      if (path == "/chunked") {
        const int n = std::stoi(Param(req.target, "n"));
        for (int i = 0; i < n; ++i) {
          const std::string piece = "chunk-" + std::to_string(i) + ";";
          net::write(s, http::make_chunk(net::buffer(piece)), ec);
          if (ec) return false;
        }
      } else {
        const uint64_t total = std::stoull(Param(req.target, "bytes"));
        std::string block(64 * 1024, '\0');
        for (size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>('a' + i % 26);
        uint64_t sent = 0;
        while (sent < total) {
          const size_t n = static_cast<size_t>(std::min<uint64_t>(block.size(), total - sent));
          net::write(s, http::make_chunk(net::buffer(block.data(), n)), ec);
          if (ec) return false;
          sent += n;
          big_sent_ = sent;
          if (sent >= (1u << 20) && sent - n < (1u << 20)) {
            std::unique_lock lock(mu_);
            gate_cv_.wait(lock, [&] { return gate_open_ || stop_; });
          }
        }
      }
      net::write(s, http::make_chunk_last(), ec);
      return !ec;
    }
    http::response<http::string_body> res{http::status::ok, 11};
    if (path == "/status") res.result(static_cast<unsigned>(std::stoi(Param(req.target, "code"))));
    res.set(http::field::content_type, "text/plain");
    if (path != "/status") res.body() = "ok " + req.method + " " + path + " " + std::to_string(req.body_bytes);
    res.keep_alive(keep && path != "/close");
    res.prepare_payload();
    http::write(s, res, ec);
    if (path == "/then-close") {  // keeps the connection "alive", then drops it unannounced
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      return false;
    }
    return !ec && path != "/close";
  }

  net::io_context io_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::atomic<uint64_t> in_progress_{0};
  std::atomic<uint64_t> big_sent_{0};
  mutable std::mutex mu_;
  std::condition_variable gate_cv_;
  bool gate_open_ = true;
  std::vector<SeenRequest> requests_;
  std::vector<std::shared_ptr<tcp::socket>> sockets_;
  std::vector<std::thread> conn_threads_;
  std::thread thread_;
};

// "127.0.0.1:PORT" -> a connected socket.
inline tcp::socket Dial(net::io_context& io, const std::string& addr) {
  const size_t colon = addr.rfind(':');
  tcp::socket s(io);
  s.connect(tcp::endpoint(net::ip::make_address(addr.substr(0, colon)),
                          static_cast<uint16_t>(std::stoi(addr.substr(colon + 1)))));
  return s;
}

// Reads until the peer closes or `timeout` passes; returns what arrived.
inline std::string ReadUntilClose(tcp::socket& s, std::chrono::milliseconds timeout,
                                  bool* closed = nullptr) {
  std::string out;
  const int fd = s.native_handle();
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[4096];
  if (closed) *closed = false;
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) {
      if (closed) *closed = true;
      break;
    }
    if (n < 0) {
      if (closed) *closed = errno == ECONNRESET;
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// One request with Beast on an open connection.
inline http::response<http::string_body> Send(tcp::socket& s,
                                              http::request<http::string_body> req,
                                              beast::flat_buffer* buf = nullptr) {
  req.prepare_payload();
  http::write(s, req);
  beast::flat_buffer local;
  http::response_parser<http::string_body> p;
  p.body_limit(std::numeric_limits<std::uint64_t>::max());
  http::read(s, buf ? *buf : local, p);
  return p.release();
}

inline http::request<http::string_body> Get(const std::string& target, const std::string& host = "svc") {
  http::request<http::string_body> r{http::verb::get, target, 11};
  r.set(http::field::host, host);
  return r;
}

// Peak resident set size of this process (kB); ResetPeakRss() lowers the mark to now.
inline long PeakRssKb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}
inline void ResetPeakRss() {
  std::ofstream f("/proc/self/clear_refs");
  f << "5";
}

}  // namespace weft::sidecar::testing
