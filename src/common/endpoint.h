#pragma once
// Addresses as users type them: "host:port", ":port", "port", "[::1]:port", or a URL
// ("http://host:port", "grpc://host:port/path", as OpenTelemetry's endpoint settings take
// them). One parser for every address flag of every weft command, so they all accept the
// same forms.
#include <cstdint>
#include <string>

#include "common/status.h"

namespace weft {

struct Endpoint {
  std::string scheme;  // lowercased "http", "https", "grpc", ...; "" when none was given
  std::string host;    // without IPv6 brackets
  uint16_t port = 0;
  std::string path;    // "" or starting with '/' (only a URL has one)

  // "host:port" (IPv6 hosts in brackets).
  std::string host_port() const;
};

// Parses `text`; `default_host` fills a missing host, `default_port` a missing port (port 0
// is allowed: listeners pick a free one). INVALID_ARGUMENT naming `text` for anything else:
// an empty host in a URL, a port out of range, an unknown scheme ("http", "https", "grpc",
// "grpcs", "tcp", "udp" are known), a query or fragment.
Result<Endpoint> parse_endpoint(const std::string& text, const std::string& default_host,
                                uint16_t default_port);

}  // namespace weft
