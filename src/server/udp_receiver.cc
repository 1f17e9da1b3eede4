#include "server/udp_receiver.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <vector>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "common/metrics.h"

namespace weft::server {

namespace asio = boost::asio;
using udp = asio::ip::udp;

struct UdpReceiver::State {
  UdpReceiverOptions options;
  ingest::Ingestor& ingestor;
  asio::strand<asio::io_context::executor_type> strand;
  std::unique_ptr<udp::socket> socket;
  // One datagram, one byte over the limit so that an oversize datagram is seen as such
  // (the kernel truncates what does not fit).
  std::vector<char> buffer;
  udp::endpoint sender;
  std::atomic<bool> stopping{false};
  std::atomic<int> in_flight{0};
  bool paused = false;  // strand only: a read waits for a completion

  // Rate-limited log (strand only).
  std::chrono::steady_clock::time_point last_log{};
  uint64_t held_back = 0;

  Counter* received;
  Counter* malformed;
  Counter* too_large;
  Counter* refused;
  Counter* invalid_spans;

  State(asio::io_context& ioc, UdpReceiverOptions o, ingest::Ingestor& i)
      : options(std::move(o)), ingestor(i), strand(asio::make_strand(ioc)) {
    buffer.resize(options.max_datagram_bytes + 1);
    auto& reg = MetricsRegistry::global();
    auto& received_f = reg.counter("weft_udp_datagrams_received_total",
                                   "UDP datagrams received, by server", {"server"});
    auto& rejected_f = reg.counter(
        "weft_udp_datagrams_rejected_total",
        "UDP datagrams dropped in whole or part, by server and reason (malformed, too_large, "
        "refused: the store could not take them, invalid_spans: some spans were invalid)",
        {"server", "reason"});
    received = &received_f.with({options.name});
    malformed = &rejected_f.with({options.name, "malformed"});
    too_large = &rejected_f.with({options.name, "too_large"});
    refused = &rejected_f.with({options.name, "refused"});
    invalid_spans = &rejected_f.with({options.name, "invalid_spans"});
  }

  void log_limited(const std::string& line) {
    auto now = std::chrono::steady_clock::now();
    if (last_log != std::chrono::steady_clock::time_point{} &&
        now - last_log < std::chrono::seconds(5)) {
      ++held_back;
      return;
    }
    last_log = now;
    std::string msg = line;
    if (held_back) msg += " (" + std::to_string(held_back) + " more such lines held back)";
    held_back = 0;
    if (options.log)
      options.log(msg);
    else
      std::fprintf(stderr, "weft: %s: %s\n", options.name.c_str(), msg.c_str());
  }
};

namespace {

using StatePtr = std::shared_ptr<UdpReceiver::State>;

std::string address_of(const udp::endpoint& e) {
  std::string h = e.address().to_string();
  if (e.address().is_v6()) h = "[" + h + "]";
  return h + ":" + std::to_string(e.port());
}

void receive(const StatePtr& s);

// On the strand: a datagram's spans are durable, or were dropped.
void completed(const StatePtr& s, const ingest::IngestOutcome& o, const std::string& from) {
  s->in_flight.fetch_sub(1);
  switch (o.status.code()) {
    case ResultCode::kOk:
      if (o.rejected_spans) {
        s->invalid_spans->inc();
        s->log_limited("datagram from " + from + ": " + o.rejection_message + " (the other " +
                       std::to_string(o.accepted_spans) + " spans were stored)");
      }
      break;
    case ResultCode::kInvalidArgument:
      s->malformed->inc();
      s->log_limited("dropped a datagram from " + from + " that cannot be read: " +
                     o.status.message());
      break;
    default:
      s->refused->inc();
      s->log_limited("dropped " + std::to_string(o.rejected_spans) + " spans from " + from +
                     ": " + o.status.message());
  }
  if (s->paused && !s->stopping) {
    s->paused = false;
    receive(s);
  }
}

void on_datagram(const StatePtr& s, const boost::system::error_code& ec, size_t n) {
  if (s->stopping || ec == asio::error::operation_aborted) return;
  if (ec) {  // e.g. an ICMP error reported on the socket: not fatal for a receiver
    receive(s);
    return;
  }
  s->received->inc();
  if (n > s->options.max_datagram_bytes) {
    s->too_large->inc();
    s->log_limited("dropped a datagram from " + address_of(s->sender) + " over the limit of " +
                   std::to_string(s->options.max_datagram_bytes) + " bytes");
    receive(s);
    return;
  }
  s->in_flight.fetch_add(1);
  // ingest() decodes before it returns: the buffer is free again once it has.
  s->ingestor.ingest(s->options.protocol, s->options.encoding,
                     std::string_view(s->buffer.data(), n),
                     [s, from = address_of(s->sender)](ingest::IngestOutcome o) {
                       asio::post(s->strand, [s, o = std::move(o), from] { completed(s, o, from); });
                     });
  if (s->in_flight.load() < s->options.max_in_flight)
    receive(s);
  else
    s->paused = true;
}

void receive(const StatePtr& s) {
  s->socket->async_receive_from(
      asio::buffer(s->buffer), s->sender,
      asio::bind_executor(s->strand, [s](const boost::system::error_code& ec, size_t n) {
        on_datagram(s, ec, n);
      }));
}

}  // namespace

UdpReceiver::UdpReceiver(asio::io_context& ioc, UdpReceiverOptions options,
                         ingest::Ingestor& ingestor)
    : state_(std::make_shared<State>(ioc, std::move(options), ingestor)) {}

UdpReceiver::~UdpReceiver() { stop(); }

Result<std::string> UdpReceiver::start(const std::string& host, uint16_t port) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return invalid_argument("cannot parse listen address \"" + host + "\": " + ec.message());
  udp::endpoint endpoint(address, port);
  auto socket = std::make_unique<udp::socket>(state_->strand);
  socket->open(endpoint.protocol(), ec);
  if (!ec) {
    boost::system::error_code ignored;  // best effort: the kernel may cap it (rmem_max)
    socket->set_option(asio::socket_base::receive_buffer_size(state_->options.receive_buffer_bytes),
                       ignored);
    socket->bind(endpoint, ec);
  }
  if (ec)
    return unavailable(state_->options.name + ": cannot listen on " + host + ":" +
                       std::to_string(port) + " (UDP): " + ec.message());
  auto bound = socket->local_endpoint();
  state_->socket = std::move(socket);
  auto s = state_;
  asio::post(s->strand, [s] {
    if (!s->stopping) receive(s);
  });
  return address_of(bound);
}

void UdpReceiver::stop() {
  if (state_->stopping.exchange(true)) return;
  if (state_->socket) {
    auto s = state_;
    asio::post(s->strand, [s] {
      boost::system::error_code ec;
      s->socket->close(ec);
    });
  }
}

int UdpReceiver::in_flight() const { return state_->in_flight.load(); }

}  // namespace weft::server
