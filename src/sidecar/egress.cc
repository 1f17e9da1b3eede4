#include "sidecar/egress.h"

#include "sidecar/address.h"
#include "sidecar/worker.h"
#include "weft/tracer.h"

namespace weft::sidecar {
namespace {

// True if `hp` is the egress listener itself (a request that would loop).
bool IsSelf(const Shared& sh, const HostPort& hp) {
  if (!sh.egress_bound || hp.port != sh.egress_bound->port()) return false;
  error_code ec;
  const auto addr = asio::ip::make_address(hp.host, ec);
  if (ec) return hp.host == "localhost";
  return addr == sh.egress_bound->address() || addr.is_loopback() ||
         (sh.egress_bound->address().is_unspecified());
}

}  // namespace

Task<bool> EgressSession::Refuse(ErrorKind kind, Span& span) {
  Exchange x;
  x.error = kind;
  x.bodyless = false;  // whatever body follows is unread: close after answering
  co_return co_await Complete(x, span);
}

Task<bool> EgressSession::HandleRequest() {
  if (req_.method == "CONNECT") co_return co_await HandleConnect();
  const Shared& sh = w_.shared();
  const MessageHead& req = req_;
  const TargetParts target = SplitTarget(req.target);

  name_.assign(req.method);
  name_.push_back(' ');
  name_.append(target.path);
  Context parent;
  Span span = StartProxySpan(SpanKind::kClient, &parent);

  // Where the call goes: the absolute-form target's authority, else the Host field.
  HostPort hp;
  std::string_view origin_target = req.target;
  std::string_view host_override;
  std::string origin_scratch;
  if (!target.scheme.empty()) {
    if (!IEquals(target.scheme, "http") || !ParseAuthority(target.authority, 80, &hp))
      co_return co_await Refuse(ErrorKind::kBadTarget, span);
    const size_t auth_end =
        static_cast<size_t>(target.authority.data() + target.authority.size() - req.target.data());
    origin_target = req.target.substr(auth_end);
    if (origin_target.empty()) {
      origin_target = "/";
    } else if (origin_target.front() != '/') {  // "http://host?q"
      origin_scratch = "/" + std::string(origin_target);
      origin_target = origin_scratch;
    }
    host_override = target.authority;
  } else if (req.host.empty() || !ParseAuthority(req.host, 80, &hp)) {
    co_return co_await Refuse(ErrorKind::kBadTarget, span);
  }
  if (IsSelf(sh, hp)) co_return co_await Refuse(ErrorKind::kBadTarget, span);

  if (span.recording()) {
    span.SetAttribute("http.request.method", req.method);
    std::string& url = out_;  // scratch: out_ is rebuilt below
    url.assign("http://");
    url.append(hp.str());
    url.append(target.path);
    if (!target.query.empty()) url.append("?").append(target.query);
    span.SetAttribute("url.full", url);
    span.SetAttribute("server.address", hp.host);
    span.SetAttribute("server.port", static_cast<int64_t>(hp.port));
    span.SetAttribute("peer.service", hp.host);
    if (!req.user_agent.empty()) span.SetAttribute("user_agent.original", req.user_agent);
    span.SetAttribute("network.protocol.version", req.version_minor >= 1 ? "1.1" : "1.0");
  }

  Exchange x;
  const std::string key = hp.str();
  x.pool_key = key;
  x.target_host = hp.host;
  x.target_port = hp.port;
  x.head_request = req.method == "HEAD";
  x.upgrade = req.has_upgrade && req.conn_upgrade;
  x.client_keep_alive = req.KeepAlive();
  x.client_minor = req.version_minor;
  x.bodyless = !req.chunked && req.content_length <= 0;
  x.expect_continue = req.expect_continue && req.version_minor >= 1 && !x.bodyless;
  if (cfg_.max_body_bytes && req.content_length > static_cast<int64_t>(cfg_.max_body_bytes)) {
    x.error = ErrorKind::kBodyTooLarge;
    co_return co_await Complete(x, span);
  }
  const Context out_ctx = parent.WithSpan(span.span_context());
  overrides_.Clear();
  sh.codec->Inject(out_ctx, req.trace_fields, &overrides_);
  BuildRequestHead(origin_target, host_override, x.upgrade, req.expect_continue, /*egress=*/true);
  co_await Forward(x);
  if (span.recording() && !x.peer_address.empty()) {
    span.SetAttribute("network.peer.address", x.peer_address);  // the callee's address
    span.SetAttribute("network.peer.port", static_cast<int64_t>(x.peer_port));
  }
  if (NeedsErrorAnswer(x)) co_await AnswerError(x);
  co_return Finish(x, span);
}

Task<bool> EgressSession::HandleConnect() {
  const Shared& sh = w_.shared();
  const MessageHead& req = req_;
  HostPort hp;
  const bool ok = ParseAuthority(req.target, 443, &hp);
  name_.assign("CONNECT ");
  name_.append(ok ? std::string_view(req.target) : std::string_view("?"));
  Context parent;
  Span span = StartProxySpan(SpanKind::kClient, &parent);
  if (!ok || IsSelf(sh, hp)) co_return co_await Refuse(ErrorKind::kBadTarget, span);
  if (span.recording()) {
    span.SetAttribute("http.request.method", "CONNECT");
    span.SetAttribute("server.address", hp.host);
    span.SetAttribute("server.port", static_cast<int64_t>(hp.port));
    span.SetAttribute("peer.service", hp.host);
    if (!req.user_agent.empty()) span.SetAttribute("user_agent.original", req.user_agent);
  }
  Exchange x;
  x.target_host = hp.host;
  x.target_port = hp.port;
  x.client_minor = req.version_minor;
  x.bodyless = true;
  in_.Consume(req.head_bytes);  // what follows the head belongs to the tunnel
  if (!co_await Connect(x)) co_return co_await Complete(x, span);
  if (span.recording()) {
    span.SetAttribute("network.peer.address", up_->peer_address);  // the callee's address
    span.SetAttribute("network.peer.port", static_cast<int64_t>(up_->peer_port));
  }
  error_code ec;
  static constexpr std::string_view kEstablished = "HTTP/1.1 200 Connection Established\r\n\r\n";
  Arm(Phase::kClientWrite, cfg_.idle_timeout);
  const size_t n = co_await asio::async_write(client_, asio::buffer(kEstablished), Await(ec));
  st_.downstream_bytes_out.Add(n);
  x.status = 200;
  x.responded = true;
  if (ec) {
    x.error = ErrorKind::kClientAbort;
  } else {
    st_.tunnels.Add();
    x.tunnel = true;
    co_await Tunnel(x);
  }
  DropUpstream();
  co_await Complete(x, span);
  co_return false;
}

}  // namespace weft::sidecar
