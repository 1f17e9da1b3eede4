#include "ingest/jaeger_http_handler.h"

#include <cctype>

#include "ingest/text_answer.h"

namespace weft::ingest {
namespace {

constexpr char kPath[] = "/api/traces";

}  // namespace

http::Handler make_jaeger_http_handler(Ingestor& ingestor) {
  return [&ingestor](http::Request&& req, http::Responder respond) {
    if (req.path != kPath) {
      respond(text_error(
          404, "no such path: " + req.path + " (Jaeger Thrift spans go to POST /api/traces)"));
      return;
    }
    if (req.method != "POST") {
      http::Response r = text_error(405, "use POST for /api/traces");
      r.headers.emplace_back("Allow", "POST");
      respond(std::move(r));
      return;
    }
    std::string type = http::media_type(req.header("content-type"));
    if (type != "application/x-thrift" && type != "application/vnd.apache.thrift.binary") {
      respond(
          text_error(415, "unsupported Content-Type \"" + req.header("content-type") +
                              "\": weft takes a jaeger.thrift Batch in Thrift's binary protocol "
                              "(application/x-thrift or application/vnd.apache.thrift.binary)"));
      return;
    }
    ingestor.ingest(Protocol::kJaeger, Encoding::kJaegerThriftBinary, req.body,
                    [respond = std::move(respond)](IngestOutcome o) {
                      respond(text_answer(o, "cannot read the Jaeger Thrift batch: "));
                    });
  };
}

}  // namespace weft::ingest
