#pragma once
// Zipkin v2 ingest: POST /api/v2/spans with a JSON array (gzip handled by the server).
// 202 when every span was stored; 400 naming the problem when the body cannot be read or
// some spans were invalid (the valid ones are stored all the same, and the message says
// so); 429/503 with Retry-After when weft cannot take the spans now.
#include "common/http_message.h"
#include "ingest/ingestor.h"

namespace weft::ingest {

// Answers POST /api/v2/spans. Requests this handler does not own (any other method or path)
// go to `fallback` (the Zipkin query API).
http::Handler make_zipkin_ingest_handler(Ingestor& ingestor, http::Handler fallback);

}  // namespace weft::ingest
