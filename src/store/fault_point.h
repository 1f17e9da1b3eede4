#pragma once
// Fault points for crash tests: `WEFT_FAULT_POINT=<name>` (or `<name>:<n>`, the n-th time
// the point is reached) in the environment makes the process SIGKILL itself when it gets
// there. Names are listed in docs/format/manifest.md ("Crash points"). Costs one relaxed
// load when unset.
#include <string_view>

namespace weft::store {

void fault_point(std::string_view name);

}  // namespace weft::store
