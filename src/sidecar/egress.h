#pragma once
// The forward proxy the service calls out through (HTTP_PROXY=http://<egress>): absolute-form
// requests (GET http://host:port/path), origin-form requests with a Host field, and CONNECT
// host:port tunnels (HTTPS passes through encrypted). Each call is a CLIENT span: the child
// of the SERVER span of the inbound request when the service forwarded the trace headers the
// sidecar gave it (the mesh contract), else the root of a new trace. The span names the peer
// (peer.service, server.address) so the service graph gets the edge, and its context is
// injected into the call so the callee continues the trace.
#include "sidecar/session.h"

namespace weft::sidecar {

class EgressSession final : public Session {
 public:
  EgressSession(Worker& worker, Socket socket) : Session(worker, std::move(socket), Direction::kEgress) {}

 private:
  Task<bool> HandleRequest() override;
  Task<bool> HandleConnect();
  Task<bool> Refuse(ErrorKind kind, Span& span);
};

}  // namespace weft::sidecar
