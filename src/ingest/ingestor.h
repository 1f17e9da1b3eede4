#pragma once
// The receiving path every protocol shares: decode -> validate span by span -> write to
// the store -> answer once durable. Transport-neutral: the HTTP handlers in this folder
// and the gRPC service in src/server call it with a body and a completion.
//
// Thread-safe: ingest() may be called from any number of threads at once.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "ingest/limits.h"
#include "store/store.h"

namespace weft::ingest {

using namespace weft::model;

// kJaegerThriftBinary: a bare jaeger.thrift Batch in Thrift's binary protocol (POST
// /api/traces). kJaegerThriftCompactMessage / kJaegerThriftBinaryMessage: one UDP datagram
// holding an Agent.emitBatch message in the compact (port 6831) or binary (6832) protocol.
enum class Encoding {
  kOtlpProto,
  kOtlpJson,
  kZipkinJson,
  kJaegerThriftBinary,
  kJaegerThriftCompactMessage,
  kJaegerThriftBinaryMessage,
};

// Which receiver a request came through; the `protocol` label of weft's metrics. kLogTail:
// spans built from log files (`weft serve --tail`, log_tail_ingest.h). kJaeger: Jaeger
// Thrift over HTTP and UDP (label "jaeger").
enum class Protocol { kOtlpGrpc, kOtlpHttp, kZipkin, kLogTail, kJaeger };
const char* protocol_label(Protocol p);

struct IngestOutcome {
  // OK: the accepted spans are durable (some may have been rejected: see below).
  // INVALID_ARGUMENT: the request as a whole could not be read; nothing was stored.
  // RESOURCE_EXHAUSTED: over a request limit, or the store is overloaded (retry later).
  // UNAVAILABLE: out of disk or shutting down (retry later).
  Status status;
  uint32_t accepted_spans = 0;
  uint32_t rejected_spans = 0;
  std::string rejection_message;  // "2 spans rejected: span 3: ...", empty if none
  // With RESOURCE_EXHAUSTED: the request itself is over a limit (HTTP 413), rather than
  // the store being overloaded (HTTP 429).
  bool request_too_large = false;
};

class Ingestor {
 public:
  Ingestor(SpanSink& sink, Limits limits) : sink_(sink), limits_(limits) {}

  // Decodes `body` (already decompressed), validates each span, writes the valid ones and
  // calls `done` exactly once, possibly on a store thread, possibly before returning.
  void ingest(Protocol protocol, Encoding encoding, std::string_view body,
              std::function<void(IngestOutcome)> done);
  // The same path for spans built in process (log lines): validates each span, writes the
  // valid ones and calls `done` exactly once, as ingest() does. RESOURCE_EXHAUSTED /
  // UNAVAILABLE mean none was stored (retry later); a batch over max_spans_per_request is
  // refused whole with request_too_large.
  void ingest_spans(Protocol protocol, SpanBatch batch, std::function<void(IngestOutcome)> done);

  const Limits& limits() const { return limits_; }

 private:
  SpanSink& sink_;
  Limits limits_;
};

// Seconds a client should wait before retrying after RESOURCE_EXHAUSTED / UNAVAILABLE.
constexpr int kRetryAfterSeconds = 1;

}  // namespace weft::ingest
