#include "sidecar/options.h"

#include <cmath>
#include <thread>

namespace weft::sidecar {
namespace {

bool Duration(const char* flag, Seconds s, bool allow_zero, std::chrono::nanoseconds* out,
              std::string* error) {
  const double v = s.count();
  if (!std::isfinite(v) || v < 0 || (!allow_zero && v == 0) || v > 86400 * 365) {
    *error = std::string(flag) + " must be a positive number of seconds, got " + std::to_string(v);
    return false;
  }
  *out = std::chrono::nanoseconds(static_cast<int64_t>(v * 1e9));
  return true;
}

bool Off(const std::string& s) { return s.empty() || s == "off" || s == "none"; }

}  // namespace

bool CheckOptions(const SidecarOptions& o, Config* c, std::string* error) {
  if (o.upstream.empty()) {
    *error = "--upstream HOST:PORT is required (the service the sidecar fronts)";
    return false;
  }
  if (o.service.empty()) {
    *error = "--service NAME is required (service.name of the spans)";
    return false;
  }
  std::string why;
  if (!ParseUpstreamAddress(o.upstream, &c->upstream, &why)) {
    *error = "--upstream: " + why;
    return false;
  }
  if (!ParseListenAddress(o.listen, &c->listen, &why)) {
    *error = "--listen: " + why;
    return false;
  }
  c->egress.reset();
  if (!Off(o.egress)) {
    HostPort hp;
    if (!ParseListenAddress(o.egress, &hp, &why)) {
      *error = "--egress: " + why;
      return false;
    }
    c->egress = hp;
  }
  c->admin.reset();
  if (!Off(o.admin_addr)) {
    HostPort hp;
    if (!ParseListenAddress(o.admin_addr, &hp, &why)) {
      *error = "--admin-addr: " + why;
      return false;
    }
    c->admin = hp;
  }
  if (!Duration("--header-timeout", o.header_timeout, false, &c->header_timeout, error) ||
      !Duration("--idle-timeout", o.idle_timeout, false, &c->idle_timeout, error) ||
      !Duration("--upstream-timeout", o.upstream_timeout, false, &c->upstream_timeout, error) ||
      !Duration("--drain-timeout", o.drain_timeout, true, &c->drain_timeout, error))
    return false;
  if (o.max_header_bytes < 256 || o.max_header_bytes > (64u << 20)) {
    *error = "--max-header-bytes must be between 256 and 64 MiB, got " +
             std::to_string(o.max_header_bytes);
    return false;
  }
  if (o.threads < 0 || o.threads > 1024) {
    *error = "--threads must be 0 (one per core) to 1024, got " + std::to_string(o.threads);
    return false;
  }
  c->service = o.service;
  c->ports_file = o.ports_file;
  c->max_header_bytes = o.max_header_bytes;
  c->max_body_bytes = o.max_body_bytes;
  c->max_response_header_bytes = std::max<size_t>(o.max_response_header_bytes, 1024);
  c->max_idle_upstream = o.max_idle_upstream;
  c->threads = o.threads;
  if (c->threads == 0) c->threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return true;
}

}  // namespace weft::sidecar
