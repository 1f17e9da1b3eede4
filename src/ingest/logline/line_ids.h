#pragma once
// Identifiers of log-built spans, all deterministic so that the same line read twice (or
// by two agents) gives the same IDs. Hash: XXH3 (libxxhash), seed 0.
#include <cstdint>
#include <string_view>

#include "common/ids.h"

namespace weft::logline {

using namespace weft::model;

// A trace ID from x_trace_id: 32 hex digits (either case, not all zero) are used as is;
// anything else is hashed: the canonical (big-endian) form of XXH3-128 of its bytes.
// `*hashed` says which.
TraceId trace_id_from_text(std::string_view text, bool* hashed);

// A span ID from x_span_id / x_parent_span_id: 16 hex digits (not all zero) as is, else
// XXH3-64 of the bytes (big-endian). Never zero.
SpanId span_id_from_text(std::string_view text, bool* hashed);

// The span ID of a span built from RpcId-placed lines: XXH3-64 of
//   trace ID (16 raw bytes) · RpcId text · 0x00 · role key [· 0x00 · suffix]
// where the role key is "server", "call:<type prefix>" or "connect:<type prefix>" and
// `suffix` tells a placeholder ("placeholder"), a late event ("event:<line hash hex>") or a
// late line merged into an emitted span ("line:<line hash hex>") apart. Never zero.
SpanId derive_span_id(const TraceId& trace, std::string_view rpc_id, std::string_view role_key,
                      std::string_view suffix = {});

// XXH3-64 of a line's bytes (duplicate detection).
uint64_t line_hash(std::string_view line);

}  // namespace weft::logline
