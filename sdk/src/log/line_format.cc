#include "log/line_format.h"

#include <initializer_list>

#include "log/json.h"
#include "weft/detail/proto_reader.h"

namespace weft::log {

using detail::ProtoField;
using detail::ProtoReader;

namespace {

using Keys = std::initializer_list<std::string_view>;

// ,"name":
void AppendKey(std::string* out, std::string_view name) {
  out->append(",\"");
  out->append(name);
  out->append("\":");
}

void AppendStringField(std::string* out, std::string_view name, std::string_view value) {
  AppendKey(out, name);
  AppendJsonString(out, value);
}

bool IsLevel(std::string_view s) {
  for (std::string_view l : {"debug", "trace", "notice", "info", "error", "alarm"})
    if (s == l) return true;
  return false;
}

}  // namespace

int LineFormatter::Find(const std::vector<Attr>& attrs, std::string_view key) {
  for (size_t i = 0; i < attrs.size(); ++i)
    if (attrs[i].key == key) return static_cast<int>(i);
  return -1;
}

void LineFormatter::Collect(std::string_view key_value, std::vector<Attr>* attrs) {
  ProtoReader r(key_value);
  ProtoField f;
  Attr a;
  while (r.Next(&f)) {
    if (f.number == 1) a.key = f.bytes;
    if (f.number == 2) a.value = f.bytes;
  }
  const int i = Find(*attrs, a.key);
  if (i >= 0)
    (*attrs)[i].value = a.value;  // a later SetAttribute of the same key wins
  else
    attrs->push_back(a);
}

void LineFormatter::SetResource(const Resource& resource) {
  resource_fields_.clear();
  const std::string_view service = resource.service_name();
  AppendStringField(&resource_fields_, "x_department", service);
  AppendStringField(&resource_fields_, "x_service", service);
  for (const auto& [k, v] : resource.attributes)
    if (k == "service.version" && v.is<std::string>())
      AppendStringField(&resource_fields_, "x_version", v.as<std::string>());
}

void LineFormatter::AppendIdentity(const SpanRecord& r, std::string* out) {
  char hex[32];
  out->append(",\"x_trace_id\":\"");
  r.trace_id.to_hex(hex);
  out->append(hex, 32);
  out->push_back('"');
  if (!rpc_id_.empty()) {
    AppendStringField(out, "x_rpc_id", rpc_id_);
    return;
  }
  // An INTERNAL span inside an RpcId request: its line carries the request's current RpcId
  // (so a reader places it in the request) and its own span ids.
  if (!current_rpc_id_.empty()) AppendStringField(out, "x_rpc_id", current_rpc_id_);
  out->append(",\"x_span_id\":\"");
  r.span_id.to_hex(hex);
  out->append(hex, 16);
  out->push_back('"');
  if (r.parent_span_id.valid()) {
    out->append(",\"x_parent_span_id\":\"");
    r.parent_span_id.to_hex(hex);
    out->append(hex, 16);
    out->push_back('"');
  }
}

void LineFormatter::AppendExtra(const std::vector<Attr>& attrs, std::string* out) {
  bool first = true;
  for (const Attr& a : attrs) {
    if (a.used) continue;
    out->append(first ? ",\"x_extra\":{" : ",");
    first = false;
    AppendJsonString(out, a.key);
    out->push_back(':');
    AppendJsonAnyValue(out, a.value);
  }
  if (!first) out->push_back('}');
}

void LineFormatter::Format(const SpanRecord& r, std::string* out) {
  name_ = {};
  rpc_id_ = {};
  current_rpc_id_ = {};
  std::string_view status_message;
  attrs_.clear();
  events_.clear();
  ProtoReader reader(r.data_view());
  ProtoField f;
  while (reader.Next(&f)) {
    switch (f.number) {
      case span_field::kName:
        name_ = f.bytes;  // UpdateName appends; the last one wins
        break;
      case span_field::kRpcId:
        rpc_id_ = f.bytes;
        break;
      case span_field::kCurrentRpcId:
        current_rpc_id_ = f.bytes;
        break;
      case span_field::kAttributes:
        Collect(f.bytes, &attrs_);
        break;
      case span_field::kEvents:
        events_.push_back(f.bytes);
        break;
      case span_field::kStatus: {
        ProtoReader sr(f.bytes);
        ProtoField sf;
        while (sr.Next(&sf))
          if (sf.number == 2) status_message = sf.bytes;
        break;
      }
    }
  }

  // Attribute lookup that marks what it returns as used (kept out of x_extra).
  auto take = [&](Keys keys) -> std::string_view {
    for (std::string_view k : keys) {
      const int i = Find(attrs_, k);
      if (i >= 0) {
        attrs_[i].used = true;
        return attrs_[i].value;
      }
    }
    return {};
  };
  auto peek_string = [&](std::string_view key) -> std::string_view {
    const int i = Find(attrs_, key);
    return i >= 0 ? AnyValueString(attrs_[i].value) : std::string_view();
  };
  auto mark = [&](std::string_view key) {
    const int i = Find(attrs_, key);
    if (i >= 0) attrs_[i].used = true;
  };

  const bool error = r.status == StatusCode::kError;
  const bool server = r.kind == SpanKind::kServer || r.kind == SpanKind::kConsumer;
  const bool client = r.kind == SpanKind::kClient || r.kind == SpanKind::kProducer;
  // x_name: a prefix and a suffix ("info"/"request"/method, or "error").
  std::string_view prefix, suffix;
  std::string_view method_key;
  if (server || (!client && !rpc_id_.empty())) {
    prefix = "request", suffix = "info";
  } else if (client) {
    const std::string_view db = peek_string("db.system");
    if (db == "mysql" || db == "mariadb") {
      prefix = "mysql", suffix = "request";
      mark("db.system");
    } else if (db == "redis") {
      prefix = "redis", suffix = "request";
      mark("db.system");
    } else if (db == "memcached") {
      prefix = "memcache", suffix = "request";
      mark("db.system");
    } else {
      prefix = "http", suffix = "request";
      for (std::string_view k : {"http.request.method", "http.method"}) {
        const std::string_view m = peek_string(k);
        if (!m.empty() && m.size() <= 16 && m != "_OTHER") {
          suffix = m;
          method_key = k;
          break;
        }
      }
      if (method_key.empty() && peek_string("rpc.system") == "grpc") suffix = "post";
    }
  } else {
    prefix = "log", suffix = "info";
  }
  out->append("{\"x_name\":\"");
  out->append(prefix);
  out->push_back('.');
  if (error) {
    out->append("error");
  } else {
    for (char c : suffix) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
      out->push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : ok ? c : '_');
    }
    if (!method_key.empty()) mark(method_key);  // the method is in the name
  }
  out->push_back('"');
  AppendIdentity(r, out);
  AppendKey(out, "x_timestamp");
  AppendSeconds(out, r.end_ns, 6);
  AppendKey(out, "x_duration");
  AppendSeconds(out, r.end_ns > r.start_ns ? r.end_ns - r.start_ns : 0, 9);
  out->append(resource_fields_);
  AppendStringField(out, "x_module", name_);

  auto string_field = [&](std::string_view field, Keys keys) {
    const std::string_view v = take(keys);
    if (v.empty()) return;
    AppendKey(out, field);
    AppendJsonAnyValueAsString(out, v);
  };
  // host[:port] from two attributes.
  auto address_field = [&](std::string_view field, std::string_view host_key,
                           std::string_view port_key) {
    const int h = Find(attrs_, host_key);
    if (h < 0) return false;
    attrs_[h].used = true;
    AppendKey(out, field);
    AppendJsonAnyValueAsString(out, attrs_[h].value);
    const int p = Find(attrs_, port_key);
    int64_t port;
    if (p >= 0 && AnyValueInt(attrs_[p].value, &port)) {
      attrs_[p].used = true;
      out->back() = ':';  // reopen the string literal
      AppendUint(out, static_cast<uint64_t>(port));
      out->push_back('"');
    }
    return true;
  };

  string_field("x_action", {"url.full", "http.url", "db.query.text", "db.statement", "http.target",
                            "url.path"});
  if (server) {
    address_field("x_server_ip", "server.address", "server.port") ||
        address_field("x_server_ip", "net.host.name", "net.host.port");
    string_field("x_client_ip", {"client.address", "net.sock.peer.addr", "net.peer.ip"});
  } else if (client) {
    address_field("x_host", "server.address", "server.port") ||
        address_field("x_host", "net.peer.name", "net.peer.port");
    address_field("x_server_ip", "network.peer.address", "network.peer.port");
  }
  string_field("x_instance_name", {"db.instance.id"});
  string_field("x_db", {"db.namespace", "db.name"});
  string_field("x_code", {"http.response.status_code", "http.status_code", "rpc.grpc.status_code",
                          "db.response.status_code"});
  string_field("x_user_agent", {"user_agent.original", "http.user_agent"});
  string_field("x_uid", {"enduser.id"});
  if (error && !status_message.empty())
    AppendStringField(out, "x_msg", status_message);
  else if (prefix == "log")
    AppendStringField(out, "x_msg", name_);
  AppendExtra(attrs_, out);
  out->append("}\n");

  for (std::string_view e : events_) FormatEvent(r, e, out);
}

