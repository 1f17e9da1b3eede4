// Jaeger: uber-trace-id, uberctx-{key} baggage and jaeger-debug-id.
//
//   uber-trace-id: {trace-id}:{span-id}:{parent-span-id}:{flags}
//
// Ids are hex without required zero padding (trace ids of up to 32 digits, span ids up to 16,
// left-padded); the parent id is deprecated: validated as hex, not kept, written as "0".
// flags is a hex byte: 0x01 sampled, 0x02 debug (debug also sets sampled). Proxies that
// URL-encode the value send "%3A" for ':'; that form is accepted too.
// uberctx-{key}: value headers are baggage entries (values percent-decoded), merged over
// base's baggage; Inject writes one per entry (value percent-encoded). A jaeger-debug-id
// header (Jaeger's "force a debug trace" correlation id) sets debug and sampled, on the
// extracted span context or, without uber-trace-id, as a debug-only context.
// Inject writes {32-hex trace}:{16-hex span}:0:{flags as hex}.
#include <cstdio>

#include "propagation/util.h"
#include "weft/propagation.h"

namespace weft {
namespace {

using namespace propagation;

constexpr std::string_view kTraceHeader = "uber-trace-id";
constexpr std::string_view kBaggagePrefix = "uberctx-";
constexpr std::string_view kDebugId = "jaeger-debug-id";
constexpr size_t kMaxBaggageValue = 4096;

// Replaces "%3A"/"%3a" with ':' (the only escape a well-formed value can contain).
std::string UnescapeColons(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '%' && i + 2 < v.size() && v[i + 1] == '3' &&
        (v[i + 2] == 'A' || v[i + 2] == 'a')) {
      out.push_back(':');
      i += 2;
    } else {
      out.push_back(v[i]);
    }
  }
  return out;
}

bool ParseUberTraceId(std::string_view raw, SpanContext* sc) {
  if (raw.size() > kMaxHeaderValue) return false;
  const std::string v = UnescapeColons(raw);
  std::string_view parts[4];
  size_t n = 0;
  for (std::string_view rest = v;;) {
    if (n == 4) return false;
    const size_t colon = rest.find(':');
    parts[n++] = rest.substr(0, colon);
    if (colon == std::string_view::npos) break;
    rest = rest.substr(colon + 1);
  }
  if (n != 4) return false;
  SpanContext out;
  if (!ParseTraceIdPadded(parts[0], &out.trace_id) || !ParseSpanIdPadded(parts[1], &out.span_id))
    return false;
  // The parent may be "0" (the usual) or a span id.
  if (parts[2].empty() || parts[2].size() > 16) return false;
  for (char c : parts[2])
    if (HexNibble(c) < 0) return false;
  if (parts[3].empty() || parts[3].size() > 2) return false;
  int flags = 0;
  for (char c : parts[3]) {
    const int d = HexNibble(c);
    if (d < 0) return false;
    flags = flags << 4 | d;
  }
  if (flags & 0x01) out.flags |= kTraceFlagSampled;
  if (flags & 0x02) out.flags |= kTraceFlagSampled | kTraceFlagDebug;
  out.remote = true;
  *sc = std::move(out);
  return true;
}

class Jaeger final : public Propagator {
 public:
  Context Extract(const TextMapCarrier& carrier, const Context& base) const override {
    Context ctx = base;
    const std::string_view raw = TrimOws(carrier.Get(kTraceHeader));
    if (!raw.empty()) {
      SpanContext sc;
      if (ParseUberTraceId(raw, &sc)) {
        CountExtracted();
        ctx = ctx.WithSpan(std::move(sc));
      } else {
        CountMalformed();
      }
    }
    if (!TrimOws(carrier.Get(kDebugId)).empty()) ctx = WithDebugFlags(ctx);

    Baggage merged;
    bool any = false;
    for (std::string_view key : carrier.Keys()) {
      if (!IStartsWith(key, kBaggagePrefix) || key.size() == kBaggagePrefix.size()) continue;
      const std::string_view value = carrier.Get(key);
      std::string decoded;
      if (value.size() > kMaxBaggageValue ||
          !PercentDecode(value, /*plus_is_space=*/false, /*strict=*/false, &decoded)) {
        CountMalformed();
        continue;
      }
      if (!any) merged = ctx.baggage() ? *ctx.baggage() : Baggage();
      any = true;
      merged = merged.With(std::string(key.substr(kBaggagePrefix.size())), std::move(decoded));
    }
    if (any) ctx = ctx.WithBaggage(std::move(merged));
    return ctx;
  }

  void Inject(const Context& context, TextMapCarrier& carrier) const override {
    const SpanContext& sc = context.span();
    if (sc.valid()) {
      char buf[32 + 1 + 16 + 3 + 1];
      sc.trace_id.to_hex(buf);
      buf[32] = ':';
      sc.span_id.to_hex(buf + 33);
      buf[49] = ':';
      buf[50] = '0';
      buf[51] = ':';
      buf[52] = static_cast<char>('0' + (sc.sampled() ? 1 : 0) + (sc.debug() ? 2 : 0));
      carrier.Set(kTraceHeader, std::string_view(buf, sizeof buf));
    }
    if (const Baggage* b = context.baggage())
      for (const auto& e : b->entries())
        if (IsToken(e.key))
          carrier.Set(std::string(kBaggagePrefix) + e.key, PercentEncode(e.value));
  }

  std::vector<std::string> Fields() const override {
    return {std::string(kTraceHeader), std::string(kDebugId)};
  }
};

}  // namespace

std::shared_ptr<Propagator> JaegerPropagator() {
  static const auto p = std::make_shared<Jaeger>();
  return p;
}

}  // namespace weft
