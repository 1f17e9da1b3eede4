#pragma once
// An SDK span exporter that writes into this process's own store: how `weft serve
// --sidecar` keeps the sidecar's spans without a network hop. The batch takes the same path
// as an OTLP/HTTP request (OTLP protobuf bytes -> ingest::Ingestor: decode, validate, write,
// durable), counted under the ingest metrics' protocol label "sidecar".
//
// This file is one of the few that see both the SDK's types (weft::SpanExporter,
// weft::ExportBatch) and the server's model (weft::model); it names neither unqualified.
#include <memory>

#include "ingest/ingestor.h"
#include "weft/exporter.h"

namespace weft::server {

// Export() blocks until the store has the batch durable (or refused it), which is what the
// SDK's batch processor expects of an exporter: it runs on the processor's own thread, never
// on a proxied request's. A refused batch (overload, full disk) is a kFailure: the processor
// counts its spans as failed. `ingestor` must outlive the exporter.
std::unique_ptr<weft::SpanExporter> make_store_span_exporter(ingest::Ingestor& ingestor);

}  // namespace weft::server
