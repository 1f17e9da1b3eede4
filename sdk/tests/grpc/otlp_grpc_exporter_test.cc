// The OTLP/gRPC exporter against a real gRPC server (a generic callback service on
// 127.0.0.1:0): the request reaches TraceService/Export with exactly the bytes the OTLP
// encoder makes, UNAVAILABLE is retried, and a server that is not there fails the batch
// after the configured attempts.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <mutex>

#include "otlp/encode.h"
#include "weft/otlp_grpc_exporter.h"
#include "weft/weft.h"

namespace weft {
namespace {

// Keeps copies of the records an SDK exported, to replay them as an ExportBatch.
struct Captured final : SpanExporter {
  Resource resource;
  std::vector<InstrumentationScope> scopes;
  std::vector<std::unique_ptr<uint64_t[]>> storage;
  std::vector<const SpanRecord*> records;
  ExportResult Export(const ExportBatch& b) override {
    resource = b.resource;
    scopes.assign(b.scopes.begin(), b.scopes.end());
    for (const SpanRecord* r : b.spans) {
      storage.push_back(std::make_unique<uint64_t[]>(r->size / 8 + 1));
      std::memcpy(storage.back().get(), r, r->size);
      records.push_back(reinterpret_cast<const SpanRecord*>(storage.back().get()));
    }
    return ExportResult::kSuccess;
  }
  ExportBatch batch() const { return ExportBatch{resource, scopes, records}; }
};

// Answers Export: UNAVAILABLE for the first `fail_first` calls, then OK with an empty body.
struct Collector final : grpc::CallbackGenericService {
  std::atomic<int> calls{0}, fail_first{0};
  std::mutex mu;
  std::string last_body, last_method;

  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override {
    struct Reactor final : grpc::ServerGenericBidiReactor {
      Collector* owner;
      std::string method;
      grpc::ByteBuffer request, response;
      Reactor(Collector* c, std::string m) : owner(c), method(std::move(m)) { StartRead(&request); }
      void OnReadDone(bool ok) override {
        if (!ok) return Finish(grpc::Status(grpc::StatusCode::INTERNAL, "no request"));
        std::vector<grpc::Slice> slices;
        (void)request.Dump(&slices);
        std::string body;
        for (const auto& s : slices)
          body.append(reinterpret_cast<const char*>(s.begin()), s.size());
        {
          std::lock_guard lock(owner->mu);
          owner->last_body = body;
          owner->last_method = method;
        }
        if (owner->calls.fetch_add(1) < owner->fail_first.load())
          return Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "try later"));
        grpc::Slice empty("", 0);
        response = grpc::ByteBuffer(&empty, 1);
        StartWriteAndFinish(&response, grpc::WriteOptions(), grpc::Status::OK);
      }
      void OnDone() override { delete this; }
    };
    return new Reactor(this, ctx->method());
  }
};

Captured FiveSpans() {
  auto captured = std::make_shared<Captured>();
  {
    Options o;
    o.service_name = "grpc-test";
    o.exporter = captured;
    o.simple_processor = true;
    o.flush_on_signal = false;
    Sdk sdk = Init(std::move(o));
    for (int i = 0; i < 5; ++i) sdk.tracer().StartSpan("s").SetAttribute("i", i);
  }
  return std::move(*captured);
}

TEST(OtlpGrpcExporter, SendsTheEncodedRequestAndRetriesUnavailable) {
  const Captured spans = FiveSpans();
  ASSERT_EQ(spans.records.size(), 5u);
  Collector collector;
  collector.fail_first = 2;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterCallbackGenericService(&collector);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(port, 0);

  OtlpGrpcExporterOptions o;
  o.endpoint = "127.0.0.1:" + std::to_string(port);
  o.initial_backoff = std::chrono::milliseconds(5);
  o.timeout = std::chrono::milliseconds(5000);
  auto exporter = MakeOtlpGrpcExporter(o);
  EXPECT_EQ(exporter->Export(spans.batch()), ExportResult::kSuccess);
  std::string expected;
  otlp::EncodeExportRequest(spans.batch(), &expected);
  {
    std::lock_guard lock(collector.mu);
    EXPECT_EQ(collector.last_method, "/opentelemetry.proto.collector.trace.v1.TraceService/Export");
    EXPECT_EQ(collector.last_body, expected);
  }
  EXPECT_EQ(collector.calls.load(), 3);
  const ExporterStats s = exporter->stats();
  EXPECT_EQ(s.exported_spans, 5u);
  EXPECT_EQ(s.failed_spans, 0u);
  EXPECT_EQ(s.retries, 2u);
  server->Shutdown();
}

TEST(OtlpGrpcExporter, NoServerFailsAfterTheConfiguredAttempts) {
  const Captured spans = FiveSpans();
  // A port that was just free: bind, note it, release it.
  int port = 0;
  {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
    port = ntohs(a.sin_port);
    close(fd);
  }
  OtlpGrpcExporterOptions o;
  o.endpoint = "127.0.0.1:" + std::to_string(port);
  o.initial_backoff = std::chrono::milliseconds(5);
  o.timeout = std::chrono::milliseconds(2000);
  o.max_attempts = 3;
  auto exporter = MakeOtlpGrpcExporter(o);
  EXPECT_EQ(exporter->Export(spans.batch()), ExportResult::kFailure);
  const ExporterStats s = exporter->stats();
  EXPECT_EQ(s.exported_spans, 0u);
  EXPECT_EQ(s.failed_spans, 5u);
  EXPECT_EQ(s.retries, 2u);
}

}  // namespace
}  // namespace weft
