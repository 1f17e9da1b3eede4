#pragma once
// The hierarchical RpcId of ../shared/LOGFORMAT.md, as the SDK keeps it per request.
//
// Per-request scheme (the default): a service receiving RpcId R numbers its own request
// R.1 and its outgoing calls R.2, R.3, ... (each callee starts at R.k.1). Per-call scheme
// (EagleEye): the service's own span is R and its calls are R.1, R.2, ...
//
// One RpcIdState is shared by everything done for one request in one process (it travels
// in the Context, across threads), so the counter is atomic. A parallel branch reserves
// its number when it forks (Context::ForkRpcId, done by weft::Wrap), so siblings never
// share an RpcId and the numbers follow program order, not scheduling.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace weft {

enum class RpcIdScheme : uint8_t { kPerRequest, kPerCall };

class RpcIdState {
 public:
  // `received`: the RpcId that came with the request ("" at an entry service, which
  // then starts at "0").
  RpcIdState(std::string received, RpcIdScheme scheme)
      : base_(received.empty() ? std::string("0") : std::move(received)),
        scheme_(scheme),
        next_(scheme == RpcIdScheme::kPerRequest ? 2 : 1) {}

  // The RpcId of this service's own (SERVER or entry) span.
  std::string Self() const { return scheme_ == RpcIdScheme::kPerRequest ? base_ + ".1" : base_; }
  // Takes the next number for an outgoing call.
  std::string NextCall() { return Child(next_.fetch_add(1, std::memory_order_relaxed)); }
  uint32_t Reserve() { return next_.fetch_add(1, std::memory_order_relaxed); }
  std::string Child(uint32_t k) const { return base_ + "." + std::to_string(k); }
  const std::string& base() const { return base_; }
  RpcIdScheme scheme() const { return scheme_; }

 private:
  std::string base_;
  RpcIdScheme scheme_;
  std::atomic<uint32_t> next_;
};

}  // namespace weft
