#pragma once
// Request bodies for `weft loadgen`, in workload order: the reference workload cut into
// batches of --batch spans and encoded for the protocol.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cmd/loadgen/loadgen_options.h"
#include "model/span.h"

namespace weft::cmd::loadgen {

using namespace weft::model;

struct EncodedRequest {
  std::string body;
  uint32_t spans = 0;
};

// One batch as the protocol's request body: OTLP protobuf (otlp-http, otlp-grpc), OTLP JSON
// or Zipkin v2 JSON; gzip-compressed when `gzip` and the protocol is HTTP (gRPC compresses
// in its transport instead).
std::string encode_request_body(Protocol protocol, const std::vector<Span>& spans, bool gzip);

// A thread-safe supply of requests.
class RequestSource {
 public:
  virtual ~RequestSource() = default;
  // Moves the next request into *out; false once the workload's span limit is reached.
  virtual bool next(EncodedRequest* out) = 0;
};

// Generates and encodes every request now, so that sending costs no generation CPU.
// REQUIRES: options.spans > 0.
std::unique_ptr<RequestSource> pregenerate_requests(const LoadgenOptions& options);
// Generates and encodes each request when asked (rate-limited or unbounded runs); callers
// encode concurrently, only the cutting of batches is serialized.
std::unique_ptr<RequestSource> stream_requests(const LoadgenOptions& options);

}  // namespace weft::cmd::loadgen
