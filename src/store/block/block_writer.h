#pragma once
// BlockWriter: writes one immutable columnar block (docs/format/block.md) from whole traces
// given in ascending (trace start, trace ID) order — pages in time order, so a search for
// recent traces reads the newest pages first and stops — plus a trace-ID index for trace by
// ID. Streaming: it holds the current page's columns, the dictionaries and the index
// entries (20 bytes per trace), never the whole block, so memory stays bounded by the page
// size plus dictionaries however many traces go in (flush and compaction both rely on it).
//
// The file is written at `path` (the caller passes a temporary name and renames it after
// finish()); finish() writes the footer and fsyncs the file. A writer that is destroyed
// without finish() leaves a partial file the caller must delete.
//
// Thread-safety: none; one thread uses a writer.
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "model/span.h"
#include "store/block/block_meta.h"

namespace weft::store {

using namespace weft::model;

struct BlockWriterOptions {
  uint64_t id = 0;
  uint32_t level = 0;
  // A page is closed once it holds at least this many spans (whole traces only: a
  // 100k-span trace is one page of its own).
  uint32_t page_spans = 2048;
  int zstd_level = 3;
  // Values of one attribute slot (key and value type) kept in the block's dictionary; later
  // distinct values are stored raw, as are strings longer than 512 bytes. (Every string
  // value, coded or raw, goes into its page's value bloom filter.)
  uint32_t max_dict_values_per_key = 1024;
};

class BlockWriter {
 public:
  // Creates (truncating) the file at `path`. IO_ERROR / UNAVAILABLE (disk full) on failure.
  static Result<std::unique_ptr<BlockWriter>> create(const std::string& path,
                                                     const BlockWriterOptions& options);
  virtual ~BlockWriter() = default;

  // Adds one whole trace. REQUIRES: trace.spans non-empty, every span's trace_id ==
  // trace.trace_id, no two spans with the same span ID, (trace start, trace ID) strictly
  // ascending across calls (the start is the earliest span start); INVALID_ARGUMENT
  // otherwise (a trace ID added twice is found at finish()). Spans may come in any order;
  // the block stores them by (start, span ID).
  virtual Status add_trace(const Trace& trace) = 0;

  // Records that trace `id` (added or to be added, starting at `start`) also has spans in
  // other blocks or in the head: queries evaluate it as a whole trace (docs/format/block.md,
  // "Split traces").
  virtual void mark_split(const TraceId& id, uint64_t start) = 0;

  // Writes the last page, the footer and the trailer, fsyncs and closes the file.
  // Returns the block's meta (file_bytes set). REQUIRES: at least one trace added.
  virtual Result<BlockMeta> finish() = 0;

  // Bytes written so far (pages only), for cutting compaction output by size.
  virtual uint64_t bytes_written() const = 0;
  virtual uint64_t spans_added() const = 0;
};

}  // namespace weft::store
