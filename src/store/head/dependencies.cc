// Head::dependencies: service-to-service calls of the traces starting in [start, end].
//
// A span whose parent span (in the same trace) belongs to another service is one call
// parent-service -> child-service, and one error if the child span is an error.
// A CLIENT span no span of the trace names as parent (a call to something uninstrumented)
// is one call to a virtual node named by its first attribute of peer.service, db.system,
// net.peer.name (in that order) — unless that names its own service.
#include <algorithm>
#include <map>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "store/head/head.h"

namespace weft::store {

using namespace weft::model;

namespace {

constexpr std::string_view kVirtualPeerKeys[] = {"peer.service", "db.system", "net.peer.name"};

}  // namespace

std::vector<DependencyLink> Head::dependencies(uint64_t start, uint64_t end) const {
  std::map<std::pair<std::string, std::string>, DependencyLink> links;
  auto count = [&](std::string_view parent, std::string_view child, bool error) {
    auto& l = links[{std::string(parent), std::string(child)}];
    ++l.call_count;
    if (error) ++l.error_count;
  };
  if (start > end) return {};
  std::shared_lock lock(mu_);
  std::unordered_map<SpanId, const Span*, FixedIdHash> by_id;
  std::unordered_set<SpanId, FixedIdHash> parents;
  index_.all_traces().newest_first(start, end, [&](const TimeKey& k) {
    const TraceEntry& t = *k.entry;
    const std::vector<Span> spans = t.decode(tables_);
    by_id.clear();
    parents.clear();
    for (const Span& s : spans) {
      by_id.emplace(s.span_id, &s);
      if (!s.is_root()) parents.insert(s.parent_span_id);
    }
    for (const Span& s : spans) {
      std::string_view svc = s.service_name();
      if (!s.is_root()) {
        auto p = by_id.find(s.parent_span_id);
        if (p != by_id.end()) {
          std::string_view parent_svc = p->second->service_name();
          if (parent_svc != svc) count(parent_svc, svc, s.is_error());
        }
      }
      if (s.kind == SpanKind::kClient && !parents.contains(s.span_id)) {
        for (std::string_view key : kVirtualPeerKeys) {
          const AnyValue* v = find_attribute(s.attributes, key);
          if (!v || v->is_empty()) continue;
          std::string peer = v->to_string();
          if (!peer.empty() && peer != svc) count(svc, peer, s.is_error());
          break;
        }
      }
    }
    return true;
  });
  std::vector<DependencyLink> out;
  out.reserve(links.size());
  for (auto& [key, l] : links) {
    l.parent = key.first;
    l.child = key.second;
    out.push_back(std::move(l));
  }
  return out;
}

}  // namespace weft::store
