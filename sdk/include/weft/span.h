#pragma once
// Span: one timed operation, as an RAII scope. Started by Tracer::StartSpan; ends when End()
// is called or the object is destroyed. While it is active (the default) it is the calling
// thread's current span, so spans started inside it become its children.
//
// A span that is not sampled records nothing: every setter is an inline null check.
// Setters copy their arguments into the span's preallocated buffer; what does not fit is
// dropped and counted (dropped_attributes_count etc. in OTLP).
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "weft/attribute.h"
#include "weft/clock.h"
#include "weft/context.h"
#include "weft/detail/span_buffer.h"
#include "weft/span_context.h"
#include "weft/span_record.h"

namespace weft {

namespace detail {
struct ProviderCore;
// Hands the finished buffer to the provider's processor and recycles it.
void FinishSpan(ProviderCore* core, SpanBuffer* buffer) noexcept;
void DiscardSpan(SpanBuffer* buffer) noexcept;
}  // namespace detail

class Span {
 public:
  // A non-recording span that is nobody's parent.
  Span() = default;
  Span(Span&& o) noexcept { move_from(o); }
  Span& operator=(Span&& o) noexcept {
    if (this != &o) {
      End();
      move_from(o);
    }
    return *this;
  }
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;
  ~Span() { End(); }

  // True while the span records (it was sampled and has not ended).
  bool recording() const { return buffer_ != nullptr; }
  TraceId trace_id() const { return trace_id_; }
  SpanId span_id() const { return span_id_; }
  uint8_t flags() const { return flags_; }
  // The span's own context (as a parent for remote calls); includes baggage and RpcId
  // only through Context::Current() while active.
  SpanContext span_context() const {
    return SpanContext{trace_id_, span_id_, flags_, false, trace_state_};
  }

  // Any AttrValue: scalars, arrays, bytes, owned Values.
  Span& SetAttribute(std::string_view key, const AttrValue& value) {
    if (buffer_ && !detail::PutKeyValue(buffer_, span_field::kAttributes, key, value)) [[unlikely]]
      ++buffer_->rec.dropped_attributes;
    return *this;
  }
  // Typed overloads for the common scalars: no type switch on the hot path.
  Span& SetAttribute(std::string_view key, std::string_view value) {
    if (buffer_ && !detail::PutStringKeyValue(buffer_, span_field::kAttributes, key, value))
        [[unlikely]]
      ++buffer_->rec.dropped_attributes;
    return *this;
  }
  Span& SetAttribute(std::string_view key, const char* value) {
    return SetAttribute(key, std::string_view(value));
  }
  Span& SetAttribute(std::string_view key, const std::string& value) {
    return SetAttribute(key, std::string_view(value));
  }
  template <typename I>
  requires(std::is_integral_v<I> &&
           !std::is_same_v<I, bool>) Span& SetAttribute(std::string_view key, I value) {
    if (buffer_ && !detail::PutIntKeyValue(buffer_, span_field::kAttributes, key,
                                           static_cast<int64_t>(value))) [[unlikely]]
      ++buffer_->rec.dropped_attributes;
    return *this;
  }
  Span& SetAttribute(std::string_view key, double value) {
    if (buffer_ && !detail::PutDoubleKeyValue(buffer_, span_field::kAttributes, key, value))
        [[unlikely]]
      ++buffer_->rec.dropped_attributes;
    return *this;
  }
  Span& SetAttribute(std::string_view key, bool value) {
    if (buffer_ && !detail::PutBoolKeyValue(buffer_, span_field::kAttributes, key, value))
        [[unlikely]]
      ++buffer_->rec.dropped_attributes;
    return *this;
  }
  Span& SetAttributes(std::initializer_list<Attr> attrs) {
    if (buffer_)
      for (const Attr& a : attrs) SetAttribute(a.key, a.value);
    return *this;
  }
  // An event at `time_ns` (0 = now).
  Span& AddEvent(std::string_view name, std::initializer_list<Attr> attrs = {},
                 uint64_t time_ns = 0) {
    if (buffer_) add_event(name, attrs.begin(), attrs.size(), time_ns);
    return *this;
  }
  Span& AddLink(const SpanContext& linked, std::initializer_list<Attr> attrs = {}) {
    if (buffer_) add_link(linked, attrs.begin(), attrs.size());
    return *this;
  }
  // Error wins over Ok wins over Unset (OTel's rule: Ok is final, Unset never overrides).
  Span& SetStatus(StatusCode code, std::string_view message = {});
  // Records an `exception` event (exception.type, exception.message) and sets status Error.
  Span& RecordException(const std::exception& e);
  Span& RecordException(std::string_view type, std::string_view message);
  Span& UpdateName(std::string_view name) {
    if (buffer_ && !detail::PutStringField(buffer_, span_field::kName, name)) [[unlikely]]
      ++buffer_->rec.dropped_attributes;
    return *this;
  }

  // Ends the span at `end_ns` (0 = now) and, if it is active on this thread, restores the
  // context that was current before it. Later calls do nothing.
  void End(uint64_t end_ns = 0) {
    if (active_ || buffer_) [[unlikely]]
      Finish(end_ns);
  }

 private:
  friend class Tracer;
  void move_from(Span& o) {
    buffer_ = std::exchange(o.buffer_, nullptr);
    core_ = o.core_;
    trace_id_ = o.trace_id_;
    span_id_ = o.span_id_;
    flags_ = o.flags_;
    trace_state_ = std::move(o.trace_state_);
    active_ = std::exchange(o.active_, false);
    if (active_) {
      new (previous_storage_) Context(std::move(o.previous()));
      o.previous().~Context();
    }
  }
  // The context that was current before this span became active; constructed only while
  // active_ (so a span that never activates does not pay for building and destroying it).
  Context& previous() { return *std::launder(reinterpret_cast<Context*>(previous_storage_)); }
  void deactivate() {
    active_ = false;
    Context& cur = Context::current_ref();
    // Only a span still current here restores: one moved to and ended on another thread,
    // or ended out of order, leaves that thread's context alone.
    if (cur.span_.span_id == span_id_ && cur.span_.trace_id == trace_id_)
      cur = std::move(previous());
    previous().~Context();
  }
  // End's work for a span that is active or recording (kept apart so that the destructor of
  // an unsampled span inlines to two tests).
  void Finish(uint64_t end_ns);
  void add_event(std::string_view name, const Attr* attrs, size_t n, uint64_t time_ns);
  void add_link(const SpanContext& linked, const Attr* attrs, size_t n);

  detail::SpanBuffer* buffer_ = nullptr;
  detail::ProviderCore* core_ = nullptr;
  TraceId trace_id_;
  SpanId span_id_;
  uint8_t flags_ = 0;
  bool active_ = false;
  std::shared_ptr<const std::string> trace_state_;
  alignas(Context) unsigned char previous_storage_[sizeof(Context)];
};

}  // namespace weft
