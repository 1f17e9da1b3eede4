#pragma once
// The hand-written OTLP protobuf decoder (decode_otlp_proto), shared by its three source
// files: otlp_proto_decode.cc (request, resource, scope), otlp_proto_decode_span.cc (span,
// event, link, status) and otlp_proto_decode_value.cc (attributes and AnyValue). Internal.
//
// Shape: one function per OTLP message. Each walks its fields once with proto::Reader and
// writes straight into the model. A framing error anywhere fails the whole request with the
// path of the message being read; representational problems (bad ids) reject one span.
// Every function returns false on a framing error, after fail() has set the message.
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "wire/decode_result.h"
#include "wire/proto_wire.h"

namespace weft::wire::otlp_internal {

using namespace weft::model;

using proto::Field;
using proto::Reader;
using proto::WireType;

inline constexpr int kMaxValueDepth = 32;  // nested arrays / kvlists in one AnyValue
inline constexpr int kMaxPath = 16;

class OtlpProtoDecoder {
 public:
  explicit OtlpProtoDecoder(DecodeResult* out) : out_(out) {}

  Status run(std::string_view bytes) {
    if (request(bytes)) return Status::ok();
    return invalid_argument(error_);
  }

 private:
  // Path of the message being decoded, kept as frames so it costs nothing until an error.
  struct Frame {
    const char* name;
    int index;  // -1: not a repeated field
  };
  class PathScope {
   public:
    PathScope(OtlpProtoDecoder* d, const char* name, int index) : d_(d) {
      if (d_->depth_ < kMaxPath) d_->path_[d_->depth_] = {name, index};
      ++d_->depth_;
    }
    ~PathScope() { --d_->depth_; }
    PathScope(const PathScope&) = delete;
    PathScope& operator=(const PathScope&) = delete;

   private:
    OtlpProtoDecoder* d_;
  };

  bool fail(const Reader& r) { return fail(r.error()); }
  bool fail(const std::string& what) {
    std::string path;
    for (int i = 0; i < depth_ && i < kMaxPath; ++i) {
      if (i) path += '.';
      path += path_[i].name;
      if (path_[i].index >= 0) path += "[" + std::to_string(path_[i].index) + "]";
    }
    error_ = path.empty() ? what : path + ": " + what;
    return false;
  }

  // One function per message: decodes `bytes` (the message body) into the model. span() and
  // link() put the first per-span problem in *reject (the span is then dropped by the
  // caller); scope_spans() appends the spans to out_->batch.
  bool request(std::string_view bytes);
  bool resource_spans(std::string_view bytes);
  bool resource(std::string_view bytes, Resource* res);
  bool scope_spans(std::string_view bytes, const std::shared_ptr<const Resource>& res);
  bool scope(std::string_view bytes, InstrumentationScope* scope);
  bool span(std::string_view bytes, Span* s, std::string* reject);
  bool event(std::string_view bytes, SpanEvent* e);
  bool link(std::string_view bytes, SpanLink* l, int index, std::string* reject);
  bool status(std::string_view bytes, SpanStatus* st);
  bool key_value(std::string_view bytes, KeyValue* kv, int depth);
  bool any_value(std::string_view bytes, AnyValue* v, int depth);
  bool attribute(const Field& f, KeyValueList* attrs, const char* name);

  DecodeResult* out_;
  uint32_t span_number_ = 0;
  Frame path_[kMaxPath];
  int depth_ = 0;
  std::string error_;
  std::string detail_;  // the Readers' error sink
};

// Inside a decoder function: fails unless field f has the given wire type.
#define WEFT_PROTO_EXPECT(type) \
  if (!r.expect(f, WireType::type)) return fail(r)

// Loops over the fields of `bytes` as `f` (reader `r`), failing on a framing error.
#define WEFT_PROTO_FOR_EACH_FIELD(bytes)                  \
  Reader r(bytes, &detail_);                              \
  Field f;                                                \
  for (Reader::Next n; (n = r.next(&f)) != Reader::kEnd;) \
    if (n == Reader::kError)                              \
      return fail(r);                                     \
    else

}  // namespace weft::wire::otlp_internal
