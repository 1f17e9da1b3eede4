#pragma once
// Opening a disk queue's directory (docs/format/agent-queue.md, "Recovery"): reads the
// cursor, deletes segments wholly behind it, and scans the rest to find what is still to be
// delivered. Damaged queue files never fail recovery (the queue is a buffer, and an agent
// that refuses to start loses everything that arrives after): a damaged cursor counts as
// absent (everything is delivered again), the damaged tail of the last segment is cut, a
// damaged record elsewhere ends its segment, an unreadable segment is deleted. Each is
// counted and logged.
//
// Thread-safety: runs once, before the queue's threads start.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/queue/queue_cursor.h"

namespace weft::store {

struct RecoveredQueueSegment {
  uint64_t seq = 0;
  uint64_t file_bytes = 0;       // size on disk (after a cut)
  uint64_t end = 0;              // offset just past the last good record
  uint32_t records = 0;          // good records
  uint32_t skipped = 0;          // leading records the cursor says were delivered
  uint64_t skipped_end = 0;      // offset just past them (the first record to hand out)
  uint64_t pending_entries = 0;  // records not delivered (some later records may be)
  uint64_t pending_spans = 0;
};

struct QueueRecoveryResult {
  QueueCursor cursor;  // as read (empty if absent or damaged: nothing delivered)
  std::vector<RecoveredQueueSegment> segments;  // ascending
  uint64_t max_seq = 0;  // highest segment number seen or named by the cursor
  uint64_t pending_entries = 0;
  uint64_t corrupt = 0;  // damaged cursor, tails, records, segments
};

// `log` gets one line per problem ("queue: ..."). Fails only if the directory cannot be
// listed.
Result<QueueRecoveryResult> recover_queue(const std::string& dir,
                                          const std::function<void(const std::string&)>& log);

}  // namespace weft::store
