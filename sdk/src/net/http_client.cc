#include "net/http_client.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace weft::net {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (Lower(a[i]) != Lower(b[i])) return false;
  return true;
}

bool IStartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && IEquals(s.substr(0, prefix.size()), prefix);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Does a comma-separated header value contain `token` (case-insensitively)?
bool HasToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    if (IEquals(Trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

std::string ErrnoText(int err) { return std::strerror(err); }

// Waits for `events` on fd until the deadline. Returns false on timeout (errno unchanged).
bool WaitFor(const SteadyClock& clock, int fd, short events, SteadyClock::time_point deadline) {
  for (;;) {
    int ms = clock.PollTimeoutMs(deadline);
    if (ms == 0) return false;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, ms);
    if (n > 0) return true;  // ready, or an error/hangup the next call will report
    if (n < 0 && errno != EINTR) return true;
  }
}

// The response head: status line and the headers the client acts on.
struct ResponseHead {
  int status = 0;
  bool http10 = false;
  bool chunked = false;
  bool has_length = false;
  uint64_t content_length = 0;
  bool conn_close = false;
  bool conn_keep_alive = false;
  std::string retry_after;
};

bool ParseHead(std::string_view head, ResponseHead* out, std::string* error) {
  size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  // "HTTP/1.1 200 OK"
  if (!IStartsWith(line, "HTTP/1.") || line.size() < 12 || line[8] != ' ') {
    *error = "bad HTTP status line: " + std::string(line.substr(0, 80));
    return false;
  }
  out->http10 = line[7] == '0';
  int status = 0;
  auto [p, ec] = std::from_chars(line.data() + 9, line.data() + 12, status);
  if (ec != std::errc() || p != line.data() + 12 || status < 100 || status > 999 ||
      (line.size() > 12 && line[12] != ' ')) {
    *error = "bad HTTP status line: " + std::string(line.substr(0, 80));
    return false;
  }
  out->status = status;
  while (eol != std::string_view::npos) {
    head.remove_prefix(eol + 2);
    eol = head.find("\r\n");
    line = head.substr(0, eol);
    if (line.empty()) continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // tolerate junk lines
    std::string_view name = Trim(line.substr(0, colon));
    std::string_view value = Trim(line.substr(colon + 1));
    if (IEquals(name, "content-length")) {
      uint64_t n = 0;
      auto [q, ec2] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec2 != std::errc() || q != value.data() + value.size() ||
          (out->has_length && n != out->content_length)) {
        *error = "bad Content-Length: " + std::string(value.substr(0, 40));
        return false;
      }
      out->has_length = true;
      out->content_length = n;
    } else if (IEquals(name, "transfer-encoding")) {
      if (HasToken(value, "chunked")) out->chunked = true;
    } else if (IEquals(name, "connection")) {
      if (HasToken(value, "close")) out->conn_close = true;
      if (HasToken(value, "keep-alive")) out->conn_keep_alive = true;
    } else if (IEquals(name, "retry-after")) {
      out->retry_after = std::string(value);
    }
  }
  return true;
}

// Incremental decoder for a chunked body in buf[pos...]: appends decoded bytes to *body.
class ChunkedDecoder {
 public:
  enum class State { kNeedMore, kDone, kError };

