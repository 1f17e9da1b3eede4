#pragma once
// Plain-text answers of the receivers that speak neither OTLP nor gRPC (Zipkin, Jaeger HTTP):
// 202 when every span is stored, 400 naming the rejected ones or what could not be read, 413
// when the request is over a limit, 429/503 with Retry-After when the store is overloaded or
// away.
#include <string>
#include <string_view>

#include "common/http_message.h"
#include "ingest/ingestor.h"

namespace weft::ingest {

// A text/plain error; 429 and 503 carry Retry-After.
http::Response text_error(int status, const std::string& message);

// The answer to `o`. `unreadable_prefix` goes before the reason a request could not be read
// ("" for none, e.g. "cannot read the Jaeger Thrift batch: ").
http::Response text_answer(const IngestOutcome& o, std::string_view unreadable_prefix);

}  // namespace weft::ingest
