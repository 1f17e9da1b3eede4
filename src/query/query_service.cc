#include "query/query_service.h"

#include <algorithm>
#include <set>

#include "model/rpc_id_order.h"
#include "query/placeholders.h"

namespace weft::query {

using namespace weft::model;

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool has_key(const KeyValueList& attrs, std::string_view key) {
  return find_attribute(attrs, key) != nullptr;
}

bool passes(const Trace& trace, const SearchFilter& filter) {
  for (const std::string& key : filter.keys)
    if (!trace_has_key(trace, key)) return false;
  return true;
}

// How many store results to examine when a second-pass filter may reject some.
constexpr size_t kFilterScanMultiplier = 10;
constexpr size_t kFilterScanMin = 1000;

}  // namespace

bool trace_has_key(const Trace& trace, std::string_view key) {
  for (const Span& span : trace.spans) {
    if (key == "error" && span.is_error()) return true;
    if (has_key(span.attributes, key)) return true;
    if (span.resource && has_key(span.resource->attributes, key)) return true;
    for (const SpanEvent& e : span.events)
      if (e.name == key || has_key(e.attributes, key)) return true;
  }
  return false;
}

void sort_spans(Trace* trace) {
  // Spans starting together are ordered by RpcId where they have one (log lines with
  // whole-second timestamps: the counter knows the order, the clock does not), the rest
  // after them by span ID.
  auto before = [](const Span& a, const Span& b) {
    if (a.start_time_unix_nano != b.start_time_unix_nano)
      return a.start_time_unix_nano < b.start_time_unix_nano;
    if (a.rpc_id.empty() != b.rpc_id.empty()) return !a.rpc_id.empty();
    if (!a.rpc_id.empty()) {
      if (int c = compare_rpc_ids(a.rpc_id, b.rpc_id); c != 0) return c < 0;
    }
    return a.span_id < b.span_id;
  };
  // Checking first is cheap: sorting 100k spans by value when they are in order already
  // cost a sixth of a big trace's fetch.
  if (!std::is_sorted(trace->spans.begin(), trace->spans.end(), before))
    std::stable_sort(trace->spans.begin(), trace->spans.end(), before);
}

namespace {

// A trace as fetched, as the query layer returns it: log-built placeholders give way to the
// spans they stand for (placeholders.h), spans in sort_spans order. False if nothing is left.
bool settle(Trace* trace) {
  resolve_placeholders(trace);
  sort_spans(trace);
  return !trace->spans.empty();
}

}  // namespace

QueryService::QueryService(Store& store, const Clock& clock, DependencySource dependencies)
    : store_(store), clock_(clock), dependencies_(std::move(dependencies)) {}

Result<std::optional<Trace>> QueryService::get_trace(const TraceId& id) {
  WEFT_ASSIGN_OR_RETURN(std::optional<Trace> trace, store_.get_trace(id));
  if (trace && !settle(&*trace)) trace.reset();
  return trace;
}

Result<std::vector<Trace>> QueryService::get_traces(const std::vector<TraceId>& ids) {
  WEFT_ASSIGN_OR_RETURN(std::vector<std::optional<Trace>> found, store_.get_traces(ids));
  std::vector<Trace> out;
  out.reserve(found.size());
  for (std::optional<Trace>& trace : found)
    if (trace && settle(&*trace)) out.push_back(std::move(*trace));
  return out;
}

Result<std::vector<TraceSummary>> QueryService::search(const TraceQuery& query,
                                                       const SearchFilter& filter) {
  if (filter.empty()) return store_.search(query);
  WEFT_ASSIGN_OR_RETURN(TraceSearchResult r, search_traces(query, filter));
  return std::move(r.summaries);
}

