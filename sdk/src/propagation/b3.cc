// B3 (openzipkin/b3-propagation): the single `b3` header and the X-B3-* multi headers.
//
//   b3: {traceid}-{spanid}[-{sampling}[-{parentspanid}]]   or just {sampling}
//   sampling: 1 (accept), 0 (deny), d (debug: implies accept)
//   X-B3-TraceId (16 or 32 hex), X-B3-SpanId, X-B3-ParentSpanId, X-B3-Sampled (1/0/true/false),
//   X-B3-Flags: 1 (debug; sent instead of X-B3-Sampled)
//
// Extract tries the single header first and falls back to the multi headers when it is
// absent or malformed. 64-bit trace ids are left-padded to 128 bits. A missing sampling
// state ("defer") extracts as not sampled, as OpenTelemetry's B3 propagators do. Debug sets
// kTraceFlagDebug and kTraceFlagSampled; debug without ids ("b3: d", or only X-B3-Flags: 1)
// flags base's span context (see WithDebugFlags), so a new debug trace starts. "b3: 0" and
// "b3: 1" alone carry no trace and are ignored. The parent span id is validated but not
// kept. Inject writes {trace}-{span}-{1|0|d} (single) or TraceId, SpanId and Sampled or
// Flags (multi); a debug-only context is written as "b3: d" / "X-B3-Flags: 1".
#include "propagation/util.h"
#include "weft/propagation.h"

namespace weft {
namespace {

using namespace propagation;

constexpr std::string_view kSingle = "b3";
constexpr std::string_view kTraceIdH = "x-b3-traceid";
constexpr std::string_view kSpanIdH = "x-b3-spanid";
constexpr std::string_view kParentH = "x-b3-parentspanid";
constexpr std::string_view kSampledH = "x-b3-sampled";
constexpr std::string_view kFlagsH = "x-b3-flags";

enum class Parse { kAbsent, kMalformed, kSpan, kDebugOnly };

bool ParseB3TraceId(std::string_view s, TraceId* id) {
  return (s.size() == 16 || s.size() == 32) && ParseTraceIdPadded(s, id);
}
bool ParseB3SpanId(std::string_view s, SpanId* id) {
  return s.size() == 16 && ParseSpanIdPadded(s, id);
}

Parse ParseSingle(std::string_view v, SpanContext* sc) {
  v = TrimOws(v);
  if (v.empty()) return Parse::kAbsent;
  if (v.size() > kMaxHeaderValue) return Parse::kMalformed;
  if (v.size() == 1) {
    if (v == "d") return Parse::kDebugOnly;
    return v == "0" || v == "1" ? Parse::kAbsent : Parse::kMalformed;
  }
  std::string_view parts[4];
  size_t n = 0;
  for (std::string_view rest = v;;) {
    if (n == 4) return Parse::kMalformed;
    const size_t dash = rest.find('-');
    parts[n++] = rest.substr(0, dash);
    if (dash == std::string_view::npos) break;
    rest = rest.substr(dash + 1);
  }
  if (n < 2) return Parse::kMalformed;
  SpanContext out;
  if (!ParseB3TraceId(parts[0], &out.trace_id) || !ParseB3SpanId(parts[1], &out.span_id))
    return Parse::kMalformed;
  if (n >= 3) {
    if (parts[2] == "1")
      out.flags = kTraceFlagSampled;
    else if (parts[2] == "d")
      out.flags = kTraceFlagSampled | kTraceFlagDebug;
    else if (parts[2] != "0")
      return Parse::kMalformed;
  }
  SpanId parent;
  if (n == 4 && !ParseB3SpanId(parts[3], &parent)) return Parse::kMalformed;
  out.remote = true;
  *sc = std::move(out);
  return Parse::kSpan;
}

Parse ParseMulti(const TextMapCarrier& c, SpanContext* sc) {
  const std::string_view trace = TrimOws(c.Get(kTraceIdH)), span = TrimOws(c.Get(kSpanIdH));
  const std::string_view sampled = TrimOws(c.Get(kSampledH)), flags = TrimOws(c.Get(kFlagsH));
  const std::string_view parent = TrimOws(c.Get(kParentH));
  const bool debug = flags == "1";
  if (!flags.empty() && !debug && flags != "0") return Parse::kMalformed;
  uint8_t f = 0;
  if (debug) {
    f = kTraceFlagSampled | kTraceFlagDebug;
  } else if (!sampled.empty()) {
    if (sampled == "1" || IEquals(sampled, "true"))
      f = kTraceFlagSampled;
    else if (!(sampled == "0" || IEquals(sampled, "false")))
      return Parse::kMalformed;
  }
  if (trace.empty() && span.empty()) {
    if (!parent.empty()) return Parse::kMalformed;
    return debug ? Parse::kDebugOnly : Parse::kAbsent;
  }
  SpanContext out;
  if (!ParseB3TraceId(trace, &out.trace_id) || !ParseB3SpanId(span, &out.span_id))
    return Parse::kMalformed;
  SpanId p;
  if (!parent.empty() && !ParseB3SpanId(parent, &p)) return Parse::kMalformed;
  out.flags = f;
  out.remote = true;
  *sc = std::move(out);
  return Parse::kSpan;
}

class B3 final : public Propagator {
 public:
  explicit B3(B3Encoding encoding) : encoding_(encoding) {}

  Context Extract(const TextMapCarrier& carrier, const Context& base) const override {
    SpanContext sc;
    Parse r = ParseSingle(carrier.Get(kSingle), &sc);
    if (r == Parse::kMalformed) CountMalformed();
    if (r != Parse::kSpan && r != Parse::kDebugOnly) {
      r = ParseMulti(carrier, &sc);
      if (r == Parse::kMalformed) CountMalformed();
    }
    switch (r) {
      case Parse::kSpan:
        CountExtracted();
        return base.WithSpan(std::move(sc));
      case Parse::kDebugOnly:
        return WithDebugFlags(base);
      default:
        return base;
    }
  }

  void Inject(const Context& context, TextMapCarrier& carrier) const override {
    const SpanContext& sc = context.span();
    if (!sc.valid()) {
      if (sc.debug()) {
        if (encoding_ == B3Encoding::kSingle)
          carrier.Set(kSingle, "d");
        else
          carrier.Set(kFlagsH, "1");
      }
      return;
    }
    if (encoding_ == B3Encoding::kSingle) {
      char buf[32 + 1 + 16 + 2];
      sc.trace_id.to_hex(buf);
      buf[32] = '-';
      sc.span_id.to_hex(buf + 33);
      buf[49] = '-';
      buf[50] = sc.debug() ? 'd' : sc.sampled() ? '1' : '0';
      carrier.Set(kSingle, std::string_view(buf, sizeof buf));
      return;
    }
    carrier.Set(kTraceIdH, sc.trace_id.hex());
    carrier.Set(kSpanIdH, sc.span_id.hex());
    if (sc.debug())
      carrier.Set(kFlagsH, "1");
    else
      carrier.Set(kSampledH, sc.sampled() ? "1" : "0");
  }

  std::vector<std::string> Fields() const override {
    return {std::string(kSingle),  std::string(kTraceIdH), std::string(kSpanIdH),
            std::string(kParentH), std::string(kSampledH), std::string(kFlagsH)};
  }

 private:
  B3Encoding encoding_;
};

}  // namespace

std::shared_ptr<Propagator> B3Propagator(B3Encoding inject_encoding) {
  return std::make_shared<B3>(inject_encoding);
}

}  // namespace weft
