#include "wire/span_grouping.h"

namespace weft::wire {

using namespace weft::model;

namespace {
const Resource kEmptyResource;
const InstrumentationScope kEmptyScope;

template <typename T>
bool same(const T* a, const T* b) {
  return a == b || *a == *b;
}
}  // namespace

std::vector<ResourceGroup> group_spans(const std::vector<Span>& spans) {
  std::vector<ResourceGroup> groups;
  // Spans usually arrive grouped already: remember the last hit before searching.
  size_t last_r = 0, last_s = 0;
  for (const Span& span : spans) {
    const Resource* res = span.resource ? span.resource.get() : &kEmptyResource;
    const InstrumentationScope* sc = span.scope ? span.scope.get() : &kEmptyScope;
    size_t ri = groups.size();
    if (!groups.empty() && same(groups[last_r].resource, res)) {
      ri = last_r;
    } else {
      for (size_t i = 0; i < groups.size(); ++i)
        if (same(groups[i].resource, res)) {
          ri = i;
          break;
        }
    }
    if (ri == groups.size()) groups.push_back({res, {}});
    auto& scopes = groups[ri].scopes;
    size_t si = scopes.size();
    if (ri == last_r && last_s < scopes.size() && same(scopes[last_s].scope, sc)) {
      si = last_s;
    } else {
      for (size_t i = 0; i < scopes.size(); ++i)
        if (same(scopes[i].scope, sc)) {
          si = i;
          break;
        }
    }
    if (si == scopes.size()) scopes.push_back({sc, {}});
    scopes[si].spans.push_back(&span);
    last_r = ri;
    last_s = si;
  }
  return groups;
}

}  // namespace weft::wire