Result<TraceSearchResult> QueryService::search_traces(const TraceQuery& query,
                                                      const SearchFilter& filter) {
  TraceQuery pushed = query;
  if (!filter.empty()) pushed.limit = std::max(kFilterScanMin, query.limit * kFilterScanMultiplier);
  WEFT_ASSIGN_OR_RETURN(std::vector<TraceSummary> summaries, store_.search(pushed));
  TraceSearchResult out;
  if (filter.empty()) {
    // Fetched together: each block page read once for all the traces it holds.
    std::vector<TraceId> ids;
    ids.reserve(summaries.size());
    for (const TraceSummary& s : summaries) ids.push_back(s.trace_id);
    WEFT_ASSIGN_OR_RETURN(std::vector<std::optional<Trace>> found, store_.get_traces(ids));
    for (size_t i = 0; i < found.size(); ++i) {
      // Absent: dropped by retention since the search.
      if (!found[i] || !settle(&*found[i])) continue;
      out.summaries.push_back(std::move(summaries[i]));
      out.traces.push_back(std::move(*found[i]));
    }
    return out;
  }
  // The store returns summaries in the requested order; keeping the first `limit` that
  // pass preserves "top N".
  for (TraceSummary& s : summaries) {
    if (out.traces.size() >= query.limit) break;
    WEFT_ASSIGN_OR_RETURN(std::optional<Trace> trace, get_trace(s.trace_id));
    if (!trace || !passes(*trace, filter)) continue;
    out.summaries.push_back(std::move(s));
    out.traces.push_back(std::move(*trace));
  }
  return out;
}

Result<std::vector<std::string>> QueryService::services() { return store_.services(); }

Result<std::vector<OperationInfo>> QueryService::operations(const std::string& service,
                                                            std::optional<SpanKind> kind) {
  WEFT_ASSIGN_OR_RETURN(std::vector<OperationInfo> ops, store_.operations(service));
  if (kind) std::erase_if(ops, [&](const OperationInfo& op) { return op.kind != *kind; });
  std::sort(ops.begin(), ops.end());
  return ops;
}

Result<std::string> QueryService::resolve_service(std::string_view name) {
  WEFT_ASSIGN_OR_RETURN(std::vector<std::string> all, store_.services());
  for (const std::string& s : all)
    if (s == name) return s;
  for (const std::string& s : all)
    if (iequals(s, name)) return s;
  return std::string(name);
}

Result<std::string> QueryService::resolve_operation(const std::string& service,
                                                    std::string_view name) {
  WEFT_ASSIGN_OR_RETURN(std::vector<OperationInfo> ops, store_.operations(service));
  for (const OperationInfo& op : ops)
    if (op.name == name) return op.name;
  for (const OperationInfo& op : ops)
    if (iequals(op.name, name)) return op.name;
  return std::string(name);
}

Result<std::vector<DependencyLink>> QueryService::dependencies(uint64_t start_unix_nano,
                                                               uint64_t end_unix_nano) {
  if (!dependencies_)
    return unavailable(
        "the service graph is off: weft serve keeps it with its RED metrics (--red-metrics)");
  WEFT_ASSIGN_OR_RETURN(std::vector<DependencyLink> links,
                        dependencies_(start_unix_nano, end_unix_nano));
  std::sort(links.begin(), links.end(), [](const DependencyLink& a, const DependencyLink& b) {
    return std::tie(a.parent, a.child) < std::tie(b.parent, b.child);
  });
  return links;
}

Result<std::vector<std::string>> QueryService::attribute_keys() { return store_.attribute_keys(); }

Result<std::vector<std::string>> QueryService::attribute_values(const std::string& key,
                                                                size_t limit) {
  return store_.attribute_values(key, limit);
}

Result<std::vector<std::string>> QueryService::remote_services(const std::string& service,
                                                               uint64_t start_unix_nano,
                                                               uint64_t end_unix_nano) {
  TraceQuery q;
  q.service = service;
  q.start_unix_nano = start_unix_nano;
  q.end_unix_nano = end_unix_nano;
  q.limit = kRemoteServiceSample;
  WEFT_ASSIGN_OR_RETURN(TraceSearchResult r, search_traces(q));
  std::set<std::string> names;
  for (const Trace& t : r.traces) {
    for (const Span& span : t.spans) {
      if (span.service_name() != service) continue;
      const AnyValue* peer = find_attribute(span.attributes, "peer.service");
      if (peer && peer->as_string() && !peer->as_string()->empty())
        names.insert(*peer->as_string());
    }
  }
  return std::vector<std::string>(names.begin(), names.end());
}

}  // namespace weft::query
