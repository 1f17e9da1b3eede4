// The OTLP/gRPC Sender: pre-encoded ExportTraceServiceRequest bytes through a generic stub,
// so nothing is re-encoded through generated messages.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>

#include "cmd/loadgen/export_response.h"
#include "cmd/loadgen/sender.h"

namespace weft::cmd::loadgen {
namespace {

constexpr const char* kExportMethod = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

const char* grpc_code_name(grpc::StatusCode code) {
  switch (code) {
    case grpc::OK:
      return "OK";
    case grpc::CANCELLED:
      return "CANCELLED";
    case grpc::UNKNOWN:
      return "UNKNOWN";
    case grpc::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::ABORTED:
      return "ABORTED";
    case grpc::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::INTERNAL:
      return "INTERNAL";
    case grpc::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN_CODE";
  }
}

class GrpcSender final : public Sender {
 public:
  GrpcSender(const LoadgenOptions& options, const Endpoint& endpoint)
      : gzip_(options.gzip), timeout_ms_(options.timeout_ms) {
    grpc::ChannelArguments args;
    args.SetMaxSendMessageSize(-1);
    args.SetMaxReceiveMessageSize(64 << 20);
    // One TCP connection per sender, as --concurrency promises, not one shared subchannel.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    channel_ =
        grpc::CreateCustomChannel(endpoint.to_string(), grpc::InsecureChannelCredentials(), args);
    stub_ = std::make_unique<grpc::GenericStub>(channel_);
  }

  ~GrpcSender() override {
    cq_.Shutdown();
    void* tag = nullptr;
    bool ok = false;
    while (cq_.Next(&tag, &ok)) {
    }
  }

  Status connect() {
    const auto deadline = std::chrono::system_clock::now() + std::chrono::seconds(5);
    if (!channel_->WaitForConnected(deadline))
      return unavailable("gRPC channel did not connect within 5 s");
    return Status::ok();
  }

  SendResult send(const std::string& body) override {
    grpc::Slice slice(body.data(), body.size());
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms_));
    if (gzip_) context.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    grpc::Status status;
    auto call = stub_->PrepareUnaryCall(&context, kExportMethod, request, &cq_);
    call->StartCall();
    call->Finish(&response, &status, this);
    void* tag = nullptr;
    bool ok = false;
    cq_.Next(&tag, &ok);

    SendResult result;
    if (status.ok()) {
      grpc::Slice reply;
      if (response.DumpToSingleSlice(&reply).ok()) {
        result.rejected_spans = rejected_spans_in_proto_response(
            std::string_view(reinterpret_cast<const char*>(reply.begin()), reply.size()));
      }
      return result;
    }
    const grpc::StatusCode code = status.error_code();
    result.failure = std::string("grpc ") + grpc_code_name(code);
    result.detail = status.error_message();
    result.kind = code == grpc::UNAVAILABLE || code == grpc::RESOURCE_EXHAUSTED
                      ? SendResult::Kind::kRetryable
                      : SendResult::Kind::kFailed;
    return result;
  }

 private:
  bool gzip_;
  uint32_t timeout_ms_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;
  grpc::CompletionQueue cq_;
};

}  // namespace

Result<std::unique_ptr<Sender>> make_grpc_sender(const LoadgenOptions& options,
                                                 const Endpoint& endpoint) {
  auto sender = std::make_unique<GrpcSender>(options, endpoint);
  WEFT_RETURN_IF_ERROR(sender->connect());
  return std::unique_ptr<Sender>(std::move(sender));
}

}  // namespace weft::cmd::loadgen
