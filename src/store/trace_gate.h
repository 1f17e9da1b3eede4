#pragma once
// A trace gate decides, when the head is cut into a block, which of its traces go in: the
// store's side of tail sampling (src/pipeline/sampling). The store knows nothing of
// policies; it asks the gate about each trace of a frozen head and leaves the dropped ones
// out of the block (their spans stay in the WAL until the block is durable, so a crash
// before then replays them and the gate decides again).
//
// Call order (EmbeddedStore): replayed() for every WAL record at open, before any write;
// then, per cut: head_frozen() when the head stops taking spans, fate() for its traces
// (again, for those answered kWait, until none is left), head_written() once its block is
// durable. At most one frozen head exists at a time.
//
// Thread-safety: replayed() runs on the opening thread, head_frozen() on the store's writer
// thread, fate() and head_written() on its block thread, all concurrently with ingest.
#include <cstdint>

#include "model/span.h"

namespace weft {

class TraceGate {
 public:
  enum class Fate : uint8_t {
    kKeep,  // into the block
    kDrop,  // left out: the trace is gone once the block is durable
    kWait,  // not decided yet: ask again shortly
  };
  virtual ~TraceGate() = default;

  // A batch replayed from the WAL at open: spans acknowledged before a crash whose trace
  // may still await its decision.
  virtual void replayed(const model::SpanBatch& batch) = 0;
  // The head was frozen for a cut; spans acknowledged from now on go to the next head.
  virtual void head_frozen() = 0;
  // What becomes of one trace of the frozen head. With `force` (the cut can wait no
  // longer: the store is closing, the gate's max_wait has passed, or ingest is blocked
  // behind the cut) never kWait.
  virtual Fate fate(const model::TraceId& id, bool force) = 0;
  // The frozen head's block is durable (or the frozen head held nothing to write).
  virtual void head_written() = 0;
  // How long after head_frozen() a cut may wait for traces answered kWait.
  virtual uint64_t max_wait_nanos() const = 0;
};

}  // namespace weft