void LineFormatter::FormatEvent(const SpanRecord& r, std::string_view event, std::string* out) {
  uint64_t time_ns = 0;
  std::string_view name;
  event_attrs_.clear();
  ProtoReader reader(event);
  ProtoField f;
  while (reader.Next(&f)) {
    if (f.number == 1) time_ns = f.value;
    if (f.number == 2) name = f.bytes;
    if (f.number == 3) Collect(f.bytes, &event_attrs_);
  }
  auto take = [&](std::string_view key) -> std::string_view {
    const int i = Find(event_attrs_, key);
    if (i < 0) return {};
    event_attrs_[i].used = true;
    return event_attrs_[i].value;
  };

  out->append("{\"x_name\":\"log.");
  const bool exception = name == "exception";
  std::string_view level = "info";
  if (exception) {
    level = "exception";
  } else {
    for (std::string_view k : {"log.level", "level"}) {
      const int i = Find(event_attrs_, k);
      if (i >= 0 && IsLevel(AnyValueString(event_attrs_[i].value))) {
        level = AnyValueString(event_attrs_[i].value);
        event_attrs_[i].used = true;
        break;
      }
    }
  }
  out->append(level);
  out->push_back('"');
  AppendIdentity(r, out);
  AppendKey(out, "x_timestamp");
  AppendSeconds(out, time_ns ? time_ns : r.end_ns, 6);
  out->append(resource_fields_);
  AppendStringField(out, "x_module", name_);
  if (exception) {
    std::string_view msg = take("exception.message");
    if (msg.empty()) msg = take("exception.type");
    if (!msg.empty()) {
      AppendKey(out, "x_msg");
      AppendJsonAnyValueAsString(out, msg);
    }
    for (auto [field, key] :
         {std::pair<std::string_view, std::string_view>{"x_backtrace", "exception.stacktrace"},
          {"x_file", "code.filepath"},
          {"x_line", "code.lineno"}}) {
      const std::string_view v = take(key);
      if (v.empty()) continue;
      AppendKey(out, field);
      AppendJsonAnyValueAsString(out, v);
    }
  } else {
    AppendStringField(out, "x_msg", name);
  }
  AppendExtra(event_attrs_, out);
  out->append("}\n");
}

}  // namespace weft::log
