#include "ingest/ingestor.h"

#include "common/metrics.h"
#include "ingest/validate.h"
#include "wire/jaeger_thrift.h"
#include "wire/otlp_json.h"
#include "wire/otlp_proto.h"
#include "wire/zipkin_json.h"

namespace weft::ingest {

using namespace weft::model;

namespace {

// Per-protocol counters, looked up once.
struct ProtocolMetrics {
  Counter* received;
  Counter* accepted;
  Counter* rejected_invalid;      // span-level: decoder or validation
  Counter* rejected_malformed;    // whole request unreadable (counted in requests)
  Counter* rejected_overloaded;   // spans refused with RESOURCE_EXHAUSTED
  Counter* rejected_unavailable;  // spans refused with UNAVAILABLE

  explicit ProtocolMetrics(const char* label) {
    auto& reg = MetricsRegistry::global();
    auto& received_f = reg.counter("weft_spans_received_total",
                                   "Spans received, valid or not, by protocol", {"protocol"});
    auto& accepted_f =
        reg.counter("weft_spans_accepted_total", "Spans made durable and acknowledged, by protocol",
                    {"protocol"});
    auto& rejected_f =
        reg.counter("weft_spans_rejected_total", "Spans not stored, by protocol and reason",
                    {"protocol", "reason"});
    auto& malformed_f =
        reg.counter("weft_requests_malformed_total",
                    "Requests that could not be read at all, by protocol", {"protocol"});
    received = &received_f.with({label});
    accepted = &accepted_f.with({label});
    rejected_invalid = &rejected_f.with({label, "invalid"});
    rejected_overloaded = &rejected_f.with({label, "overloaded"});
    rejected_unavailable = &rejected_f.with({label, "unavailable"});
    rejected_malformed = &malformed_f.with({label});
  }
};

ProtocolMetrics& metrics_for(Protocol p) {
  static ProtocolMetrics grpc(protocol_label(Protocol::kOtlpGrpc));
  static ProtocolMetrics http(protocol_label(Protocol::kOtlpHttp));
  static ProtocolMetrics zipkin(protocol_label(Protocol::kZipkin));
  static ProtocolMetrics log_tail(protocol_label(Protocol::kLogTail));
  static ProtocolMetrics jaeger(protocol_label(Protocol::kJaeger));
  switch (p) {
    case Protocol::kOtlpGrpc:
      return grpc;
    case Protocol::kOtlpHttp:
      return http;
    case Protocol::kZipkin:
      return zipkin;
    case Protocol::kLogTail:
      return log_tail;
    case Protocol::kJaeger:
      return jaeger;
  }
  return http;
}

Status decode(Encoding encoding, std::string_view body, wire::DecodeResult* out) {
  switch (encoding) {
    case Encoding::kOtlpProto:
      return wire::decode_otlp_proto(body, out);
    case Encoding::kOtlpJson:
      return wire::decode_otlp_json(body, out);
    case Encoding::kZipkinJson:
      return wire::decode_zipkin_json(body, out);
    case Encoding::kJaegerThriftBinary:
      return wire::decode_jaeger_thrift_batch(body, out);
    case Encoding::kJaegerThriftCompactMessage:
      return wire::decode_jaeger_thrift_emit_batch(body, wire::ThriftProtocol::kCompact, out);
    case Encoding::kJaegerThriftBinaryMessage:
      return wire::decode_jaeger_thrift_emit_batch(body, wire::ThriftProtocol::kBinary, out);
  }
  return internal_error("unknown encoding");
}

void write_decoded(SpanSink& sink, const Limits& limits, ProtocolMetrics& m,
                   wire::DecodeResult decoded, std::function<void(IngestOutcome)> done) {
  size_t total = decoded.batch.spans.size() + decoded.rejected_spans;
  m.received->inc(total);
  if (total > limits.max_spans_per_request) {
    m.rejected_invalid->inc(total);
    done(IngestOutcome{resource_exhausted("request holds " + std::to_string(total) +
                                          " spans, more than the limit of " +
                                          std::to_string(limits.max_spans_per_request)),
                       0,
                       static_cast<uint32_t>(total),
                       {},
                       true});
    return;
  }

  // Validate in place, keeping the valid spans in order.
  auto& spans = decoded.batch.spans;
  size_t kept = 0;
  for (size_t i = 0; i < spans.size(); ++i) {
    if (auto why = validate_span(spans[i], limits)) {
      decoded.reject(std::move(*why));
      continue;
    }
    if (kept != i) spans[kept] = std::move(spans[i]);
    ++kept;
  }
  spans.resize(kept);
  if (decoded.rejected_spans) m.rejected_invalid->inc(decoded.rejected_spans);

  IngestOutcome outcome;
  outcome.accepted_spans = static_cast<uint32_t>(kept);
  outcome.rejected_spans = decoded.rejected_spans;
  outcome.rejection_message = decoded.summary();
  if (kept == 0) {
    done(std::move(outcome));
    return;
  }
  sink.write(std::move(decoded.batch), [&m, outcome = std::move(outcome),
                                        done = std::move(done)](Status s) mutable {
    if (s.is_ok()) {
      m.accepted->inc(outcome.accepted_spans);
    } else {
      (s.code() == ResultCode::kResourceExhausted ? m.rejected_overloaded : m.rejected_unavailable)
          ->inc(outcome.accepted_spans);
      outcome.rejected_spans += outcome.accepted_spans;
      outcome.accepted_spans = 0;
      outcome.status = std::move(s);
    }
    done(std::move(outcome));
  });
}

}  // namespace

const char* protocol_label(Protocol p) {
  switch (p) {
    case Protocol::kOtlpGrpc:
      return "otlp_grpc";
    case Protocol::kOtlpHttp:
      return "otlp_http";
    case Protocol::kZipkin:
      return "zipkin";
    case Protocol::kLogTail:
      return "log_tail";
    case Protocol::kJaeger:
      return "jaeger";
  }
  return "unknown";
}

void Ingestor::ingest(Protocol protocol, Encoding encoding, std::string_view body,
                      std::function<void(IngestOutcome)> done) {
  ProtocolMetrics& m = metrics_for(protocol);
  wire::DecodeResult decoded;
  if (Status s = decode(encoding, body, &decoded); !s.is_ok()) {
    m.rejected_malformed->inc();
    done(IngestOutcome{std::move(s), 0, 0, {}});
    return;
  }
  write_decoded(sink_, limits_, m, std::move(decoded), std::move(done));
}

void Ingestor::ingest_spans(Protocol protocol, SpanBatch batch,
                            std::function<void(IngestOutcome)> done) {
  wire::DecodeResult decoded;
  decoded.batch = std::move(batch);
  write_decoded(sink_, limits_, metrics_for(protocol), std::move(decoded), std::move(done));
}

}  // namespace weft::ingest
