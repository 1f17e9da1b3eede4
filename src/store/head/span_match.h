#pragma once
// The span-level predicates of a trace search (model/query.h), one place for all of them.
#include <cstdint>
#include <string_view>
#include <vector>

#include "model/query.h"
#include "model/span.h"

namespace weft::store {

using namespace weft::model;

// The tags that match span fields rather than attributes.
bool is_pseudo_tag(std::string_view key);

// True if `value` names `code` as the status.code pseudo-tag does: unset, ok or error, in
// any case.
bool status_code_matches(std::string_view value, SpanStatusCode code);

// True if `span` carries `key`=`value`: as a span, resource or event attribute whose
// to_string() equals `value`, or as a pseudo-tag: error=true (status ERROR),
// span.kind=<kind name, any case>, status.code=<unset|ok|error, any case>.
bool span_has_tag(const Span& span, std::string_view key, std::string_view value);

// True if `span` can be the anchor of `q`: its service, name and kind match those the
// query names, and, if q.duration_of_span, its duration lies within q's bounds.
bool span_is_anchor(const Span& span, const TraceQuery& q);

// True if the query constrains an anchor span at all.
bool query_has_anchor(const TraceQuery& q);

// The trace-level conditions of `q` other than its time window, on the spans of one trace
// whose duration is `trace_duration`: the duration bounds (unless q.duration_of_span), an
// anchor span, and every tag on some span.
bool spans_match(const std::vector<Span>& spans, uint64_t trace_duration, const TraceQuery& q);

}  // namespace weft::store
