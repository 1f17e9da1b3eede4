#pragma once
// host:port as the sidecar's flags take them: "host:port", "[v6]:port", ":port" (the default
// host) or a bare "port". The upstream also takes "http://host:port[/]".
#include <cstdint>
#include <string>
#include <string_view>

namespace weft::sidecar {

struct HostPort {
  std::string host;  // name or address; IPv6 without brackets
  uint16_t port = 0;
  // "host:port", IPv6 in brackets.
  std::string str() const;
};

// A listening address: port 0 allowed (the kernel picks one). False with *error naming the
// text on anything else.
bool ParseListenAddress(std::string_view text, HostPort* out, std::string* error);
// An upstream: HOST:PORT or http://HOST:PORT[/], port 1..65535 required.
bool ParseUpstreamAddress(std::string_view text, HostPort* out, std::string* error);
// An authority from a request ("host", "host:port", "[v6]:port"), with `default_port` for a
// missing port. False for an empty host or a bad port.
bool ParseAuthority(std::string_view text, uint16_t default_port, HostPort* out);

}  // namespace weft::sidecar
