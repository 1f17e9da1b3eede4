#include "runtime/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cctype>

#include "weft/propagation.h"

namespace demo {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

ClientResponse HttpRequest(const Endpoint& to, std::string_view method, std::string_view target,
                           const Headers& headers, std::string_view body,
                           std::chrono::milliseconds timeout) {
  ClientResponse out;
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  tcp::resolver resolver(ioc);
  auto endpoints = resolver.resolve(to.host, std::to_string(to.port), ec);
  if (ec) {
    out.error = "cannot resolve " + to.host + ": " + ec.message();
    return out;
  }
  // Every step is asynchronous only so that tcp_stream's timeout bounds the whole call.
  stream.expires_after(timeout);
  stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
  ioc.run();
  if (ec) {
    out.error = "connect to " + to.ToString() + ": " + ec.message();
    return out;
  }
  bhttp::request<bhttp::string_body> req;
  req.version(11);
  req.method_string(beast::string_view(method.data(), method.size()));
  req.target(beast::string_view(target.data(), target.size()));
  req.set(bhttp::field::host, to.ToString());
  req.set(bhttp::field::user_agent, "weft-demo");
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty()) {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = std::string(body);
  }
  req.keep_alive(false);
  req.prepare_payload();
  ioc.restart();
  bhttp::async_write(stream, req, [&](beast::error_code e, size_t) { ec = e; });
  ioc.run();
  if (ec) {
    out.error = "send to " + to.ToString() + ": " + ec.message();
    return out;
  }
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  ioc.restart();
  bhttp::async_read(stream, buffer, res, [&](beast::error_code e, size_t) { ec = e; });
  ioc.run();
  if (ec) {
    out.error = (ec == beast::error::timeout ? std::string("timed out reading from ")
                                             : "read from " + to.ToString() + ": ") +
                (ec == beast::error::timeout ? to.ToString() : ec.message());
    return out;
  }
  out.status = static_cast<int>(res.result_int());
  out.body = std::move(res.body());
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return out;
}

ClientResponse CallService(const weft::Tracer& tracer, std::string_view peer_service,
                           const Endpoint& to, std::string_view method, std::string_view target,
                           std::string_view body, std::chrono::milliseconds timeout) {
  const std::string_view route = target.substr(0, target.find('?'));
  std::string name;
  name.reserve(method.size() + 1 + route.size());
  name.append(method).append(" ").append(route);
  weft::Span span = tracer.StartSpan(name, weft::SpanKind::kClient);
  const std::string url = "http://" + to.ToString() + std::string(target);
  span.SetAttributes({{"http.request.method", method},
                      {"server.address", to.host},
                      {"server.port", static_cast<int64_t>(to.port)},
                      {"url.full", url},
                      {"network.protocol.version", "1.1"},
                      {"peer.service", peer_service}});

  // The CLIENT span is current now, so what is injected names it as the callee's parent.
  Headers headers;
  weft::HttpHeaderCarrier carrier(headers);
  weft::GlobalPropagator().Inject(weft::Context::Current(), carrier);

  ClientResponse r = HttpRequest(to, method, target, headers, body, timeout);
  if (r.status == 0) {
    span.SetAttribute("error.type", r.error.find("timed out") != std::string::npos
                                        ? "timeout"
                                        : "connection_error");
    span.RecordException("demo::TransportError", r.error);
    return r;
  }
  span.SetAttribute("http.response.status_code", static_cast<int64_t>(r.status));
  if (r.status >= 400) {  // OTel: 4xx and 5xx are errors for a client span
    span.SetAttribute("error.type", std::to_string(r.status));
    span.SetStatus(weft::StatusCode::kError, "HTTP " + std::to_string(r.status));
  }
  return r;
}

}  // namespace demo
