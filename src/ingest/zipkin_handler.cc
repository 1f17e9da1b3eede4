#include "ingest/zipkin_handler.h"

#include "ingest/rpc_status.h"

namespace weft::ingest {
namespace {

http::Response zipkin_error(int status, const std::string& message) {
  http::Response r = http::Response::text(status, message + "\n");
  if (status == 429 || status == 503)
    r.headers.emplace_back("Retry-After", std::to_string(kRetryAfterSeconds));
  return r;
}

http::Response answer(const IngestOutcome& o) {
  switch (o.status.code()) {
    case StatusCode::kOk:
      if (o.rejected_spans == 0) return http::Response::text(202, "");
      return zipkin_error(400, o.rejection_message + " (the other " +
                                   std::to_string(o.accepted_spans) + " spans were stored)");
    case StatusCode::kInvalidArgument:
      return zipkin_error(400, o.status.message());
    case StatusCode::kResourceExhausted:
      return zipkin_error(o.request_too_large ? 413 : 429, o.status.message());
    default:
      return zipkin_error(503, o.status.message());
  }
}

}  // namespace

http::Handler make_zipkin_ingest_handler(Ingestor& ingestor, http::Handler fallback) {
  return [&ingestor, fallback = std::move(fallback)](http::Request&& req, http::Responder respond) {
    if (req.path != "/api/v2/spans" || req.method != "POST") {
      fallback(std::move(req), std::move(respond));
      return;
    }
    std::string type = req.header("content-type");
    if (!type.empty() && type.find("json") == std::string::npos) {
      respond(zipkin_error(415, "unsupported Content-Type \"" + type +
                                    "\": weft takes Zipkin v2 JSON (application/json)"));
      return;
    }
    ingestor.ingest(Protocol::kZipkin, Encoding::kZipkinJson, req.body,
                    [respond = std::move(respond)](IngestOutcome o) { respond(answer(o)); });
  };
}

}  // namespace weft::ingest
