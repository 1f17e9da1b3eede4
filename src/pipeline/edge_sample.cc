#include "pipeline/edge_sample.h"

namespace weft::pipeline {

const char* peer_kind_name(PeerKind k) {
  switch (k) {
    case PeerKind::kService: return "service";
    case PeerKind::kDatabase: return "database";
    case PeerKind::kMessaging: return "messaging";
    case PeerKind::kExternal: return "external";
  }
  return "service";
}

}  // namespace weft::pipeline
