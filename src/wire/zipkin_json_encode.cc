// Model -> Zipkin v2 JSON. For spans that came from Zipkin this inverts
// zipkin_json_decode.cc exactly; for OTLP spans it follows OpenTelemetry's Zipkin exporter
// mapping (docs/format/zipkin.md).
#include <algorithm>
#include <optional>

#include "wire/json_text.h"
#include "wire/zipkin_json.h"
#include "wire/zipkin_mapping.h"

namespace weft::wire {

using namespace weft::model;

namespace {

// Attributes not yet rendered; the endpoint fields take theirs out first.
class AttributePool {
 public:
  explicit AttributePool(const KeyValueList& attrs) : attrs_(attrs), used_(attrs.size(), false) {}

  // Takes the attribute only if it is the bool true.
  bool take_true(std::string_view key) {
    for (size_t i = 0; i < attrs_.size(); ++i)
      if (!used_[i] && attrs_[i].key == key && attrs_[i].value.as_bool() &&
          *attrs_[i].value.as_bool()) {
        used_[i] = true;
        return true;
      }
    return false;
  }
  // Takes a string attribute only.
  const std::string* take_string(std::string_view key) {
    for (size_t i = 0; i < attrs_.size(); ++i)
      if (!used_[i] && attrs_[i].key == key && attrs_[i].value.as_string()) {
        used_[i] = true;
        return attrs_[i].value.as_string();
      }
    return nullptr;
  }
  // Takes a port: an int in 1..65535, or such a decimal string.
  std::optional<int64_t> take_port(std::string_view key) {
    for (size_t i = 0; i < attrs_.size(); ++i) {
      if (used_[i] || attrs_[i].key != key) continue;
      const AnyValue& v = attrs_[i].value;
      int64_t port = -1;
      if (v.as_int())
        port = *v.as_int();
      else if (v.as_string() && !v.as_string()->empty() && v.as_string()->size() <= 5 &&
               std::all_of(v.as_string()->begin(), v.as_string()->end(),
                           [](char c) { return c >= '0' && c <= '9'; }))
        port = std::stoll(*v.as_string());
      if (port < 1 || port > 65535) return std::nullopt;
      used_[i] = true;
      return port;
    }
    return std::nullopt;
  }
  template <typename F>
  void for_each_unused(F&& f) const {
    for (size_t i = 0; i < attrs_.size(); ++i)
      if (!used_[i]) f(attrs_[i]);
  }

 private:
  const KeyValueList& attrs_;
  std::vector<bool> used_;
};

struct Endpoint {
  const std::string* service_name = nullptr;
  const std::string* ipv4 = nullptr;
  const std::string* ipv6 = nullptr;
  std::optional<int64_t> port;
  bool empty() const { return !service_name && !ipv4 && !ipv6 && !port; }
};

void take_address(AttributePool& pool, const char* ip_key, const char* ipv6_key,
                  const char* port_key, Endpoint* e) {
  if (const std::string* ip = pool.take_string(ip_key)) {
    (ip->find(':') != std::string::npos ? e->ipv6 : e->ipv4) = ip;
  }
  if (*ipv6_key && !e->ipv6) e->ipv6 = pool.take_string(ipv6_key);
  e->port = pool.take_port(port_key);
}

void append_endpoint(std::string& out, const char* key, const Endpoint& e) {
  out.append(",\"").append(key).append("\":{");
  size_t mark = out.size();
  auto member = [&](const char* k, const std::string* v) {
    if (!v) return;
    out.append(",\"").append(k).append("\":");
    append_json_string(out, *v);
  };
  member("serviceName", e.service_name);
  member("ipv4", e.ipv4);
  member("ipv6", e.ipv6);
  if (e.port) {
    out.append(",\"port\":");
    json::append_int(out, *e.port);
  }
  if (out.size() > mark) out.erase(mark, 1);
  out.push_back('}');
}

// Plain JSON of a value, for event attributes in annotations.
void append_plain_json(std::string& out, const AnyValue& v) {
  switch (v.v.index()) {
    case 0:
      out.append("null");
      break;
    case 1:
      append_json_string(out, std::get<std::string>(v.v));
      break;
    case 2:
      out.append(std::get<bool>(v.v) ? "true" : "false");
      break;
    case 3:
      json::append_int(out, std::get<int64_t>(v.v));
      break;
    case 4:
      json::append_double(out, std::get<double>(v.v));
      break;
    case 5:
      append_json_string(out, base64_encode(std::get<Bytes>(v.v).data));
      break;
    case 6: {
      out.push_back('[');
      const auto& a = std::get<ArrayValue>(v.v);
      for (size_t i = 0; i < a.size(); ++i) {
        if (i) out.push_back(',');
        append_plain_json(out, a[i]);
      }
      out.push_back(']');
      break;
    }
    case 7: {
      out.push_back('{');
      const auto& l = std::get<KeyValueList>(v.v);
      for (size_t i = 0; i < l.size(); ++i) {
        if (i) out.push_back(',');
        json::append_key(out, l[i].key);
        append_plain_json(out, l[i].value);
      }
      out.push_back('}');
      break;
    }
  }
}

// Zipkin tags are a map: a later value for a key replaces the earlier one in place.
class Tags {
 public:
  void set(std::string_view key, std::string value) {
    for (auto& [k, v] : tags_)
      if (k == key) {
        v = std::move(value);
        return;
      }
    tags_.emplace_back(key, std::move(value));
  }
  bool empty() const { return tags_.empty(); }
  void append_to(std::string& out) const {
    out.append(",\"tags\":{");
    for (size_t i = 0; i < tags_.size(); ++i) {
      if (i) out.push_back(',');
      json::append_key(out, tags_[i].first);
      append_json_string(out, tags_[i].second);
    }
    out.push_back('}');
  }

