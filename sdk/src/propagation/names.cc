// PropagatorFromNames: a propagator from an OTEL_PROPAGATORS-style list. Names are
// comma-separated, case-insensitive, surrounded by any white space; empty items are skipped.
// "none" contributes nothing (a list of only "none" gives a propagator that does nothing).
// An unknown name, or a list with no names at all, is an error: nullptr and *error.
#include "propagation/util.h"
#include "weft/propagation.h"

namespace weft {
namespace {

constexpr std::string_view kKnown =
    "tracecontext, baggage, b3, b3multi, jaeger, rpcid, rpcid-percall, debug, none";

// Sets *out (null for "none"); false for an unknown name.
bool ByName(std::string_view name, std::shared_ptr<Propagator>* out) {
  if (name == "tracecontext")
    *out = W3CTraceContextPropagator();
  else if (name == "baggage")
    *out = W3CBaggagePropagator();
  else if (name == "b3")
    *out = B3Propagator(B3Encoding::kSingle);
  else if (name == "b3multi")
    *out = B3Propagator(B3Encoding::kMulti);
  else if (name == "jaeger")
    *out = JaegerPropagator();
  else if (name == "rpcid")
    *out = RpcIdPropagator(RpcIdScheme::kPerRequest);
  else if (name == "rpcid-percall")
    *out = RpcIdPropagator(RpcIdScheme::kPerCall);
  else if (name == "debug")
    *out = DebugHeaderPropagator();
  else if (name == "none")
    *out = nullptr;
  else
    return false;
  return true;
}

}  // namespace

std::shared_ptr<Propagator> PropagatorFromNames(std::string_view names, std::string* error) {
  std::vector<std::shared_ptr<Propagator>> members;
  size_t count = 0;
  for (std::string_view rest = names;;) {
    const size_t comma = rest.find(',');
    const std::string_view item = propagation::TrimSpace(rest.substr(0, comma));
    if (!item.empty()) {
      std::shared_ptr<Propagator> p;
      if (!ByName(propagation::ToLowerAscii(item), &p)) {
        if (error)
          *error =
              "unknown propagator '" + std::string(item) + "' (known: " + std::string(kKnown) + ")";
        return nullptr;
      }
      ++count;
      if (p) members.push_back(std::move(p));
    }
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  if (count == 0) {
    if (error) *error = "empty propagator list (known: " + std::string(kKnown) + ")";
    return nullptr;
  }
  if (members.size() == 1) return members.front();
  return CompositePropagator(std::move(members));
}

}  // namespace weft
