// weft-proxy-upstream: the upstream of bench/proxy_bench.sh. A tiny single-threaded epoll
// HTTP/1.1 server that answers every request with the same small 200, keeps connections alive
// and handles pipelining, so that the proxies compared (weft sidecar, HAProxy, nginx) are what
// the numbers measure and not the service behind them.
//
// Usage: weft-proxy-upstream [--listen HOST:PORT] [--ports-file FILE] [--body-bytes N]
//   --listen      address to bind (default 127.0.0.1:0; port 0 picks a free one)
//   --ports-file  after binding, write {"listen":"127.0.0.1:PORT"} to FILE
//   --body-bytes  size of the response body (default 13: "hello, world\n" repeated/cut)
// Request bodies are read and ignored when they have a Content-Length; a chunked request body
// is answered 411 and the connection closed (the benchmark sends GETs). SIGTERM/SIGINT: exit 0.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>

namespace {

volatile sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

struct Conn {
  std::string in;
  std::string out;
  size_t body_left = 0;  // bytes of a request body still to skip
  bool close_after = false;
  bool want_write = false;
};

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Consumes complete requests from c.in, appending one response per request to c.out.
void Process(Conn& c, const std::string& ok_response) {
  static const std::string k411 =
      "HTTP/1.1 411 Length Required\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  size_t pos = 0;
  for (;;) {
    if (c.body_left > 0) {
      size_t n = std::min(c.body_left, c.in.size() - pos);
      pos += n;
      c.body_left -= n;
      if (c.body_left > 0) break;
    }
    if (c.close_after) break;
    size_t end = c.in.find("\r\n\r\n", pos);
    if (end == std::string::npos) break;
    std::string_view head(c.in.data() + pos, end - pos);
    pos = end + 4;
    size_t eol = head.find("\r\n");
    std::string_view line = head.substr(0, eol);
    bool http10 = line.size() >= 8 && line.substr(line.size() - 8) == "HTTP/1.0";
    bool keep_alive_10 = false;
    bool chunked = false;
    size_t content_length = 0;
    while (eol != std::string_view::npos) {
      head.remove_prefix(eol + 2);
      eol = head.find("\r\n");
      std::string_view h = head.substr(0, eol);
      size_t colon = h.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view name = Trim(h.substr(0, colon)), value = Trim(h.substr(colon + 1));
      if (IEquals(name, "content-length")) {
        content_length = std::strtoull(std::string(value).c_str(), nullptr, 10);
      } else if (IEquals(name, "transfer-encoding")) {
        chunked = !IEquals(value, "identity");
      } else if (IEquals(name, "connection")) {
        if (IEquals(value, "close")) c.close_after = true;
        if (IEquals(value, "keep-alive")) keep_alive_10 = true;
      }
    }
    if (chunked) {
      c.out += k411;
      c.close_after = true;
      break;
    }
    if (http10 && !keep_alive_10) c.close_after = true;
    c.body_left = content_length;
    c.out += ok_response;
  }
  c.in.erase(0, pos);
}

bool ParseAddr(const std::string& s, sockaddr_in* sa) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  std::memset(sa, 0, sizeof(*sa));
  sa->sin_family = AF_INET;
  sa->sin_port = htons(static_cast<uint16_t>(std::atoi(s.c_str() + colon + 1)));
  std::string host = s.substr(0, colon);
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  return inet_pton(AF_INET, host.c_str(), &sa->sin_addr) == 1;
}