  State Feed(const std::string& buf, size_t* pos, std::string* body, std::string* error) {
    for (;;) {
      size_t eol = buf.find("\r\n", *pos);
      if (phase_ == Phase::kSize) {
        if (eol == std::string::npos) return TooLong(buf.size() - *pos, error);
        std::string_view line(buf.data() + *pos, eol - *pos);
        line = Trim(line.substr(0, line.find(';')));  // drop chunk extensions
        uint64_t size = 0;
        auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
        if (line.empty() || ec != std::errc() || p != line.data() + line.size()) {
          *error = "bad chunk size line";
          return State::kError;
        }
        *pos = eol + 2;
        if (size == 0) {
          phase_ = Phase::kTrailers;
          continue;
        }
        if (size > kMaxResponseBodyBytes - body->size()) {
          *error = "response body larger than " + std::to_string(kMaxResponseBodyBytes) + " bytes";
          return State::kError;
        }
        remaining_ = size;
        phase_ = Phase::kData;
      } else if (phase_ == Phase::kData) {
        size_t avail = buf.size() - *pos;
        size_t take = avail < remaining_ ? avail : static_cast<size_t>(remaining_);
        body->append(buf, *pos, take);
        *pos += take;
        remaining_ -= take;
        if (remaining_ > 0) return State::kNeedMore;
        if (buf.size() - *pos < 2) return State::kNeedMore;
        if (buf.compare(*pos, 2, "\r\n") != 0) {
          *error = "chunk not followed by CRLF";
          return State::kError;
        }
        *pos += 2;
        phase_ = Phase::kSize;
      } else {  // trailers: header lines up to an empty one
        if (eol == std::string::npos) return TooLong(buf.size() - *pos, error);
        bool empty = eol == *pos;
        *pos = eol + 2;
        if (empty) return State::kDone;
      }
    }
  }

 private:
  enum class Phase { kSize, kData, kTrailers };
  static State TooLong(size_t pending, std::string* error) {
    if (pending <= 4096) return State::kNeedMore;
    *error = "chunk size or trailer line too long";
    return State::kError;
  }
  Phase phase_ = Phase::kSize;
  uint64_t remaining_ = 0;
};

}  // namespace

bool ParseHttpUrl(std::string_view url, Url* out, std::string* error) {
  if (IStartsWith(url, "https://")) {
    *error = "https is not supported; use a local collector or sidecar";
    return false;
  }
  if (!IStartsWith(url, "http://")) {
    *error = "not an http:// URL: " + std::string(url);
    return false;
  }
  std::string_view rest = url.substr(7);
  if (size_t hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  size_t end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, end);
  std::string_view target = end == std::string_view::npos ? "" : rest.substr(end);
  if (authority.find('@') != std::string_view::npos) {
    *error = "user info in URLs is not supported";
    return false;
  }
  Url u;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      *error = "unterminated [IPv6] host in URL";
      return false;
    }
    u.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        *error = "junk after [IPv6] host in URL";
        return false;
      }
      port_text = after.substr(1);
      if (port_text.empty()) port_text = "80";
    }
  } else {
    size_t colon = authority.find(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) port_text = "80";
    }
  }
  if (u.host.empty()) {
    *error = "no host in URL: " + std::string(url);
    return false;
  }
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || p != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      *error = "bad port in URL: " + std::string(port_text);
      return false;
    }
    u.port = static_cast<uint16_t>(port);
  }
  u.path = target.empty() ? "/" : (target.front() == '?' ? "/" : "") + std::string(target);
  *out = std::move(u);
  return true;
}

HttpClient::HttpClient(std::string host, uint16_t port, std::chrono::milliseconds timeout,
                       const SteadyClock* clock)
    : host_(std::move(host)),
      port_(port),
      timeout_(timeout),
      clock_(clock ? clock : &SystemSteadyClock()) {}

HttpClient::~HttpClient() { Close(); }

void HttpClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool HttpClient::Connect(Clock::time_point deadline, std::string* error) {
  Close();
  const std::string where = host_ + ":" + std::to_string(port_);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
  addrinfo* addrs = nullptr;
  int rc = ::getaddrinfo(host_.c_str(), std::to_string(port_).c_str(), &hints, &addrs);
  if (rc != 0) {
    *error = "resolve " + host_ + ": " + ::gai_strerror(rc);
    return false;
  }
  *error = "connect to " + where + ": no address";
  for (addrinfo* a = addrs; a; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      *error = "socket: " + ErrnoText(errno);
      continue;
    }
    int err = 0;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      err = errno;
      if (err == EINPROGRESS || err == EINTR) {
        if (!WaitFor(*clock_, fd, POLLOUT, deadline)) {
          ::close(fd);
          *error =
              "connect to " + where + ": timeout after " + std::to_string(timeout_.count()) + " ms";
          break;  // the deadline is spent; other addresses cannot help
        }
        socklen_t len = sizeof err;
        if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      }
    }
    if (err != 0) {
      ::close(fd);
      *error = "connect to " + where + ": " + ErrnoText(err);
      continue;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fd_ = fd;
    break;
  }
  ::freeaddrinfo(addrs);
  if (fd_ < 0) return false;
  error->clear();
  return true;
}

