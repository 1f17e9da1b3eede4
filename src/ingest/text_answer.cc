#include "ingest/text_answer.h"

namespace weft::ingest {

http::Response text_error(int status, const std::string& message) {
  http::Response r = http::Response::text(status, message + "\n");
  if (status == 429 || status == 503)
    r.headers.emplace_back("Retry-After", std::to_string(kRetryAfterSeconds));
  return r;
}

http::Response text_answer(const IngestOutcome& o, std::string_view unreadable_prefix) {
  switch (o.status.code()) {
    case ResultCode::kOk:
      if (o.rejected_spans == 0) return http::Response::text(202, "");
      return text_error(400, o.rejection_message + " (the other " +
                                 std::to_string(o.accepted_spans) + " spans were stored)");
    case ResultCode::kInvalidArgument:
      return text_error(400, std::string(unreadable_prefix) + o.status.message());
    case ResultCode::kResourceExhausted:
      return text_error(o.request_too_large ? 413 : 429, o.status.message());
    default:
      return text_error(503, o.status.message());
  }
}

}  // namespace weft::ingest
