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
        retrier_(options_.initial_backoff, options_.max_backoff, options_.timeout,
                 options_.max_attempts) {}

  ExportResult Export(const ExportBatch& batch) override {
    const uint64_t n = batch.spans.size();
    if (n == 0) return ExportResult::kSuccess;
    otlp::EncodeExportRequest(batch, &body_);
    batch.Release();  // the spans are in body_ now: their memory may take new ones
    grpc::Slice slice(body_.data(), body_.size());  // copied: gRPC may outlive the call's view
    const grpc::ByteBuffer request(&slice, 1);

    return retrier_.Run(n, [&] {
      grpc::ByteBuffer response;
      const grpc::Status status = Call(request, &response);
      if (!status.ok())
        return otlp::AttemptResult{Retryable(status.error_code()) ? otlp::AttemptResult::kRetryable
                                                                  : otlp::AttemptResult::kFinal};
      otlp::AttemptResult accepted{otlp::AttemptResult::kAccepted};
      std::vector<grpc::Slice> slices;
      if (response.Dump(&slices).ok())
        for (const grpc::Slice& s : slices)
          accepted.response.append(reinterpret_cast<const char*>(s.begin()), s.size());
      return accepted;
    });
  }

  void Shutdown() override { retrier_.Stop(); }

  ExporterStats stats() const override { return retrier_.stats(); }

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

  OtlpGrpcExporterOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  grpc::GenericStub stub_;
  std::string body_;  // reused across exports
  otlp::ExportRetrier retrier_;
};

}  // namespace

std::unique_ptr<SpanExporter> MakeOtlpGrpcExporter(OtlpGrpcExporterOptions options) {
  return std::make_unique<OtlpGrpcExporter>(std::move(options));
}

}  // namespace weft
