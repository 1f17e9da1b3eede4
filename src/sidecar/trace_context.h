#pragma once
// Reading and writing trace context on proxied requests, with the SDK's propagators.
//
// Extract: the formats chosen with --propagators (default: all of W3C tracecontext +
// baggage, B3 single and multi, Jaeger, RpcId), combined like the SDK's CompositePropagator
// (the first format that yields a span context wins; baggage, RpcId and debug flags add up),
// but only the formats whose headers the request holds are run: a request without trace
// headers costs nothing here. A header that is present but cannot be read is counted per
// format and ignored (a new trace starts); the request is never refused for it.
//
// Inject: W3C traceparent/tracestate and baggage always, plus each other format the request
// came in with (B3 single or multi, Jaeger, RpcId), so a downstream that only reads B3 still
// continues the trace. Injected headers replace the incoming ones of the same name.
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sidecar/http_head.h"
#include "sidecar/metrics.h"
#include "weft/context.h"
#include "weft/propagation.h"

namespace weft::sidecar {

// TextMapCarrier over a parsed head (read-only).
class HeadCarrier final : public TextMapCarrier {
 public:
  explicit HeadCarrier(const MessageHead& head) : head_(head) {}
  std::string_view Get(std::string_view key) const override { return head_.Get(key); }
  void Set(std::string_view, std::string_view) override {}
  std::vector<std::string_view> Keys() const override;

 private:
  const MessageHead& head_;
};

// Collects what the propagators inject: header fields that replace (or, with an empty value
// and `remove`, delete) the incoming fields of the same name. Reused across requests: its
// strings keep their capacity.
class HeaderOverrides final : public TextMapCarrier {
 public:
  struct Entry {
    std::string name;
    std::string value;
    bool remove = false;
  };
  std::string_view Get(std::string_view key) const override;
  void Set(std::string_view key, std::string_view value) override;
  std::vector<std::string_view> Keys() const override;
  void Remove(std::string_view key);
  void Clear() { n_ = 0; }

  const Entry* Find(std::string_view name) const;
  size_t size() const { return n_; }
  const Entry& operator[](size_t i) const { return entries_[i]; }

 private:
  Entry& Slot(std::string_view key);
  std::vector<Entry> entries_;
  size_t n_ = 0;
};

class ContextCodec {
 public:
  // `extract_names` as OTEL_PROPAGATORS: tracecontext, baggage, b3, b3multi, jaeger, rpcid,
  // rpcid-percall, debug, none. Null and *error on an unknown name.
  static std::unique_ptr<ContextCodec> Make(std::string_view extract_names, std::string* error);

  // The incoming context (empty when there is none). Adds 1 to malformed[format] for each
  // format whose header is present but unreadable.
  Context Extract(const MessageHead& head, uint32_t* malformed_mask) const;
  // Writes `ctx` (the new span's context, with the request's baggage) in W3C + baggage and
  // in the formats `incoming_trace_fields` (MessageHead::trace_fields) shows.
  void Inject(const Context& ctx, uint32_t incoming_trace_fields, HeaderOverrides* out) const;

 private:
  struct Member {
    std::shared_ptr<Propagator> propagator;
    uint32_t fields;  // trace_field bits this format reads
    // Fields whose presence without a readable span context is "malformed" for this format.
    uint32_t primary;
    TraceFormat format;
    bool span_format;  // yields span contexts (as opposed to baggage/debug only)
  };
  std::vector<Member> members_;
  uint32_t all_fields_ = 0;
  std::shared_ptr<Propagator> w3c_, baggage_, b3_single_, b3_multi_, jaeger_, rpcid_;
};

}  // namespace weft::sidecar
