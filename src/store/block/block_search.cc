// BlockReader::search and BlockSearchState.
//
// search: (1) prove from the footer that nothing can match (time range, what the state
// can still take, operations set, attribute dictionaries);
// (2) visit pages in the order of the result (newest / longest first) and skip those
// whose ranges cannot match or improve the result; (3) read the trace column and keep the
// traces in the window and duration bounds the state can take; (4) only then read the
// span column (and attr / event columns if a tag needs them) and evaluate the query on
// dictionary codes.
#include <algorithm>
#include <charconv>

#include "store/block/block_reader_impl.h"
#include "store/block/bloom_filter.h"
#include "store/head/span_match.h"

namespace weft::store {

using namespace weft::model;

namespace {

bool before(const TraceSummary& a, const TraceSummary& b, TraceOrder order) {
  if (order == TraceOrder::kNewestFirst) {
    if (a.start_unix_nano != b.start_unix_nano) return a.start_unix_nano > b.start_unix_nano;
  } else {
    if (a.duration_nanos() != b.duration_nanos()) return a.duration_nanos() > b.duration_nanos();
  }
  return a.trace_id < b.trace_id;
}

}  // namespace

bool BlockSearchState::offer(TraceSummary s, TraceOrder order) {
  if (exclude && exclude->contains(s.trace_id)) return false;
  if (limit != 0 && out.size() >= limit && !before(s, out.back(), order)) return false;
  auto it = std::upper_bound(out.begin(), out.end(), s,
                             [order](const auto& a, const auto& b) { return before(a, b, order); });
  // The same trace from two sources (a frozen head and the block just written from it)
  // sorts next to itself: keep it once.
  if (it != out.begin() && std::prev(it)->trace_id == s.trace_id) return false;
  out.insert(it, std::move(s));
  if (limit != 0 && out.size() > limit) out.pop_back();
  return true;
}

bool BlockSearchState::could_take(TraceOrder order, uint64_t start, uint64_t duration) const {
  if (limit == 0 || out.size() < limit) return true;
  const TraceSummary& worst = out.back();
  if (order == TraceOrder::kNewestFirst) return start >= worst.start_unix_nano;
  return duration >= worst.duration_nanos();
}

namespace block {
namespace {

// How one slot can match a tag value.
struct SlotMatcher {
  uint32_t slot = 0;
  uint8_t type = 0;
  uint32_t code = kNoCode;  // string: the value's dictionary code
  bool raw = false;         // string: the value may be stored raw
  int64_t i = 0;            // int / bool
};

struct TagPlan {
  const TagCondition* tag = nullptr;
  bool pseudo = false;
  std::optional<SpanKind> pseudo_kind;  // span.kind=<kind>
  std::vector<bool> resource_match;     // by resource code
  bool any_resource = false;
  std::vector<SlotMatcher> span;   // matchers by span slot
  std::vector<SlotMatcher> event;  // matchers by event slot
};

// Builds the matchers of `key`=`value` for `slots`; drops slots that cannot match.
void plan_slots(const std::vector<uint32_t>* by_key, const std::vector<SlotEntry>& slots,
                const TagCondition& tag, std::vector<SlotMatcher>* out) {
  if (!by_key) return;
  const std::string& v = tag.value;
  for (uint32_t s : *by_key) {
    const SlotEntry& se = slots[s];
    SlotMatcher m;
    m.slot = s;
    m.type = se.type;
    switch (se.type) {
      case kTypeEmpty:
        if (!v.empty()) continue;
        break;
      case kTypeString: {
        auto it = std::find(se.values.begin(), se.values.end(), v);
        if (it != se.values.end()) m.code = static_cast<uint32_t>(it - se.values.begin());
        m.raw = se.overflowed;  // pages prove absence with their value blooms
        if (m.code == kNoCode && !m.raw) continue;
        break;
      }
      case kTypeBool:
        if (v != "true" && v != "false") continue;
        m.i = v == "true";
        break;
      case kTypeInt: {
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), m.i);
        if (ec != std::errc() || p != v.data() + v.size() || std::to_string(m.i) != v) continue;
        break;
      }
      case kTypeDouble: {
        double d;
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
        if (ec != std::errc() || p != v.data() + v.size()) continue;
        break;
      }
      default:  // bytes, arrays, lists: compared on their to_string()
        break;
    }
    out->push_back(m);
  }
}

bool slot_matches(const SlotMatcher& m, const std::vector<SlotEntry>& slots, const DecodedAttrs& a,
                  const DecodedAttr& x, std::string_view value) {
  switch (m.type) {
    case kTypeEmpty:
      return true;
    case kTypeString:
      return x.code == kNoCode ? m.raw && x.raw == value : x.code == m.code;
    case kTypeBool:
    case kTypeInt:
      return x.i == m.i;
    default:
      return attr_value(slots, a, x).to_string() == value;
  }
}

}  // namespace

