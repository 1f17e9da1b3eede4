#pragma once
// Jaeger Thrift over HTTP, as jaeger-collector takes it on port 14268: POST /api/traces
// with one jaeger.thrift Batch in Thrift's binary protocol (Content-Type
// application/x-thrift or application/vnd.apache.thrift.binary; gzip handled by the server).
// Answers, in plain text:
//   202 Accepted (empty body) when every span was stored (durable), as jaeger-collector does;
//   400 naming the problem when the body cannot be read, or when some spans were invalid
//       (the valid ones are stored all the same, and the message says so);
//   413 when the request holds more spans than allowed (the server answers 413 itself for
//       a body over --max-body-bytes);
//   415 for any other Content-Type; 404 for another path; 405 (Allow: POST) for another
//       method;
//   429 / 503 with Retry-After when weft cannot take the spans now.
#include "common/http_message.h"
#include "ingest/ingestor.h"

namespace weft::ingest {

http::Handler make_jaeger_http_handler(Ingestor& ingestor);

}  // namespace weft::ingest
