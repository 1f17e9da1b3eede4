// W3C Trace Context (level 1): traceparent and tracestate.
//
// traceparent = version "-" trace-id "-" parent-id "-" trace-flags, all lowercase hex.
// Version ff is invalid; version 00 is exactly 55 characters; a higher version is parsed as
// 00 and may carry more fields after a '-' at offset 55 (the spec's forward compatibility).
// Only flag bit 0 (sampled) is kept: weft's debug bit (0x80) is not a W3C bit, so it is
// neither read from nor written to traceparent.
// tracestate is kept verbatim (trimmed) and re-sent only alongside a valid traceparent; a
// tracestate that is not printable ASCII or longer than kMaxTraceState is dropped (and
// counted) while the traceparent is still used, as the spec asks.
#include <memory>

#include "propagation/util.h"
#include "weft/propagation.h"

namespace weft {
namespace {

using namespace propagation;

constexpr std::string_view kTraceParent = "traceparent";
constexpr std::string_view kTraceState = "tracestate";
constexpr size_t kTraceParentLen = 55;
constexpr size_t kMaxTraceState = 8192;

bool ParseTraceParent(std::string_view v, SpanContext* sc) {
  if (v.size() < kTraceParentLen || v.size() > kMaxHeaderValue) return false;
  const std::string_view version = v.substr(0, 2);
  if (!IsLowerHex(version) || version == "ff") return false;
  if (version == "00" ? v.size() != kTraceParentLen
                      : (v.size() > kTraceParentLen && v[kTraceParentLen] != '-'))
    return false;
  if (v[2] != '-' || v[35] != '-' || v[52] != '-') return false;
  const std::string_view trace = v.substr(3, 32), span = v.substr(36, 16), flags = v.substr(53, 2);
  if (!IsLowerHex(trace) || !IsLowerHex(span) || !IsLowerHex(flags)) return false;
  SpanContext out;
  if (!TraceId::from_hex(trace, &out.trace_id) || !SpanId::from_hex(span, &out.span_id))
    return false;
  if (!out.valid()) return false;
  out.flags = static_cast<uint8_t>((HexNibble(flags[1])) & kTraceFlagSampled);
  out.remote = true;
  *sc = std::move(out);
  return true;
}

bool ValidTraceState(std::string_view v) {
  if (v.size() > kMaxTraceState) return false;
  for (char c : v)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

class W3CTraceContext final : public Propagator {
 public:
  Context Extract(const TextMapCarrier& carrier, const Context& base) const override {
    const std::string_view raw = carrier.Get(kTraceParent);
    if (raw.empty()) return base;
    SpanContext sc;
    if (!ParseTraceParent(TrimOws(raw), &sc)) {
      CountMalformed();
      return base;
    }
    const std::string_view state = TrimOws(carrier.Get(kTraceState));
    if (!state.empty()) {
      if (ValidTraceState(state))
        sc.trace_state = std::make_shared<const std::string>(state);
      else
        CountMalformed();
    }
    CountExtracted();
    return base.WithSpan(std::move(sc));
  }

  void Inject(const Context& context, TextMapCarrier& carrier) const override {
    const SpanContext& sc = context.span();
    if (!sc.valid()) return;
    char buf[kTraceParentLen];
    buf[0] = '0';
    buf[1] = '0';
    buf[2] = '-';
    sc.trace_id.to_hex(buf + 3);
    buf[35] = '-';
    sc.span_id.to_hex(buf + 36);
    buf[52] = '-';
    buf[53] = '0';
    buf[54] = sc.sampled() ? '1' : '0';
    carrier.Set(kTraceParent, std::string_view(buf, sizeof buf));
    if (sc.trace_state && !sc.trace_state->empty()) carrier.Set(kTraceState, *sc.trace_state);
  }

  std::vector<std::string> Fields() const override {
    return {std::string(kTraceParent), std::string(kTraceState)};
  }
};

}  // namespace

std::shared_ptr<Propagator> W3CTraceContextPropagator() {
  static const auto p = std::make_shared<W3CTraceContext>();
  return p;
}

}  // namespace weft
