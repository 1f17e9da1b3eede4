#pragma once
// Groups spans by resource, then by scope, for the encoders that nest them that way
// (OTLP protobuf and JSON). Internal to src/wire.
#include <vector>

#include "model/span.h"

namespace weft::wire {

using namespace weft::model;

struct ScopeGroup {
  const InstrumentationScope* scope;  // never null (an empty scope stands in for none)
  std::vector<const Span*> spans;
};

struct ResourceGroup {
  const Resource* resource;  // never null
  std::vector<ScopeGroup> scopes;
};

// Groups in order of first appearance. Two spans share a group when their resource (scope)
// pointers are equal or the pointees compare equal. The result points into `spans`, which
// must outlive it.
std::vector<ResourceGroup> group_spans(const std::vector<Span>& spans);

}  // namespace weft::wire
