#pragma once
// The reverse proxy in front of the service: every request becomes a SERVER span of
// --service, continuing the trace the request came with (or starting one), and the request
// goes upstream with the span's context injected, so an instrumented service continues the
// trace and an uninstrumented one can copy the headers to its own calls (the mesh contract).
#include "sidecar/session.h"

namespace weft::sidecar {

class IngressSession final : public Session {
 public:
  IngressSession(Worker& worker, Socket socket) : Session(worker, std::move(socket), Direction::kIngress) {}

 private:
  Task<bool> HandleRequest() override;
};

}  // namespace weft::sidecar
