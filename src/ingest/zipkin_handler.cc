#include "ingest/zipkin_handler.h"

#include "ingest/text_answer.h"

namespace weft::ingest {

http::Handler make_zipkin_ingest_handler(Ingestor& ingestor, http::Handler fallback) {
  return [&ingestor, fallback = std::move(fallback)](http::Request&& req, http::Responder respond) {
    if (req.path != "/api/v2/spans" || req.method != "POST") {
      fallback(std::move(req), std::move(respond));
      return;
    }
    std::string type = req.header("content-type");
    if (!type.empty() && type.find("json") == std::string::npos) {
      respond(text_error(415, "unsupported Content-Type \"" + type +
                                  "\": weft takes Zipkin v2 JSON (application/json)"));
      return;
    }
    ingestor.ingest(
        Protocol::kZipkin, Encoding::kZipkinJson, req.body,
        [respond = std::move(respond)](IngestOutcome o) { respond(text_answer(o, "")); });
  };
}

}  // namespace weft::ingest
