#pragma once
// Replays the WAL at open (docs/format/wal.md, "Recovery").
//
// Segments are read in ascending order. In the LAST segment, a torn or corrupt tail is cut
// off at the last good record (the file is truncated; the process crashed mid-write). In
// any other segment, a damaged record ends that segment: the rest of it is skipped and
// recovery goes on with the next one. A record whose checksum holds but whose payload does
// not decode is skipped alone. Each of these counts as one corruption and logs one line to
// stderr. A segment of an unknown format version fails recovery: it was written by a newer
// weft, and skipping it would lose acknowledged data.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/span.h"

namespace weft::store {

using namespace weft::model;

struct WalRecoveryResult {
  std::vector<uint64_t> segments;  // every segment found, ascending (incl. damaged ones)
  uint64_t records = 0;            // records replayed
  uint64_t spans = 0;
  uint64_t corruptions = 0;      // damaged tails, segments and records dropped
  uint64_t truncated_bytes = 0;  // cut from the tail of the last segment
};

// Calls `apply(segment_seq, batch)` for every good record, in log order, on this thread.
Result<WalRecoveryResult> recover_wal(const std::string& wal_dir,
                                      const std::function<void(uint64_t, SpanBatch&&)>& apply);

}  // namespace weft::store
