#pragma once
// The virtual node a CLIENT or PRODUCER span calls when no span of the peer turns up: a
// database, a cache, a queue, an uninstrumented service. Named from the span's own
// attributes by one rule, so that every call to the same peer lands on the same node and
// the number of nodes stays small (no IDs, no ports, no paths).
//
// Naming rule (string attribute values only; empty values count as absent; the result is
// cut to kMaxPeerNameBytes at a UTF-8 boundary):
//   host = server.address, else net.peer.name, else http.host, else the host of url.full /
//          http.url — lowercased, without a port.
//   1. peer.service set                  -> name = peer.service
//   2. db.system.name / db.system set    -> "<system>@<server.address|net.peer.name>",
//                                           else "<system>/<db.namespace|db.name>",
//                                           else "<system>"          ("postgresql@orders-db")
//   3. messaging.system set              -> "<system>/<destination>", else "<system>", where
//          destination = messaging.destination.template, else messaging.destination.name
//          (else the legacy messaging.destination), omitted when
//          messaging.destination.temporary is true or messaging.destination.anonymous is
//          true (per-reply queues would make a node per call)          ("kafka/orders")
//   4. a host                            -> the host                   ("api.stripe.com")
//   5. nothing of the above              -> no virtual node (the half is dropped, counted).
// Kind: kDatabase if a db system is set, else kMessaging if a messaging system is set, else
// kService if peer.service is set, else kExternal. (peer.service names a database's node
// when both are set, but the node stays a database.)
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "model/attribute.h"
#include "pipeline/edge_sample.h"

namespace weft::pipeline::graph {

inline constexpr size_t kMaxPeerNameBytes = 128;

struct PeerNode {
  std::string name;
  PeerKind kind = PeerKind::kExternal;
  friend bool operator==(const PeerNode&, const PeerNode&) = default;
};

// The virtual node named by a client span's attributes (rule above), or nullopt. One pass
// over `attributes`.
std::optional<PeerNode> peer_node_of(const model::KeyValueList& attributes);

// The same, without allocating in the common case: writes the name into `*name` (reusing its
// capacity) and the kind into `*kind`; false (and `*name` unspecified) when there is no node.
bool peer_node_into(const model::KeyValueList& attributes, std::string* name, PeerKind* kind);

// The host of an absolute URL ("https://User@Api.Example.com:8443/x?y" -> "api.example.com"),
// lowercased, without userinfo or port; empty if there is none. IPv6 keeps its brackets.
std::string url_host(std::string_view url);

}  // namespace weft::pipeline::graph
