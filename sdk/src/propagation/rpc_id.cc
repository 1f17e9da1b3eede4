// The RpcId propagator (../shared/LOGFORMAT.md): for services that trace by log lines.
//
// Extract: an RpcId header (default x-rpc-id) holding digits and dots ("0.2.1": non-empty
// numeric parts, at most kMaxRpcId characters) creates the request's RpcIdState in the
// configured scheme; the server span started next takes state->Self() (detail::AssignRpcId).
// A trace-id header (default x-trace-id) of 32 hex digits, when base has no valid span
// context, becomes a remote, sampled span context with that trace id and a span id derived
// from the received RpcId: FNV-1a 64 of the RpcId text ("" when none came), stored
// big-endian, 1 if it hashes to 0. Services calling with the same RpcId thus always name the
// same parent span. Other values are malformed (ignored, counted); a trace id is ignored, not
// counted, when base already has a span context (e.g. from traceparent, earlier in a composite).
// Inject: the RpcId header with context.rpc_id() when non-empty, and the trace-id header
// with the span context's 32-hex trace id when it is valid.
#include <memory>
#include <string>

#include "propagation/util.h"
#include "weft/propagation.h"

namespace weft {
namespace {

using namespace propagation;

constexpr size_t kMaxRpcId = 64;

bool ValidRpcId(std::string_view v) {
  if (v.empty() || v.size() > kMaxRpcId) return false;
  bool part_empty = true;
  for (char c : v) {
    if (c == '.') {
      if (part_empty) return false;
      part_empty = true;
    } else if (c >= '0' && c <= '9') {
      part_empty = false;
    } else {
      return false;
    }
  }
  return !part_empty;
}

SpanId SpanIdFromRpcId(std::string_view rpc_id) {
  uint64_t h = Fnv1a64(rpc_id);
  if (h == 0) h = 1;
  SpanId id;
  for (int i = 7; i >= 0; --i, h >>= 8) id.bytes[i] = static_cast<uint8_t>(h & 0xff);
  return id;
}

class RpcIdPropagatorImpl final : public Propagator {
 public:
  RpcIdPropagatorImpl(RpcIdScheme scheme, std::string rpc_header, std::string trace_header)
      : scheme_(scheme),
        rpc_header_(std::move(rpc_header)),
        trace_header_(std::move(trace_header)) {}

  Context Extract(const TextMapCarrier& carrier, const Context& base) const override {
    Context ctx = base;
    const std::string_view rpc = TrimOws(carrier.Get(rpc_header_));
    std::string_view received;
    if (!rpc.empty()) {
      if (ValidRpcId(rpc)) {
        received = rpc;
        ctx = ctx.WithRpcId(std::make_shared<RpcIdState>(std::string(rpc), scheme_), "");
      } else {
        CountMalformed();
      }
    }
    const std::string_view trace = TrimOws(carrier.Get(trace_header_));
    if (!trace.empty() && !base.span().valid()) {
      SpanContext sc;
      if (trace.size() == 32 && TraceId::from_hex(trace, &sc.trace_id) && sc.trace_id.valid()) {
        sc.span_id = SpanIdFromRpcId(received);
        sc.flags = static_cast<uint8_t>(base.span().flags | kTraceFlagSampled);
        sc.remote = true;
        CountExtracted();
        ctx = ctx.WithSpan(std::move(sc));
      } else {
        CountMalformed();
      }
    }
    return ctx;
  }

  void Inject(const Context& context, TextMapCarrier& carrier) const override {
    if (!context.rpc_id().empty()) carrier.Set(rpc_header_, context.rpc_id());
    if (context.span().valid()) {
      char buf[32];
      context.span().trace_id.to_hex(buf);
      carrier.Set(trace_header_, std::string_view(buf, sizeof buf));
    }
  }

  std::vector<std::string> Fields() const override { return {rpc_header_, trace_header_}; }

 private:
  RpcIdScheme scheme_;
  std::string rpc_header_;
  std::string trace_header_;
};

}  // namespace

std::shared_ptr<Propagator> RpcIdPropagator(RpcIdScheme scheme, std::string rpc_id_header,
                                            std::string trace_id_header) {
  return std::make_shared<RpcIdPropagatorImpl>(scheme, std::move(rpc_id_header),
                                               std::move(trace_id_header));
}

}  // namespace weft