 private:
  std::vector<std::pair<std::string_view, std::string>> tags_;
};

const char* zipkin_kind(SpanKind k) {
  switch (k) {
    case SpanKind::kServer:
      return "SERVER";
    case SpanKind::kClient:
      return "CLIENT";
    case SpanKind::kProducer:
      return "PRODUCER";
    case SpanKind::kConsumer:
      return "CONSUMER";
    default:
      return nullptr;  // INTERNAL and unspecified: no kind
  }
}

void append_id(std::string& out, const char* key, std::string_view hex) {
  out.append(",\"").append(key).append("\":\"").append(hex).push_back('"');
}

}  // namespace

void append_zipkin_json_span(std::string& out, const Span& s) {
  static const Resource kNoResource;
  static const InstrumentationScope kNoScope;
  const Resource& res = s.resource ? *s.resource : kNoResource;
  const InstrumentationScope& sc = s.scope ? *s.scope : kNoScope;

  AttributePool res_attrs(res.attributes);
  Endpoint local;
  local.service_name = res_attrs.take_string(zipkin::kServiceName);
  take_address(res_attrs, zipkin::kLocalIp, zipkin::kLocalIpv6, zipkin::kLocalPort, &local);

  AttributePool attrs(s.attributes);
  Endpoint remote;
  const bool from_zipkin = s.flags & kZipkinSpanFlag;
  if (from_zipkin) {
    // Exactly the fields the decoder flagged; any other attribute is a tag as it was sent,
    // even one named peer.service or net.peer.port.
    if (s.flags & kZipkinRemoteServiceFlag)
      remote.service_name = attrs.take_string(zipkin::kPeerService);
    if (s.flags & kZipkinRemoteIpv4Flag) remote.ipv4 = attrs.take_string(zipkin::kPeerIp);
    if (s.flags & kZipkinRemoteIpv6Flag)
      remote.ipv6 = attrs.take_string((s.flags & kZipkinRemoteIpv4Flag) ? zipkin::kPeerIpv6
                                                                        : zipkin::kPeerIp);
    if (s.flags & kZipkinRemotePortFlag) remote.port = attrs.take_port(zipkin::kPeerPort);
  } else {  // OTel's Zipkin exporter mapping
    remote.service_name = attrs.take_string(zipkin::kPeerService);
    take_address(attrs, zipkin::kPeerIp, zipkin::kPeerIpv6, zipkin::kPeerPort, &remote);
    if (!remote.ipv4 && !remote.ipv6 && !remote.port) {  // OTel's newer and older names
      take_address(attrs, "network.peer.address", "", "network.peer.port", &remote);
      if (!remote.ipv4 && !remote.ipv6)
        take_address(attrs, "net.peer.ip", "", "net.peer.port", &remote);
    }
  }
  bool is_shared = attrs.take_true(zipkin::kShared);

  // Tags: resource attributes, scope, span attributes, then what the model holds in fields.
  Tags tags;
  res_attrs.for_each_unused([&](const KeyValue& kv) { tags.set(kv.key, kv.value.to_string()); });
  if (!sc.name.empty()) tags.set(zipkin::kScopeName, sc.name);
  if (!sc.version.empty()) tags.set(zipkin::kScopeVersion, sc.version);
  bool status_in_attributes = false;
  attrs.for_each_unused([&](const KeyValue& kv) {
    if (kv.key == zipkin::kError || kv.key == zipkin::kStatusCode) status_in_attributes = true;
    tags.set(kv.key, kv.value.to_string());
  });
  if (!s.trace_state.empty()) tags.set(zipkin::kTraceState, s.trace_state);
  // A span decoded from Zipkin keeps its status tags as attributes; only a span whose
  // attributes say nothing about status gets OTel's status tags.
  if (!from_zipkin && !status_in_attributes) {
    if (s.status.code == SpanStatusCode::kOk) {
      tags.set(zipkin::kStatusCode, "OK");
    } else if (s.status.code == SpanStatusCode::kError) {
      tags.set(zipkin::kStatusCode, "ERROR");
      tags.set(zipkin::kError, s.status.message);
    }
  }
  if (s.dropped_attributes_count)
    tags.set(zipkin::kDroppedAttributes, std::to_string(s.dropped_attributes_count));
  if (s.dropped_events_count)
    tags.set(zipkin::kDroppedEvents, std::to_string(s.dropped_events_count));
  if (s.dropped_links_count) tags.set(zipkin::kDroppedLinks, std::to_string(s.dropped_links_count));

  out.push_back('{');
  // 64-bit trace ids (high half zero) are written as 16 digits, as Zipkin itself does.
  std::string tid = s.trace_id.to_hex();
  out.append("\"traceId\":\"").append(s.trace_id.high64() == 0 ? tid.substr(16) : tid);
  out.push_back('"');
  if (!s.parent_span_id.is_zero()) append_id(out, "parentId", s.parent_span_id.to_hex());
  append_id(out, "id", s.span_id.to_hex());
  if (const char* kind = zipkin_kind(s.kind))
    out.append(",\"kind\":\"").append(kind).push_back('"');
  if (!s.name.empty()) {
    out.append(",\"name\":");
    append_json_string(out, s.name);
  }
  // Zipkin's times are integer microseconds: nanoseconds are floored (a sub-µs part, e.g.
  // from a fractional "timestamp" a JS exporter sent, is not rendered).
  if (s.start_time_unix_nano) {
    out.append(",\"timestamp\":");
    json::append_uint(out, s.start_time_unix_nano / 1000);
  }
  if (s.end_time_unix_nano > s.start_time_unix_nano) {
    out.append(",\"duration\":");  // whole microseconds, at least 1
    json::append_uint(out, std::max<uint64_t>(1, s.duration_nanos() / 1000));
  }
  if (s.flags & kZipkinDebugFlag) out.append(",\"debug\":true");
  if (is_shared) out.append(",\"shared\":true");
  if (!local.empty()) append_endpoint(out, "localEndpoint", local);
  if (!remote.empty()) append_endpoint(out, "remoteEndpoint", remote);
  if (!s.events.empty()) {
    out.append(",\"annotations\":[");
    for (size_t i = 0; i < s.events.size(); ++i) {
      const SpanEvent& e = s.events[i];
      if (i) out.push_back(',');
      out.append("{\"timestamp\":");
      json::append_uint(out, e.time_unix_nano / 1000);
      out.append(",\"value\":");
      if (e.attributes.empty()) {
        append_json_string(out, e.name);
      } else {  // OTel's form: "name": {"key": value, ...}
        std::string value;
        append_json_string(value, e.name);
        value.append(": {");
        for (size_t k = 0; k < e.attributes.size(); ++k) {
          if (k) value.append(", ");
          append_json_string(value, e.attributes[k].key);
          value.append(": ");
          append_plain_json(value, e.attributes[k].value);
        }
        value.push_back('}');
        append_json_string(out, value);
      }
      out.push_back('}');
    }
    out.push_back(']');
  }
  if (!tags.empty()) tags.append_to(out);
  out.push_back('}');
}

std::string encode_zipkin_json(const std::vector<Span>& spans) {
  std::string out = "[";
  out.reserve(spans.size() * 700 + 2);
  for (size_t i = 0; i < spans.size(); ++i) {
    if (i) out.push_back(',');
    append_zipkin_json_span(out, spans[i]);
  }
  out.push_back(']');
  return out;
}

}  // namespace weft::wire
