#pragma once
// The store's own compact binary encoding of a SpanBatch (docs/format/wal.md, "Span codec").
// Independent of src/wire on purpose: the on-disk format must not change when a wire format
// does. Every model field is kept, so decode(encode(b)) equals b field for field; resources
// and scopes are written once per batch and referenced by index, so spans that shared one
// Resource pointer before encoding share one again after decoding.
//
// Thread-safety: the functions are pure and may run concurrently.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "model/span.h"

namespace weft::store {

using namespace weft::model;

// Version written as the first varint of every encoded batch.
inline constexpr uint32_t kSpanCodecVersion = 1;

// Appends the codec bytes of `batch` to `*out`.
void encode_span_batch(const SpanBatch& batch, std::string* out);

// Decodes bytes written by encode_span_batch. DATA_LOSS if the bytes are malformed or of an
// unknown codec version; never reads past `in`.
Result<SpanBatch> decode_span_batch(std::string_view in);

// Pieces of the codec, for formats built from them (the block format, docs/format/block.md,
// stores values, resources, scopes and links in these encodings). Encoders append to
// `*out`; decoders consume from the front of `*in` and return false (leaving `*in`
// unspecified) on malformed or truncated bytes, never reading past it.
void encode_value(const AnyValue& v, std::string* out);
bool decode_value(std::string_view* in, AnyValue* out);
void encode_kvlist(const KeyValueList& kvs, std::string* out);
bool decode_kvlist(std::string_view* in, KeyValueList* out);
void encode_resource(const Resource& r, std::string* out);
bool decode_resource(std::string_view* in, Resource* out);
void encode_scope(const InstrumentationScope& s, std::string* out);
bool decode_scope(std::string_view* in, InstrumentationScope* out);
void encode_link(const SpanLink& l, std::string* out);
bool decode_link(std::string_view* in, SpanLink* out);

// A WAL record payload: zstd(encode_span_batch(batch)).
std::string encode_wal_payload(const SpanBatch& batch);
Result<SpanBatch> decode_wal_payload(std::string_view payload);

}  // namespace weft::store
