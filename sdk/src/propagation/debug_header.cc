// The debug header (default x-weft-debug), the seed's X-DEBUG mode: present with a value
// other than "", "0" or "false" (any case, trimmed), it flags the trace debug and sampled:
// on base's span context, or as a debug-only span context from which the tracer starts a
// new sampled debug trace. Values "0"/"false" are a valid "no" (not counted as malformed).
// Inject writes the header "1" when the context is debug, so the debug mode also crosses
// hops whose other formats have no debug flag (W3C traceparent); it writes nothing otherwise.
#include "propagation/util.h"
#include "weft/propagation.h"

namespace weft {
namespace {

using namespace propagation;

class DebugHeader final : public Propagator {
 public:
  explicit DebugHeader(std::string header) : header_(std::move(header)) {}

  Context Extract(const TextMapCarrier& carrier, const Context& base) const override {
    const std::string_view v = TrimOws(carrier.Get(header_));
    if (v.empty() || v == "0" || IEquals(v, "false")) return base;
    return WithDebugFlags(base);
  }

  void Inject(const Context& context, TextMapCarrier& carrier) const override {
    if (context.span().debug()) carrier.Set(header_, "1");
  }

  std::vector<std::string> Fields() const override { return {header_}; }

 private:
  std::string header_;
};

}  // namespace

std::shared_ptr<Propagator> DebugHeaderPropagator(std::string header) {
  return std::make_shared<DebugHeader>(std::move(header));
}

}  // namespace weft
