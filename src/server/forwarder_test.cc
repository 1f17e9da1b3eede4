// The agent's forwarder against real HTTP collectors on 127.0.0.1 (port 0) and a real disk
// queue: routing by trace ID, retries, rerouting around an unhealthy collector, permanent
// rejections.
#include "server/forwarder.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "server/http_server.h"
#include "store/queue/disk_queue.h"
#include "wire/otlp_proto.h"

namespace weft::server {

using namespace weft::model;

namespace {

using namespace std::chrono_literals;

TraceId trace_n(uint64_t n) {
  TraceId t;
  for (int i = 0; i < 8; ++i) t.bytes[8 + i] = static_cast<uint8_t>(n >> (56 - 8 * i));
  t.bytes[0] = 0x7f;
  return t;
}

SpanBatch batch_of(uint64_t first_trace, int traces, int spans_per_trace) {
  auto res = std::make_shared<Resource>();
  res->attributes.push_back({"service.name", AnyValue(std::string("svc"))});
  auto scope = std::make_shared<InstrumentationScope>();
  SpanBatch b;
  for (int t = 0; t < traces; ++t) {
    for (int s = 0; s < spans_per_trace; ++s) {
      Span span;
      span.trace_id = trace_n(first_trace + t);
      span.span_id.bytes[7] = static_cast<uint8_t>(s + 1);
      span.span_id.bytes[0] = 1;
      span.name = "op";
      span.start_time_unix_nano = 1'700'000'000'000'000'000ull;
      span.end_time_unix_nano = span.start_time_unix_nano + 1000;
      span.resource = res;
      span.scope = scope;
      b.spans.push_back(std::move(span));
    }
  }
  return b;
}

// An OTLP/HTTP collector whose answer the test sets.
class FakeCollector {
 public:
  std::atomic<int> status{200};

  FakeCollector() { start(); }
  ~FakeCollector() { stop(); }

  // Listens (again, on the same port after a stop).
  void start() {
    HttpServerOptions o;
    o.name = "collector";
    server_ = std::make_unique<HttpServer>(ioc_, o, [this](http::Request&& req, http::Responder r) {
      int st = status.load();
      if (st == 200 && req.path == "/v1/traces") {
        wire::DecodeResult d;
        if (!wire::decode_otlp_proto(req.body, &d).is_ok()) st = 400;
        std::lock_guard lock(mu_);
        for (const Span& s : d.batch.spans) spans_[s.trace_id].insert(s.span_id.to_hex());
      }
      ++requests_;
      r(http::Response::text(st, st == 200 ? "" : "no\n"));
    });
    auto addr = server_->start("127.0.0.1", port_);
    ASSERT_TRUE(addr.is_ok()) << addr.status().to_string();
    port_ = static_cast<uint16_t>(std::stoi(addr->substr(addr->rfind(':') + 1)));
    thread_ = std::thread([this] { ioc_.run(); });
  }
  void stop() {
    if (!thread_.joinable()) return;
    server_->stop();  // closes the acceptor on the io_context: let that run first
    std::this_thread::sleep_for(100ms);
    ioc_.stop();
    thread_.join();
    ioc_.restart();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::map<TraceId, std::set<std::string>> spans() {
    std::lock_guard lock(mu_);
    return spans_;
  }
  size_t span_count() {
    size_t n = 0;
    for (auto& [t, s] : spans()) n += s.size();
    return n;
  }
  int requests() const { return requests_.load(); }

 private:
  boost::asio::io_context ioc_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  uint16_t port_ = 0;
  std::mutex mu_;
  std::map<TraceId, std::set<std::string>> spans_;
  std::atomic<int> requests_{0};
};

class ForwarderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("weft-forwarder-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    store::DiskQueueOptions o;
    o.dir = dir_.string();
    o.max_bytes = 64 << 20;
    o.sync = false;
    o.log = [](const std::string&) {};
    auto q = store::DiskQueue::open(o);
    ASSERT_TRUE(q.is_ok()) << q.status().to_string();
    queue_ = std::move(q).value();
  }
  void TearDown() override {
    if (forwarder_) forwarder_->stop();
    queue_->close();
    std::filesystem::remove_all(dir_);
  }

  void write(SpanBatch b) {
    std::atomic<bool> done{false};
    Status st;
    queue_->write(std::move(b), [&](Status s) {
      st = s;
      done = true;
    });
    while (!done) std::this_thread::sleep_for(1ms);
    ASSERT_TRUE(st.is_ok()) << st.to_string();
  }

  void start(std::vector<std::string> urls, std::string compression = "gzip") {
    ForwarderOptions o;
    o.collectors = std::move(urls);
    o.compression = std::move(compression);
    o.retry_initial_ms = 10;
    o.retry_max_ms = 50;
    o.probe_interval_ms = 50;
    o.connect_timeout_ms = 500;
    o.request_timeout_ms = 2000;
    o.log = [](const std::string&) {};
    auto f = Forwarder::create(*queue_, o);
    ASSERT_TRUE(f.is_ok()) << f.status().to_string();
    forwarder_ = std::move(f).value();
    forwarder_->start();
  }