// An idle kept-alive connection should have nothing to read; readable means the server
// closed it (EOF), reset it, or sent something unsolicited — in every case reconnect rather
// than send into it.
bool HttpClient::IdleConnectionUsable() {
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

HttpResult HttpClient::Request(std::string_view method, std::string_view path,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               std::string_view body) {
  const Clock::time_point deadline = clock_->Now() + timeout_;
  std::string head;
  head.reserve(128 + path.size() + 64 * headers.size());
  head.append(method).append(" ").append(path.empty() ? "/" : path).append(" HTTP/1.1\r\nHost: ");
  if (host_.find(':') != std::string::npos) {
    head.append("[").append(host_).append("]");
  } else {
    head.append(host_);
  }
  head.append(":").append(std::to_string(port_)).append("\r\n");
  for (const auto& [name, value] : headers)
    head.append(name).append(": ").append(value).append("\r\n");
  head.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n");
  const bool is_head = method == "HEAD";

  HttpResult result;
  bool reused = fd_ >= 0 && IdleConnectionUsable();
  if (!reused && !Connect(deadline, &result.error)) return result;
  Outcome outcome = Attempt(head, body, is_head, reused, deadline, &result);
  if (outcome == Outcome::kStale) {
    result = HttpResult{};
    if (!Connect(deadline, &result.error)) return result;
    Attempt(head, body, is_head, /*reused=*/false, deadline, &result);
  }
  return result;
}

HttpClient::Outcome HttpClient::Attempt(std::string_view head, std::string_view body, bool is_head,
                                        bool reused, Clock::time_point deadline,
                                        HttpResult* result) {
  auto fail = [&](std::string message) {
    Close();
    result->status = 0;
    result->body.clear();
    result->error = std::move(message);
    return Outcome::kFailed;
  };
  auto timeout = [&](const char* phase) {
    return fail(std::string("timeout after ") + std::to_string(timeout_.count()) + " ms (" + phase +
                ")");
  };
  // On a reused connection, a failure before any response byte means the server dropped the
  // idle connection: the caller retries once on a fresh one.
  auto broken = [&](int err, bool got_bytes) {
    if (reused && !got_bytes) {
      Close();
      return Outcome::kStale;
    }
    return fail(err ? "connection to " + host_ + ":" + std::to_string(port_) + ": " + ErrnoText(err)
                    : "connection closed by " + host_ + ":" + std::to_string(port_) +
                          " before the response was complete");
  };

  // --- send: head and body in one sendmsg (a writev with MSG_NOSIGNAL) ---
  iovec iov[2] = {{const_cast<char*>(head.data()), head.size()},
                  {const_cast<char*>(body.data()), body.size()}};
  int iovcnt = body.empty() ? 1 : 2;
  iovec* next = iov;
  while (iovcnt > 0) {
    msghdr msg{};
    msg.msg_iov = next;
    msg.msg_iovlen = static_cast<size_t>(iovcnt);
    ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!WaitFor(*clock_, fd_, POLLOUT, deadline)) return timeout("send");
        continue;
      }
      return broken(errno, false);
    }
    size_t left = static_cast<size_t>(n);
    while (iovcnt > 0 && left >= next->iov_len) {
      left -= next->iov_len;
      ++next;
      --iovcnt;
    }
    if (iovcnt > 0) {
      next->iov_base = static_cast<char*>(next->iov_base) + left;
      next->iov_len -= left;
    }
  }

  // --- receive ---
  buf_.clear();
  bool eof = false;
  bool got_any = false;  // any response byte at all (buf_ is trimmed while decoding chunks)
  // Reads once more into buf_. Returns false on timeout or error (after setting the outcome).
  Outcome failed_outcome = Outcome::kFailed;
  auto read_more = [&]() -> bool {
    for (;;) {
      const size_t old = buf_.size();
      buf_.resize(old + 64 * 1024);
      ssize_t n = ::recv(fd_, buf_.data() + old, 64 * 1024, 0);
      const int err = errno;
      buf_.resize(old + (n > 0 ? static_cast<size_t>(n) : 0));
      if (n > 0) {
        got_any = true;
        return true;
      }
      if (n == 0) {
        eof = true;
        return true;
      }
      if (err == EINTR) continue;
      if (err == EAGAIN || err == EWOULDBLOCK) {
        if (!WaitFor(*clock_, fd_, POLLIN, deadline)) {
          failed_outcome = timeout("receive");
          return false;
        }
        continue;
      }
      failed_outcome = broken(err, got_any);
      return false;
    }
  };

  ResponseHead rh;
  size_t body_start = 0;
  for (;;) {  // skip interim 1xx responses
    size_t end;
    while ((end = buf_.find("\r\n\r\n", body_start)) == std::string::npos) {
      if (buf_.size() - body_start > kMaxResponseHeaderBytes)
        return fail("response header larger than " + std::to_string(kMaxResponseHeaderBytes) +
                    " bytes");
      if (eof) return broken(0, got_any);
      if (!read_more()) return failed_outcome;
    }
    rh = ResponseHead{};
    std::string error;
    if (!ParseHead(std::string_view(buf_).substr(body_start, end + 2 - body_start), &rh, &error))
      return fail(std::move(error));
    body_start = end + 4;
    if (rh.status >= 200 || rh.status == 101) break;
  }
  if (rh.status == 101) return fail("unexpected 101 Switching Protocols");

  std::string& out = result->body;
  out.clear();
  bool keep = !(rh.conn_close || (rh.http10 && !rh.conn_keep_alive));
  if (is_head || rh.status == 204 || rh.status == 304) {
    // no body
  } else if (rh.chunked) {
    ChunkedDecoder decoder;
    size_t pos = body_start;
    for (;;) {
      std::string error;
      ChunkedDecoder::State s = decoder.Feed(buf_, &pos, &out, &error);
      if (s == ChunkedDecoder::State::kDone) break;
      if (s == ChunkedDecoder::State::kError) return fail(std::move(error));
      // Drop consumed bytes so the buffer does not hold the body twice.
      buf_.erase(0, pos);
      pos = 0;
      if (eof) return broken(0, true);
      if (!read_more()) return failed_outcome;
    }
    if (pos != buf_.size()) keep = false;  // bytes beyond the response: do not trust the stream
  } else if (rh.has_length) {
    if (rh.content_length > kMaxResponseBodyBytes)
      return fail("response body larger than " + std::to_string(kMaxResponseBodyBytes) + " bytes");
    const size_t total = body_start + static_cast<size_t>(rh.content_length);
    while (buf_.size() < total) {
      if (eof) return broken(0, true);
      if (!read_more()) return failed_outcome;
    }
    if (buf_.size() != total) keep = false;
    out.assign(buf_, body_start, static_cast<size_t>(rh.content_length));
  } else {  // read to close
    keep = false;
    while (!eof) {
      if (buf_.size() - body_start > kMaxResponseBodyBytes)
        return fail("response body larger than " + std::to_string(kMaxResponseBodyBytes) +
                    " bytes");
      if (!read_more()) return failed_outcome;
    }
    out.assign(buf_, body_start);
  }
  if (eof) keep = false;
  if (!keep) Close();
  if (buf_.capacity() > 1024 * 1024) std::string().swap(buf_);  // do not pin a huge buffer
  result->status = rh.status;
  result->retry_after = std::move(rh.retry_after);
  result->error.clear();
  return Outcome::kDone;
}

}  // namespace weft::net
