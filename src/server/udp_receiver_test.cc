// The UDP receiver with real sockets on 127.0.0.1 port 0 and an in-memory sink: good
// datagrams in both protocols are stored, bad ones are counted and logged, and the receiver
// keeps going; a refusing store drops the spans (counted), never stalls the socket.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <chrono>
#include <mutex>
#include <thread>

#include "common/metrics.h"
#include "server/udp_receiver.h"
#include "wire/jaeger_thrift_test_encoder.h"

namespace weft::server {

using namespace weft::model;

namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using namespace wire::jaeger_testing;  // NOLINT(google-build-using-namespace)

class MemorySink : public SpanSink {
 public:
  void write(SpanBatch batch, std::function<void(Status)> done) override {
    std::lock_guard lock(mu);
    if (!refuse.is_ok()) {
      done(refuse);
      return;
    }
    for (Span& s : batch.spans) spans.push_back(std::move(s));
    done(Status::ok());
  }
  size_t size() {
    std::lock_guard lock(mu);
    return spans.size();
  }
  std::mutex mu;
  Status refuse = Status::ok();
  std::vector<Span> spans;
};

JBatch batch(int64_t span_id) {
  JBatch b;
  b.process.service_name = "udp-svc";
  JSpan s;
  s.trace_id_low = 0x1234;
  s.span_id = span_id;
  s.operation_name = "op";
  s.start_time = 1'700'000'000'000'000;
  s.duration = 3;
  b.spans = {s};
  return b;
}

uint64_t rejected(const std::string& server, const std::string& reason) {
  return MetricsRegistry::global()
      .counter("weft_udp_datagrams_rejected_total", "", {"server", "reason"})
      .with({server, reason})
      .value();
}

class UdpReceiverTest : public ::testing::Test {
 protected:
  void start(const std::string& name, ingest::Encoding encoding) {
    UdpReceiverOptions o;
    o.name = name;
    o.encoding = encoding;
    o.log = [this](const std::string& line) {
      std::lock_guard lock(log_mu_);
      logs_.push_back(line);
    };
    receiver_ = std::make_unique<UdpReceiver>(ioc_, o, ingestor_);
    auto addr = receiver_->start("127.0.0.1", 0);
    ASSERT_TRUE(addr.is_ok()) << addr.status().to_string();
    port_ = static_cast<uint16_t>(std::stoi(addr->substr(addr->rfind(':') + 1)));
    ASSERT_NE(port_, 0);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  void TearDown() override {
    if (receiver_) receiver_->stop();
    work_.reset();
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
  }
  void send(const std::string& datagram) {
    asio::io_context io;
    udp::socket sock(io, udp::endpoint(udp::v4(), 0));
    sock.send_to(asio::buffer(datagram), udp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  }
  // Waits until `done` holds (up to 5 s).
  template <typename F>
  bool eventually(F done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }
  size_t log_count() {
    std::lock_guard lock(log_mu_);
    return logs_.size();
  }

  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(ioc_);
  MemorySink sink_;
  ingest::Ingestor ingestor_{sink_, ingest::Limits{}};
  std::unique_ptr<UdpReceiver> receiver_;
  std::thread thread_;
  uint16_t port_ = 0;
  std::mutex log_mu_;
  std::vector<std::string> logs_;
};

TEST_F(UdpReceiverTest, CompactDatagramsAreStoredAndGarbageIsCounted) {
  start("test_compact", ingest::Encoding::kJaegerThriftCompactMessage);
  uint64_t malformed_before = rejected("test_compact", "malformed");
  uint64_t too_large_before = rejected("test_compact", "too_large");
  send(compact_emit_batch(batch(1)));
  ASSERT_TRUE(eventually([&] { return sink_.size() == 1; }));
  EXPECT_EQ(sink_.spans[0].service_name(), "udp-svc");

  send("\x82\x21garbage");             // cannot be read
  send(binary_emit_batch(batch(2)));   // the other protocol
  send(std::string(65'001, '\x82'));   // over 65,000 bytes
  send(compact_emit_batch(batch(3)));  // and the receiver goes on
  ASSERT_TRUE(eventually([&] { return sink_.size() == 2; }));
  ASSERT_TRUE(eventually([&] {
    return rejected("test_compact", "malformed") == malformed_before + 2 &&
           rejected("test_compact", "too_large") == too_large_before + 1;
  }));
  EXPECT_GE(log_count(), 1u);  // rate-limited: at least the first problem is logged
  std::lock_guard lock(log_mu_);
  EXPECT_NE(logs_[0].find("cannot be read"), std::string::npos) << logs_[0];
}

TEST_F(UdpReceiverTest, BinaryDatagramsStrictAndNot) {
  start("test_binary", ingest::Encoding::kJaegerThriftBinaryMessage);
  send(binary_emit_batch(batch(1), true));
  send(binary_emit_batch(batch(2), false));
  ASSERT_TRUE(eventually([&] { return sink_.size() == 2; }));
}

TEST_F(UdpReceiverTest, ARefusingStoreDropsAndCounts) {
  sink_.refuse = resource_exhausted("overloaded");
  start("test_refused", ingest::Encoding::kJaegerThriftCompactMessage);
  uint64_t before = rejected("test_refused", "refused");
  for (int i = 1; i <= 5; ++i) send(compact_emit_batch(batch(i)));
  ASSERT_TRUE(eventually([&] { return rejected("test_refused", "refused") == before + 5; }));
  EXPECT_EQ(receiver_->in_flight(), 0);
  {
    std::lock_guard lock(sink_.mu);
    sink_.refuse = Status::ok();
  }
  send(compact_emit_batch(batch(6)));
  ASSERT_TRUE(eventually([&] { return sink_.size() == 1; }));
}

}  // namespace
}  // namespace weft::server
