#include "probe_http.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <memory>
#include <stdexcept>
#include <thread>

namespace probe {
namespace {

constexpr size_t kMaxHead = 64 << 10;  // request line + headers
constexpr size_t kMaxBody = 1 << 20;

struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

bool SplitHostPort(std::string_view hp, std::string* host, int* port) {
  const size_t colon = hp.rfind(':');
  if (colon == std::string_view::npos) return false;
  *host = std::string(hp.substr(0, colon));
  const std::string p(hp.substr(colon + 1));
  char* end = nullptr;
  const long v = std::strtol(p.c_str(), &end, 10);
  if (p.empty() || *end || v < 0 || v > 65535) return false;
  *port = static_cast<int>(v);
  return true;
}

bool ResolveV4(const std::string& host, int port, sockaddr_in* out) {
  std::memset(out, 0, sizeof *out);
  out->sin_family = AF_INET;
  out->sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &out->sin_addr) == 1) return true;
  addrinfo hints = {};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || !res) return false;
  out->sin_addr = reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr;
  freeaddrinfo(res);
  return true;
}

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads into *buf until `done(*buf)` or EOF/error/deadline. Returns false on error/timeout.
template <typename Done>
bool ReadUntil(int fd, std::string* buf, std::chrono::steady_clock::time_point deadline,
               Done done) {
  char chunk[16 << 10];
  while (!done(*buf)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int r = poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;  // EOF: the caller decides whether that is complete
    buf->append(chunk, static_cast<size_t>(n));
  }
  return true;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return std::string(s);
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

// Parses "Name: value" lines of `head` after the first line.
Headers ParseHeaderLines(std::string_view head) {
  Headers h;
  size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    const size_t start = pos + 2;
    const size_t end = head.find("\r\n", start);
    std::string_view line =
        head.substr(start, end == std::string_view::npos ? head.npos : end - start);
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos)
      h.emplace_back(Trim(line.substr(0, colon)), Trim(line.substr(colon + 1)));
    pos = end;
  }
  return h;
}

std::string_view HeaderValue(const Headers& h, std::string_view name) {
  for (const auto& [k, v] : h)
    if (IEquals(k, name)) return v;
  return {};
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexDigit(s[i + 1]) >= 0 && HexDigit(s[i + 2]) >= 0) {
      out += static_cast<char>(HexDigit(s[i + 1]) << 4 | HexDigit(s[i + 2]));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 413:
      return "Payload Too Large";
    case 431:
      return "Request Header Fields Too Large";
    default:
      return status >= 500 ? "Internal Server Error" : "Status";
  }
}

void SendResponse(int fd, const Response& r) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + Reason(r.status) + "\r\n";
  out += "Content-Type: " + r.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  out += "Connection: close\r\n\r\n";
  out += r.body;
  WriteAll(fd, out);
}

void HandleConnection(int fd, const HttpServer::Handler& handler) {
  Fd guard(fd);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::string buf;
  const bool ok = ReadUntil(fd, &buf, deadline, [](const std::string& b) {
    return b.find("\r\n\r\n") != std::string::npos || b.size() > kMaxHead;
  });
  const size_t head_end = buf.find("\r\n\r\n");
  if (!ok || head_end == std::string::npos) {
    if (buf.size() > kMaxHead) SendResponse(fd, {431, "text/plain", "headers too large\n"});
    return;
  }
  Request req;
  const std::string_view head(buf.data(), head_end);
  const std::string_view first = head.substr(0, head.find("\r\n"));
  const size_t sp1 = first.find(' ');
  const size_t sp2 = sp1 == first.npos ? first.npos : first.find(' ', sp1 + 1);
  if (sp2 == first.npos) {
    SendResponse(fd, {400, "text/plain", "bad request line\n"});
    return;
  }
  req.method = std::string(first.substr(0, sp1));
  req.target = std::string(first.substr(sp1 + 1, sp2 - sp1 - 1));
  req.headers = ParseHeaderLines(head);
  const std::string cl(HeaderValue(req.headers, "content-length"));
  const size_t body_len = cl.empty() ? 0 : std::strtoull(cl.c_str(), nullptr, 10);
  if (body_len > kMaxBody) {
    SendResponse(fd, {413, "text/plain", "body too large\n"});
    return;
  }
  const size_t want = head_end + 4 + body_len;
  if (!ReadUntil(fd, &buf, deadline, [&](const std::string& b) { return b.size() >= want; }) ||
      buf.size() < want)
    return;
  req.body = buf.substr(head_end + 4, body_len);
  Response resp;
  try {
    resp = handler(req);
  } catch (const std::exception& e) {
    resp = {500, "text/plain", std::string("handler threw: ") + e.what() + "\n"};
  }
  SendResponse(fd, resp);
  shutdown(fd, SHUT_WR);
}

