#include <charconv>

#include "server/serve_options.h"

namespace weft::server {

Result<HostPort> parse_host_port(const std::string& addr, const std::string& default_host,
                                 uint16_t default_port) {
  HostPort hp{default_host, default_port};
  if (addr.empty()) return hp;
  std::string_view port_part;
  if (addr.front() == '[') {
    size_t close = addr.find(']');
    if (close == std::string::npos) return invalid_argument("bad address \"" + addr + "\"");
    hp.host = addr.substr(1, close - 1);
    if (close + 1 < addr.size()) {
      if (addr[close + 1] != ':') return invalid_argument("bad address \"" + addr + "\"");
      port_part = std::string_view(addr).substr(close + 2);
    }
  } else if (size_t colon = addr.rfind(':'); colon != std::string::npos) {
    if (colon > 0) hp.host = addr.substr(0, colon);
    port_part = std::string_view(addr).substr(colon + 1);
  } else {
    port_part = addr;
  }
  if (!port_part.empty()) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port_part.data(), port_part.data() + port_part.size(), v);
    if (ec != std::errc() || p != port_part.data() + port_part.size() || v > 65535)
      return invalid_argument("bad port in address \"" + addr + "\"");
    hp.port = static_cast<uint16_t>(v);
  }
  return hp;
}

}  // namespace weft::server
