#pragma once
// Sources: one consistent view of everything the embedded store holds — the head taking
// writes, the frozen head being written into a block, and the live blocks — and the queries
// of the Store interface answered over all of them (docs/architecture.md, "Read path").
//
// A trace may be split across sources (spans that arrived after its first part was cut
// into a block, until compaction joins them): trace by ID joins the parts, each span ID
// once. The source that receives a later part marks the trace split (the head's probe at
// its first span; the block's split list once flushed), and search evaluates every split
// trace whole instead of trusting any one source's view of it: trace-level semantics hold
// whatever the split.
//
// Thread-safety: a Sources value is immutable; every function may run concurrently.
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "model/query.h"
#include "store/block_set.h"
#include "store/head/head.h"

namespace weft::store {

using namespace weft::model;

struct Sources {
  std::shared_ptr<const Head> head;    // never null
  std::shared_ptr<const Head> frozen;  // null unless a flush is under way
  BlockSet::Snapshot blocks;           // never null
};

Result<std::optional<Trace>> sources_get_trace(const Sources& s, const TraceId& id);
// sources_get_trace of each of `ids` (out[i] for ids[i]), each block page read once.
Result<std::vector<std::optional<Trace>>> sources_get_traces(const Sources& s,
                                                            const std::vector<TraceId>& ids);
Result<std::vector<TraceSummary>> sources_search(const Sources& s, const TraceQuery& q);
// False only if some condition of `q` (its anchor, or one tag) holds in no source at all,
// by the sources' dictionaries and indexes: then no trace, split or not, can match.
bool sources_may_match(const Sources& s, const TraceQuery& q);
// Trace IDs some source marks split (docs/format/block.md, "Split traces"), with the
// earliest start of a part any source lists.
std::unordered_map<TraceId, uint64_t, FixedIdHash> sources_split_traces(const Sources& s);
std::vector<std::string> sources_services(const Sources& s);
std::vector<OperationInfo> sources_operations(const Sources& s, const std::string& service);
std::vector<std::string> sources_attribute_keys(const Sources& s);
std::vector<std::string> sources_attribute_values(const Sources& s, const std::string& key,
                                                  size_t limit);

}  // namespace weft::store
