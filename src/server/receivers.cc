#include "server/receivers.h"

#include <thread>

#include "ingest/jaeger_http_handler.h"
#include "ingest/otlp_http_handler.h"
#include "ingest/zipkin_handler.h"
#include "server/http_server.h"
#include "server/otlp_grpc_service.h"
#include "server/serve_options.h"
#include "server/udp_receiver.h"

namespace weft::server {
namespace {

struct Listen {
  const char* name;  // ports-file key; the flag is --<name with '-'>-addr
  std::string addr;
  uint16_t default_port;
};

// The receivers to bind: every one but the Jaeger ones set to "off".
std::vector<Listen> listens(const ReceiverAddrs& a) {
  std::vector<Listen> all = {{"otlp_grpc", a.otlp_grpc, 4317},
                             {"otlp_http", a.otlp_http, 4318},
                             {"zipkin", a.zipkin, 9411}};
  for (Listen l : {Listen{"jaeger_http", a.jaeger_http, 14268},
                   Listen{"jaeger_compact", a.jaeger_compact, 6831},
                   Listen{"jaeger_binary", a.jaeger_binary, 6832}}) {
    if (l.addr != "off") all.push_back(std::move(l));
  }
  return all;
}

UdpReceiverOptions udp_options(const char* name, ingest::Encoding encoding) {
  UdpReceiverOptions o;
  o.name = name;
  o.protocol = ingest::Protocol::kJaeger;
  o.encoding = encoding;
  return o;
}

std::string flag_of(const char* name) {
  std::string flag = std::string("--") + name + "-addr";
  for (char& c : flag)
    if (c == '_') c = '-';
  return flag;
}

http::Handler not_found() {
  return [](http::Request&&, http::Responder respond) {
    respond(http::Response::text(404, "not found: this port takes POST /api/v2/spans\n"));
  };
}

}  // namespace

struct Receivers::Impl {
  Impl(boost::asio::io_context& ioc, ingest::Ingestor& ingestor, ReceiverAddrs a,
       size_t max_body_bytes, http::Handler zipkin_queries)
      : addrs(std::move(a)),
        otlp_http(ioc, options("otlp_http", max_body_bytes, addrs.http),
                  ingest::make_otlp_http_handler(ingestor)),
        zipkin(ioc, options("zipkin", max_body_bytes, addrs.http),
               ingest::make_zipkin_ingest_handler(
                   ingestor, zipkin_queries ? std::move(zipkin_queries) : not_found())),
        grpc(ingestor, max_body_bytes),
        jaeger_http(ioc, options("jaeger_http", max_body_bytes, addrs.http),
                    ingest::make_jaeger_http_handler(ingestor)),
        jaeger_compact(ioc,
                       udp_options("jaeger_compact", ingest::Encoding::kJaegerThriftCompactMessage),
                       ingestor),
        jaeger_binary(ioc,
                      udp_options("jaeger_binary", ingest::Encoding::kJaegerThriftBinaryMessage),
                      ingestor) {}

  static HttpServerOptions options(const char* name, size_t max_body_bytes,
                                   const HttpConnectionLimits& limits) {
    HttpServerOptions o;
    o.name = name;
    o.max_body_bytes = max_body_bytes;
    o.limits = limits;
    return o;
  }

  ReceiverAddrs addrs;
  HttpServer otlp_http;
  HttpServer zipkin;
  OtlpGrpcServer grpc;
  HttpServer jaeger_http;
  UdpReceiver jaeger_compact;
  UdpReceiver jaeger_binary;
};

Receivers::Receivers(boost::asio::io_context& ioc, ingest::Ingestor& ingestor, ReceiverAddrs addrs,
                     size_t max_body_bytes, http::Handler zipkin_queries)
    : impl_(std::make_unique<Impl>(ioc, ingestor, std::move(addrs), max_body_bytes,
                                   std::move(zipkin_queries))) {}

Receivers::~Receivers() = default;

Status Receivers::check(const ReceiverAddrs& addrs) {
  for (const Listen& l : listens(addrs)) {
    auto hp = parse_host_port(l.addr, addrs.listen_host, l.default_port);
    if (!hp.is_ok()) return invalid_argument(flag_of(l.name) + ": " + hp.status().message());
  }
  return Status::ok();
}

Result<std::vector<std::pair<std::string, std::string>>> Receivers::start() {
  WEFT_RETURN_IF_ERROR(check(impl_->addrs));
  std::vector<std::pair<std::string, std::string>> bound;
  for (const Listen& l : listens(impl_->addrs)) {
    HostPort hp = *parse_host_port(l.addr, impl_->addrs.listen_host, l.default_port);
    Result<std::string> addr = internal_error("unknown receiver");
    std::string name = l.name;
    if (name == "otlp_grpc")
      addr = impl_->grpc.start(hp.host, hp.port);
    else if (name == "otlp_http")
      addr = impl_->otlp_http.start(hp.host, hp.port);
    else if (name == "zipkin")
      addr = impl_->zipkin.start(hp.host, hp.port);
    else if (name == "jaeger_http")
      addr = impl_->jaeger_http.start(hp.host, hp.port);
    else if (name == "jaeger_compact")
      addr = impl_->jaeger_compact.start(hp.host, hp.port);
    else if (name == "jaeger_binary")
      addr = impl_->jaeger_binary.start(hp.host, hp.port);
    if (!addr.is_ok()) {
      stop(std::chrono::milliseconds(0));
      return addr.status();
    }
    bound.emplace_back(name, *addr);
  }
  return bound;
}

void Receivers::stop(std::chrono::milliseconds timeout) {
  impl_->otlp_http.stop();
  impl_->zipkin.stop();
  impl_->jaeger_http.stop();
  impl_->jaeger_compact.stop();
  impl_->jaeger_binary.stop();
  impl_->grpc.stop(timeout);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (in_flight() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

int Receivers::in_flight() const {
  return impl_->otlp_http.in_flight() + impl_->zipkin.in_flight() +
         impl_->jaeger_http.in_flight() + impl_->jaeger_compact.in_flight() +
         impl_->jaeger_binary.in_flight();
}

}  // namespace weft::server
