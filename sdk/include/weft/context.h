#pragma once
// The immutable Context: the active span's SpanContext, the baggage and the request's
// RpcId state. Each thread has a current Context; a Span started as active (the default)
// becomes current until it ends. Contexts are values: copy one into a thread-pool task, a
// callback or a coroutine and make it current there (weft::Wrap does both steps).
#include <memory>
#include <string>
#include <utility>

#include "weft/baggage.h"
#include "weft/rpc_id.h"
#include "weft/span_context.h"

namespace weft {

// What a Context carries besides the span: rarely set, so it sits behind one pointer and a
// context without baggage or RpcIds copies and moves as plain bytes.
struct ContextExtras {
  std::shared_ptr<const Baggage> baggage;
  std::shared_ptr<RpcIdState> rpc;
  std::string rpc_id;
  uint32_t rpc_reserved = 0;
};

class Context {
 public:
  Context() = default;

  const SpanContext& span() const { return span_; }
  const Baggage* baggage() const { return extras_ ? extras_->baggage.get() : nullptr; }
  std::shared_ptr<const Baggage> shared_baggage() const {
    return extras_ ? extras_->baggage : nullptr;
  }
  // The request's RpcId state (null unless an RpcId came in or RpcIds are enabled).
  RpcIdState* rpc_state() const { return extras_ ? extras_->rpc.get() : nullptr; }
  std::shared_ptr<RpcIdState> shared_rpc_state() const { return extras_ ? extras_->rpc : nullptr; }
  // The RpcId of the active span ("" if none): what an RpcId propagator injects.
  std::string_view rpc_id() const {
    return extras_ ? std::string_view(extras_->rpc_id) : std::string_view();
  }
  // A number reserved for the first outgoing call of a forked branch (0 = none).
  uint32_t rpc_reserved() const { return extras_ ? extras_->rpc_reserved : 0; }

  Context WithSpan(SpanContext sc) const {
    Context c = *this;
    c.span_ = std::move(sc);
    return c;
  }
  Context WithBaggage(Baggage b) const {
    Context c = *this;
    ContextExtras e = extras_ ? *extras_ : ContextExtras{};
    e.baggage = b.empty() ? nullptr : std::make_shared<const Baggage>(std::move(b));
    c.extras_ = std::make_shared<const ContextExtras>(std::move(e));
    return c;
  }
  Context WithRpcId(std::shared_ptr<RpcIdState> state, std::string rpc_id,
                    uint32_t reserved = 0) const {
    Context c = *this;
    ContextExtras e = extras_ ? *extras_ : ContextExtras{};
    e.rpc = std::move(state);
    e.rpc_id = std::move(rpc_id);
    e.rpc_reserved = reserved;
    c.extras_ = std::make_shared<const ContextExtras>(std::move(e));
    return c;
  }
  // The Context a parallel branch should run in: the same, plus its own reserved RpcId
  // number when the request has RpcIds (LOGFORMAT.md: branches take their counter value
  // before they fork).
  Context Fork() const {
    if (!extras_ || !extras_->rpc) return *this;
    return WithRpcId(extras_->rpc, extras_->rpc_id, extras_->rpc->Reserve());
  }

  // The calling thread's current Context (empty if none was made current).
  static const Context& Current() { return current_ref(); }

 private:
  friend class ContextScope;
  friend class Span;
  friend class Tracer;
  static Context& current_ref() {
    static thread_local Context current;
    return current;
  }

  SpanContext span_;
  std::shared_ptr<const ContextExtras> extras_;
};

// Makes a Context current for the calling thread until the scope ends, then restores the
// previous one. Scopes nest; they must end on the thread and in the reverse order they began.
class [[nodiscard]] ContextScope {
 public:
  explicit ContextScope(Context ctx)
      : previous_(std::exchange(Context::current_ref(), std::move(ctx))) {}
  ~ContextScope() { Context::current_ref() = std::move(previous_); }
  ContextScope(const ContextScope&) = delete;
  ContextScope& operator=(const ContextScope&) = delete;

 private:
  Context previous_;
};

// Returns a callable that runs `f` with the calling thread's current Context (forked for
// RpcIds) made current, wherever and whenever it is called: for thread pools, callbacks,
// std::thread, and coroutine resumption (`Wrap(handle)` is a callable too). This is what
// Java's TransmittableThreadLocal does for executors.
template <typename F>
auto Wrap(F&& f) {
  return [ctx = Context::Current().Fork(),
          f = std::forward<F>(f)](auto&&... args) mutable -> decltype(auto) {
    ContextScope scope(ctx);
    return f(std::forward<decltype(args)>(args)...);
  };
}
// Same, with an explicit Context.
template <typename F>
auto Wrap(Context ctx, F&& f) {
  return [ctx = std::move(ctx), f = std::forward<F>(f)](auto&&... args) mutable -> decltype(auto) {
    ContextScope scope(ctx);
    return f(std::forward<decltype(args)>(args)...);
  };
}

}  // namespace weft