std::string DecodeChunked(std::string_view s) {
  std::string out;
  while (!s.empty()) {
    const size_t eol = s.find("\r\n");
    if (eol == s.npos) break;
    const size_t n = std::strtoul(std::string(s.substr(0, eol)).c_str(), nullptr, 16);
    if (n == 0 || eol + 2 + n > s.size()) break;
    out.append(s.substr(eol + 2, n));
    s.remove_prefix(std::min(s.size(), eol + 2 + n + 2));
  }
  return out;
}

}  // namespace

std::string_view Request::path() const {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

std::string Request::query(std::string_view key) const {
  const size_t q = target.find('?');
  if (q == std::string::npos) return "";
  std::string_view rest = std::string_view(target).substr(q + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    const size_t eq = pair.find('=');
    if (PercentDecode(pair.substr(0, eq)) == key)
      return eq == pair.npos ? "" : PercentDecode(pair.substr(eq + 1));
    if (amp == rest.npos) break;
    rest.remove_prefix(amp + 1);
  }
  return "";
}

HttpServer::~HttpServer() {
  if (fd_ >= 0) close(fd_);
}

int HttpServer::Listen(const std::string& host_port) {
  std::string host;
  int port = 0;
  if (!SplitHostPort(host_port, &host, &port))
    throw std::runtime_error("bad listen address " + host_port);
  sockaddr_in addr;
  if (!ResolveV4(host, port, &addr)) throw std::runtime_error("cannot resolve " + host);
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("bind " + host_port + ": " + std::strerror(errno));
  if (listen(fd_, 512) != 0)
    throw std::runtime_error(std::string("listen: ") + std::strerror(errno));
  socklen_t len = sizeof addr;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

void HttpServer::Serve(Handler handler) {
  auto shared = std::make_shared<Handler>(std::move(handler));
  for (;;) {
    const int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) {
      if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE) {
        if (errno == EMFILE || errno == ENFILE)
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      throw std::runtime_error(std::string("accept: ") + std::strerror(errno));
    }
    const int one = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::thread([c, shared] { HandleConnection(c, *shared); }).detach();
  }
}

ClientResult HttpGet(const std::string& url, const Headers& headers, int timeout_ms) {
  ClientResult r;
  if (!url.starts_with("http://")) {
    r.error = "only http:// URLs are supported";
    return r;
  }
  const std::string_view rest = std::string_view(url).substr(7);
  const size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  const std::string target = slash == rest.npos ? "/" : std::string(rest.substr(slash));
  std::string host;
  int port = 0;
  sockaddr_in addr;
  if (!SplitHostPort(authority, &host, &port) || !ResolveV4(host, port, &addr)) {
    r.error = "bad URL authority " + std::string(authority);
    return r;
  }
  Fd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.fd < 0 || connect(fd.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    r.error = std::string("connect: ") + std::strerror(errno);
    return r;
  }
  const int one = 1;
  setsockopt(fd.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: " + std::string(authority) +
                    "\r\nConnection: close\r\nAccept: application/json\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  req += "\r\n";
  if (!WriteAll(fd.fd, req)) {
    r.error = std::string("send: ") + std::strerror(errno);
    return r;
  }
  std::string buf;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  // Connection: close, so the response ends at EOF (Content-Length is honoured when present).
  size_t want = std::string::npos;
  const bool ok = ReadUntil(fd.fd, &buf, deadline, [&](const std::string& b) {
    if (want == std::string::npos) {
      const size_t he = b.find("\r\n\r\n");
      if (he == std::string::npos) return false;
      const Headers h = ParseHeaderLines(std::string_view(b).substr(0, he));
      const std::string cl(HeaderValue(h, "content-length"));
      if (cl.empty()) return false;  // read to EOF
      want = he + 4 + std::strtoull(cl.c_str(), nullptr, 10);
    }
    return b.size() >= want;
  });
  const size_t he = buf.find("\r\n\r\n");
  if (!ok || he == std::string::npos || !buf.starts_with("HTTP/1.")) {
    r.error = ok ? "malformed response" : "timeout or read error";
    return r;
  }
  r.status = std::atoi(buf.c_str() + buf.find(' ') + 1);
  const Headers h = ParseHeaderLines(std::string_view(buf).substr(0, he));
  r.body = buf.substr(he + 4);
  if (IEquals(HeaderValue(h, "transfer-encoding"), "chunked")) r.body = DecodeChunked(r.body);
  return r;
}

}  // namespace probe
