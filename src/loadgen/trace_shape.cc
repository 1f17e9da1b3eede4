#include "loadgen/trace_shape.h"

#include "common/status.h"
#include "loadgen/catalog.h"

namespace weft::loadgen::detail {
namespace {

// Per mille of children that are INTERNAL, and of calls that go to each kind of peer.
constexpr uint64_t kInternalPerMille = 300;
// 2.2% of calls: ~3% of CLIENT spans once calls that cannot be made became INTERNAL.
constexpr uint64_t kVirtualPeerPerMille = 22;
constexpr uint64_t kMessagingPerMille = 50;
constexpr uint64_t kDbShareOfVirtualPerMille = 600;  // the rest go to the cache

bool can_take_children(Op op) {
  return op == Op::kServer || op == Op::kInternal || op == Op::kConsumer;
}

class ShapeBuilder {
 public:
  ShapeBuilder(Prng& rng, int span_count) : rng_(rng), span_count_(span_count) {
    shape_.nodes.reserve(static_cast<size_t>(span_count));
  }

  TraceShape build() {
    Node root;
    root.op = Op::kServer;
    root.service = static_cast<int>(rng_.below(kEntryServiceCount));
    root.host = static_cast<int>(rng_.below(kHostsPerService));
    root.endpoint = static_cast<int>(rng_.below(4));
    root.peer_service = -1 - static_cast<int>(rng_.below(kEdgePeers.size()));
    add(root);
    while (size() < span_count_) grow(open_[rng_.below(open_.size())]);
    return std::move(shape_);
  }

 private:
  int size() const { return static_cast<int>(shape_.nodes.size()); }

  int add(Node node) {
    const int index = size();
    if (node.op == Op::kServer || node.op == Op::kConsumer) node.request = index;
    if (node.parent >= 0) shape_.nodes[static_cast<size_t>(node.parent)].children.push_back(index);
    shape_.nodes.push_back(std::move(node));
    if (can_take_children(shape_.nodes.back().op)) open_.push_back(index);
    return index;
  }

  // A child of `parent` in the same service and host.
  Node child_of(int parent, Op op) const {
    const Node& p = shape_.nodes[static_cast<size_t>(parent)];
    Node n;
    n.op = op;
    n.parent = parent;
    n.request = p.request;
    n.service = p.service;
    n.host = p.host;
    n.level = p.level;
    return n;
  }

  void grow(int parent) {
    if (rng_.below(1000) < kInternalPerMille) {
      add(child_of(parent, Op::kInternal));
      return;
    }
    const uint64_t call = rng_.below(1000);
    if (call < kVirtualPeerPerMille) {
      add(child_of(
          parent, rng_.below(1000) < kDbShareOfVirtualPerMille ? Op::kDbClient : Op::kCacheClient));
      return;
    }
    const Node& p = shape_.nodes[static_cast<size_t>(parent)];
    const auto& downstream = Catalog::reference().service(p.service).downstream;
    if (span_count_ - size() < 2 || downstream.empty() || p.level >= kMaxLevel) {
      add(child_of(parent, Op::kInternal));
      return;
    }
    const int callee = downstream[rng_.below(downstream.size())];
    const bool messaging = call < kVirtualPeerPerMille + kMessagingPerMille;

    Node out = child_of(parent, messaging ? Op::kProducer : Op::kRpcClient);
    out.peer_service = callee;
    out.endpoint = static_cast<int>(rng_.below(4));
    const int out_index = add(out);

    Node in;
    in.op = messaging ? Op::kConsumer : Op::kServer;
    in.service = callee;
    in.host = static_cast<int>(rng_.below(kHostsPerService));
    in.peer_service = out.service;
    in.level = out.level + 1;
    in.endpoint = out.endpoint;
    if (messaging) {
      in.link = out_index;
    } else {
      in.parent = out_index;
    }
    add(std::move(in));
  }

  Prng& rng_;
  const int span_count_;
  TraceShape shape_;
  std::vector<int> open_;  // nodes that may take children
};

}  // namespace

TraceShape build_shape(Prng& rng, int span_count) {
  WEFT_CHECK(span_count >= 1);
  return ShapeBuilder(rng, span_count).build();
}

}  // namespace weft::loadgen::detail
