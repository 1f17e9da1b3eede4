#include "analysis/rpcid_gaps.h"

#include <algorithm>
#include <map>
#include <string_view>

#include "model/rpc_id_order.h"

namespace weft::query::analysis {

namespace {

bool is_placeholder(const model::Span& s) {
  const model::AnyValue* v = model::find_attribute(s.attributes, "weft.placeholder");
  return v && v->as_bool() && *v->as_bool();
}

struct RpcIdLess {
  bool operator()(std::string_view a, std::string_view b) const {
    return model::compare_rpc_ids(a, b) < 0;
  }
};

}  // namespace

RpcIdCompleteness rpcid_completeness(const model::Trace& trace) {
  RpcIdCompleteness out;
  // Per parent: the numbers of lines present, and the largest number seen (placeholders
  // included: a placeholder's number was made, its line is what is missing).
  struct Calls {
    std::vector<uint32_t> numbers;
    uint32_t largest = 0;
  };
  std::map<std::string_view, Calls, RpcIdLess> children;
  for (const model::Span& s : trace.spans) {
    if (s.rpc_id.empty()) continue;
    out.log_built = true;
    std::string_view parent;
    uint32_t last = 0;
    if (!model::split_rpc_id(s.rpc_id, &parent, &last)) continue;
    Calls& calls = children[parent];
    calls.largest = std::max(calls.largest, last);
    if (!is_placeholder(s)) calls.numbers.push_back(last);
  }
  for (auto& [parent, calls] : children) {
    std::vector<uint32_t>& numbers = calls.numbers;
    std::sort(numbers.begin(), numbers.end());
    numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
    const uint32_t largest = calls.largest;
    const uint64_t from_one =
        !numbers.empty() && numbers.front() == 0 ? numbers.size() - 1 : numbers.size();
    const uint64_t missing = largest - from_one;
    if (missing == 0) continue;
    RpcIdGap gap;
    gap.parent_rpc_id = std::string(parent);
    gap.present = numbers;
    gap.missing_count = missing;
    size_t next = 0;
    for (uint32_t k = 1; k <= largest && gap.missing.size() < kMaxListedMissing; ++k) {
      while (next < numbers.size() && numbers[next] < k) ++next;
      if (next < numbers.size() && numbers[next] == k) continue;
      gap.missing.push_back(k);
    }
    out.missing_count += missing;
    out.parents.push_back(std::move(gap));
  }
  return out;
}

}  // namespace weft::query::analysis
