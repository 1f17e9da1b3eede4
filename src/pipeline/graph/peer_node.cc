#include "graph/peer_node.h"

#include "common/utf8.h"

namespace weft::pipeline::graph {

using namespace weft::model;

namespace {

// The attributes the rule reads, found in one pass. Views into the span's attributes.
struct PeerAttributes {
  std::string_view peer_service;
  std::string_view db_system;  // db.system.name (semconv 1.26+) wins over db.system
  std::string_view db_system_old;
  std::string_view db_namespace;  // db.namespace wins over db.name
  std::string_view db_name;
  std::string_view messaging_system;
  std::string_view destination_template;
  std::string_view destination_name;
  std::string_view destination_legacy;
  bool destination_temporary = false;
  std::string_view server_address;
  std::string_view net_peer_name;
  std::string_view http_host;
  std::string_view url;  // url.full wins over http.url
  std::string_view url_old;
};

// One pass; the keys are told apart by length first, so an attribute the rule does not
// read costs a length test (and at most a compare or two), not fourteen compares.
// Same outcome as "for each attribute, the first of the rule's keys it equals": a bool
// value only counts for the two flags, a string value only when non-empty, the last
// occurrence of a key wins.
PeerAttributes scan(const KeyValueList& attributes) {
  PeerAttributes a;
  for (const KeyValue& kv : attributes) {
    const std::string_view k = kv.key;
    std::string_view PeerAttributes::*member = nullptr;
    switch (k.size()) {
      case 7:
        if (k == "db.name") member = &PeerAttributes::db_name;
        break;
      case 8:
        if (k == "url.full")
          member = &PeerAttributes::url;
        else if (k == "http.url")
          member = &PeerAttributes::url_old;
        break;
      case 9:
        if (k == "db.system")
          member = &PeerAttributes::db_system_old;
        else if (k == "http.host")
          member = &PeerAttributes::http_host;
        break;
      case 12:
        if (k == "peer.service")
          member = &PeerAttributes::peer_service;
        else if (k == "db.namespace")
          member = &PeerAttributes::db_namespace;
        break;
      case 13:
        if (k == "net.peer.name") member = &PeerAttributes::net_peer_name;
        break;
      case 14:
        if (k == "db.system.name")
          member = &PeerAttributes::db_system;
        else if (k == "server.address")
          member = &PeerAttributes::server_address;
        break;
      case 16:
        if (k == "messaging.system") member = &PeerAttributes::messaging_system;
        break;
      case 21:
        if (k == "messaging.destination") member = &PeerAttributes::destination_legacy;
        break;
      case 26:
        if (k == "messaging.destination.name") member = &PeerAttributes::destination_name;
        break;
      case 30:
        if (k == "messaging.destination.template") member = &PeerAttributes::destination_template;
        break;
      case 31:
        if (k == "messaging.destination.temporary" || k == "messaging.destination.anonymous") {
          if (const bool* b = kv.value.as_bool(); b && *b) a.destination_temporary = true;
        }
        continue;
      default:
        continue;
    }
    if (!member) continue;
    const std::string* s = kv.value.as_string();
    if (s && !s->empty()) a.*member = *s;
  }
  return a;
}

std::string_view first(std::string_view a, std::string_view b) { return a.empty() ? b : a; }

void append_lower(std::string& out, std::string_view s) {
  for (char c : s) out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
}

// "host:port" -> "host"; "[::1]:80" -> "[::1]"; a bare IPv6 address (several colons) is
// left as is.
std::string_view strip_port(std::string_view hostport) {
  if (!hostport.empty() && hostport.front() == '[') {
    size_t close = hostport.find(']');
    return close == std::string_view::npos ? hostport : hostport.substr(0, close + 1);
  }
  size_t colon = hostport.find(':');
  if (colon != std::string_view::npos && hostport.find(':', colon + 1) == std::string_view::npos)
    return hostport.substr(0, colon);
  return hostport;
}

// Appends the host (rule above) to `out`.
void append_host(std::string& out, const PeerAttributes& a, bool with_http) {
  std::string_view h = first(a.server_address, a.net_peer_name);
  if (!h.empty()) {
    append_lower(out, strip_port(h));
  } else if (with_http) {
    if (!a.http_host.empty())
      append_lower(out, strip_port(a.http_host));
    else
      out += url_host(first(a.url, a.url_old));
  }
}

void truncate(std::string& s) {
  if (s.size() <= kMaxPeerNameBytes) return;
  s.resize(utf8::valid_prefix(std::string_view(s).substr(0, kMaxPeerNameBytes)));
}

}  // namespace

std::string url_host(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  std::string out;
  append_lower(out, strip_port(rest));
  return out;
}

bool peer_node_into(const KeyValueList& attributes, std::string* name, PeerKind* kind) {
  const PeerAttributes a = scan(attributes);
  const std::string_view db_system = first(a.db_system, a.db_system_old);
  if (!db_system.empty())
    *kind = PeerKind::kDatabase;
  else if (!a.messaging_system.empty())
    *kind = PeerKind::kMessaging;
  else if (!a.peer_service.empty())
    *kind = PeerKind::kService;
  else
    *kind = PeerKind::kExternal;

  std::string& out = *name;
  out.clear();
  if (!a.peer_service.empty()) {
    out = a.peer_service;
  } else if (!db_system.empty()) {
    out = db_system;
    const size_t system_size = out.size();
    out.push_back('@');
    append_host(out, a, /*with_http=*/false);
    if (out.size() == system_size + 1) {  // no host
      out.resize(system_size);
      std::string_view db = first(a.db_namespace, a.db_name);
      if (!db.empty()) out.append("/").append(db);
    }
  } else if (!a.messaging_system.empty()) {
    out = a.messaging_system;
    std::string_view dest =
        first(a.destination_template, first(a.destination_name, a.destination_legacy));
    if (!dest.empty() && !a.destination_temporary) out.append("/").append(dest);
  } else {
    append_host(out, a, /*with_http=*/true);
    if (out.empty()) return false;
  }
  truncate(out);
  return true;
}

std::optional<PeerNode> peer_node_of(const KeyValueList& attributes) {
  PeerNode node;
  if (!peer_node_into(attributes, &node.name, &node.kind)) return std::nullopt;
  return node;
}

}  // namespace weft::pipeline::graph
