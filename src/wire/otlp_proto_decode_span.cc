// decode_otlp_proto: Span, Span.Event, Span.Link and Status, with the per-span id checks.
#include <cstring>

#include "wire/otlp_proto_decoder.h"

namespace weft::wire::otlp_internal {

using namespace weft::model;

namespace {

// Reports an id's problem, or returns false when it is valid.
template <size_t N>
bool bad_id(std::string_view raw, bool allow_empty, const char* what, std::string* why) {
  if (raw.empty() && allow_empty) return false;
  if (raw.size() != N) {
    *why = std::string(what) + (allow_empty ? " must be empty or " : " must be ") +
           std::to_string(N) + " bytes (got " + std::to_string(raw.size()) + ")";
    return true;
  }
  if (allow_empty) return false;  // an all-zero parent means "root"
  for (char c : raw)
    if (c) return false;
  *why = std::string(what) + " must not be all zero";
  return true;
}

}  // namespace

bool OtlpProtoDecoder::span(std::string_view bytes, Span* s, std::string* reject) {
  // Pre-pass: count the repeated fields so each vector is allocated once.
  size_t n_attrs = 0, n_events = 0, n_links = 0;
  {
    WEFT_PROTO_FOR_EACH_FIELD(bytes) {
      n_attrs += f.number == 9;
      n_events += f.number == 11;
      n_links += f.number == 13;
    }
  }
  s->attributes.reserve(n_attrs);
  s->events.reserve(n_events);
  s->links.reserve(n_links);

  std::string_view trace_id, span_id, parent_span_id;
  int event_index = 0, link_index = 0;
  WEFT_PROTO_FOR_EACH_FIELD(bytes) {
    switch (f.number) {
      case 1:
        WEFT_PROTO_EXPECT(kLen);
        trace_id = f.bytes;
        break;
      case 2:
        WEFT_PROTO_EXPECT(kLen);
        span_id = f.bytes;
        break;
      case 3:
        WEFT_PROTO_EXPECT(kLen);
        s->trace_state = std::string(f.bytes);
        break;
      case 4:
        WEFT_PROTO_EXPECT(kLen);
        parent_span_id = f.bytes;
        break;
      case 5:
        WEFT_PROTO_EXPECT(kLen);
        s->name = std::string(f.bytes);
        break;
      case 6:
        WEFT_PROTO_EXPECT(kVarint);
        // Open enum: a kind from a newer OTLP reads as unspecified.
        s->kind = f.value <= 5 ? static_cast<SpanKind>(f.value) : SpanKind::kUnspecified;
        break;
      case 7:
        WEFT_PROTO_EXPECT(kFixed64);
        s->start_time_unix_nano = f.value;
        break;
      case 8:
        WEFT_PROTO_EXPECT(kFixed64);
        s->end_time_unix_nano = f.value;
        break;
      case 9:
        if (!attribute(f, &s->attributes, "attributes")) return false;
        break;
      case 10:
        WEFT_PROTO_EXPECT(kVarint);
        s->dropped_attributes_count = static_cast<uint32_t>(f.value);
        break;
      case 11: {
        WEFT_PROTO_EXPECT(kLen);
        PathScope p(this, "events", event_index++);
        if (!event(f.bytes, &s->events.emplace_back())) return false;
        break;
      }
      case 12:
        WEFT_PROTO_EXPECT(kVarint);
        s->dropped_events_count = static_cast<uint32_t>(f.value);
        break;
      case 13: {
        WEFT_PROTO_EXPECT(kLen);
        PathScope p(this, "links", link_index);
        if (!link(f.bytes, &s->links.emplace_back(), link_index++, reject)) return false;
        break;
      }
      case 14:
        WEFT_PROTO_EXPECT(kVarint);
        s->dropped_links_count = static_cast<uint32_t>(f.value);
        break;
      case 15: {
        WEFT_PROTO_EXPECT(kLen);
        PathScope p(this, "status", -1);
        if (!status(f.bytes, &s->status)) return false;
        break;
      }
      case 16:
        WEFT_PROTO_EXPECT(kFixed32);
        s->flags = static_cast<uint32_t>(f.value);
        break;
      case 1000:
        WEFT_PROTO_EXPECT(kLen);
        s->rpc_id.assign(f.bytes);
        break;  // weft extension
      default:
        break;
    }
  }
  // Link problems were found first, but the span's own ids are reported in preference.
  std::string why;
  if (bad_id<16>(trace_id, false, "trace_id", &why) || bad_id<8>(span_id, false, "span_id", &why) ||
      bad_id<8>(parent_span_id, true, "parent_span_id", &why)) {
    *reject = std::move(why);
    return true;
  }
  if (!reject->empty()) return true;
  std::memcpy(s->trace_id.bytes.data(), trace_id.data(), 16);
  std::memcpy(s->span_id.bytes.data(), span_id.data(), 8);
  if (!parent_span_id.empty())
    std::memcpy(s->parent_span_id.bytes.data(), parent_span_id.data(), 8);
  return true;
}

bool OtlpProtoDecoder::event(std::string_view bytes, SpanEvent* e) {
  WEFT_PROTO_FOR_EACH_FIELD(bytes) {
    switch (f.number) {
      case 1:
        WEFT_PROTO_EXPECT(kFixed64);
        e->time_unix_nano = f.value;
        break;
      case 2:
        WEFT_PROTO_EXPECT(kLen);
        e->name.assign(f.bytes);
        break;
      case 3:
        if (!attribute(f, &e->attributes, "attributes")) return false;
        break;
      case 4:
        WEFT_PROTO_EXPECT(kVarint);
        e->dropped_attributes_count = static_cast<uint32_t>(f.value);
        break;
      default:
        break;
    }
  }
  return true;
}

bool OtlpProtoDecoder::link(std::string_view bytes, SpanLink* l, int index, std::string* reject) {
  std::string_view trace_id, span_id;
  WEFT_PROTO_FOR_EACH_FIELD(bytes) {
    switch (f.number) {
      case 1:
        WEFT_PROTO_EXPECT(kLen);
        trace_id = f.bytes;
        break;
      case 2:
        WEFT_PROTO_EXPECT(kLen);
        span_id = f.bytes;
        break;
      case 3:
        WEFT_PROTO_EXPECT(kLen);
        l->trace_state.assign(f.bytes);
        break;
      case 4:
        if (!attribute(f, &l->attributes, "attributes")) return false;
        break;
      case 5:
        WEFT_PROTO_EXPECT(kVarint);
        l->dropped_attributes_count = static_cast<uint32_t>(f.value);
        break;
      case 6:
        WEFT_PROTO_EXPECT(kFixed32);
        l->flags = static_cast<uint32_t>(f.value);
        break;
      default:
        break;
    }
  }
  std::string why;
  if (bad_id<16>(trace_id, false, "trace_id", &why) || bad_id<8>(span_id, false, "span_id", &why)) {
    if (reject->empty()) *reject = "links[" + std::to_string(index) + "]." + why;
    return true;
  }
  std::memcpy(l->trace_id.bytes.data(), trace_id.data(), 16);
  std::memcpy(l->span_id.bytes.data(), span_id.data(), 8);
  return true;
}

bool OtlpProtoDecoder::status(std::string_view bytes, SpanStatus* st) {
  WEFT_PROTO_FOR_EACH_FIELD(bytes) {
    switch (f.number) {
      case 2:
        WEFT_PROTO_EXPECT(kLen);
        st->message.assign(f.bytes);
        break;
      case 3:
        WEFT_PROTO_EXPECT(kVarint);
        // Open enum: an unknown code reads as unset.
        st->code = f.value <= 2 ? static_cast<SpanStatusCode>(f.value) : SpanStatusCode::kUnset;
        break;
      default:
        break;  // 1 is the deprecated code, reserved
    }
  }
  return true;
}

}  // namespace weft::wire::otlp_internal
