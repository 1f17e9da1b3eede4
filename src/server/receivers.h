#pragma once
// The span receivers `weft serve` and `weft agent` share: OTLP/gRPC (4317), OTLP/HTTP
// (4318), Zipkin (9411) and Jaeger (HTTP 14268, UDP 6831 compact / 6832 binary Thrift;
// udp_receiver.h), each feeding one Ingestor (which writes to the store, or to the
// agent's disk queue). Binding, the ports-file names and the orderly stop live here so both
// commands offer the same intake with the same flags.
//
// Thread-safety: start() and stop() from one thread; the servers run on the io_context.
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "common/http_message.h"
#include "common/status.h"
#include "ingest/ingestor.h"
#include "server/http_server.h"

namespace weft::server {

struct ReceiverAddrs {
  std::string listen_host = "127.0.0.1";  // for addresses that name no host
  // "host:port", ":port", "port" or "http://host:port"; empty = listen_host with the
  // receiver's default port.
  std::string otlp_grpc;  // 4317
  std::string otlp_http;  // 4318
  std::string zipkin;     // 9411
  // Jaeger Thrift: POST /api/traces over HTTP (14268), Agent.emitBatch datagrams over UDP in
  // the compact (6831) and binary (6832) protocols. "off" disables one.
  std::string jaeger_http;     // 14268
  std::string jaeger_compact;  // 6831 (UDP)
  std::string jaeger_binary;   // 6832 (UDP)
  // Timeouts and connection cap of every HTTP listener (the receivers', and the query or
  // admin port of the command): --http-header-timeout, --http-body-timeout,
  // --http-idle-timeout, --http-max-connections.
  HttpConnectionLimits http;
};

class Receivers {
 public:
  // `zipkin_queries` answers what the Zipkin port gets besides POST /api/v2/spans (weft
  // serve: the Zipkin query API); null = 404 for everything else.
  Receivers(boost::asio::io_context& ioc, ingest::Ingestor& ingestor, ReceiverAddrs addrs,
            size_t max_body_bytes, http::Handler zipkin_queries = nullptr);
  ~Receivers();
  Receivers(const Receivers&) = delete;
  Receivers& operator=(const Receivers&) = delete;

  // Checks every address (INVALID_ARGUMENT naming the flag) without binding.
  static Status check(const ReceiverAddrs& addrs);
  // Binds every receiver; on failure, stops the ones already bound and says which failed.
  // On success, the bound addresses as (ports-file name, "host:port"), e.g. ("otlp_http",
  // "127.0.0.1:4318"); the Jaeger ones as jaeger_http, jaeger_compact, jaeger_binary (the
  // ones that are not off).
  Result<std::vector<std::pair<std::string, std::string>>> start();
  // Stops accepting (and reading datagrams); waits up to `timeout` for requests and
  // datagrams in flight (their spans are being made durable).
  void stop(std::chrono::milliseconds timeout);
  int in_flight() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace weft::server
