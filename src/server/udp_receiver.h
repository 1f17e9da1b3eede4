#pragma once
// A UDP receiver for Jaeger clients' agent protocol: one datagram = one Thrift message
// Agent.emitBatch (compact protocol on jaeger-agent's port 6831, binary on 6832), handed to
// the Ingestor as it is. Nothing is answered (emitBatch is a oneway call), so nothing can be
// refused back either: a datagram that cannot be decoded, is over max_datagram_bytes, or
// whose spans the store refuses (overloaded, out of disk) is dropped, counted in
// weft_udp_datagrams_rejected_total{server,reason} (reason malformed | too_large | refused |
// invalid_spans) and logged at most once per 5 s per receiver.
//
// Backpressure: at most max_in_flight datagrams are being decoded or made durable at once;
// past that the receiver stops reading until one completes, and the kernel's receive
// buffer (SO_RCVBUF, asked for receive_buffer_bytes, best effort) holds what arrives
// meanwhile: memory stays bounded and, as with jaeger-agent, a burst beyond it is lost
// in the kernel.
//
// Threading: runs on the io_context it is given (one strand per receiver); Ingestor
// completions may come from any thread.
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "common/status.h"
#include "ingest/ingestor.h"

namespace weft::server {

struct UdpReceiverOptions {
  std::string name;  // "jaeger_compact", "jaeger_binary": the `server` label of metrics
  ingest::Protocol protocol = ingest::Protocol::kJaeger;
  ingest::Encoding encoding = ingest::Encoding::kJaegerThriftCompactMessage;
  size_t max_datagram_bytes = 65'000;  // jaeger-agent's default max packet size
  int receive_buffer_bytes = 4 << 20;
  int max_in_flight = 256;
  // Where rate-limited log lines go; empty = stderr as "weft: <name>: <line>".
  std::function<void(const std::string&)> log;
};

class UdpReceiver {
 public:
  UdpReceiver(boost::asio::io_context& ioc, UdpReceiverOptions options,
              ingest::Ingestor& ingestor);
  ~UdpReceiver();
  UdpReceiver(const UdpReceiver&) = delete;
  UdpReceiver& operator=(const UdpReceiver&) = delete;

  // Binds `host:port` (port 0 picks a free one) and starts reading. Returns the bound
  // address as "host:port".
  Result<std::string> start(const std::string& host, uint16_t port);
  // Stops reading and closes the socket. Datagrams in flight complete.
  void stop();
  // Datagrams being decoded or made durable.
  int in_flight() const;

  struct State;  // implementation detail, shared with pending completions

 private:
  std::shared_ptr<State> state_;
};

}  // namespace weft::server
