#pragma once
// Jaeger Thrift (jaeger-idl thrift/jaeger.thrift and agent.thrift) -> model, as
// jaeger-agent and jaeger-collector take it. The mapping and the limits are in
// docs/format/jaeger-thrift.md; it follows Jaeger's own converter and the OpenTelemetry
// Collector's jaegerreceiver (tags keep their types, span.kind / error / otel.status_*
// become the span's kind and status, logs become events, references other than the parent
// become links, Process.serviceName and tags the resource).
#include <string_view>

#include "common/status.h"
#include "wire/decode_result.h"

namespace weft::wire {

enum class ThriftProtocol { kBinary, kCompact };

// Decodes a bare jaeger.thrift Batch in the binary protocol (jaeger-collector's
// POST /api/traces, Content-Type application/x-thrift), appending its spans to out->batch.
// Every span shares one Resource made from the Batch's Process.
//
// Unreadable bytes (truncated, a length or count larger than what is left, an unknown type,
// nesting deeper than 64) or a Batch without its required process / spans fields ->
// INVALID_ARGUMENT saying where ("Batch.spans[2].tags[0]: at byte 95: truncated i64 ..."),
// *out then left unchanged. Unknown fields of any type are skipped; bytes after the Batch
// are ignored (as Thrift's deserializer does). Per-span problems (a zero trace or span id, a
// negative time or duration) reject only that span: "span 3: spanId must not be zero".
Status decode_jaeger_thrift_batch(std::string_view bytes, DecodeResult* out);

// Decodes a UDP datagram holding one Thrift message Agent.emitBatch (a oneway call whose
// argument struct has the Batch in field 1): the compact protocol on jaeger-agent's port
// 6831, the binary protocol (strict or non-strict message header) on 6832. Any other
// method (emitZipkinBatch included) or a message that is not a call -> INVALID_ARGUMENT.
// Otherwise as decode_jaeger_thrift_batch.
Status decode_jaeger_thrift_emit_batch(std::string_view bytes, ThriftProtocol protocol,
                                       DecodeResult* out);

}  // namespace weft::wire
