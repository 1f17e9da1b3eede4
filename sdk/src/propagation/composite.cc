// CompositePropagator: several formats at once.
//
// Extract runs the members in order, each over the Context the previous ones produced.
// The span context found by the first member that finds one (a valid span context whose
// ids differ from what it was given) wins: a later member may add baggage, an RpcId or the
// debug flag, but if it replaces the ids, the first ids are put back. A debug flag set by
// any member (B3 "d", Jaeger 0x02, the debug header) is kept on the final span context,
// whichever member found the ids. Inject: every member writes, in order.
#include <algorithm>

#include "propagation/util.h"
#include "weft/propagation.h"

namespace weft {
namespace {

using namespace propagation;

bool SameIds(const SpanContext& a, const SpanContext& b) {
  return a.trace_id == b.trace_id && a.span_id == b.span_id;
}

class Composite final : public Propagator {
 public:
  explicit Composite(std::vector<std::shared_ptr<Propagator>> members)
      : members_(std::move(members)) {
    std::erase(members_, nullptr);
  }

  Context Extract(const TextMapCarrier& carrier, const Context& base) const override {
    Context acc = base;
    bool found = false, debug = false;
    for (const auto& m : members_) {
      Context next = m->Extract(carrier, acc);
      debug |= next.span().debug();
      if (!found) {
        found = next.span().valid() && !SameIds(next.span(), acc.span());
      } else if (!SameIds(next.span(), acc.span())) {
        next = next.WithSpan(acc.span());
      }
      acc = std::move(next);
    }
    if (debug && !acc.span().debug()) acc = WithDebugFlags(acc);
    return acc;
  }

  void Inject(const Context& context, TextMapCarrier& carrier) const override {
    for (const auto& m : members_) m->Inject(context, carrier);
  }

  std::vector<std::string> Fields() const override {
    std::vector<std::string> out;
    for (const auto& m : members_)
      for (auto& f : m->Fields())
        if (std::find(out.begin(), out.end(), f) == out.end()) out.push_back(std::move(f));
    return out;
  }

 private:
  std::vector<std::shared_ptr<Propagator>> members_;
};

}  // namespace

std::shared_ptr<Propagator> CompositePropagator(std::vector<std::shared_ptr<Propagator>> members) {
  return std::make_shared<Composite>(std::move(members));
}

}  // namespace weft
