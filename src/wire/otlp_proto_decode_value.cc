// decode_otlp_proto: KeyValue and AnyValue (nested arrays and kvlists, depth-limited).
#include <cstring>

#include "wire/otlp_proto_decoder.h"

namespace weft::wire::otlp_internal {

using namespace weft::model;

bool OtlpProtoDecoder::attribute(const Field& f, KeyValueList* attrs, const char* name) {
  if (f.type != WireType::kLen) {
    Reader r({}, &detail_);
    r.expect(f, WireType::kLen);
    return fail(r);
  }
  PathScope p(this, name, static_cast<int>(attrs->size()));
  return key_value(f.bytes, &attrs->emplace_back(), 0);
}

bool OtlpProtoDecoder::key_value(std::string_view bytes, KeyValue* kv, int depth) {
  WEFT_PROTO_FOR_EACH_FIELD(bytes) {
    if (f.number == 1) {
      WEFT_PROTO_EXPECT(kLen);
      kv->key = std::string(f.bytes);
    } else if (f.number == 2) {
      WEFT_PROTO_EXPECT(kLen);
      PathScope p(this, "value", -1);
      if (!any_value(f.bytes, &kv->value, depth + 1)) return false;
    }
  }
  return true;
}

bool OtlpProtoDecoder::any_value(std::string_view bytes, AnyValue* v, int depth) {
  if (depth > kMaxValueDepth)
    return fail("values nested deeper than " + std::to_string(kMaxValueDepth));
  WEFT_PROTO_FOR_EACH_FIELD(bytes) {
    switch (f.number) {
      case 1:
        WEFT_PROTO_EXPECT(kLen);
        v->v.emplace<std::string>(f.bytes);
        break;
      case 2:
        WEFT_PROTO_EXPECT(kVarint);
        v->v = f.value != 0;
        break;
      case 3:
        WEFT_PROTO_EXPECT(kVarint);
        v->v = static_cast<int64_t>(f.value);
        break;
      case 4: {
        WEFT_PROTO_EXPECT(kFixed64);
        double d;
        std::memcpy(&d, &f.value, 8);
        v->v = d;
        break;
      }
      case 5: {  // ArrayValue { repeated AnyValue values = 1; }
        WEFT_PROTO_EXPECT(kLen);
        PathScope p(this, "array_value", -1);
        auto& arr = v->v.emplace<ArrayValue>();
        Reader ar(f.bytes, &detail_);
        Field af;
        for (Reader::Next n; (n = ar.next(&af)) != Reader::kEnd;) {
          if (n == Reader::kError) return fail(ar);
          if (af.number != 1) continue;
          if (!ar.expect(af, WireType::kLen)) return fail(ar);
          PathScope pv(this, "values", static_cast<int>(arr.size()));
          if (!any_value(af.bytes, &arr.emplace_back(), depth + 1)) return false;
        }
        break;
      }
      case 6: {  // KeyValueList { repeated KeyValue values = 1; }
        WEFT_PROTO_EXPECT(kLen);
        PathScope p(this, "kvlist_value", -1);
        auto& list = v->v.emplace<KeyValueList>();
        Reader lr(f.bytes, &detail_);
        Field lf;
        for (Reader::Next n; (n = lr.next(&lf)) != Reader::kEnd;) {
          if (n == Reader::kError) return fail(lr);
          if (lf.number != 1) continue;
          if (!lr.expect(lf, WireType::kLen)) return fail(lr);
          PathScope pv(this, "values", static_cast<int>(list.size()));
          if (!key_value(lf.bytes, &list.emplace_back(), depth + 1)) return false;
        }
        break;
      }
      case 7:
        WEFT_PROTO_EXPECT(kLen);
        v->v.emplace<Bytes>(Bytes{std::string(f.bytes)});
        break;
      default:
        break;
    }
  }
  return true;
}

}  // namespace weft::wire::otlp_internal
