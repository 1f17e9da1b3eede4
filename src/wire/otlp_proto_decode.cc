// decode_otlp_proto: the request, resource and scope levels. See otlp_proto_decoder.h.
#include <algorithm>
#include <cstddef>

#include "wire/otlp_proto.h"
#include "wire/otlp_proto_decoder.h"

namespace weft::wire {

using namespace weft::model;

namespace otlp_internal {

namespace {

// Spans in a request (ResourceSpans.scope_spans[].spans[]), to size the batch once. Stops
// quietly at anything malformed: the decoding pass reports it.
size_t count_spans(std::string_view request) {
  std::string scratch;  // error sink; stays empty unless the bytes are malformed
  size_t n = 0;
  Field f;
  Reader req(request, &scratch);
  for (Reader::Next a; (a = req.next(&f)) == Reader::kField;) {
    if (f.number != 1 || f.type != WireType::kLen) continue;
    Reader rs(f.bytes, &scratch);
    Field g;
    for (Reader::Next b; (b = rs.next(&g)) == Reader::kField;) {
      if (g.number != 2 || g.type != WireType::kLen) continue;
      Reader ss(g.bytes, &scratch);
      Field h;
      for (Reader::Next c; (c = ss.next(&h)) == Reader::kField;) n += h.number == 2;
    }
  }
  return n;
}

}  // namespace

bool OtlpProtoDecoder::request(std::string_view bytes) {
  auto& spans = out_->batch.spans;
  spans.reserve(spans.size() + count_spans(bytes));
  int i = 0;
  WEFT_PROTO_FOR_EACH_FIELD(bytes) {
    if (f.number != 1) continue;
    WEFT_PROTO_EXPECT(kLen);
    PathScope p(this, "resource_spans", i++);
    if (!resource_spans(f.bytes)) return false;
  }
  return true;
}

bool OtlpProtoDecoder::resource_spans(std::string_view bytes) {
  // First pass: the resource and schema_url, which may follow the scope_spans on the wire.
  auto res = std::make_shared<Resource>();
  {
    WEFT_PROTO_FOR_EACH_FIELD(bytes) {
      if (f.number == 1) {
        WEFT_PROTO_EXPECT(kLen);
        PathScope p(this, "resource", -1);
        if (!resource(f.bytes, res.get())) return false;
      } else if (f.number == 3) {
        WEFT_PROTO_EXPECT(kLen);
        res->schema_url.assign(f.bytes);
      }
    }
  }
  std::shared_ptr<const Resource> shared = std::move(res);
  int i = 0;
  WEFT_PROTO_FOR_EACH_FIELD(bytes) {
    if (f.number != 2) continue;
    WEFT_PROTO_EXPECT(kLen);
    PathScope p(this, "scope_spans", i++);
    if (!scope_spans(f.bytes, shared)) return false;
  }
  return true;
}

bool OtlpProtoDecoder::resource(std::string_view bytes, Resource* res) {
  WEFT_PROTO_FOR_EACH_FIELD(bytes) {
    switch (f.number) {
      case 1:
        if (!attribute(f, &res->attributes, "attributes")) return false;
        break;
      case 2:
        WEFT_PROTO_EXPECT(kVarint);
        res->dropped_attributes_count = static_cast<uint32_t>(f.value);
        break;
      default:
        break;  // entity_refs (3) and future fields: not kept
    }
  }
  return true;
}

bool OtlpProtoDecoder::scope_spans(std::string_view bytes,
                                   const std::shared_ptr<const Resource>& res) {
  auto sc = std::make_shared<InstrumentationScope>();
  size_t span_count = 0;
  {
    WEFT_PROTO_FOR_EACH_FIELD(bytes) {
      if (f.number == 1) {
        WEFT_PROTO_EXPECT(kLen);
        PathScope p(this, "scope", -1);
        if (!scope(f.bytes, sc.get())) return false;
      } else if (f.number == 3) {
        WEFT_PROTO_EXPECT(kLen);
        sc->schema_url.assign(f.bytes);
      } else if (f.number == 2) {
        ++span_count;
      }
    }
  }
  std::shared_ptr<const InstrumentationScope> shared = std::move(sc);
  auto& spans = out_->batch.spans;
  if (spans.capacity() < spans.size() + span_count)
    spans.reserve(std::max(spans.size() + span_count, 2 * spans.capacity()));
  int i = 0;
  std::string reject;
  WEFT_PROTO_FOR_EACH_FIELD(bytes) {
    if (f.number != 2) continue;
    WEFT_PROTO_EXPECT(kLen);
    PathScope p(this, "spans", i++);
    Span& s = spans.emplace_back();
    reject.clear();
    if (!span(f.bytes, &s, &reject)) return false;
    uint32_t number = span_number_++;
    if (!reject.empty()) {
      spans.pop_back();
      out_->reject("span " + std::to_string(number) + ": " + reject);
      continue;
    }
    s.resource = res;
    s.scope = shared;
  }
  return true;
}

bool OtlpProtoDecoder::scope(std::string_view bytes, InstrumentationScope* sc) {
  WEFT_PROTO_FOR_EACH_FIELD(bytes) {
    switch (f.number) {
      case 1:
        WEFT_PROTO_EXPECT(kLen);
        sc->name.assign(f.bytes);
        break;
      case 2:
        WEFT_PROTO_EXPECT(kLen);
        sc->version.assign(f.bytes);
        break;
      case 3:
        if (!attribute(f, &sc->attributes, "attributes")) return false;
        break;
      case 4:
        WEFT_PROTO_EXPECT(kVarint);
        sc->dropped_attributes_count = static_cast<uint32_t>(f.value);
        break;
      default:
        break;
    }
  }
  return true;
}

}  // namespace otlp_internal

Status decode_otlp_proto(std::string_view bytes, DecodeResult* out) {
  // On error *out is left as it was: no half-decoded request leaks to the caller.
  const DecodeResult::Mark before = out->mark();
  Status st = otlp_internal::OtlpProtoDecoder(out).run(bytes);
  if (!st.is_ok()) out->rollback(before);
  return st;
}

}  // namespace weft::wire