void Usage() {
  std::fprintf(stderr,
               "usage: weft-proxy-upstream [--listen HOST:PORT] [--ports-file FILE] [--body-bytes N]\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen_addr = "127.0.0.1:0", ports_file;
  size_t body_bytes = 13;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      Usage();
      return 0;
    }
    if (i + 1 >= argc) {
      Usage();
      return 2;
    }
    if (a == "--listen") {
      listen_addr = argv[++i];
    } else if (a == "--ports-file") {
      ports_file = argv[++i];
    } else if (a == "--body-bytes") {
      body_bytes = std::strtoull(argv[++i], nullptr, 10);
    } else {
      Usage();
      return 2;
    }
  }
  std::string body;
  static const char kText[] = "hello, world\n";
  while (body.size() < body_bytes) body += kText;
  body.resize(body_bytes);
  const std::string ok = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n" + body;

  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  sockaddr_in addr{};
  if (!ParseAddr(listen_addr, &addr)) {
    std::fprintf(stderr, "weft-proxy-upstream: bad --listen %s\n", listen_addr.c_str());
    return 2;
  }
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(lfd, 4096) != 0) {
    std::fprintf(stderr, "weft-proxy-upstream: cannot listen on %s: %s\n", listen_addr.c_str(),
                 std::strerror(errno));
    return 1;
  }
  socklen_t len = sizeof(addr);
  getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len);
  char host[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &addr.sin_addr, host, sizeof(host));
  std::string bound = std::string(host) + ":" + std::to_string(ntohs(addr.sin_port));
  if (!ports_file.empty()) {
    std::string tmp = ports_file + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "w");
    if (f == nullptr) {
      std::fprintf(stderr, "weft-proxy-upstream: cannot write %s\n", tmp.c_str());
      return 1;
    }
    std::fprintf(f, "{\"listen\":\"%s\"}\n", bound.c_str());
    std::fclose(f);
    std::rename(tmp.c_str(), ports_file.c_str());
  }
  std::printf("listening %s\n", bound.c_str());
  std::fflush(stdout);

  int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = lfd;
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  std::unordered_map<int, Conn> conns;
  char buf[65536];
  epoll_event events[256];

  auto close_conn = [&](int fd) {
    epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
    close(fd);
    conns.erase(fd);
  };

  while (!g_stop) {
    int n = epoll_wait(ep, events, 256, 500);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      if (fd == lfd) {
        for (;;) {
          int cfd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (cfd < 0) break;
          setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
          epoll_event cev{};
          cev.events = EPOLLIN | EPOLLRDHUP;
          cev.data.fd = cfd;
          epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &cev);
          conns.emplace(cfd, Conn{});
        }
        continue;
      }
      auto it = conns.find(fd);
      if (it == conns.end()) continue;
      Conn& c = it->second;
      bool dead = (events[i].events & EPOLLERR) != 0;
      if (!dead && (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))) {
        bool eof = false;
        for (;;) {
          ssize_t r = read(fd, buf, sizeof(buf));
          if (r > 0) {
            c.in.append(buf, static_cast<size_t>(r));
            if (static_cast<size_t>(r) < sizeof(buf)) break;
          } else if (r == 0) {
            eof = true;
            break;
          } else {
            if (errno != EAGAIN && errno != EINTR) dead = true;
            break;
          }
        }
        if (!dead) Process(c, ok);
        if (eof) c.close_after = true;  // answer what came before the FIN, then close
      }
      while (!dead && !c.out.empty()) {
        ssize_t w = write(fd, c.out.data(), c.out.size());
        if (w > 0) {
          c.out.erase(0, static_cast<size_t>(w));
        } else if (w < 0 && errno == EINTR) {
          continue;
        } else if (w < 0 && errno == EAGAIN) {
          break;
        } else {
          dead = true;
        }
      }
      if (!dead && c.out.empty() && c.close_after) dead = true;
      if (dead) {
        close_conn(fd);
        continue;
      }
      bool want_write = !c.out.empty();
      if (want_write != c.want_write) {
        c.want_write = want_write;
        epoll_event mev{};
        mev.events = EPOLLIN | EPOLLRDHUP | (want_write ? EPOLLOUT : 0u);
        mev.data.fd = fd;
        epoll_ctl(ep, EPOLL_CTL_MOD, fd, &mev);
      }
    }
  }
  for (auto& [fd, c] : conns) close(fd);
  close(lfd);
  close(ep);
  return 0;
}
