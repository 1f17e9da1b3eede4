#include "sidecar/address.h"

namespace weft::sidecar {
namespace {

bool ParsePort(std::string_view s, uint16_t* out) {
  if (s.empty() || s.size() > 5) return false;
  uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  if (v > 65535) return false;
  *out = static_cast<uint16_t>(v);
  return true;
}

bool ValidHost(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  for (char c : h) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_' || c == ':' || c == '%';
    if (!ok) return false;
  }
  return true;
}

// Splits "host:port" / "[v6]:port" / "host" (has_port false).
bool Split(std::string_view text, std::string_view* host, std::string_view* port,
           bool* has_port) {
  *has_port = false;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return false;
    *host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (rest.empty()) return true;
    if (rest.front() != ':') return false;
    *port = rest.substr(1);
    *has_port = true;
    return true;
  }
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    *host = text;
    return true;
  }
  if (text.find(':') != colon) return false;  // an IPv6 literal needs brackets
  *host = text.substr(0, colon);
  *port = text.substr(colon + 1);
  *has_port = true;
  return true;
}

}  // namespace

std::string HostPort::str() const {
  const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

bool ParseListenAddress(std::string_view text, HostPort* out, std::string* error) {
  auto fail = [&] {
    *error = "bad address '" + std::string(text) +
             "' (expected host:port, [v6]:port, :port or port; port 0 picks a free one)";
    return false;
  };
  HostPort hp;
  bool all_digits = !text.empty();
  for (char c : text) all_digits = all_digits && c >= '0' && c <= '9';
  if (all_digits) {
    if (!ParsePort(text, &hp.port)) return fail();
    hp.host = "127.0.0.1";
    *out = hp;
    return true;
  }
  std::string_view host, port;
  bool has_port;
  if (!Split(text, &host, &port, &has_port) || !has_port || !ParsePort(port, &hp.port))
    return fail();
  hp.host = host.empty() ? "127.0.0.1" : std::string(host);
  if (!ValidHost(hp.host)) return fail();
  *out = hp;
  return true;
}

bool ParseUpstreamAddress(std::string_view text, HostPort* out, std::string* error) {
  std::string_view t = text;
  auto fail = [&](const std::string& why) {
    *error = "bad upstream '" + std::string(text) + "': " + why;
    return false;
  };
  if (t.starts_with("https://")) return fail("https is not supported (the sidecar speaks plain HTTP/1.1 to its service)");
  if (t.starts_with("http://")) {
    t.remove_prefix(7);
    if (!t.empty() && t.back() == '/') t.remove_suffix(1);
  } else if (t.find("://") != std::string_view::npos) {
    return fail("expected HOST:PORT");
  }
  if (t.find('/') != std::string_view::npos) return fail("expected HOST:PORT without a path");
  std::string_view host, port;
  bool has_port;
  HostPort hp;
  if (!Split(t, &host, &port, &has_port) || !has_port) return fail("expected HOST:PORT");
  if (!ParsePort(port, &hp.port) || hp.port == 0) return fail("port must be 1-65535");
  if (!ValidHost(host)) return fail("bad host");
  hp.host = std::string(host);
  *out = hp;
  return true;
}

bool ParseAuthority(std::string_view text, uint16_t default_port, HostPort* out) {
  // Drop user info, if a client sent any.
  const size_t at = text.rfind('@');
  if (at != std::string_view::npos) text.remove_prefix(at + 1);
  std::string_view host, port;
  bool has_port;
  if (!Split(text, &host, &port, &has_port) || !ValidHost(host)) return false;
  HostPort hp;
  hp.host = std::string(host);
  hp.port = default_port;
  if (has_port && !ParsePort(port, &hp.port)) return false;
  if (hp.port == 0) return false;
  *out = std::move(hp);
  return true;
}

}  // namespace weft::sidecar
