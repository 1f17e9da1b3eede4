#pragma once
// BlockReader: reads one block file (docs/format/block.md). open() reads and checks the
// trailer and footer and keeps them in memory (dictionaries, page directory, bloom
// filters: roughly 1 byte per span); pages are read from the file on demand with pread, one
// column at a time, and checked against their CRC.
//
// Thread-safety: every const method may be called concurrently (pread, no shared cursor).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/status.h"
#include "model/query.h"
#include "model/span.h"
#include "store/block/block_meta.h"

namespace weft::store {

using namespace weft::model;

// What a search over several sources has found so far, so a block can skip pages (and the
// caller whole blocks) that cannot improve the result. Results go to `out`.
struct BlockSearchState {
  // Newest first: once `out` holds `limit` results, a trace with an older start (or the
  // same start and a larger trace ID) than the worst result cannot get in; longest first:
  // likewise by (duration desc, trace ID asc).
  std::vector<TraceSummary> out;  // kept sorted in result order, at most `limit` entries
  size_t limit = 20;              // 0: unlimited
  // Traces not to take (they are evaluated whole elsewhere: split traces); may be null.
  const std::unordered_set<TraceId, FixedIdHash>* exclude = nullptr;
  // Adds a candidate, keeping order and the limit; a trace already held (same summary) or
  // excluded is refused. Returns false if it did not get in.
  bool offer(TraceSummary s, TraceOrder order);
  // True if a trace with this start / duration could still get in.
  bool could_take(TraceOrder order, uint64_t start, uint64_t duration) const;
};

// Per-column byte counts, for `weft inspect`.
struct BlockColumnBytes {
  std::string column;       // e.g. "span.id", "span.attr.key", "trace.id"
  uint64_t compressed = 0;  // on disk, summed over pages
  uint64_t uncompressed = 0;
};

class BlockReader {
 public:
  // Opens `path` and checks the trailer, the footer CRC and the format version. DATA_LOSS
  // for a damaged or truncated file, IO_ERROR if it cannot be read.
  static Result<std::shared_ptr<BlockReader>> open(const std::string& path);
  virtual ~BlockReader() = default;

  virtual const BlockMeta& meta() const = 0;
  virtual const std::string& path() const = 0;

  // False only if the block certainly holds no span of `id` (bloom filter).
  virtual bool may_contain(const TraceId& id) const = 0;
  // True if the block holds spans of `id`: the bloom filter, then the trace-ID index (one
  // chunk read when the bloom filter says maybe).
  virtual Result<bool> contains(const TraceId& id) const = 0;
  // Every span of trace `id` in this block, sorted by (start, span ID); nullopt if absent.
  // No time range needed: bloom filter -> the footer's directory of the trace-ID index ->
  // one index chunk (20 KB) -> one page.
  virtual Result<std::optional<Trace>> get_trace(const TraceId& id) const = 0;
  // The traces among `ids` this block holds, each as get_trace returns it, handed to
  // `fn(index into ids, trace)` in no particular order; absent ones are skipped. Reads each
  // index chunk and each page once however many of the traces it holds (analyses fetch
  // thousands of neighbours). The default asks get_trace one ID at a time.
  virtual Status get_traces(std::span<const TraceId> ids,
                            const std::function<void(size_t, Trace&&)>& fn) const;

  // Offers every trace of this block that matches `q` (model/query.h semantics, evaluated
  // on the spans this block holds) to `state`. Proves absence from the dictionaries before
  // reading anything, skips pages by their time and duration ranges and by what `state`
  // can still take, and reads only the columns the query needs.
  virtual Status search(const TraceQuery& q, BlockSearchState* state) const = 0;
  // False only if the dictionaries prove that no span of this block satisfies the query's
  // anchor (service, operation, kind) or any one of its tags; the time window, durations
  // and the need for one trace to hold all of them are not looked at. For traces split
  // across sources, whose conditions may hold on different parts.
  virtual bool may_match(const TraceQuery& q) const = 0;

  // Calls `fn` for every trace of the block in its order, ascending (trace start, trace ID),
  // spans sorted by (start, span ID), decoding one page at a time: memory is bounded by one
  // page.
  // Stops early, returning OK, when `fn` returns false.
  virtual Status scan(const std::function<bool(Trace&&)>& fn) const = 0;
  // The traces of page `page` (0 <= page < pages()), in block order, spans sorted by
  // (start, span ID): the pull form of scan(), for compaction's k-way merge of blocks.
  // The reader keeps its file descriptor open for its whole life, so a reader still works
  // after its file was unlinked (queries in flight while compaction replaces a block).
  virtual Result<std::vector<Trace>> read_page_traces(uint32_t page) const = 0;

  // Traces of this block that other sources may also hold spans of (ascending): queries
  // evaluate them as whole traces, compaction carries the list forward.
  virtual const std::vector<SplitTrace>& split_traces() const = 0;

  // Dictionaries: everything here is what some span of the block carries.
  virtual std::vector<std::string> services() const = 0;
  virtual std::vector<OperationInfo> operations(const std::string& service) const = 0;
  // Span, resource and event attribute keys.
  virtual std::vector<std::string> attribute_keys() const = 0;
  // Dictionary values of `key` (up to `limit`; raw, high-cardinality values not included).
  virtual std::vector<std::string> attribute_values(const std::string& key, size_t limit) const = 0;

  // Reads every page and checks every CRC, that each page decodes, that traces are in
  // (start, ID) order, that the trace-ID index, the bloom filters (trace IDs, each page's
  // string values and raw names), the split list and the counts agree with the pages.
  // OK, or DATA_LOSS naming the first problem.
  virtual Status verify() const = 0;

  // Sizes per column, summed over pages (inspect).
  virtual std::vector<BlockColumnBytes> column_bytes() const = 0;
  virtual uint32_t pages() const = 0;
};

}  // namespace weft::store
