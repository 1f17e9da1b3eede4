// OTLP/gRPC exporter over grpc::GenericStub: the request is weft's own protobuf encoding
// (otlp/encode.h) sent as a raw ByteBuffer, so no generated protobuf code is linked.
#include "weft/otlp_grpc_exporter.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "otlp/encode.h"
#include "otlp/retry.h"

namespace weft {
namespace {

constexpr char kExportMethod[] = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

bool Retryable(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::RESOURCE_EXHAUSTED ||
         code == grpc::StatusCode::DEADLINE_EXCEEDED;
}

class OtlpGrpcExporter final : public SpanExporter {
 public:
  explicit OtlpGrpcExporter(OtlpGrpcExporterOptions options)
      : options_(std::move(options)),
        channel_(grpc::CreateChannel(options_.endpoint, grpc::InsecureChannelCredentials())),
        stub_(channel_),
        backoff_(options_.initial_backoff, options_.max_backoff) {
    if (options_.max_attempts < 1) options_.max_attempts = 1;
  }

  ExportResult Export(const ExportBatch& batch) override {
    const uint64_t n = batch.spans.size();
    if (n == 0) return ExportResult::kSuccess;
    otlp::EncodeExportRequest(batch, &body_);
    grpc::Slice slice(body_.data(), body_.size());  // copied: gRPC may outlive the call's view
    const grpc::ByteBuffer request(&slice, 1);

    using Clock = std::chrono::steady_clock;
    const Clock::time_point budget_end = Clock::now() + options_.timeout * options_.max_attempts;
    const int attempts = stop_.stopped() ? 1 : options_.max_attempts;
    for (int attempt = 1;; ++attempt) {
      grpc::ByteBuffer response;
      const grpc::Status status = Call(request, &response);
      if (status.ok()) {
        std::string bytes;
        std::vector<grpc::Slice> slices;
        if (response.Dump(&slices).ok())
          for (const grpc::Slice& s : slices)
            bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
        const uint64_t rejected = std::min<uint64_t>(
            n, static_cast<uint64_t>(std::max<int64_t>(0, otlp::RejectedSpans(bytes))));
        exported_.fetch_add(n - rejected, std::memory_order_relaxed);
        failed_.fetch_add(rejected, std::memory_order_relaxed);
        return ExportResult::kSuccess;
      }
      if (!Retryable(status.error_code()) || attempt >= attempts) return Fail(n);
      const std::chrono::milliseconds delay = backoff_.Delay(attempt);
      if (Clock::now() + delay >= budget_end) return Fail(n);
      if (!stop_.SleepFor(delay)) return Fail(n);
      retries_.fetch_add(1, std::memory_order_relaxed);
    }
  }

  void Shutdown() override { stop_.Stop(); }

  ExporterStats stats() const override {
    return {exported_.load(std::memory_order_relaxed), failed_.load(std::memory_order_relaxed),
            retries_.load(std::memory_order_relaxed)};
  }

 private:
  // One unary call, waited for.
  grpc::Status Call(const grpc::ByteBuffer& request, grpc::ByteBuffer* response) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + options_.timeout);
    if (options_.gzip) ctx.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    for (const auto& [k, v] : options_.metadata) ctx.AddMetadata(k, v);
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    grpc::Status result;
    stub_.UnaryCall(&ctx, kExportMethod, grpc::StubOptions(), &request, response,
                    [&](grpc::Status s) {
                      std::lock_guard lock(mu);
                      result = std::move(s);
                      done = true;
                      cv.notify_one();
                    });
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return done; });  // the deadline bounds the wait
    return result;
  }

  ExportResult Fail(uint64_t n) {
    failed_.fetch_add(n, std::memory_order_relaxed);
    return ExportResult::kFailure;
  }

  OtlpGrpcExporterOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  grpc::GenericStub stub_;
  std::string body_;  // reused across exports
  otlp::Backoff backoff_;
  otlp::StopSignal stop_;
  std::atomic<uint64_t> exported_{0}, failed_{0}, retries_{0};
};

}  // namespace

std::unique_ptr<SpanExporter> MakeOtlpGrpcExporter(OtlpGrpcExporterOptions options) {
  return std::make_unique<OtlpGrpcExporter>(std::move(options));
}

}  // namespace weft
