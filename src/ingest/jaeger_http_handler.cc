#include "ingest/jaeger_http_handler.h"

#include <cctype>

namespace weft::ingest {
namespace {

constexpr char kPath[] = "/api/traces";

http::Response jaeger_error(int status, const std::string& message) {
  http::Response r = http::Response::text(status, message + "\n");
  if (status == 429 || status == 503)
    r.headers.emplace_back("Retry-After", std::to_string(kRetryAfterSeconds));
  return r;
}

http::Response answer(const IngestOutcome& o) {
  switch (o.status.code()) {
    case StatusCode::kOk:
      if (o.rejected_spans == 0) return http::Response::text(202, "");
      return jaeger_error(400, o.rejection_message + " (the other " +
                                   std::to_string(o.accepted_spans) + " spans were stored)");
    case StatusCode::kInvalidArgument:
      return jaeger_error(400, "cannot read the Jaeger Thrift batch: " + o.status.message());
    case StatusCode::kResourceExhausted:
      return jaeger_error(o.request_too_large ? 413 : 429, o.status.message());
    default:
      return jaeger_error(503, o.status.message());
  }
}

// The media type without parameters, lowercased and trimmed.
std::string media_type(const std::string& content_type) {
  std::string t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  while (!t.empty() && t.front() == ' ') t.erase(0, 1);
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return t;
}

}  // namespace

http::Handler make_jaeger_http_handler(Ingestor& ingestor) {
  return [&ingestor](http::Request&& req, http::Responder respond) {
    if (req.path != kPath) {
      respond(jaeger_error(404, "no such path: " + req.path +
                                    " (Jaeger Thrift spans go to POST /api/traces)"));
      return;
    }
    if (req.method != "POST") {
      http::Response r = jaeger_error(405, "use POST for /api/traces");
      r.headers.emplace_back("Allow", "POST");
      respond(std::move(r));
      return;
    }
    std::string type = media_type(req.header("content-type"));
    if (type != "application/x-thrift" && type != "application/vnd.apache.thrift.binary") {
      respond(jaeger_error(
          415, "unsupported Content-Type \"" + req.header("content-type") +
                   "\": weft takes a jaeger.thrift Batch in Thrift's binary protocol "
                   "(application/x-thrift or application/vnd.apache.thrift.binary)"));
      return;
    }
    ingestor.ingest(Protocol::kJaeger, Encoding::kJaegerThriftBinary, req.body,
                    [respond = std::move(respond)](IngestOutcome o) { respond(answer(o)); });
  };
}

}  // namespace weft::ingest
