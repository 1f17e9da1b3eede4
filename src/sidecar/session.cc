#include "sidecar/session.h"

#include <array>
#include <charconv>

#include "sidecar/options.h"
#include "sidecar/worker.h"

namespace weft::sidecar {
namespace {

constexpr size_t kBufferBytes = 16 * 1024;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::string_view Reason(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 508: return "Loop Detected";
    default: return "Error";
  }
}

int StatusFor(ErrorKind k) {
  switch (k) {
    case ErrorKind::kBadRequest:
    case ErrorKind::kBadTarget: return 400;
    case ErrorKind::kHeaderTooLarge: return 431;
    case ErrorKind::kBodyTooLarge: return 413;
    case ErrorKind::kHeaderTimeout: return 408;
    case ErrorKind::kUpstreamTimeout: return 504;
    default: return 502;
  }
}

std::string_view ErrorText(ErrorKind k) {
  switch (k) {
    case ErrorKind::kUpstreamConnect: return "weft sidecar: cannot connect to the upstream\n";
    case ErrorKind::kUpstreamTimeout: return "weft sidecar: the upstream did not answer in time\n";
    case ErrorKind::kUpstreamReset: return "weft sidecar: the upstream closed the connection\n";
    case ErrorKind::kUpstreamBadResponse: return "weft sidecar: unreadable upstream response\n";
    case ErrorKind::kDns: return "weft sidecar: the host does not resolve\n";
    case ErrorKind::kBodyTooLarge: return "weft sidecar: request body too large\n";
    case ErrorKind::kBadRequest: return "weft sidecar: malformed request\n";
    case ErrorKind::kBadTarget: return "weft sidecar: no usable target host\n";
    default: return "weft sidecar: error\n";
  }
}

void AppendField(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

size_t StatusClass(int status) {
  if (status < 100 || status > 599) return 4;
  return static_cast<size_t>(status / 100 - 1);
}

}  // namespace

Session::Session(Worker& worker, Socket socket, Direction dir)
    : w_(worker),
      cfg_(worker.cfg()),
      dir_(dir),
      st_(worker.stats()[dir]),
      client_(std::move(socket)),
      in_(kBufferBytes),
      timer_(worker.executor()) {
  st_.connections_open.Add();
  error_code ec;
  const tcp::endpoint peer = client_.remote_endpoint(ec);
  if (!ec) {
    peer_address_ = peer.address().to_string();
    peer_port_ = peer.port();
  }
  out_.reserve(2048);
  name_.reserve(128);
}

Session::~Session() { st_.connections_open.Sub(); }

void Session::Start(std::shared_ptr<Session> s) {
  s->w_.Attach(s.get());
  s->attached_ = true;
  asio::co_spawn(
      s->w_.executor(),
      [](std::shared_ptr<Session> self) -> Task<void> {
        co_await self->Loop();
        error_code ec;
        self->closed_ = true;
        self->timer_.cancel();
        self->DropUpstream();
        self->client_.close(ec);
        if (self->attached_) {
          self->w_.Detach(self.get());
          self->attached_ = false;
        }
      }(s),
      asio::detached);
}

void Session::OnDrain() {
  if (idle_) CancelIo();
}

void Session::Abort() {
  closed_ = true;
  error_code ec;
  client_.close(ec);
  if (up_) up_->socket.close(ec);
  if (resolver_) resolver_->cancel();
  timer_.cancel();
}

// --- deadline ---

void Session::Arm(Phase phase, std::chrono::nanoseconds d) {
  phase_ = phase;
  timed_out_ = false;
  deadline_ = SteadyClock::now() + d;
  if (!timer_pending_) {
    timer_.expires_at(deadline_);
    StartTimer();
  } else if (deadline_ < timer_.expiry()) {
    timer_.expires_at(deadline_);  // the pending wait ends (aborted) and re-arms
  }
}

void Session::StartTimer() {
  timer_pending_ = true;
  timer_.async_wait(
      [self = shared_from_this()](const error_code& ec) { self->OnTimer(ec); });
}

void Session::OnTimer(const error_code&) {
  timer_pending_ = false;
  if (closed_ || deadline_ == SteadyClock::time_point::max()) return;
  if (SteadyClock::now() >= deadline_) {
    timed_out_ = true;
    deadline_ = SteadyClock::time_point::max();
    CancelIo();
    return;
  }
  timer_.expires_at(deadline_);
  StartTimer();
}

void Session::CancelIo() {
  error_code ec;
  client_.cancel(ec);
  if (up_) up_->socket.cancel(ec);
  if (resolver_) resolver_->cancel();
}

// --- request loop ---

Task<void> Session::Loop() {
  bool first = true;
  while (!closed_) {
    if (co_await ReadRequestHead(first) != HeadRead::kOk) co_return;
    first = false;
    st_.requests.Add();
    const bool keep = co_await HandleRequest();
    if (!keep || closed_) co_return;
  }
}

Task<Session::HeadRead> Session::ReadRequestHead(bool first) {
  error_code ec;
  parser_.Reset();
  if (in_.empty()) {
    // Between requests: wait for the first byte (idle timeout); a new connection's first
    // request has the header timeout from accept.
    if (w_.draining()) co_return HeadRead::kClose;
    idle_ = true;
    if (first)
      Arm(Phase::kHeader, cfg_.header_timeout);
    else
      Arm(Phase::kIdle, cfg_.idle_timeout);
    in_.Clear();
    const size_t n =
        co_await client_.async_read_some(asio::buffer(in_.WritePtr(), in_.Room()), Await(ec));
    idle_ = false;
    if (ec) {
      if (timed_out_ && first) st_.Error(ErrorKind::kHeaderTimeout);
      co_return HeadRead::kClose;
    }
    in_.Commit(n);
    st_.downstream_bytes_in.Add(n);
    if (!first) Arm(Phase::kHeader, cfg_.header_timeout);
  } else {
    Arm(Phase::kHeader, cfg_.header_timeout);  // a pipelined request
  }
  const size_t max_buffer = std::max(cfg_.max_header_bytes + 1, kBufferBytes);
  for (;;) {
    const ParseStatus s = parser_.ParseRequest(in_.data(), in_.size(), cfg_.max_header_bytes, &req_);
    switch (s) {
      case ParseStatus::kOk:
        co_return HeadRead::kOk;
      case ParseStatus::kIncomplete:
        break;
      case ParseStatus::kTooLarge:
        st_.requests.Add();
        st_.Error(ErrorKind::kHeaderTooLarge);
        co_await SendError(431, "weft sidecar: request header fields too large\n", false);
        co_await LingeringClose();
        co_return HeadRead::kClose;
      case ParseStatus::kBad:
      case ParseStatus::kBadVersion: {
        st_.requests.Add();
        st_.Error(ErrorKind::kBadRequest);
        std::string text = "weft sidecar: malformed request: ";
        text += s == ParseStatus::kBadVersion ? "unsupported HTTP version" : parser_.error();
        text += '\n';
        co_await SendError(s == ParseStatus::kBadVersion ? 505 : 400, text, false);
        co_await LingeringClose();
        co_return HeadRead::kClose;
      }
    }
    if (in_.MakeRoom(1024, max_buffer) == 0) {
      st_.requests.Add();
      st_.Error(ErrorKind::kHeaderTooLarge);
      co_await SendError(431, "weft sidecar: request header fields too large\n", false);
      co_await LingeringClose();
      co_return HeadRead::kClose;
    }
    const size_t n =
        co_await client_.async_read_some(asio::buffer(in_.WritePtr(), in_.Room()), Await(ec));
    if (ec) {
      if (timed_out_) {
        // Slow or stalled head (slowloris): 408 and close.
        st_.requests.Add();
        st_.Error(ErrorKind::kHeaderTimeout);
        co_await SendError(408, "weft sidecar: request head not received in time\n", false);
      }
      co_return HeadRead::kClose;
    }
    in_.Commit(n);
    st_.downstream_bytes_in.Add(n);
  }
}

Task<void> Session::SendError(int status, std::string_view text, bool keep) {
  if (closed_) co_return;
  out_.clear();
  out_.append("HTTP/1.1 ");
  char num[8];
  const auto r = std::to_chars(num, num + sizeof num, status);
  out_.append(num, r.ptr);
  out_.push_back(' ');
  out_.append(Reason(status));
  out_.append("\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ");
  const auto r2 = std::to_chars(num, num + sizeof num, text.size());
  out_.append(num, r2.ptr);
  out_.append(keep ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n");
  out_.append(text);
  Arm(Phase::kClientWrite, cfg_.header_timeout);
  error_code ec;
  const size_t n = co_await asio::async_write(client_, asio::buffer(out_), Await(ec));
  st_.downstream_bytes_out.Add(n);
  st_.responses[StatusClass(status)].Add();
}

// Half-closes, then reads and discards what the client is still sending for a moment, so
// closing does not reset the connection before the client has read the answer.
Task<void> Session::LingeringClose() {
  if (closed_) co_return;
  error_code ec;
  client_.shutdown(tcp::socket::shutdown_send, ec);
  Arm(Phase::kClientRead, std::min<std::chrono::nanoseconds>(cfg_.header_timeout,
                                                             std::chrono::seconds(2)));
  size_t drained = 0;
  while (!ec && drained < (1u << 20)) {
    in_.Clear();
    drained += co_await client_.async_read_some(asio::buffer(in_.WritePtr(), in_.Room()), Await(ec));
  }
}

// --- forwarding ---

void Session::DropUpstream() {
  if (!up_) return;
  error_code ec;
  up_->socket.close(ec);
  up_.reset();
}

void Session::ReleaseUpstream(std::string_view key) {
  if (!up_) return;
  if (w_.draining())
    DropUpstream();
  else
    w_.pool().Put(key, std::move(up_));
}

Task<bool> Session::Connect(Exchange& x) {
  error_code ec;
  Arm(Phase::kUpstream, cfg_.upstream_timeout);
  std::vector<tcp::endpoint> resolved;
  const std::vector<tcp::endpoint>* eps = x.endpoints;
  if (!eps) {
    const asio::ip::address literal = asio::ip::make_address(std::string(x.target_host), ec);
    if (!ec) {
      resolved.emplace_back(literal, x.target_port);
    } else {
      if (!resolver_) resolver_.emplace(w_.executor());
      auto results = co_await resolver_->async_resolve(
          std::string(x.target_host), std::to_string(x.target_port), Await(ec));
      if (ec || results.empty()) {
        x.error = timed_out_ ? ErrorKind::kUpstreamTimeout : ErrorKind::kDns;
        co_return false;
      }
      for (const auto& r : results) resolved.push_back(r.endpoint());
    }
    eps = &resolved;
  }
  up_ = std::make_unique<UpstreamConn>(w_.executor(), &st_.upstream_open, kBufferBytes);
  ec = asio::error::host_not_found;
  for (const tcp::endpoint& ep : *eps) {
    if (up_->socket.is_open()) {
      error_code ignored;
      up_->socket.close(ignored);
    }
    co_await up_->socket.async_connect(ep, Await(ec));
    if (!ec) {
      up_->peer_address = ep.address().to_string();
      up_->peer_port = ep.port();
      break;
    }
    if (timed_out_ || closed_) break;
  }
  if (ec) {
    x.error = timed_out_ ? ErrorKind::kUpstreamTimeout : ErrorKind::kUpstreamConnect;
    DropUpstream();
    co_return false;
  }
  up_->socket.set_option(tcp::no_delay(true), ec);
  st_.upstream_new.Add();
  co_return true;
}

// 0: a response head is in up_->head. 1: the connection failed before any response byte
// (retryable on a fresh connection for a body-less request). 2: failed (x.error set).
Task<int> Session::ReadResponseHead(Exchange& x) {
  error_code ec;
  UpstreamConn& up = *up_;
  up.parser.Reset();
  bool got_bytes = false;
  const size_t max_buffer = std::max(cfg_.max_response_header_bytes + 1, kBufferBytes);
  for (;;) {
    if (!up.in.empty()) {
      const ParseStatus s =
          up.parser.ParseResponse(up.in.data(), up.in.size(), cfg_.max_response_header_bytes, &up.head);
      if (s == ParseStatus::kOk) {
        const int status = up.head.status;
        if (status >= 100 && status < 200 && status != 101) {
          // Interim response (100, 102, 103): pass it on to an HTTP/1.1 client.
          // (100 Continue is not: the sidecar answers Expect itself and does not forward it.)
          if (x.client_minor >= 1 && status != 100) {
            Arm(Phase::kClientWrite, cfg_.idle_timeout);
            const size_t n = co_await asio::async_write(
                client_, asio::buffer(up.in.data(), up.head.head_bytes), Await(ec));
            st_.downstream_bytes_out.Add(n);
            if (ec) {
              x.error = ErrorKind::kClientAbort;
              co_return 2;
            }
          }
          up.in.Consume(up.head.head_bytes);
          up.parser.Reset();
          continue;
        }
        co_return 0;
      }
      if (s != ParseStatus::kIncomplete) {
        x.error = ErrorKind::kUpstreamBadResponse;
        co_return 2;
      }
    }
    if (up.in.MakeRoom(1024, max_buffer) == 0) {
      x.error = ErrorKind::kUpstreamBadResponse;
      co_return 2;
    }
    Arm(Phase::kUpstream, cfg_.upstream_timeout);
    const size_t n =
        co_await up.socket.async_read_some(asio::buffer(up.in.WritePtr(), up.in.Room()), Await(ec));
    if (ec) {
      if (timed_out_) {
        x.error = ErrorKind::kUpstreamTimeout;
        co_return 2;
      }
      x.error = closed_ ? ErrorKind::kClientAbort : ErrorKind::kUpstreamReset;
      co_return got_bytes || closed_ ? 2 : 1;
    }
    got_bytes = true;
    up.in.Commit(n);
    st_.upstream_bytes_in.Add(n);
  }
}

Task<bool> Session::RelayRequestBody(Exchange& x, BodyFramer& body) {
  error_code ec;
  if (x.expect_continue) {
    x.expect_continue = false;
    Arm(Phase::kClientWrite, cfg_.idle_timeout);
    const size_t n = co_await asio::async_write(client_, asio::buffer(kContinue), Await(ec));
    st_.downstream_bytes_out.Add(n);
    if (ec) {
      x.error = ErrorKind::kClientAbort;
      co_return false;
    }
  }
  while (!body.done()) {
    if (in_.empty()) {
      in_.Clear();
      Arm(Phase::kClientRead, cfg_.idle_timeout);
      const size_t n =
          co_await client_.async_read_some(asio::buffer(in_.WritePtr(), in_.Room()), Await(ec));
      if (ec) {
        x.error = ErrorKind::kClientAbort;
        co_return false;
      }
      in_.Commit(n);
      st_.downstream_bytes_in.Add(n);
    }
    const size_t n = body.Feed(in_.data(), in_.size());
    if (body.error()) {
      x.error = ErrorKind::kBadRequest;
      co_return false;
    }
    if (cfg_.max_body_bytes && body.payload_bytes() > cfg_.max_body_bytes) {
      x.error = ErrorKind::kBodyTooLarge;
      co_return false;
    }
    Arm(Phase::kUpstream, cfg_.upstream_timeout);
    const size_t w = co_await asio::async_write(up_->socket, asio::buffer(in_.data(), n), Await(ec));
    st_.upstream_bytes_out.Add(w);
    if (ec) {
      x.error = timed_out_ ? ErrorKind::kUpstreamTimeout
                           : (closed_ ? ErrorKind::kClientAbort : ErrorKind::kUpstreamReset);
      co_return false;
    }
    in_.Consume(n);
  }
  co_return true;
}

Task<void> Session::Forward(Exchange& x) {
  error_code ec;
  BodyFramer req_body;
  req_body.ForRequest(req_);
  x.bodyless = req_body.done();
  in_.Consume(req_.head_bytes);  // req_'s views are not to be used from here on
  for (int attempt = 0;; ++attempt) {
    up_ = w_.pool().Take(x.pool_key, /*verify=*/!x.bodyless);
    if (up_) {
      st_.upstream_reused.Add();
    } else if (!co_await Connect(x)) {
      co_return;
    }
    // The head, with whatever body bytes have arrived with it, in one write.
    const size_t first = req_body.Feed(in_.data(), in_.size());
    if (req_body.error()) {
      x.error = ErrorKind::kBadRequest;
      DropUpstream();
      co_return;
    }
    if (cfg_.max_body_bytes && req_body.payload_bytes() > cfg_.max_body_bytes) {
      x.error = ErrorKind::kBodyTooLarge;
      DropUpstream();
      co_return;
    }
    Arm(Phase::kUpstream, cfg_.upstream_timeout);
    const std::array<asio::const_buffer, 2> head_and_body{asio::buffer(out_),
                                                          asio::buffer(in_.data(), first)};
    const size_t w = co_await asio::async_write(up_->socket, head_and_body, Await(ec));
    st_.upstream_bytes_out.Add(w);
    const bool retryable = attempt == 0 && up_->reused && x.bodyless && !closed_;
    if (ec) {
      if (retryable && !timed_out_) {
        st_.upstream_retries.Add();
        DropUpstream();
        continue;
      }
      x.error = timed_out_ ? ErrorKind::kUpstreamTimeout
                           : (closed_ ? ErrorKind::kClientAbort : ErrorKind::kUpstreamReset);
      DropUpstream();
      co_return;
    }
    in_.Consume(first);
    if (!req_body.done() && !co_await RelayRequestBody(x, req_body)) {
      x.request_body = req_body.payload_bytes();
      DropUpstream();
      co_return;
    }
    x.request_body = req_body.payload_bytes();
    const int r = co_await ReadResponseHead(x);
    if (r == 1 && retryable) {
      x.error = ErrorKind::kNone;
      st_.upstream_retries.Add();
      DropUpstream();
      continue;
    }
    if (r != 0) {
      DropUpstream();
      co_return;
    }
    break;
  }

  UpstreamConn& up = *up_;
  const MessageHead& res = up.head;
  x.status = res.status;
  if (dir_ == Direction::kEgress) {
    x.peer_address = up.peer_address;
    x.peer_port = up.peer_port;
  }
  if (res.status == 101) {
    if (!x.upgrade) {
      x.error = ErrorKind::kUpstreamBadResponse;
      DropUpstream();
      co_return;
    }
    BuildResponseHead(res, true, true, x.client_minor);
    up.in.Consume(res.head_bytes);
    Arm(Phase::kClientWrite, cfg_.idle_timeout);
    const size_t n = co_await asio::async_write(client_, asio::buffer(out_), Await(ec));
    st_.downstream_bytes_out.Add(n);
    x.responded = true;
    if (ec) {
      x.error = ErrorKind::kClientAbort;
      DropUpstream();
      co_return;
    }
    st_.tunnels.Add();
    x.tunnel = true;
    co_await Tunnel(x);
    DropUpstream();
    x.keep_client = false;
    co_return;
  }

  BodyFramer res_body;
  res_body.ForResponse(res, x.head_request);
  const bool until_close = res_body.kind() == BodyFramer::Kind::kUntilClose;
  const bool upstream_keep = res.KeepAlive() && !until_close;
  bool keep = x.client_keep_alive && !until_close && !w_.draining();
  BuildResponseHead(res, keep, false, x.client_minor);
  up.in.Consume(res.head_bytes);
  size_t chunk = res_body.Feed(up.in.data(), up.in.size());
  std::array<asio::const_buffer, 2> bufs{asio::buffer(out_), asio::buffer(up.in.data(), chunk)};
  Arm(Phase::kClientWrite, cfg_.idle_timeout);
  size_t n = co_await asio::async_write(client_, bufs, Await(ec));
  st_.downstream_bytes_out.Add(n);
  x.responded = true;
  if (ec) {
    x.error = ErrorKind::kClientAbort;
    DropUpstream();
    co_return;
  }
  up.in.Consume(chunk);
  while (!res_body.done()) {
    if (res_body.error()) {
      x.error = ErrorKind::kUpstreamBadResponse;
      break;
    }
    if (up.in.empty()) {
      up.in.Clear();
      Arm(Phase::kUpstream, cfg_.upstream_timeout);
      n = co_await up.socket.async_read_some(asio::buffer(up.in.WritePtr(), up.in.Room()), Await(ec));
      if (ec == asio::error::eof) {
        res_body.OnEof();
        if (res_body.done()) break;
        x.error = ErrorKind::kUpstreamReset;
        break;
      }
      if (ec) {
        x.error = timed_out_ ? ErrorKind::kUpstreamTimeout
                             : (closed_ ? ErrorKind::kClientAbort : ErrorKind::kUpstreamReset);
        break;
      }
      up.in.Commit(n);
      st_.upstream_bytes_in.Add(n);
    }
    chunk = res_body.Feed(up.in.data(), up.in.size());
    if (chunk == 0) continue;
    Arm(Phase::kClientWrite, cfg_.idle_timeout);
    n = co_await asio::async_write(client_, asio::buffer(up.in.data(), chunk), Await(ec));
    st_.downstream_bytes_out.Add(n);
    if (ec) {
      x.error = ErrorKind::kClientAbort;
      break;
    }
    up.in.Consume(chunk);
  }
  if (res_body.error() && x.error == ErrorKind::kNone) x.error = ErrorKind::kUpstreamBadResponse;
  x.response_body = res_body.payload_bytes();
  if (x.error != ErrorKind::kNone) {
    // The response was cut: the client can only learn it from the connection closing.
    DropUpstream();
    x.keep_client = false;
    co_return;
  }
  if (upstream_keep && up.in.empty())
    ReleaseUpstream(x.pool_key);
  else
    DropUpstream();
  x.keep_client = keep;
}

// --- tunnels ---

Task<void> Session::Pump(Socket& from, Socket& to, ByteBuffer& buf, uint64_t* bytes, bool upward) {
  error_code ec;
  for (;;) {
    buf.Clear();
    const size_t n =
        co_await from.async_read_some(asio::buffer(buf.WritePtr(), buf.Room()), Await(ec));
    if (ec) {
      error_code ignored;
      if (ec == asio::error::eof) {
        to.shutdown(tcp::socket::shutdown_send, ignored);  // pass the half-close on
      } else {
        from.shutdown(tcp::socket::shutdown_both, ignored);
        to.shutdown(tcp::socket::shutdown_both, ignored);
      }
      co_return;
    }
    (upward ? st_.downstream_bytes_in : st_.upstream_bytes_in).Add(n);
    Arm(Phase::kTunnel, cfg_.idle_timeout);
    const size_t w = co_await asio::async_write(to, asio::buffer(buf.data(), n), Await(ec));
    (upward ? st_.upstream_bytes_out : st_.downstream_bytes_out).Add(w);
    *bytes += w;
    if (ec) {
      error_code ignored;
      from.shutdown(tcp::socket::shutdown_both, ignored);
      to.shutdown(tcp::socket::shutdown_both, ignored);
      co_return;
    }
  }
}

Task<void> Session::Tunnel(Exchange& x) {
  error_code ec;
  UpstreamConn& up = *up_;
  Arm(Phase::kTunnel, cfg_.idle_timeout);
  // Bytes that came along with the heads belong to the tunnel.
  if (!in_.empty()) {
    const size_t n = co_await asio::async_write(up.socket, asio::buffer(in_.data(), in_.size()), Await(ec));
    st_.upstream_bytes_out.Add(n);
    x.tunnel_up += n;
    in_.Clear();
    if (ec) co_return;
  }
  if (!up.in.empty()) {
    const size_t n = co_await asio::async_write(client_, asio::buffer(up.in.data(), up.in.size()), Await(ec));
    st_.downstream_bytes_out.Add(n);
    x.tunnel_down += n;
    up.in.Clear();
    if (ec) co_return;
  }
  bool down_done = false;
  Timer join(w_.executor());
  join.expires_at(SteadyClock::time_point::max());
  asio::co_spawn(w_.executor(), Pump(up.socket, client_, up.in, &x.tunnel_down, false),
                 [&down_done, &join](std::exception_ptr) {
                   down_done = true;
                   join.cancel();
                 });
  co_await Pump(client_, up.socket, in_, &x.tunnel_up, true);
  if (!down_done) co_await join.async_wait(Await(ec));
}

// --- heads ---

void Session::BuildRequestHead(std::string_view target, std::string_view host_override,
                               bool upgrade, bool strip_expect, bool egress) {
  const MessageHead& req = req_;
  out_.clear();
  out_.append(req.method);
  out_.push_back(' ');
  out_.append(target);
  out_.append(req.version_minor >= 1 ? " HTTP/1.1\r\n" : " HTTP/1.0\r\n");
  for (const Field& f : req.fields) {
    switch (f.id) {
      case FieldId::kOther:
      case FieldId::kContentLength:
      case FieldId::kTransferEncoding:
      case FieldId::kUserAgent:
      case FieldId::kXForwardedFor:
      case FieldId::kTrailer:
        break;
      case FieldId::kConnection:
      case FieldId::kKeepAlive:
      case FieldId::kProxyConnection:
      case FieldId::kTe:
        continue;
      case FieldId::kUpgrade:
        if (!upgrade) continue;
        break;
      case FieldId::kExpect:
        if (strip_expect) continue;
        break;
      case FieldId::kProxyAuthorization:
        if (egress) continue;
        break;
      case FieldId::kHost:
        if (!host_override.empty()) continue;
        break;
      default:  // trace context: replaced by what was injected
        if (overrides_.Find(f.name)) continue;
        break;
    }
    if (req.conn_other_tokens && req.NamedByConnection(f)) continue;
    AppendField(out_, f.name, f.value);
  }
  if (!host_override.empty()) AppendField(out_, "Host", host_override);
  for (size_t i = 0; i < overrides_.size(); ++i) {
    const HeaderOverrides::Entry& e = overrides_[i];
    if (!e.remove) AppendField(out_, e.name, e.value);
  }
  if (upgrade)
    out_.append("Connection: upgrade\r\n");
  else if (req.version_minor == 0)
    out_.append("Connection: keep-alive\r\n");
  out_.append("\r\n");
}

void Session::BuildResponseHead(const MessageHead& res, bool keep, bool upgrade, int client_minor) {
  out_.clear();
  out_.append("HTTP/1.1 ");
  char num[8];
  const auto r = std::to_chars(num, num + sizeof num, res.status);
  out_.append(num, r.ptr);
  out_.push_back(' ');
  out_.append(res.reason);
  out_.append("\r\n");
  for (const Field& f : res.fields) {
    switch (f.id) {
      case FieldId::kConnection:
      case FieldId::kKeepAlive:
      case FieldId::kProxyConnection:
        continue;
      case FieldId::kUpgrade:
        if (!upgrade) continue;
        break;
      case FieldId::kContentLength:
        if (res.length_and_coding) continue;
        break;
      default:
        break;
    }
    if (res.conn_other_tokens && res.NamedByConnection(f)) continue;
    AppendField(out_, f.name, f.value);
  }
  if (upgrade)
    out_.append("Connection: upgrade\r\n");
  else if (!keep)
    out_.append("Connection: close\r\n");
  else if (client_minor == 0)
    out_.append("Connection: keep-alive\r\n");
  out_.append("\r\n");
}

// --- finishing ---

void Session::CountMalformed(uint32_t mask) {
  if (!mask) return;
  for (size_t f = 0; f < kTraceFormats; ++f)
    if (mask & (1u << f)) w_.stats().malformed[f].Add();
}

Span Session::StartProxySpan(SpanKind kind, Context* parent) {
  const Shared& sh = w_.shared();
  uint32_t malformed = 0;
  *parent = Context();
  if (req_.trace_fields) {
    *parent = sh.codec->Extract(req_, &malformed);
    CountMalformed(malformed);
  }
  StartOptions so;
  so.kind = kind;
  so.parent = parent;
  so.activate = false;
  Span span = sh.tracer.StartSpan(name_, so);
  if (span.recording())
    w_.stats().spans_started.Add();
  else
    w_.stats().spans_unsampled.Add();
  return span;
}

void Session::SetClientAttributes(Span& span) {
  if (!span.recording()) return;
  span.SetAttribute("network.peer.address", peer_address_);
  span.SetAttribute("network.peer.port", static_cast<int64_t>(peer_port_));
  std::string_view client = peer_address_;
  if (!req_.x_forwarded_for.empty()) {
    std::string_view first = req_.x_forwarded_for.substr(0, req_.x_forwarded_for.find(','));
    while (!first.empty() && first.back() == ' ') first.remove_suffix(1);
    while (!first.empty() && first.front() == ' ') first.remove_prefix(1);
    if (!first.empty()) client = first;
  }
  span.SetAttribute("client.address", client);
  if (!req_.user_agent.empty()) span.SetAttribute("user_agent.original", req_.user_agent);
  span.SetAttribute("network.protocol.version", req_.version_minor >= 1 ? "1.1" : "1.0");
}

bool Session::NeedsErrorAnswer(const Exchange& x) const {
  return !x.responded && x.error != ErrorKind::kNone && x.error != ErrorKind::kClientAbort &&
         !closed_;
}

Task<void> Session::AnswerError(Exchange& x) {
  x.status = StatusFor(x.error);
  // After a 502/504 a body-less request leaves the connection usable.
  x.keep_client = x.bodyless && x.client_keep_alive && !w_.draining() &&
                  (x.status == 502 || x.status == 504);
  st_.Error(x.error);
  x.error_counted = true;
  co_await SendError(x.status, ErrorText(x.error), x.keep_client);
  x.responded = true;
  if (!x.keep_client && !x.bodyless) co_await LingeringClose();
}

Task<bool> Session::Complete(Exchange& x, Span& span) {
  if (NeedsErrorAnswer(x)) co_await AnswerError(x);
  co_return Finish(x, span);
}

bool Session::Finish(Exchange& x, Span& span) {
  const int status = x.status;
  if (x.error != ErrorKind::kNone && !x.error_counted) st_.Error(x.error);
  if (!x.error_counted && x.responded && status != 0) st_.responses[StatusClass(status)].Add();
  bool keep = x.keep_client;
  if (x.error == ErrorKind::kClientAbort || !x.responded) keep = false;
  if (span.recording()) {
    if (status) span.SetAttribute("http.response.status_code", static_cast<int64_t>(status));
    span.SetAttribute("http.request.body.size", static_cast<int64_t>(x.request_body));
    if (x.tunnel) {
      span.SetAttribute("network.bytes.sent", static_cast<int64_t>(x.tunnel_up));
      span.SetAttribute("network.bytes.received", static_cast<int64_t>(x.tunnel_down));
    } else {
      span.SetAttribute("http.response.body.size", static_cast<int64_t>(x.response_body));
    }
    const int error_from = dir_ == Direction::kEgress ? 400 : 500;
    if (x.error != ErrorKind::kNone) {
      span.SetAttribute("error.type", ErrorKindName(x.error));
      std::string_view message = ErrorText(x.error).substr(14);  // without "weft sidecar: "
      if (!message.empty() && message.back() == '\n') message.remove_suffix(1);
      span.SetStatus(StatusCode::kError, message);
    } else if (status >= error_from) {
      char num[8];
      const auto r = std::to_chars(num, num + sizeof num, status);
      span.SetAttribute("error.type", std::string_view(num, static_cast<size_t>(r.ptr - num)));
      span.SetStatus(StatusCode::kError);
    }
  }
  span.End();
  return keep && !closed_;
}

}  // namespace weft::sidecar
