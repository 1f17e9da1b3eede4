#include "ingest/validate.h"

namespace weft::ingest {

using namespace weft::model;

namespace {

size_t longest_string(const KeyValueList& attrs);

size_t longest_string(const AnyValue& v) {
  if (auto* s = v.as_string()) return s->size();
  if (auto* b = std::get_if<Bytes>(&v.v)) return b->data.size();
  size_t n = 0;
  if (auto* a = std::get_if<ArrayValue>(&v.v))
    for (const auto& e : *a) n = std::max(n, longest_string(e));
  if (auto* l = std::get_if<KeyValueList>(&v.v)) n = std::max(n, longest_string(*l));
  return n;
}

size_t longest_string(const KeyValueList& attrs) {
  size_t n = 0;
  for (const auto& kv : attrs) n = std::max({n, kv.key.size(), longest_string(kv.value)});
  return n;
}

std::string prefix(const Span& s) { return "span " + s.span_id.to_hex() + ": "; }

}  // namespace

std::optional<std::string> validate_span(const Span& span, const Limits& limits) {
  if (span.start_time_unix_nano == 0) return prefix(span) + "start_time_unix_nano is missing";
  if (span.end_time_unix_nano < span.start_time_unix_nano)
    return prefix(span) + "end_time_unix_nano is before start_time_unix_nano";
  if (span.attributes.size() > limits.max_attributes_per_span)
    return prefix(span) + "has " + std::to_string(span.attributes.size()) +
           " attributes, more than the limit of " + std::to_string(limits.max_attributes_per_span);
  if (span.events.size() > limits.max_events_per_span)
    return prefix(span) + "has " + std::to_string(span.events.size()) +
           " events, more than the limit of " + std::to_string(limits.max_events_per_span);
  if (span.links.size() > limits.max_links_per_span)
    return prefix(span) + "has " + std::to_string(span.links.size()) +
           " links, more than the limit of " + std::to_string(limits.max_links_per_span);
  size_t longest =
      std::max({span.name.size(), span.status.message.size(), longest_string(span.attributes)});
  for (const auto& e : span.events)
    longest = std::max({longest, e.name.size(), longest_string(e.attributes)});
  for (const auto& l : span.links) longest = std::max(longest, longest_string(l.attributes));
  if (longest > limits.max_string_bytes)
    return prefix(span) + "holds a string of " + std::to_string(longest) +
           " bytes, more than the limit of " + std::to_string(limits.max_string_bytes);
  return std::nullopt;
}

}  // namespace weft::ingest
