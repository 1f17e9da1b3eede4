#include "api/dependency_source.h"

#include <map>
#include <utility>

namespace weft::api {

using namespace weft::model;

query::DependencySource make_dependency_source(const pipeline::metrics::MetricsStore& store) {
  return [&store](uint64_t start, uint64_t end) -> Result<std::vector<DependencyLink>> {
    // edges() covers [start, end); the API's ranges are inclusive of their end.
    const uint64_t end_exclusive = end == UINT64_MAX ? end : end + 1;
    std::map<std::pair<std::string, std::string>, DependencyLink> merged;
    for (const auto& e : store.edges(start, end_exclusive)) {
      DependencyLink& l = merged[{e.key.client(), e.key.server()}];
      l.parent = e.key.client();
      l.child = e.key.server();
      l.call_count += e.calls;
      l.error_count += e.errors;
      l.child_kind = pipeline::peer_kind_name(e.key.server_kind());
      l.virtual_child = l.virtual_child || e.key.virtual_server();
    }
    std::vector<DependencyLink> links;
    links.reserve(merged.size());
    for (auto& [key, link] : merged) links.push_back(std::move(link));
    return links;
  };
}

}  // namespace weft::api
