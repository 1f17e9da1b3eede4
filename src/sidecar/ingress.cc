#include "sidecar/ingress.h"

#include "sidecar/address.h"
#include "sidecar/worker.h"
#include "weft/tracer.h"

namespace weft::sidecar {

Task<bool> IngressSession::HandleRequest() {
  const Shared& sh = w_.shared();
  const MessageHead& req = req_;
  const TargetParts target = SplitTarget(req.target);

  name_.assign(req.method);
  name_.push_back(' ');
  name_.append(target.path);
  Context parent;
  Span span = StartProxySpan(SpanKind::kServer, &parent);
  if (span.recording()) {
    span.SetAttribute("http.request.method", req.method);
    span.SetAttribute("url.path", target.path);
    if (!target.query.empty()) span.SetAttribute("url.query", target.query);
    span.SetAttribute("url.scheme", "http");
    HostPort host;
    if (!req.host.empty() && ParseAuthority(req.host, sh.listen_bound.port(), &host)) {
      span.SetAttribute("server.address", host.host);
      span.SetAttribute("server.port", static_cast<int64_t>(host.port));
    } else {
      span.SetAttribute("server.address", req.host.empty() ? std::string_view("") : req.host);
    }
    SetClientAttributes(span);
  }

  Exchange x;
  x.pool_key = sh.upstream_key;
  x.endpoints = &sh.upstream_endpoints;
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
  BuildRequestHead(req.target, {}, x.upgrade, req.expect_continue, /*egress=*/false);
  co_await Forward(x);
  if (NeedsErrorAnswer(x)) co_await AnswerError(x);
  co_return Finish(x, span);
}

}  // namespace weft::sidecar