bool BlockReaderImpl::may_match(const TraceQuery& q) const {
  if (!q.service.empty() || !q.operation.empty() || q.span_kind) {
    const uint32_t svc = q.service.empty() ? kNoCode : find_service(q.service);
    if (!q.service.empty() && svc == kNoCode) return false;
    const uint32_t name = q.operation.empty() ? kNoCode : find_span_name(q.operation);
    const int kind = q.span_kind ? static_cast<int>(*q.span_kind) : -1;
    bool possible = false;
    if (name != kNoCode || q.operation.empty())
      for (const OperationEntry& op : f_.operations)
        possible |= (svc == kNoCode || op.service == svc) && (name == kNoCode || op.name == name) &&
                    (kind < 0 || op.kind == kind);
    if (!possible && (name == kNoCode))
      for (const RawNameEntry& op : f_.raw_name_operations)
        possible |= (svc == kNoCode || op.service == svc) && (kind < 0 || op.kind == kind);
    if (!possible) return false;
  }
  for (const TagCondition& tag : q.tags) {
    if (is_pseudo_tag(tag.key)) continue;
    bool possible = false;
    if (auto it = resources_by_key_.find(tag.key); it != resources_by_key_.end())
      for (uint32_t r : it->second)
        for (const KeyValue& kv : f_.resources[r - 1]->attributes)
          possible |=
              kv.key == tag.key && (kv.value.as_string() ? *kv.value.as_string() == tag.value
                                                         : kv.value.to_string() == tag.value);
    std::vector<SlotMatcher> matchers;
    if (auto it = span_slots_by_key_.find(tag.key); it != span_slots_by_key_.end())
      plan_slots(&it->second, f_.span_slots, tag, &matchers);
    if (auto it = event_slots_by_key_.find(tag.key); it != event_slots_by_key_.end())
      plan_slots(&it->second, f_.event_slots, tag, &matchers);
    if (!possible && matchers.empty()) return false;
  }
  return true;
}

