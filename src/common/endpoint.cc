#include "common/endpoint.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <string_view>

namespace weft {
namespace {

constexpr std::array<std::string_view, 6> kSchemes = {"http",  "https", "grpc",
                                                      "grpcs", "tcp",   "udp"};

Status bad(const std::string& text, const std::string& why) {
  return invalid_argument("address \"" + text + "\": " + why +
                          " (want host:port, :port, port or a URL such as http://host:port)");
}

}  // namespace

std::string Endpoint::host_port() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<Endpoint> parse_endpoint(const std::string& text, const std::string& default_host,
                                uint16_t default_port) {
  Endpoint ep{"", default_host, default_port, ""};
  std::string_view rest = text;
  if (size_t sep = rest.find("://"); sep != std::string_view::npos) {
    std::string scheme(rest.substr(0, sep));
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (std::find(kSchemes.begin(), kSchemes.end(), scheme) == kSchemes.end())
      return bad(text, "unknown scheme \"" + scheme + "\"");
    ep.scheme = std::move(scheme);
    rest.remove_prefix(sep + 3);
    if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
      ep.path = std::string(rest.substr(slash));
      rest = rest.substr(0, slash);
    }
    if (ep.path.find_first_of("?#") != std::string::npos)
      return bad(text, "a query or fragment is not allowed");
    if (rest.empty() || rest.front() == ':') return bad(text, "the URL has no host");
  }
  if (rest.empty()) return ep;

  std::string_view port_part;
  if (rest.front() == '[') {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad(text, "unclosed '['");
    ep.host = std::string(rest.substr(1, close - 1));
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return bad(text, "expected ':' after ']'");
      port_part = rest.substr(close + 2);
    }
  } else if (size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    if (rest.find(':') != colon) return bad(text, "an IPv6 host needs brackets: [::1]:4317");
    if (colon > 0) ep.host = std::string(rest.substr(0, colon));
    port_part = rest.substr(colon + 1);
  } else if (!ep.scheme.empty()) {
    ep.host = std::string(rest);  // a URL without a port: the default port
  } else {
    port_part = rest;
  }
  if (!port_part.empty()) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port_part.data(), port_part.data() + port_part.size(), v);
    if (ec != std::errc() || p != port_part.data() + port_part.size() || v > 65535)
      return bad(text, "bad port \"" + std::string(port_part) + "\"");
    ep.port = static_cast<uint16_t>(v);
  }
  return ep;
}

}  // namespace weft
