#include "graph/half_span.h"

#include <algorithm>
#include <string_view>

#include "graph/peer_node.h"

namespace weft::pipeline::graph {

using namespace weft::model;

namespace {

// Interns a batch's names: few and repeated (one service per resource, a handful of peers),
// so a look at the last few is cheaper than hashing. Only the last kLookBack are compared,
// so a batch of many distinct peers costs linear time (a name may then be stored twice,
// which is harmless).
class BatchNames {
 public:
  static constexpr size_t kLookBack = 8;
  explicit BatchNames(std::vector<std::string>& names) : names_(names) {}
  uint32_t add(std::string_view s) {
    const size_t stop = names_.size() > kLookBack ? names_.size() - kLookBack : 0;
    for (size_t i = names_.size(); i-- > stop;)
      if (names_[i] == s) return static_cast<uint32_t>(i);
    names_.emplace_back(s);
    return static_cast<uint32_t>(names_.size() - 1);
  }

 private:
  std::vector<std::string>& names_;
};

}  // namespace

HalfBatch collect_halves(const SpanBatch& batch, const CollectOptions& options) {
  HalfBatch out;
  BatchNames names(out.names);
  const Resource* last_resource = nullptr;
  uint32_t last_service = kNoName;
  for (const Span& s : batch.spans) {
    Side side;
    bool messaging = false;
    switch (s.kind) {
      case SpanKind::kProducer:
        messaging = true;
        [[fallthrough]];
      case SpanKind::kClient:
        side = Side::kClient;
        break;
      case SpanKind::kConsumer:
        messaging = true;
        [[fallthrough]];
      case SpanKind::kServer:
        side = Side::kServer;
        break;
      default:
        continue;
    }
    if (side == Side::kServer && s.is_root()) {
      if (options.user_client_for_roots && s.kind == SpanKind::kServer) {
        EdgeSample e;
        e.client = kUserClient;
        e.server = s.service_name();
        e.end_unix_nano = s.end_time_unix_nano;
        e.duration_nanos = s.duration_nanos();
        e.error = s.is_error();
        out.user_edges.push_back(std::move(e));
      }
      continue;
    }
    // Spans of one ResourceSpans share their resource: look the service up once per run.
    if (s.resource.get() != last_resource || last_service == kNoName) {
      last_resource = s.resource.get();
      last_service = names.add(s.service_name());
    }
    HalfSpan h;
    h.key.trace_id = s.trace_id;
    h.key.span_id = side == Side::kClient ? s.span_id : s.parent_span_id;
    h.end_unix_nano = s.end_time_unix_nano;
    h.duration_nanos = s.duration_nanos();
    h.service = last_service;
    h.side = side;
    h.error = s.is_error();
    h.messaging = messaging;
    h.shard = shard_of(h.key, options.shards);
    if (side == Side::kClient) {
      if (auto peer = peer_node_of(s.attributes)) {
        h.peer = names.add(peer->name);
        h.peer_kind = peer->kind;
      }
    }
    out.halves.push_back(h);
  }
  std::stable_sort(out.halves.begin(), out.halves.end(),
                   [](const HalfSpan& a, const HalfSpan& b) { return a.shard < b.shard; });
  return out;
}

}  // namespace weft::pipeline::graph
