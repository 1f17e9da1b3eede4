#pragma once
// OTLP/HTTP: POST /v1/traces with application/x-protobuf or application/json, answering as
// the OTLP specification says: 200 with an ExportTraceServiceResponse (partial success
// when spans were rejected), 400 with a google.rpc.Status for malformed input, 413 over
// the size limit, 415 for another content type, 429/503 with Retry-After when weft cannot
// take the spans now. The response uses the request's encoding.
#include "common/http_message.h"
#include "ingest/ingestor.h"

namespace weft::ingest {

// Handles POST /v1/traces; any other path answers 404, another method 405.
http::Handler make_otlp_http_handler(Ingestor& ingestor);

}  // namespace weft::ingest
