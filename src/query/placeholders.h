#pragma once
// Log-built placeholders meeting the spans they stand for.
//
// A trace built from log lines (src/ingest/logline/) holds a *placeholder* span
// (`weft.placeholder` = true) where a line's parent line is missing: "(missing request 0.1)",
// "(missing call 0.2)". Often the span is not missing at all, only not in the log: an SDK
// exported it (the demo's inventory service logs, its callers export over OTLP), or its line
// arrived after the placeholder was stored. Both carry the same RpcId and kind. At read time
// such a placeholder gives way to the real span: its children hang on the real span and the
// placeholder is left out. Placeholders with no such span stay as they are.
#include <cstddef>

#include "model/span.h"

namespace weft::query {

using namespace weft::model;

// Re-parents the children of every placeholder whose (kind, rpc_id) a real span of the trace
// has, onto that span (the first by the trace's order), and removes those placeholders.
// Returns how many it removed. Order of the remaining spans is kept.
size_t resolve_placeholders(Trace* trace);

}  // namespace weft::query
