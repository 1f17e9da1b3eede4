#include "server/otlp_grpc_service.h"

#include <grpcpp/grpcpp.h>

#include "common/clock.h"
#include "common/metrics.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "wire/otlp_proto.h"

namespace weft::server {
namespace {

using TraceService = opentelemetry::proto::collector::trace::v1::TraceService;

grpc::StatusCode to_grpc_code(const ingest::IngestOutcome& o) {
  switch (o.status.code()) {
    case ResultCode::kOk:
      return grpc::StatusCode::OK;
    case ResultCode::kInvalidArgument:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case ResultCode::kResourceExhausted:
      // Over a request limit is not retryable; an overloaded store is (UNAVAILABLE is
      // what OTLP exporters retry without RetryInfo).
      return o.request_too_large ? grpc::StatusCode::RESOURCE_EXHAUSTED
                                 : grpc::StatusCode::UNAVAILABLE;
    default:
      return grpc::StatusCode::UNAVAILABLE;
  }
}

class ExportService final
    : public TraceService::WithRawCallbackMethod_Export<TraceService::Service> {
 public:
  explicit ExportService(ingest::Ingestor& ingestor) : ingestor_(ingestor) {
    latency_ = &MetricsRegistry::global()
                    .histogram("weft_grpc_request_duration_seconds",
                               "Time from receiving an OTLP/gRPC Export to answering it", {})
                    .get();
  }

  grpc::ServerUnaryReactor* Export(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override {
    auto* reactor = context->DefaultReactor();
    uint64_t started = Clock::system().monotonic_nanos();
    std::string body;
    std::vector<grpc::Slice> slices;
    if (!request->Dump(&slices).ok()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::INTERNAL, "cannot read request bytes"));
      return reactor;
    }
    // ingest() reads the bytes only before it returns: one slice is read in place.
    std::string_view bytes;
    if (slices.size() == 1) {
      bytes = {reinterpret_cast<const char*>(slices[0].begin()), slices[0].size()};
    } else {
      body.reserve(request->Length());
      for (const auto& s : slices) body.append(reinterpret_cast<const char*>(s.begin()), s.size());
      bytes = body;
    }
    ingestor_.ingest(
        ingest::Protocol::kOtlpGrpc, ingest::Encoding::kOtlpProto, bytes,
        [this, reactor, response, started](ingest::IngestOutcome o) {
          latency_->observe(static_cast<double>(Clock::system().monotonic_nanos() - started) / 1e9);
          if (!o.status.is_ok()) {
            reactor->Finish(grpc::Status(to_grpc_code(o), o.status.message()));
            return;
          }
          std::string bytes =
              wire::encode_otlp_export_response(o.rejected_spans, o.rejection_message);
          grpc::Slice slice(bytes);
          *response = grpc::ByteBuffer(&slice, 1);
          reactor->Finish(grpc::Status::OK);
        });
    return reactor;
  }

 private:
  ingest::Ingestor& ingestor_;
  Histogram* latency_;
};

}  // namespace

struct OtlpGrpcServer::Impl {
  ExportService service;
  size_t max_message_bytes;
  std::unique_ptr<grpc::Server> server;
  Impl(ingest::Ingestor& ingestor, size_t max) : service(ingestor), max_message_bytes(max) {}
};

OtlpGrpcServer::OtlpGrpcServer(ingest::Ingestor& ingestor, size_t max_message_bytes)
    : impl_(std::make_unique<Impl>(ingestor, max_message_bytes)) {}

OtlpGrpcServer::~OtlpGrpcServer() { stop(std::chrono::milliseconds(0)); }

Result<std::string> OtlpGrpcServer::start(const std::string& host, uint16_t port) {
  grpc::ServerBuilder builder;
  int selected = 0;
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  builder.AddListeningPort(h + ":" + std::to_string(port), grpc::InsecureServerCredentials(),
                           &selected);
  builder.SetMaxReceiveMessageSize(static_cast<int>(impl_->max_message_bytes));
  builder.RegisterService(&impl_->service);
  impl_->server = builder.BuildAndStart();
  if (!impl_->server || selected == 0)
    return unavailable("otlp_grpc: cannot listen on " + h + ":" + std::to_string(port));
  return h + ":" + std::to_string(selected);
}

void OtlpGrpcServer::stop(std::chrono::milliseconds deadline) {
  if (!impl_->server) return;
  impl_->server->Shutdown(std::chrono::system_clock::now() + deadline);
  impl_->server->Wait();
  impl_->server.reset();
}

}  // namespace weft::server
