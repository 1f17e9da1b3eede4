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

// Which attribute fills which field.
struct Field {
  std::string_view key;
  std::string_view PeerAttributes::*member;
};
constexpr Field kFields[] = {
    {"peer.service", &PeerAttributes::peer_service},
    {"db.system.name", &PeerAttributes::db_system},
    {"db.system", &PeerAttributes::db_system_old},
    {"db.namespace", &PeerAttributes::db_namespace},
    {"db.name", &PeerAttributes::db_name},
    {"messaging.system", &PeerAttributes::messaging_system},
    {"messaging.destination.template", &PeerAttributes::destination_template},
    {"messaging.destination.name", &PeerAttributes::destination_name},
    {"messaging.destination", &PeerAttributes::destination_legacy},
    {"server.address", &PeerAttributes::server_address},
    {"net.peer.name", &PeerAttributes::net_peer_name},
    {"http.host", &PeerAttributes::http_host},
    {"url.full", &PeerAttributes::url},
    {"http.url", &PeerAttributes::url_old},
};

PeerAttributes scan(const KeyValueList& attributes) {
  PeerAttributes a;
  for (const KeyValue& kv : attributes) {
    const std::string_view k = kv.key;
    if (const bool* b = kv.value.as_bool()) {
      if (*b && (k == "messaging.destination.temporary" || k == "messaging.destination.anonymous"))
        a.destination_temporary = true;
      continue;
    }
    const std::string* s = kv.value.as_string();
    if (!s || s->empty()) continue;
    for (const Field& f : kFields) {
      if (k == f.key) {
        a.*f.member = *s;
        break;
      }
    }
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

std::string host_of(const PeerAttributes& a, bool with_http) {
  std::string out;
  std::string_view h = first(a.server_address, a.net_peer_name);
  if (!h.empty()) {
    append_lower(out, strip_port(h));
  } else if (with_http) {
    if (!a.http_host.empty())
      append_lower(out, strip_port(a.http_host));
    else
      out = url_host(first(a.url, a.url_old));
  }
  return out;
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

std::optional<PeerNode> peer_node_of(const KeyValueList& attributes) {
  const PeerAttributes a = scan(attributes);
  const std::string_view db_system = first(a.db_system, a.db_system_old);
  PeerNode node;
  if (!db_system.empty())
    node.kind = PeerKind::kDatabase;
  else if (!a.messaging_system.empty())
    node.kind = PeerKind::kMessaging;
  else if (!a.peer_service.empty())
    node.kind = PeerKind::kService;
  else
    node.kind = PeerKind::kExternal;

  if (!a.peer_service.empty()) {
    node.name = a.peer_service;
  } else if (!db_system.empty()) {
    node.name = db_system;
    std::string host = host_of(a, /*with_http=*/false);
    std::string_view db = first(a.db_namespace, a.db_name);
    if (!host.empty())
      node.name.append("@").append(host);
    else if (!db.empty())
      node.name.append("/").append(db);
  } else if (!a.messaging_system.empty()) {
    node.name = a.messaging_system;
    std::string_view dest =
        first(a.destination_template, first(a.destination_name, a.destination_legacy));
    if (!dest.empty() && !a.destination_temporary) node.name.append("/").append(dest);
  } else {
    node.name = host_of(a, /*with_http=*/true);
    if (node.name.empty()) return std::nullopt;
  }
  truncate(node.name);
  return node;
}

}  // namespace weft::pipeline::graph
