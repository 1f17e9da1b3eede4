#pragma once
// Tracer: starts spans for one instrumentation scope. Cheap to copy; get one from the Sdk
// handle (sdk.tracer("name")) or weft::GetTracer("name") once weft::Init has run. A Tracer
// made before Init, or after its Sdk is gone, starts non-recording spans.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "weft/context.h"
#include "weft/processor.h"
#include "weft/rpc_id.h"
#include "weft/sampler.h"
#include "weft/span.h"

namespace weft {

namespace detail {
// One tracer provider's state. Never freed while the process runs (spans may still end on
// other threads after shutdown; they then find `shut_down` set and drop).
struct ProviderCore {
  std::shared_ptr<Sampler> sampler;
  std::unique_ptr<SpanProcessor> processor;
  std::shared_ptr<ProviderInfo> info;
  uint32_t buffer_capacity = 2048;
  // When set, root and SERVER spans start an RpcId counter even without an incoming one.
  bool rpc_ids = false;
  RpcIdScheme rpc_scheme = RpcIdScheme::kPerRequest;
  bool sampler_follows_parent = false;  // sampler->FollowsParent(), cached
  std::atomic<bool> shut_down{false};
  std::atomic<uint64_t> spans_started{0};  // sampled spans; updated per thread batch
};
// Out of line: gives a sampled span its RpcId (writing field 1000), sets the RpcId fields
// of the new current context `next` (if any), and clears a forked branch's reserved number
// in `consumed` once a call used it.
void AssignRpcId(ProviderCore* core, const Context& parent, SpanKind kind, SpanBuffer* buffer,
                 Context* next, Context* consumed);
ProviderCore* GlobalProvider();
inline const SpanContext kNoParent{};
}  // namespace detail

struct StartOptions {
  SpanKind kind = SpanKind::kInternal;
  // The parent; null = the thread's current Context.
  const Context* parent = nullptr;
  // Start a new trace even if there is a current span.
  bool root = false;
  // Make the span the thread's current until it ends. Set false for spans that end on
  // another thread or outlive the scope that started them (async operations).
  bool activate = true;
  uint64_t start_ns = 0;  // 0 = now
};

class Tracer {
 public:
  Tracer() = default;
  Tracer(detail::ProviderCore* core, uint16_t scope) : core_(core), scope_(scope) {}

  Span StartSpan(std::string_view name, const StartOptions& options = {}) const;
  // Everything but the unsampled-child shortcut (which StartSpan inlines into the caller).
  Span StartSpanFull(std::string_view name, const StartOptions& options) const;
  Span StartSpan(std::string_view name, SpanKind kind) const {
    StartOptions o;
    o.kind = kind;
    return StartSpan(name, o);
  }
  bool enabled() const { return core_ != nullptr; }

 private:
  detail::ProviderCore* core_ = nullptr;
  uint16_t scope_ = 0;
};

// A tracer of the provider installed by weft::Init (non-recording if none is).
Tracer GetTracer(std::string_view name = "weft", std::string_view version = "");

// The common unsampled case, small enough to inline: a child of an unsampled parent under a
// parent-following sampler carries its parent's identity and records nothing.
[[gnu::always_inline]] inline Span Tracer::StartSpan(std::string_view name,
                                                     const StartOptions& o) const {
  if (core_ && core_->sampler_follows_parent && !o.root) [[likely]] {
    const SpanContext& p = o.parent ? o.parent->span() : Context::Current().span();
    if (!(p.flags & (kTraceFlagSampled | kTraceFlagDebug)) && p.valid()) {
      Span s;
      s.trace_id_ = p.trace_id;
      s.span_id_ = p.span_id;
      s.flags_ = p.flags;
      return s;
    }
  }
  return StartSpanFull(name, o);
}

inline Span Tracer::StartSpanFull(std::string_view name, const StartOptions& o) const {
  Span s;
  if (!core_) [[unlikely]]
    return s;
  const Context& parent_ctx = o.parent ? *o.parent : Context::Current();
  const SpanContext& parent = o.root ? detail::kNoParent : parent_ctx.span();
  const bool has_parent = parent.valid();
  s.trace_id_ = has_parent ? parent.trace_id : NewTraceId();
  const bool debug = parent.debug();
  const bool sample =
      debug ||
      (has_parent && core_->sampler_follows_parent
           ? parent.sampled()
           : core_->sampler->ShouldSample(SamplingParams{parent, s.trace_id_, name, o.kind}) ==
                 SamplingDecision::kRecordAndSample);
  if (!sample) {
    if (has_parent && !o.root) {
      // An unsampled child: it carries its parent's identity and needs no scope of its own;
      // what is propagated from inside it is the same unsampled trace.
      s.span_id_ = parent.span_id;
      s.flags_ = parent.flags;
      return s;
    }
    s.span_id_ = NewSpanId();
    s.flags_ = 0;
  } else {
    s.span_id_ = NewSpanId();
    s.flags_ = kTraceFlagSampled | (debug ? kTraceFlagDebug : 0);
    s.trace_state_ = parent.trace_state;
    s.core_ = core_;
    detail::SpanBuffer* b = detail::AcquireSpanBuffer(core_->buffer_capacity);
    SpanRecord& r = b->rec;
    r.trace_id = s.trace_id_;
    r.span_id = s.span_id_;
    r.parent_span_id = has_parent ? parent.span_id : SpanId{};
    if (o.start_ns) {
      r.start_ns = o.start_ns;
      b->start_tsc = 0;
    } else {
      r.start_ns = detail::NowNanosAndTsc(&b->start_tsc);
    }
    r.end_ns = 0;
    r.dropped_attributes = r.dropped_events = r.dropped_links = 0;
    r.scope = scope_;
    r.kind = o.kind;
    r.status = StatusCode::kUnset;
    r.flags = s.flags_;
    r.parent_remote = has_parent && parent.remote;
    detail::PutStringField(b, span_field::kName, name);
    if (parent.trace_state) detail::PutStringField(b, span_field::kTraceState, *parent.trace_state);
    s.buffer_ = b;
  }
  if (o.activate) {
    Context& cur = Context::current_ref();
    Context* previous;
    if (&parent_ctx == &cur) {
      previous = new (s.previous_storage_) Context;
      previous->span_ = std::move(cur.span_);
      previous->extras_ = cur.extras_;
    } else {
      previous = new (s.previous_storage_) Context(std::exchange(cur, parent_ctx));
    }
    cur.span_ = SpanContext{s.trace_id_, s.span_id_, s.flags_, false, s.trace_state_};
    if (s.buffer_ && (cur.extras_ || core_->rpc_ids)) [[unlikely]]
      detail::AssignRpcId(core_, o.parent ? *o.parent : *previous, o.kind, s.buffer_, &cur,
                          o.parent ? nullptr : previous);
    s.active_ = true;
  } else if (s.buffer_ && (parent_ctx.extras_ || core_->rpc_ids)) [[unlikely]] {
    detail::AssignRpcId(core_, parent_ctx, o.kind, s.buffer_, nullptr, nullptr);
  }
  return s;
}

}  // namespace weft
