// The HTTP Sender: OTLP/HTTP (protobuf or JSON) and Zipkin v2 JSON.
#include <cstdlib>

#include "cmd/loadgen/export_response.h"
#include "cmd/loadgen/sender.h"
#include "server/http_client.h"

namespace weft::cmd::loadgen {
namespace {

// Seconds form only; an HTTP-date Retry-After reads as "no hint".
uint32_t retry_after_ms(const std::string& value) {
  if (value.empty()) return 0;
  char* end = nullptr;
  const long seconds = std::strtol(value.c_str(), &end, 10);
  if (end == value.c_str() || seconds < 0) return 0;
  return static_cast<uint32_t>(std::min<long>(seconds, 3600) * 1000);
}

class HttpSender final : public Sender {
 public:
  HttpSender(const LoadgenOptions& options, server::HttpClientOptions client_options)
      : protocol_(options.protocol), connection_(client_options) {
    const bool json = protocol_ != Protocol::kOtlpHttp;
    target_ = protocol_ == Protocol::kZipkin ? "/api/v2/spans" : "/v1/traces";
    headers_ = {{"Content-Type", json ? "application/json" : "application/x-protobuf"}};
    if (options.gzip) headers_.emplace_back("Content-Encoding", "gzip");
  }

  Status connect(const Endpoint& endpoint) {
    return connection_.connect(endpoint.host, endpoint.port);
  }

  SendResult send(const std::string& body) override {
    SendResult result;
    auto response = connection_.request("POST", target_, headers_, body);
    if (!response.is_ok()) {
      result.kind = SendResult::Kind::kRetryable;
      result.failure = "transport";
      result.detail = response.status().message();
      return result;
    }
    const int status = response->status;
    if (status >= 200 && status < 300) {
      if (protocol_ == Protocol::kOtlpHttp) {
        result.rejected_spans = rejected_spans_in_proto_response(response->body);
      } else if (protocol_ == Protocol::kOtlpHttpJson) {
        result.rejected_spans = rejected_spans_in_json_response(response->body);
      }
      return result;
    }
    result.failure = "http " + std::to_string(status);
    result.detail = response->body.substr(0, 300);
    if (status == 429 || status == 503) {
      result.kind = SendResult::Kind::kRetryable;
      result.retry_after_ms = retry_after_ms(response->header("retry-after"));
    } else {
      result.kind = SendResult::Kind::kFailed;
    }
    return result;
  }

 private:
  Protocol protocol_;
  server::HttpConnection connection_;
  std::string target_;
  server::HttpHeaders headers_;
};

}  // namespace

Result<std::unique_ptr<Sender>> make_http_sender(const LoadgenOptions& options,
                                                 const Endpoint& endpoint) {
  server::HttpClientOptions client;
  client.request_timeout_ms = options.timeout_ms;
  // Bodies are compressed once, up front (request_source.cc), not per send.
  client.gzip_requests = false;
  auto sender = std::make_unique<HttpSender>(options, client);
  WEFT_RETURN_IF_ERROR(sender->connect(endpoint));
  return std::unique_ptr<Sender>(std::move(sender));
}

Result<std::unique_ptr<Sender>> make_sender(const LoadgenOptions& options,
                                            const Endpoint& endpoint) {
  if (options.protocol == Protocol::kOtlpGrpc) return make_grpc_sender(options, endpoint);
  return make_http_sender(options, endpoint);
}

}  // namespace weft::cmd::loadgen
