#include "ingest/otlp_http_handler.h"

#include "ingest/rpc_status.h"
#include "wire/otlp_json.h"
#include "wire/otlp_proto.h"

namespace weft::ingest {
namespace {

constexpr std::string_view kProtobuf = "application/x-protobuf";
constexpr std::string_view kJson = "application/json";

http::Response error_response(bool json, int http_status, const Status& status) {
  int code = grpc_code_for(status);
  http::Response r;
  r.status = http_status;
  if (json) {
    r.content_type = std::string(kJson);
    r.body = encode_rpc_status_json(code, status.message());
  } else {
    r.content_type = std::string(kProtobuf);
    r.body = encode_rpc_status_proto(code, status.message());
  }
  if (http_status == 429 || http_status == 503)
    r.headers.emplace_back("Retry-After", std::to_string(kRetryAfterSeconds));
  return r;
}

http::Response answer(bool json, const IngestOutcome& o) {
  switch (o.status.code()) {
    case ResultCode::kOk: {
      http::Response r;
      r.status = 200;
      if (json) {
        r.content_type = std::string(kJson);
        r.body = wire::encode_otlp_json_export_response(o.rejected_spans, o.rejection_message);
      } else {
        r.content_type = std::string(kProtobuf);
        r.body = wire::encode_otlp_export_response(o.rejected_spans, o.rejection_message);
      }
      return r;
    }
    case ResultCode::kInvalidArgument:
      return error_response(json, 400, o.status);
    case ResultCode::kResourceExhausted:
      return error_response(json, o.request_too_large ? 413 : 429, o.status);
    default:
      return error_response(json, 503, o.status);
  }
}

}  // namespace

http::Handler make_otlp_http_handler(Ingestor& ingestor) {
  return [&ingestor](http::Request&& req, http::Responder respond) {
    if (req.path != "/v1/traces") {
      respond(http::Response::json(
          404, encode_rpc_status_json(
                   5, "no such path: " + req.path + " (OTLP/HTTP traces go to POST /v1/traces)")));
      return;
    }
    if (req.method != "POST") {
      auto r = http::Response::json(405, encode_rpc_status_json(3, "use POST for /v1/traces"));
      r.headers.emplace_back("Allow", "POST");
      respond(std::move(r));
      return;
    }
    std::string type = http::media_type(req.header("content-type"));
    Encoding encoding;
    if (type == kProtobuf) {
      encoding = Encoding::kOtlpProto;
    } else if (type == kJson) {
      encoding = Encoding::kOtlpJson;
    } else {
      respond(http::Response::json(
          415, encode_rpc_status_json(3, "unsupported Content-Type \"" + type +
                                             "\": use application/x-protobuf or "
                                             "application/json")));
      return;
    }
    bool json = encoding == Encoding::kOtlpJson;
    ingestor.ingest(
        Protocol::kOtlpHttp, encoding, req.body,
        [json, respond = std::move(respond)](IngestOutcome o) { respond(answer(json, o)); });
  };
}

}  // namespace weft::ingest
