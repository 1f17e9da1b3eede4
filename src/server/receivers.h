#pragma once
// The span receivers `weft serve` and `weft agent` share: OTLP/gRPC (4317), OTLP/HTTP
// (4318) and Zipkin (9411), each feeding one Ingestor (which writes to the store, or to the
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

namespace weft::server {

struct ReceiverAddrs {
  std::string listen_host = "127.0.0.1";  // for addresses that name no host
  // "host:port", ":port", "port" or "http://host:port"; empty = listen_host with the
  // receiver's default port.
  std::string otlp_grpc;  // 4317
  std::string otlp_http;  // 4318
  std::string zipkin;     // 9411
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
  // "127.0.0.1:4318").
  Result<std::vector<std::pair<std::string, std::string>>> start();
  // Stops accepting; waits up to `timeout` for requests in flight (their spans are being
  // made durable).
  void stop(std::chrono::milliseconds timeout);
  int in_flight() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace weft::server
