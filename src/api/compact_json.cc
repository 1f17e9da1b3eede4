#include "api/compact_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/json_writer.h"
#include "wire/otlp_json.h"

namespace weft::api {

using namespace weft::model;

namespace {

void put_uint(std::string& out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// ,N — most numbers follow a comma.
void put_comma_uint(std::string& out, uint64_t v) {
  char buf[24];
  buf[0] = ',';
  auto r = std::to_chars(buf + 1, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// "hex" of an ID.
template <size_t N>
void put_id(std::string& out, const FixedId<N>& id) {
  out.push_back('"');
  append_hex(out, id.bytes.data(), N);
  out.push_back('"');
}

// Resources or scopes deduplicated by value, numbered in order of first use (as
// native_json.cc numbers them). A pointer seen before is not compared by value again.
template <typename T>
class Distinct {
 public:
  uint32_t index_of(const T* p) {
    static const T kNone{};
    if (!p) p = &kNone;
    if (p == last_) return last_index_;
    auto [it, added] = by_pointer_.try_emplace(p, 0);
    if (added) {
      size_t i = 0;
      while (i < values_.size() && !(*values_[i] == *p)) ++i;
      if (i == values_.size()) values_.push_back(p);
      it->second = static_cast<uint32_t>(i);
    }
    last_ = p;
    last_index_ = it->second;
    return last_index_;
  }
  const std::vector<const T*>& values() const { return values_; }

 private:
  std::vector<const T*> values_;
  std::unordered_map<const T*, uint32_t> by_pointer_;
  const T* last_ = nullptr;
  uint32_t last_index_ = 0;
};

class Encoder {
 public:
  Encoder(const Trace& trace, const query::TracePart* part) : trace_(trace), part_(part) {}

  Result<std::string> encode() {
    const std::vector<Span>& spans = trace_.spans;
    uint64_t start = spans.empty() ? 0 : spans.front().start_time_unix_nano, end = 0;
    std::vector<uint32_t> resource_of(spans.size()), scope_of(spans.size());
    for (size_t i = 0; i < spans.size(); ++i) {
      const Span& s = spans[i];
      resource_of[i] = resources_.index_of(s.resource.get());
      scope_of[i] = scopes_.index_of(s.scope.get());
      start = std::min(start, s.start_time_unix_nano);
      end = std::max(end, s.end_time_unix_nano);
    }
    if (part_) {
      start = part_->start_unix_nano;
      end = part_->end_unix_nano;
    }
    start_ = start;
    if (end > start && end - start > kMaxExactJsonInteger)
      return invalid_argument(
          "format=compact: the trace lasts " + std::to_string(end - start) +
          " ns, more than 2^53 ns (about 104 days), which compact times cannot carry exactly; "
          "use format=native");

    index_.reserve(spans.size() + 64);
    table_.reserve(spans.size() / 4 + 64);
    table_.push_back("");

    // Interned in document order: resources, scopes, then spans.
    std::string head;
    head.append(",\"resources\":[");
    for (size_t i = 0; i < resources_.values().size(); ++i) {
      const Resource& r = *resources_.values()[i];
      if (i) head.push_back(',');
      head.push_back('[');
      put_attrs(head, r.attributes);
      put_comma_uint(head, r.dropped_attributes_count);
      put_comma_uint(head, intern(r.schema_url));
      head.push_back(']');
    }
    head.append("],\"scopes\":[");
    for (size_t i = 0; i < scopes_.values().size(); ++i) {
      const InstrumentationScope& sc = *scopes_.values()[i];
      if (i) head.push_back(',');
      head.push_back('[');
      put_uint(head, intern(sc.name));
      put_comma_uint(head, intern(sc.version));
      head.push_back(',');
      put_attrs(head, sc.attributes);
      put_comma_uint(head, sc.dropped_attributes_count);
      put_comma_uint(head, intern(sc.schema_url));
      head.push_back(']');
    }
    head.append("],\"spans\":[");

    std::string body;
    body.reserve(spans.size() * 160 + 16);
    for (size_t i = 0; i < spans.size(); ++i) {
      if (i) body.push_back(',');
      if (Status st = put_span(body, spans[i], resource_of[i], scope_of[i]); !st) return st;
    }
    body.append("]}");

    std::string strings;
    strings.reserve(table_.size() * 16 + 16);
    strings.append(",\"strings\":[");
    for (size_t i = 0; i < table_.size(); ++i) {
      if (i) strings.push_back(',');
      append_json_string(strings, table_[i]);
    }
    strings.push_back(']');

    std::string out;
    out.reserve(256 + strings.size() + head.size() + body.size());
    out.append("{\"format\":\"compact-1\",\"traceId\":");
    put_id(out, trace_.trace_id);
    out.append(",\"spanCount\":");
    put_uint(out, part_ ? part_->total_spans : spans.size());
    out.append(",\"startTimeUnixNano\":\"");
    put_uint(out, start);
    out.append("\",\"endTimeUnixNano\":\"");
    put_uint(out, end);
    out.push_back('"');
    if (part_) {
      out.append(",\"returnedSpanCount\":");
      put_uint(out, spans.size());
      out.append(",\"offset\":");
      put_uint(out, part_->offset);
      if (part_->next_offset) {
        out.append(",\"nextOffset\":");
        put_uint(out, *part_->next_offset);
      }
    }
    out.append(strings);
    out.append(head);
    out.append(body);
    return out;
  }

 private:
  uint32_t intern(std::string_view s) {
    if (s.empty()) return 0;
    auto [it, added] = index_.try_emplace(s, static_cast<uint32_t>(table_.size()));
    if (added) table_.push_back(s);
    return it->second;
  }

  // [keyIdx,type,value,...]
  void put_attrs(std::string& out, const KeyValueList& attrs) {
    out.push_back('[');
    for (size_t i = 0; i < attrs.size(); ++i) {
      if (i) out.push_back(',');
      put_uint(out, intern(attrs[i].key));
      const auto& v = attrs[i].value.v;
      switch (v.index()) {
        case 0:  // no value
          out.append(",6,0");
          break;
        case 1:
          out.append(",0");
          put_comma_uint(out, intern(std::get<std::string>(v)));
          break;
        case 2:
          out.append(std::get<bool>(v) ? ",3,1" : ",3,0");
          break;
        case 3: {
          int64_t n = std::get<int64_t>(v);
          uint64_t mag = n < 0 ? uint64_t{0} - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
          char buf[24];
          auto r = std::to_chars(buf, buf + sizeof buf, n);
          if (mag <= kMaxExactJsonInteger) {
            out.append(",1,");
            out.append(buf, r.ptr);
          } else {
            out.append(",1,\"");
            out.append(buf, r.ptr);
            out.push_back('"');
          }
          break;
        }
        case 4: {
          double d = std::get<double>(v);
          if (std::isnan(d)) {
            out.append(",2,\"NaN\"");
          } else if (std::isinf(d)) {
            out.append(d > 0 ? ",2,\"Infinity\"" : ",2,\"-Infinity\"");
          } else {
            char buf[40];
            auto r = std::to_chars(buf, buf + sizeof buf, d);
            out.append(",2,");
            out.append(buf, r.ptr);
          }
          break;
        }
        case 5:
          out.append(",4,\"");
          out.append(base64_encode(std::get<Bytes>(v).data));
          out.push_back('"');
          break;
        default:  // array, kvlist: the native (OTLP/JSON) AnyValue object
          out.append(",5,");
          wire::append_otlp_json_value(out, attrs[i].value);
          break;
      }
    }
    out.push_back(']');
  }

  Status put_span(std::string& o, const Span& s, uint32_t resource, uint32_t scope) {
    o.push_back('[');
    put_id(o, s.span_id);
    if (s.is_root()) {
      o.append(",\"\"");
    } else {
      o.push_back(',');
      put_id(o, s.parent_span_id);
    }
    put_comma_uint(o, intern(s.name));
    put_comma_uint(o, static_cast<uint64_t>(s.kind));
    put_comma_uint(o, s.start_time_unix_nano - start_);
    put_comma_uint(o, s.duration_nanos());
    put_comma_uint(o, static_cast<uint64_t>(s.status.code));
    put_comma_uint(o, intern(s.status.message));
    put_comma_uint(o, resource);
    put_comma_uint(o, scope);
    o.push_back(',');
    put_attrs(o, s.attributes);
    o.append(",[");
    for (size_t i = 0; i < s.events.size(); ++i) {
      const SpanEvent& e = s.events[i];
      if (i) o.push_back(',');
      o.push_back('[');
      uint64_t t = e.time_unix_nano;
      uint64_t mag = t >= start_ ? t - start_ : start_ - t;
      if (mag > kMaxExactJsonInteger)
        return invalid_argument("format=compact: event \"" + e.name + "\" of span " +
                                s.span_id.to_hex() +
                                " is more than 2^53 ns (about 104 days) from the trace start, "
                                "which compact times cannot carry exactly; use format=native");
      if (t < start_) o.push_back('-');
      put_uint(o, mag);
      put_comma_uint(o, intern(e.name));
      o.push_back(',');
      put_attrs(o, e.attributes);
      put_comma_uint(o, e.dropped_attributes_count);
      o.push_back(']');
    }
    o.append("],[");
    for (size_t i = 0; i < s.links.size(); ++i) {
      const SpanLink& l = s.links[i];
      if (i) o.push_back(',');
      o.push_back('[');
      put_id(o, l.trace_id);
      o.push_back(',');
      put_id(o, l.span_id);
      put_comma_uint(o, intern(l.trace_state));
      o.push_back(',');
      put_attrs(o, l.attributes);
      put_comma_uint(o, l.dropped_attributes_count);
      put_comma_uint(o, l.flags);
      o.push_back(']');
    }
    o.push_back(']');
    put_comma_uint(o, intern(s.trace_state));
    put_comma_uint(o, intern(s.rpc_id));
    put_comma_uint(o, s.flags);
    o.append(",[");
    put_uint(o, s.dropped_attributes_count);
    put_comma_uint(o, s.dropped_events_count);
    put_comma_uint(o, s.dropped_links_count);
    o.append("]]");
    return Status::ok();
  }

  const Trace& trace_;
  const query::TracePart* part_;
  uint64_t start_ = 0;
  Distinct<Resource> resources_;
  Distinct<InstrumentationScope> scopes_;
  std::unordered_map<std::string_view, uint32_t> index_;  // views into trace_
  std::vector<std::string_view> table_;
};

}  // namespace

Result<std::string> compact_trace_json(const Trace& trace) {
  return Encoder(trace, nullptr).encode();
}

Result<std::string> compact_trace_part_json(const query::TracePart& part) {
  return Encoder(part.spans, &part).encode();
}

}  // namespace weft::api
