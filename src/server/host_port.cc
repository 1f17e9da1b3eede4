#include "common/endpoint.h"
#include "server/serve_options.h"

namespace weft::server {

Result<HostPort> parse_host_port(const std::string& addr, const std::string& default_host,
                                 uint16_t default_port) {
  WEFT_ASSIGN_OR_RETURN(Endpoint ep, parse_endpoint(addr, default_host, default_port));
  if (!ep.path.empty() && ep.path != "/")
    return invalid_argument("address \"" + addr + "\": a listen or query address takes no path");
  if (ep.scheme == "https" || ep.scheme == "grpcs")
    return invalid_argument("address \"" + addr + "\": TLS is not supported; use http://");
  return HostPort{ep.host, ep.port};
}

}  // namespace weft::server