  // Waits (up to 20 s) for `pred`.
  template <typename P>
  bool eventually(P pred) {
    for (int i = 0; i < 2000; ++i) {
      if (pred()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return pred();
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::DiskQueue> queue_;
  std::unique_ptr<Forwarder> forwarder_;
};

TEST(PickCollector, StableBalancedAndMovesOnlyTheLostCollectorsTraces) {
  std::vector<uint64_t> seeds = {11, 22, 33};
  std::vector<bool> all = {true, true, true}, two = {true, false, true};
  int count[3] = {0, 0, 0};
  for (uint64_t n = 0; n < 3000; ++n) {
    int a = pick_collector(trace_n(n), seeds, all);
    ASSERT_GE(a, 0);
    EXPECT_EQ(a, pick_collector(trace_n(n), seeds, all));
    ++count[a];
    int b = pick_collector(trace_n(n), seeds, two);
    if (a != 1) {
      EXPECT_EQ(a, b) << "a trace moved although its collector is up";
    }
    EXPECT_NE(b, 1);
  }
  for (int c : count) EXPECT_GT(c, 800) << "unbalanced";
  EXPECT_EQ(pick_collector(trace_n(1), seeds, {false, false, false}), -1);
}

TEST_F(ForwarderTest, EveryTraceReachesOneCollectorWhole) {
  FakeCollector a, b;
  write(batch_of(0, 100, 5));
  write(batch_of(100, 100, 5));
  start({a.url(), b.url()}, "zstd");
  ASSERT_TRUE(eventually([&] { return queue_->stats().pending_entries == 0; }));
  EXPECT_EQ(a.span_count() + b.span_count(), 1000u);
  EXPECT_GT(a.span_count(), 200u);
  EXPECT_GT(b.span_count(), 200u);
  auto sa = a.spans(), sb = b.spans();
  for (auto& [t, spans] : sa) {
    EXPECT_EQ(spans.size(), 5u);
    EXPECT_EQ(sb.count(t), 0u) << "trace split across collectors";
  }
  ForwarderStats st = forwarder_->stats();
  EXPECT_EQ(st.forwarded_spans, 1000u);
  EXPECT_EQ(st.in_flight_spans, 0u);
}

TEST_F(ForwarderTest, RetriesUntilTheCollectorComesBack) {
  FakeCollector a;
  a.status = 503;
  write(batch_of(0, 10, 3));
  start({a.url()});
  ASSERT_TRUE(eventually([&] { return a.requests() >= 4; }));
  EXPECT_EQ(queue_->stats().pending_entries, 1u);
  EXPECT_FALSE(forwarder_->stats().collectors[0].healthy);
  a.status = 200;
  ASSERT_TRUE(eventually([&] { return queue_->stats().pending_entries == 0; }));
  EXPECT_EQ(a.span_count(), 30u);
  EXPECT_TRUE(forwarder_->stats().collectors[0].healthy);
  EXPECT_GT(forwarder_->stats().retries, 0u);
}

TEST_F(ForwarderTest, ReroutesAroundAnUnhealthyCollectorAndComesBack) {
  FakeCollector a, b;
  b.status = 503;
  write(batch_of(0, 200, 2));
  start({a.url(), b.url()});
  ASSERT_TRUE(eventually([&] { return queue_->stats().pending_entries == 0; }));
  EXPECT_EQ(a.span_count(), 400u) << "every trace should have gone to the healthy collector";
  EXPECT_GT(forwarder_->stats().rerouted_spans, 0u);
  for (auto& [t, spans] : a.spans()) EXPECT_EQ(spans.size(), 2u);

  b.status = 200;  // probes succeed: b takes its own traces again
  ASSERT_TRUE(eventually([&] { return forwarder_->stats().collectors[1].healthy; }));
  write(batch_of(1000, 200, 2));
  ASSERT_TRUE(eventually([&] { return queue_->stats().pending_entries == 0; }));
  EXPECT_GT(b.span_count(), 100u);
  EXPECT_EQ(a.span_count() + b.span_count(), 800u);
}

TEST_F(ForwarderTest, CollectorDownThenUp) {
  FakeCollector a;
  std::string url = a.url();
  a.stop();
  write(batch_of(0, 5, 4));
  start({url});
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(queue_->stats().pending_entries, 1u);
  a.start();
  ASSERT_TRUE(eventually([&] { return queue_->stats().pending_entries == 0; }));
  EXPECT_EQ(a.span_count(), 20u);
}

TEST_F(ForwarderTest, PermanentRejectionDropsAndCounts) {
  FakeCollector a;
  a.status = 400;
  write(batch_of(0, 3, 3));
  start({a.url()}, "none");
  ASSERT_TRUE(eventually([&] { return queue_->stats().pending_entries == 0; }));
  EXPECT_EQ(forwarder_->stats().rejected_spans, 9u);
  EXPECT_EQ(forwarder_->stats().forwarded_spans, 0u);
  EXPECT_TRUE(forwarder_->stats().collectors[0].healthy);
}

TEST_F(ForwarderTest, BadOptionsAreRefusedClearly) {
  ForwarderOptions o;
  auto none = Forwarder::create(*queue_, o);
  EXPECT_FALSE(none.is_ok());
  o.collectors = {"https://x:1"};
  auto tls = Forwarder::create(*queue_, o);
  ASSERT_FALSE(tls.is_ok());
  EXPECT_NE(tls.status().message().find("https://x:1"), std::string::npos);
  o.collectors = {"127.0.0.1:4318"};
  o.compression = "brotli";
  auto comp = Forwarder::create(*queue_, o);
  ASSERT_FALSE(comp.is_ok());
  EXPECT_NE(comp.status().message().find("brotli"), std::string::npos);
  o.compression = "gzip";
  o.collectors = {"127.0.0.1:4318", "http://127.0.0.1:4318/v1/traces"};
  EXPECT_FALSE(Forwarder::create(*queue_, o).is_ok()) << "the same collector twice";
}

}  // namespace
}  // namespace weft::server