Status BlockReaderImpl::search(const TraceQuery& q, BlockSearchState* state) const {
  const BlockMeta& m = f_.meta;
  if (q.start_unix_nano > q.end_unix_nano) return Status::ok();
  if (q.min_duration_nanos && q.max_duration_nanos && *q.min_duration_nanos > *q.max_duration_nanos)
    return Status::ok();
  if (m.max_start < q.start_unix_nano || m.min_start > q.end_unix_nano) return Status::ok();
  const TraceOrder order = q.order;
  if (!state->could_take(order, std::min(m.max_start, q.end_unix_nano), max_duration_))
    return Status::ok();
  if (!q.duration_of_span) {
    if (q.min_duration_nanos && max_duration_ < *q.min_duration_nanos) return Status::ok();
  }

  // The anchor, on codes.
  const bool anchor = query_has_anchor(q);
  uint32_t svc = kNoCode, name = kNoCode;
  bool raw_name = false;
  if (!q.service.empty() && (svc = find_service(q.service)) == kNoCode) return Status::ok();
  if (!q.operation.empty()) {
    name = find_span_name(q.operation);
    raw_name = name == kNoCode;  // only pages whose value bloom may hold it are read
  }
  const int kind = q.span_kind ? static_cast<int>(*q.span_kind) : -1;
  if (!q.service.empty() || !q.operation.empty() || q.span_kind) {
    bool possible = false;
    if (name != kNoCode || q.operation.empty())
      for (const OperationEntry& op : f_.operations)
        if ((svc == kNoCode || op.service == svc) && (name == kNoCode || op.name == name) &&
            (kind < 0 || op.kind == kind)) {
          possible = true;
          break;
        }
    if (!possible && (raw_name || q.operation.empty()))
      for (const RawNameEntry& op : f_.raw_name_operations)
        if ((svc == kNoCode || op.service == svc) && (kind < 0 || op.kind == kind)) {
          possible = true;
          break;
        }
    if (!possible) return Status::ok();
  }

  // Values a matching page must hold (its value bloom tells): an operation that is not in
  // the name dictionary, tags that can only match a string attribute.
  std::vector<uint64_t> raw_page_keys;
  if (raw_name) raw_page_keys.push_back(hash_key_value(kSpanNameBloomKey, q.operation));

  // Tags.
  std::vector<TagPlan> tags(q.tags.size());
  bool need_attr = false, need_event = false;
  for (size_t k = 0; k < q.tags.size(); ++k) {
    TagPlan& t = tags[k];
    const TagCondition& tag = q.tags[k];
    t.tag = &tag;
    t.pseudo = is_pseudo_tag(tag.key);
    if (tag.key == "span.kind") {
      SpanKind sk;
      if (parse_span_kind(tag.value, &sk)) t.pseudo_kind = sk;
    }
    t.resource_match.assign(f_.resources.size() + 1, false);
    if (auto it = resources_by_key_.find(tag.key); it != resources_by_key_.end())
      for (uint32_t r : it->second)
        for (const KeyValue& kv : f_.resources[r - 1]->attributes)
          if (kv.key == tag.key && (kv.value.as_string() ? *kv.value.as_string() == tag.value
                                                         : kv.value.to_string() == tag.value)) {
            t.resource_match[r] = true;
            t.any_resource = true;
          }
    auto sit = span_slots_by_key_.find(tag.key);
    plan_slots(sit == span_slots_by_key_.end() ? nullptr : &sit->second, f_.span_slots, tag,
               &t.span);
    auto eit = event_slots_by_key_.find(tag.key);
    plan_slots(eit == event_slots_by_key_.end() ? nullptr : &eit->second, f_.event_slots, tag,
               &t.event);
    if (!t.pseudo && !t.any_resource && t.span.empty() && t.event.empty()) return Status::ok();
    // Matchable only as a string attribute: a page whose value bloom lacks it cannot match.
    bool string_only = !t.pseudo && !t.any_resource;
    for (const auto* ms : {&t.span, &t.event})
      for (const SlotMatcher& m : *ms) string_only &= m.type == kTypeString;
    if (string_only) raw_page_keys.push_back(hash_key_value(tag.key, tag.value));
    need_attr |= !t.span.empty();
    need_event |= !t.event.empty();
  }
  std::vector<bool> anchor_resource;
  if (svc != kNoCode) {
    anchor_resource.resize(service_of_resource_.size());
    for (size_t r = 0; r < service_of_resource_.size(); ++r)
      anchor_resource[r] = service_of_resource_[r] == svc;
  }

  // Pages in result order.
  std::vector<uint32_t> pages;
  for (uint32_t p = 0; p < f_.pages.size(); ++p) {
    const PageEntry& pe = f_.pages[p];
    if (pe.max_start < q.start_unix_nano || pe.min_start > q.end_unix_nano) continue;
    if (!q.duration_of_span && ((q.min_duration_nanos && pe.max_duration < *q.min_duration_nanos) ||
                                (q.max_duration_nanos && pe.min_duration > *q.max_duration_nanos)))
      continue;
    bool may_hold = true;
    for (uint64_t h : raw_page_keys) may_hold &= pe.raw_bloom.may_contain(h);
    if (!may_hold) continue;
    pages.push_back(p);
  }
  auto best_start = [&](const PageEntry& pe) { return std::min(pe.max_start, q.end_unix_nano); };
  std::sort(pages.begin(), pages.end(), [&](uint32_t a, uint32_t b) {
    const PageEntry &pa = f_.pages[a], &pb = f_.pages[b];
    if (order == TraceOrder::kNewestFirst) return best_start(pa) > best_start(pb);
    return pa.max_duration > pb.max_duration;
  });

  // The attribute slots the tags look at; only those are decoded.
  std::vector<bool> wanted_slots(f_.span_slots.size(), false);
  for (const TagPlan& t : tags)
    for (const SlotMatcher& m : t.span) wanted_slots[m.slot] = true;
  SearchColumns search_columns;
  search_columns.times = q.duration_of_span;
  if (need_attr) search_columns.attr_slots = &wanted_slots;

  std::vector<uint32_t> candidates;
  std::vector<uint32_t> service_counts(services_ext_.size(), 0);
  for (uint32_t p : pages) {
    const PageEntry& pe = f_.pages[p];
    // Later pages are no better: stop.
    if (!state->could_take(order, best_start(pe), pe.max_duration)) break;
    PageData d;
    WEFT_RETURN_IF_ERROR(load(p, kColTrace, &d));
    candidates.clear();
    for (uint32_t t = 0; t < d.traces(); ++t) {
      const uint64_t st = d.trace_start[t], du = d.trace_duration[t];
      if (st < q.start_unix_nano || st > q.end_unix_nano) continue;
      if (!q.duration_of_span && ((q.min_duration_nanos && du < *q.min_duration_nanos) ||
                                  (q.max_duration_nanos && du > *q.max_duration_nanos)))
        continue;
      if (!state->could_take(order, st, du)) continue;
      candidates.push_back(t);
    }
    if (candidates.empty()) continue;
    WEFT_RETURN_IF_ERROR(load_for_search(fd_, path_, f_, pe, p, search_columns, &d));
    if (need_event) WEFT_RETURN_IF_ERROR(load(p, kColEvent, &d));

    auto is_anchor = [&](uint32_t i) {
      if (svc != kNoCode && !anchor_resource[d.resource[i]]) return false;
      if (!q.operation.empty()) {
        if (d.name_code[i] != kNoCode ? d.name_code[i] != name
                                      : !(raw_name && d.name_raw[i] == q.operation))
          return false;
      }
      if (kind >= 0 && static_cast<int>(d.kind(i)) != kind) return false;
      if (q.duration_of_span) {
        uint64_t du = d.end[i] > d.start[i] ? d.end[i] - d.start[i] : 0;
        if (q.min_duration_nanos && du < *q.min_duration_nanos) return false;
        if (q.max_duration_nanos && du > *q.max_duration_nanos) return false;
      }
      return true;
    };
    auto tag_holds = [&](const TagPlan& t, uint32_t b, uint32_t e) {
      const std::string& key = t.tag->key;
      const std::string& value = t.tag->value;
      for (uint32_t i = b; i < e; ++i) {
        if (t.resource_match[d.resource[i]]) return true;
        if (t.pseudo) {
          if (key == "error" && value == "true" && d.is_error(i)) return true;
          if (t.pseudo_kind && d.kind(i) == *t.pseudo_kind) return true;
          if (key == "status.code" &&
              status_code_matches(value, static_cast<SpanStatusCode>(
                                             (d.kind_status[i] & kStatusMask) >> kStatusShift)))
            return true;
        }
      }
      if (!t.span.empty())
        for (uint32_t k = d.attrs.begin[b]; k < d.attrs.begin[e]; ++k) {
          const DecodedAttr& x = d.attrs.attrs[k];
          for (const SlotMatcher& m : t.span)
            if (m.slot == x.slot && slot_matches(m, f_.span_slots, d.attrs, x, value)) return true;
        }
      if (!t.event.empty()) {
        const DecodedAttrs& ea = d.event_attrs;
        for (uint32_t k = ea.begin[d.event_begin[b]]; k < ea.begin[d.event_begin[e]]; ++k) {
          const DecodedAttr& x = ea.attrs[k];
          for (const SlotMatcher& m : t.event)
            if (m.slot == x.slot && slot_matches(m, f_.event_slots, ea, x, value)) return true;
        }
      }
      return false;
    };

    for (uint32_t t : candidates) {
      const uint64_t st = d.trace_start[t], du = d.trace_duration[t];
      if (!state->could_take(order, st, du)) continue;
      const uint32_t b = d.trace_begin[t], e = d.trace_begin[t + 1];
      if (anchor) {
        bool found = false;
        for (uint32_t i = b; i < e && !found; ++i) found = is_anchor(i);
        if (!found) continue;
      }
      bool all = true;
      for (const TagPlan& tp : tags)
        if (!(all = tag_holds(tp, b, e))) break;
      if (!all) continue;

      TraceSummary s;
      s.trace_id = d.trace_id[t];
      s.start_unix_nano = st;
      s.end_unix_nano = st + du;
      s.span_count = e - b;
      uint32_t root = b;
      bool have_root = false;
      std::vector<uint32_t> used;
      for (uint32_t i = b; i < e; ++i) {
        if (d.is_error(i)) ++s.error_count;
        uint32_t sc = service_of(d.resource[i]);
        if (service_counts[sc]++ == 0) used.push_back(sc);
        if (!have_root && d.parent_ref[i] == 0) {
          root = i;
          have_root = true;
        }
      }
      for (uint32_t sc : used) {
        s.services.emplace_back(service_name(sc), service_counts[sc]);
        service_counts[sc] = 0;
      }
      std::sort(s.services.begin(), s.services.end());
      s.root_service = service_name(service_of(d.resource[root]));
      s.root_name = d.name_code[root] == kNoCode ? std::string(d.name_raw[root])
                                                 : f_.span_names[d.name_code[root]];
      state->offer(std::move(s), order);
    }
  }
  return Status::ok();
}


}  // namespace block
}  // namespace weft::store
