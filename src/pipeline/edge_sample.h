#pragma once
// One call between two services as the service graph sees it: a CLIENT span matched with
// the SERVER span it caused (or a PRODUCER with its CONSUMER), or a CLIENT span whose peer
// sends no spans of its own (a database, a cache, a queue, an uninstrumented service),
// which becomes a virtual node. The service graph processor produces these; the metrics
// store keeps calls, errors and latency per edge from them.
#include <cstdint>
#include <string>

namespace weft::pipeline {

// What kind of peer the server side is. kService: a service with spans of its own (or named
// by peer.service); kDatabase (db.system), kMessaging (messaging.system / destination),
// kExternal (a host name only: server.address / net.peer.name / http.host).
enum class PeerKind : uint8_t { kService = 0, kDatabase = 1, kMessaging = 2, kExternal = 3 };
const char* peer_kind_name(PeerKind k);  // "service", "database", "messaging", "external"

struct EdgeSample {
  std::string client;  // the calling service
  std::string server;  // the called service, or the virtual node's name ("postgresql@pg-main",
                       // "kafka/orders": graph/peer_node.h)
  PeerKind server_kind = PeerKind::kService;
  bool virtual_server = false;  // the server side sent no span: a node inferred from attributes
  bool messaging = false;       // a PRODUCER -> CONSUMER edge rather than CLIENT -> SERVER
  uint64_t end_unix_nano = 0;   // when the call ended (the client span's end), for bucketing
  uint64_t duration_nanos = 0;  // the client span's duration (the latency the caller saw)
  bool error = false;           // either side had status ERROR
};

}  // namespace weft::pipeline
