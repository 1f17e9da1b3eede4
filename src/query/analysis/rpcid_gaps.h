#pragma once
// RpcId completeness of a log-built trace: per parent RpcId, which call numbers its
// children carry and which are missing. The counter numbers every call, so "0.1.3" present
// means "0.1.1" and "0.1.2" were made too (../shared/LOGFORMAT.md); a missing number is a
// log line that never arrived (a lost file, a service that does not log, sampling).
//
// A placeholder span (`weft.placeholder` = true: made at ingest for a line whose parent
// line is missing) does not count as present — its line is what is missing.
#include <cstdint>
#include <string>
#include <vector>

#include "model/span.h"

namespace weft::query::analysis {

struct RpcIdGap {
  std::string parent_rpc_id;
  std::vector<uint32_t> present;  // ascending, distinct
  std::vector<uint32_t> missing;  // ascending; at most kMaxListedMissing
  uint64_t missing_count = 0;     // all missing numbers, listed or not
};

struct RpcIdCompleteness {
  bool log_built = false;        // some span carries an RpcId
  std::vector<RpcIdGap> parents;  // only parents with a gap, in RpcId order
  uint64_t missing_count = 0;     // over all parents
};

// A counter that jumped to 999999999 would list a billion numbers: each parent lists this
// many at most (missing_count stays exact).
inline constexpr size_t kMaxListedMissing = 1000;

// Numbers run from 1 to the largest present; 0 counts as present when it occurs (an entry
// service may number from 0) and is never missing.
RpcIdCompleteness rpcid_completeness(const model::Trace& trace);

}  // namespace weft::query::analysis
