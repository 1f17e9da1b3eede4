// The out-of-line parts of Span: status, exceptions, events, links, and finishing.
#include "weft/span.h"

#include <cxxabi.h>
#include <algorithm>
#include <cstring>

#include <cstdlib>
#include <memory>
#include <typeinfo>

#include "weft/tracer.h"

namespace weft {

namespace {
// Status{message = 2, code = 3}.
uint32_t StatusBodySize(uint32_t message_len, StatusCode code) {
  uint32_t n = message_len ? detail::LenFieldSize(2, message_len) : 0;
  if (code != StatusCode::kUnset) n += 2;
  return n;
}
}  // namespace

void Span::Finish(uint64_t end_ns) {
  if (active_) deactivate();
  if (!buffer_) return;
  SpanRecord& r = buffer_->rec;
  if (end_ns)
    r.end_ns = end_ns > r.start_ns ? end_ns : r.start_ns;
  else
    r.end_ns = detail::SpanEndNanos(r.start_ns, buffer_->start_tsc);
  detail::FinishSpan(core_, std::exchange(buffer_, nullptr));
}

Span& Span::SetStatus(StatusCode code, std::string_view message) {
  if (!buffer_ || code == StatusCode::kUnset) return *this;
  SpanRecord& r = buffer_->rec;
  if (r.status == StatusCode::kOk) return *this;  // Ok is final
  r.status = code;
  detail::SpanBuffer* b = buffer_;
  // Forget an earlier message; keep this one, cut to what fits (only Error has a message).
  // The reserve never drops below kStatusReserve, so a code and a short message always fit.
  const uint32_t tail = b->capacity - b->used;  // includes the current reserve
  uint32_t len = code == StatusCode::kError ? static_cast<uint32_t>(message.size()) : 0;
  while (len > 0 && detail::LenFieldSize(span_field::kStatus, StatusBodySize(len, code)) > tail)
    --len;
  while (len > 0 && len < message.size() && (static_cast<uint8_t>(message[len]) & 0xC0) == 0x80)
    --len;  // do not cut a UTF-8 sequence
  const uint32_t need = detail::LenFieldSize(span_field::kStatus, StatusBodySize(len, code));
  b->reserved = std::max(need, std::min(detail::kStatusReserve, tail));
  b->status_message_len = len;
  if (len) std::memcpy(b->data() + b->capacity - len, message.data(), len);
  return *this;
}

Span& Span::RecordException(const std::exception& e) {
  if (!buffer_) return *this;
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(typeid(e).name(), nullptr, nullptr, &status), std::free);
  return RecordException(status == 0 && name ? name.get() : typeid(e).name(), e.what());
}

Span& Span::RecordException(std::string_view type, std::string_view message) {
  if (!buffer_) return *this;
  AddEvent("exception", {{"exception.type", type}, {"exception.message", message}});
  return SetStatus(StatusCode::kError, message);
}

void Span::add_event(std::string_view name, const Attr* attrs, size_t n, uint64_t time_ns) {
  detail::SpanBuffer* b = buffer_;
  // Event{time_unix_nano = 1, name = 2, attributes = 3}
  uint32_t body = 9 + detail::LenFieldSize(2, static_cast<uint32_t>(name.size()));
  for (size_t i = 0; i < n; ++i)
    body += detail::LenFieldSize(3, detail::KeyValueSize(attrs[i].key, attrs[i].value));
  if (detail::LenFieldSize(span_field::kEvents, body) > b->room()) {
    ++b->rec.dropped_events;
    return;
  }
  uint8_t* p = detail::PutLenHeader(b->cursor(), span_field::kEvents, body);
  p = detail::PutFixed64(p, 1, time_ns ? time_ns : NowNanos());
  p = detail::PutString(p, 2, name);
  for (size_t i = 0; i < n; ++i) {
    p = detail::PutLenHeader(p, 3, detail::KeyValueSize(attrs[i].key, attrs[i].value));
    p = detail::PutKeyValueBody(p, attrs[i].key, attrs[i].value);
  }
  b->used = static_cast<uint32_t>(p - b->data());
}

void Span::add_link(const SpanContext& linked, const Attr* attrs, size_t n) {
  detail::SpanBuffer* b = buffer_;
  if (!linked.valid()) return;
  // Link{trace_id = 1, span_id = 2, trace_state = 3, attributes = 4, flags = 6}
  uint32_t body = detail::LenFieldSize(1, 16) + detail::LenFieldSize(2, 8) + 5;
  if (linked.trace_state)
    body += detail::LenFieldSize(3, static_cast<uint32_t>(linked.trace_state->size()));
  for (size_t i = 0; i < n; ++i)
    body += detail::LenFieldSize(4, detail::KeyValueSize(attrs[i].key, attrs[i].value));
  if (detail::LenFieldSize(span_field::kLinks, body) > b->room()) {
    ++b->rec.dropped_links;
    return;
  }
  uint8_t* p = detail::PutLenHeader(b->cursor(), span_field::kLinks, body);
  p = detail::PutBytes(p, 1, linked.trace_id.bytes.data(), 16);
  p = detail::PutBytes(p, 2, linked.span_id.bytes.data(), 8);
  if (linked.trace_state) p = detail::PutString(p, 3, *linked.trace_state);
  for (size_t i = 0; i < n; ++i) {
    p = detail::PutLenHeader(p, 4, detail::KeyValueSize(attrs[i].key, attrs[i].value));
    p = detail::PutKeyValueBody(p, attrs[i].key, attrs[i].value);
  }
  p = detail::PutFixed32(
      p, 6, 0x100u | (linked.flags & kTraceFlagSampled) | (linked.remote ? 0x200u : 0));
  b->used = static_cast<uint32_t>(p - b->data());
}

namespace detail {

void FinishSpan(ProviderCore* core, SpanBuffer* b) noexcept {
  SpanRecord& r = b->rec;
  if (r.status != StatusCode::kUnset) {
    // The message (if any) waits in the last bytes of the data area; room was reserved.
    const uint32_t len = b->status_message_len;
    uint8_t* p = PutLenHeader(b->cursor(), span_field::kStatus, StatusBodySize(len, r.status));
    if (len) {
      p = PutLenHeader(p, 2, len);
      std::memmove(p, b->data() + b->capacity - len, len);
      p += len;
    }
    p = PutTag(p, 3, kVarint);
    *p++ = static_cast<uint8_t>(r.status);
    b->used = static_cast<uint32_t>(p - b->data());
  }
  r.data_size = b->used;
  r.size = static_cast<uint32_t>((sizeof(SpanRecord) + b->used + 7) & ~size_t{7});
  if (!core->shut_down.load(std::memory_order_relaxed)) [[likely]]
    core->processor->OnEnd(r);
  ReleaseSpanBuffer(b);
}

void DiscardSpan(SpanBuffer* b) noexcept { ReleaseSpanBuffer(b); }

}  // namespace detail
}  // namespace weft
